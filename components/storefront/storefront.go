package storefront

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/cluster"
	"globalstack/components/regions"
	"globalstack/components/storefront/settings"
)

// Contract of the storefront image.
const (
	Port           = 8080
	UID            = 65532
	ServiceAccount = "storefront"
	AppName        = "storefront"
	// SecretName is the Kubernetes Secret the CSI driver syncs the storefront's secrets into.
	SecretName = "storefront-secrets"
	// AppDBUser is the PostgreSQL role the pods log in as, with IAM auth tokens: it can read
	// and write the storefront's rows and nothing more (see the db-bootstrap command).
	AppDBUser = "storefront_app"
	// Bootstrap is the name of what the db-bootstrap Job uses: its service account, its
	// SecretProviderClass, the Kubernetes Secret holding the master password (synced only
	// while the Job's pod exists) and its pods' app.kubernetes.io/name label.
	Bootstrap = "storefront-db-bootstrap"
	// readyPath is the readiness endpoint: pods are Ready, targets healthy and the region
	// healthy for Route 53 only while it answers 200 (it checks PostgreSQL).
	readyPath = "/readyz"
	// bootstrapRoleSuffix names the Job's IAM role: RoleName + suffix.
	bootstrapRoleSuffix = "-db-bootstrap"
)

// Database is where PostgreSQL listens and which secret holds {"username","password"}.
// User and the secret are the master credentials: only the db-bootstrap Job gets them. The
// pods log in as AppDBUser with IAM auth tokens, which needs ResourceID.
type Database struct {
	Host      pulumi.StringInput
	Port      int
	Name      string
	User      string // master user (db-bootstrap Job only)
	SecretArn pulumi.StringInput
	// ResourceID is the cluster's resource id (cluster-XXXX), which the rds-db:connect
	// permission names: arn:aws:rds-db:<region>:<account>:dbuser:<ResourceID>/storefront_app.
	ResourceID pulumi.StringInput
}

// Cache is where Redis listens (TLS) and which secret holds {"authToken"}.
type Cache struct {
	Host      pulumi.StringInput
	Port      int
	SecretArn pulumi.StringInput
}

// Search is the OpenSearch domain; its secret holds {"username","password"}.
type Search struct {
	URL       pulumi.StringInput // https://...
	DomainArn pulumi.StringInput
	SecretArn pulumi.StringInput
}

// DefaultImageTag is the tag the presets deploy.
const DefaultImageTag = settings.DefaultImageTag

// Settings are the tunable settings of the workload (globalstack:storefront), defined,
// preset and validated in package settings, which the stack configuration links without the
// Kubernetes SDK.
type Settings = settings.Settings

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = settings.Prod
	Dev  = settings.Dev
)

// Args configures the storefront.
type Args struct {
	Region    string
	Namespace string // default "storefront"
	// RoleName is the IAM role's explicit name; other tiers scope access to its ARN.
	RoleName           string
	KubernetesProvider pulumi.ProviderResource
	// ClusterReady are the cluster add-ons every Kubernetes object waits for (CRDs, webhooks).
	ClusterReady    []pulumi.Resource
	OIDCProviderArn pulumi.StringInput
	OIDCIssuerURL   pulumi.StringInput
	// Settings size and tune the workload; a zero field takes the Prod preset, except the
	// image (Image, or Repository and ImageTag), which the caller always names.
	Settings
	Database Database
	Cache    Cache
	Search   *Search // optional: the storefront falls back to PostgreSQL full-text search
	// SecretsKeyArn encrypts the storefront's secrets; the role may decrypt with it only.
	SecretsKeyArn pulumi.StringInput
	// ImageKeyArn, when set, encrypts the image repository with a customer-managed key
	// instead of ECR's AES256 default.
	ImageKeyArn     pulumi.StringInput
	DataSubnetCIDRs []string
	// EndpointSubnetCIDRs are the subnets holding the VPC's interface endpoints (STS,
	// Secrets Manager, ECR, Logs): IRSA exchanges the pod's token at STS before the first
	// IAM-authenticated database connection and every signed OpenSearch request.
	EndpointSubnetCIDRs []string
	PublicSubnetIDs     pulumi.StringArray
	// Domain (optional) gives the ALB a certificate for <OriginHost>.<Domain>, in ZoneID.
	Domain string
	// OriginHost is the label of the origin record under Domain; default "origin". A DR
	// stack uses its own ("origin-dr") so both regions can be origins of one distribution.
	OriginHost string
	// FailoverRole ("PRIMARY" or "SECONDARY", with Domain) adds this region to the Route 53
	// failover record "<FailoverHost>.<Domain>" behind a health check on /readyz; the edge
	// sends API traffic to that name, so writes follow a failover too. The ALB certificate
	// covers the name.
	FailoverRole string
	FailoverHost string // default "api-origin"
	// VpcID and VpcCIDR enable a security group on the load balancer that admits HTTPS only
	// from CloudFront's origin-facing addresses, so the WAF cannot be bypassed.
	VpcID   pulumi.StringInput
	VpcCIDR string
	// NodeSecurityGroupID is a group every node's network interfaces carry; with the VPC CNI
	// the pods' addresses sit on those interfaces, so the component admits the load
	// balancer on Port there (required with VpcID and Domain).
	NodeSecurityGroupID pulumi.StringInput
	ZoneID              pulumi.StringInput
	Tags                map[string]string
}

var originLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func (a *Args) withDefaults() Args {
	d := *a
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&d.Namespace, "storefront")
	if d.MaxReplicas == 0 {
		d.MaxReplicas = max(Prod.MaxReplicas, d.Replicas)
	}
	preset := Prod
	preset.Repository, preset.ImageTag = "", "" // the image is never implied
	validate.FillZero(&d.Settings, preset)
	if d.Database.Port == 0 {
		d.Database.Port = 5432
	}
	if d.Cache.Port == 0 {
		d.Cache.Port = 6379
	}
	if len(d.CORSAllowedOrigins) == 0 && d.Domain != "" {
		d.CORSAllowedOrigins = []string{"https://" + d.Domain}
	}
	return d
}

// Validate reports every problem with the args (after defaults).
func (a *Args) Validate() error {
	d := a.withDefaults()
	p := base.NewProblems("storefront")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(roleName.MatchString(d.RoleName), "RoleName", "%q is not an IAM role name", d.RoleName)
	p.Require(len(d.RoleName)+len(bootstrapRoleSuffix) <= 64, "RoleName", "%q is too long: the db-bootstrap role %q needs at most 64 characters",
		d.RoleName, d.RoleName+bootstrapRoleSuffix)
	p.Require(d.KubernetesProvider != nil, "KubernetesProvider", "is required: the storefront deploys to an explicit cluster")
	p.Require(d.OIDCProviderArn != nil, "OIDCProviderArn", "is required for the IRSA role")
	p.Require(d.OIDCIssuerURL != nil, "OIDCIssuerURL", "is required for the IRSA role")
	p.Add(d.Settings.Validate(""))
	p.Require(d.SecretsKeyArn != nil, "SecretsKeyArn", "is required")
	p.Require(d.Database.Host != nil, "Database.Host", "is required")
	p.Require(d.Database.SecretArn != nil, "Database.SecretArn", "is required: the db-bootstrap Job's PGPASSWORD comes from it")
	p.Require(d.Database.ResourceID != nil, "Database.ResourceID", "is required: the pods connect as %s with IAM auth, allowed by rds-db:connect on the cluster's resource id", AppDBUser)
	p.Require(d.Database.Name != "", "Database.Name", "is required")
	p.Require(d.Database.User != "", "Database.User", "is required")
	p.Require(d.Cache.Host != nil, "Cache.Host", "is required")
	p.Require(d.Cache.SecretArn != nil, "Cache.SecretArn", "is required: REDIS_PASSWORD comes from it")
	if d.Search != nil {
		p.Require(d.Search.URL != nil && d.Search.DomainArn != nil && d.Search.SecretArn != nil, "Search", "URL, DomainArn and SecretArn are all required when Search is set")
	}
	p.Require(len(d.DataSubnetCIDRs) > 0, "DataSubnetCIDRs", "is required: egress is limited to the data subnets")
	for _, c := range d.DataSubnetCIDRs {
		if pfx, err := netip.ParsePrefix(c); err != nil || pfx.Bits() == 0 {
			p.Addf("DataSubnetCIDRs", "%q is not a subnet range", c)
		}
	}
	p.Require(len(d.EndpointSubnetCIDRs) > 0, "EndpointSubnetCIDRs", "is required: the pods reach STS through the VPC's interface endpoints")
	for _, c := range d.EndpointSubnetCIDRs {
		if pfx, err := netip.ParsePrefix(c); err != nil || pfx.Bits() == 0 {
			p.Addf("EndpointSubnetCIDRs", "%q is not a subnet range", c)
		}
	}
	p.Require(len(d.PublicSubnetIDs) >= 2, "PublicSubnetIDs", "%d given: an ALB needs at least 2", len(d.PublicSubnetIDs))
	if d.Domain != "" {
		p.Require(d.ZoneID != nil, "ZoneID", "is required with Domain %q", d.Domain)
		p.Require(d.OriginHost == "" || originLabel.MatchString(d.OriginHost), "OriginHost", "%q is not a DNS label", d.OriginHost)
		p.Require(d.FailoverRole == "" || d.FailoverRole == "PRIMARY" || d.FailoverRole == "SECONDARY", "FailoverRole", "%q is not PRIMARY or SECONDARY", d.FailoverRole)
		p.Require(d.FailoverHost == "" || originLabel.MatchString(d.FailoverHost), "FailoverHost", "%q is not a DNS label", d.FailoverHost)
		p.Require(d.VpcID == nil || d.NodeSecurityGroupID != nil, "NodeSecurityGroupID", "is required with VpcID: the load balancer's own security group must be admitted to the pods")
	}
	return p.Err()
}

// Storefront is the component.
type Storefront struct {
	pulumi.ResourceState

	Namespace      string
	Image          pulumi.StringOutput
	RepositoryURL  pulumi.StringOutput // empty when Args.Image was given
	RoleArn        pulumi.StringOutput
	TokenSecretArn pulumi.StringOutput
	// LoadBalancerHostname is the ALB's DNS name, as the controller reports it.
	LoadBalancerHostname pulumi.StringOutput
	// OriginDomain is what the edge connects to: origin.<Domain> (HTTPS) or the ALB (HTTP).
	OriginDomain pulumi.StringOutput
	// FailoverDomain is the Route 53 failover name (with FailoverRole), else OriginDomain.
	FailoverDomain pulumi.StringOutput
	OriginHTTPS    bool
	// Flows are the network flows the storefront needs and forbids (see base.Flow).
	Flows []base.Flow
}

// New deploys the storefront.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Storefront, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := args.withDefaults()
	s := &Storefront{Namespace: a.Namespace, OriginHTTPS: a.Domain != ""}
	if err := ctx.RegisterComponentResource("globalstack:storefront:Storefront", name, s, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: &a, s: s}
	if err := b.build(); err != nil {
		return nil, err
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		base.FlowsOutput:       base.FlowsValue(s.Flows),
		"namespace":            pulumi.String(a.Namespace),
		"roleArn":              s.RoleArn,
		"loadBalancerHostname": s.LoadBalancerHostname,
		"originDomain":         s.OriginDomain,
	})
}

type builder struct {
	ctx  *pulumi.Context
	name string
	a    *Args
	s    *Storefront
	// prefix lists the load balancer admits, as looked up
	lists []base.Endpoint
}

// aws children use the stack's default (cell-region) provider; Kubernetes children the
// cluster's provider.
func (b *builder) awsOpts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.s, extra...)
}

func (b *builder) k8sOpts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	if len(b.a.ClusterReady) > 0 {
		extra = append([]pulumi.ResourceOption{pulumi.DependsOn(b.a.ClusterReady)}, extra...)
	}
	return base.ChildIn(b.s, b.a.KubernetesProvider, extra...)
}

func (b *builder) labels() pulumi.StringMap {
	return pulumi.StringMap{
		"app.kubernetes.io/name":       pulumi.String(AppName),
		"app.kubernetes.io/part-of":    pulumi.String("globalstack"),
		"app.kubernetes.io/managed-by": pulumi.String("pulumi"),
	}
}

func (b *builder) selector() pulumi.StringMap {
	return pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(AppName)}
}

func (b *builder) meta(name string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(b.a.Namespace), Labels: b.labels()}
}

// secretRef is one Secrets Manager value synced into the Kubernetes Secret.
type secretRef struct {
	arn      pulumi.StringInput
	jmesPath string // field of the JSON secret; "" for a plain string secret
	key      string // key in the Kubernetes Secret == environment variable
}

func (b *builder) build() error {
	if err := b.image(); err != nil {
		return err
	}
	token, err := b.tokenSecret()
	if err != nil {
		return err
	}
	refs := []secretRef{
		{arn: b.a.Cache.SecretArn, jmesPath: "authToken", key: "REDIS_PASSWORD"},
		{arn: token, key: "TOKEN_SECRET"},
	}
	// OpenSearch needs no secret: the app signs its requests with the pod's IAM role, the
	// only principal the domain's access policy admits. The master user stays with operators.
	// PostgreSQL needs none either: the pods log in as AppDBUser with IAM auth tokens. The
	// master password reaches only the db-bootstrap Job, through its own role and Secret.
	if err := b.role(refs); err != nil {
		return err
	}
	bootRefs := []secretRef{{arn: b.a.Database.SecretArn, jmesPath: "password", key: "PGPASSWORD"}}
	bootRoleArn, err := b.bootstrapRole(bootRefs)
	if err != nil {
		return err
	}
	ns, err := corev1.NewNamespace(b.ctx, b.name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(b.a.Namespace),
			Labels: pulumi.StringMap{
				"pod-security.kubernetes.io/enforce": pulumi.String("restricted"),
				"pod-security.kubernetes.io/warn":    pulumi.String("restricted"),
			},
		},
	}, b.k8sOpts()...)
	if err != nil {
		return err
	}
	inNS := pulumi.DependsOn([]pulumi.Resource{ns})
	sa, err := corev1.NewServiceAccount(b.ctx, b.name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(ServiceAccount),
			Namespace:   pulumi.String(b.a.Namespace),
			Labels:      b.labels(),
			Annotations: pulumi.StringMap{"eks.amazonaws.com/role-arn": b.s.RoleArn},
		},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, b.k8sOpts(inNS)...)
	if err != nil {
		return err
	}
	spc, err := b.secretProviderClass(AppName, SecretName, refs, ns)
	if err != nil {
		return err
	}
	job, err := b.bootstrapJob(bootRefs, bootRoleArn, ns)
	if err != nil {
		return err
	}
	dep, err := b.deployment(refs, []pulumi.Resource{sa, spc, job})
	if err != nil {
		return err
	}
	svc, err := corev1.NewService(b.ctx, b.name, &corev1.ServiceArgs{
		Metadata: b.meta(AppName),
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: b.selector(),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(80), TargetPort: pulumi.Int(Port), Protocol: pulumi.String("TCP"),
			}},
		},
	}, b.k8sOpts(inNS)...)
	if err != nil {
		return err
	}
	if err := b.ingress(svc, dep); err != nil {
		return err
	}
	if err := b.scaling(dep, inNS); err != nil {
		return err
	}
	if err := b.networkPolicy(inNS); err != nil {
		return err
	}
	b.declareFlows()
	return nil
}

// declareFlows lists what the pods must reach and what must never reach them.
func (b *builder) declareFlows() {
	a := b.a
	pods := base.Pods(a.Namespace, map[string]string{"app.kubernetes.io/name": AppName})
	add := func(to base.Endpoint, port int, why string) {
		b.s.Flows = append(b.s.Flows, base.Flow{From: pods, To: to, Port: port, Why: why})
	}
	add(base.AWSResource("aws:rds/cluster:Cluster", ""), a.Database.Port, "orders and catalogue live in Aurora PostgreSQL; /readyz needs it")
	add(base.AWSResource("aws:elasticache/replicationGroup:ReplicationGroup", ""), a.Cache.Port, "carts and sessions live in Redis")
	if a.Search != nil {
		add(base.AWSResource("aws:opensearch/domain:Domain", ""), 443, "product search, signed with the pod's role")
	}
	add(base.VpcEndpoint("sts"), 443, "IRSA: the pod's token is exchanged at STS before the IAM-authenticated database login and every signed OpenSearch request")
	add(base.VpcEndpoint("secretsmanager"), 443, "the pod's role reads its secrets through Secrets Manager")
	lb := base.LoadBalancer(a.Namespace, AppName)
	b.s.Flows = append(b.s.Flows,
		base.Flow{From: lb, To: pods, Port: Port, Why: "the ALB forwards to the pods' IPs (target-type ip) and probes /readyz"},
		base.Flow{From: base.Internet(), To: pods, Ports: "0-65535", Forbidden: true, Why: "pods are reached through the ALB only"},
		base.Flow{From: pods, To: base.Internet(), Ports: "0-65535", Forbidden: true, Why: "pods have no business on the internet: AWS APIs are reached through VPC endpoints"},
	)
	for i, pl := range b.lists {
		why := "CloudFront (behind the WAF) is the only client of the ALB"
		if i > 0 {
			why = "Route 53 health checkers probe origin/readyz for the failover record"
		}
		b.s.Flows = append(b.s.Flows, base.Flow{From: pl, To: lb, Port: 443, Why: why})
	}
}

// image resolves the image to deploy, creating the cell's ECR repository when the stack
// deploys by tag: images are pulled from the cell's own region, through the VPC endpoints.
func (b *builder) image() error {
	if b.a.Image != "" {
		b.s.Image = pulumi.String(b.a.Image).ToStringOutput()
		return nil
	}
	repo, err := ecr.NewRepository(b.ctx, b.name, &ecr.RepositoryArgs{
		Name:                       pulumi.String(b.a.Repository),
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations:   b.imageEncryption(),
		Tags:                       base.Tags(b.a.Tags, "Name", b.a.Repository),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.RepositoryURL = repo.RepositoryUrl
	b.s.Image = pulumi.Sprintf("%s:%s", repo.RepositoryUrl, b.a.ImageTag)
	return nil
}

// tokenSecret generates TOKEN_SECRET and keeps it in Secrets Manager only.
func (b *builder) tokenSecret() (pulumi.StringOutput, error) {
	pw, err := random.NewRandomPassword(b.ctx, b.name+"-token", &random.RandomPasswordArgs{
		Length:  pulumi.Int(64),
		Special: pulumi.Bool(false),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sec, err := base.NewSecret(b.ctx, b.name+"-token", base.SecretArgs{
		Name:        pulumi.Sprintf("%s/token-secret", b.a.RoleName),
		Description: pulumi.String("Signing key of storefront session tokens (TOKEN_SECRET)"),
		KmsKeyArn:   b.a.SecretsKeyArn,
		Value:       pw.Result,
		Tags:        base.Tags(b.a.Tags, "Name", b.a.RoleName+"-token-secret"),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	b.s.TokenSecretArn = sec.Arn
	return sec.Arn, nil
}

// role creates the IRSA role: read these secrets, decrypt with this key, call this domain.
func (b *builder) role(refs []secretRef) error {
	role, err := iam.NewRole(b.ctx, b.name, &iam.RoleArgs{
		Name:             pulumi.String(b.a.RoleName),
		Description:      pulumi.Sprintf("Storefront pods (%s/%s)", b.a.Namespace, ServiceAccount),
		AssumeRolePolicy: cluster.TrustPolicy(b.a.OIDCProviderArn, b.a.OIDCIssuerURL, b.a.Namespace, ServiceAccount),
		Tags:             base.Tags(b.a.Tags, "Name", b.a.RoleName),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.RoleArn = role.Arn
	stmts := b.secretStatements(refs)
	// Log in to PostgreSQL as AppDBUser (IAM auth token), on this cluster only. The account
	// and partition are the role's own: the database lives in the cell's account.
	dbUser := pulumi.All(role.Arn, b.a.Database.ResourceID).ApplyT(func(v []any) (string, error) {
		parts := strings.SplitN(v[0].(string), ":", 6)
		if len(parts) != 6 || parts[4] == "" {
			return "", fmt.Errorf("storefront: unexpected role ARN %q", v[0])
		}
		id := v[1].(string)
		if id == "" || strings.ContainsAny(id, "*?/:") {
			return "", fmt.Errorf("storefront: Database.ResourceID %q is not a cluster resource id", id)
		}
		return fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", parts[1], b.a.Region, parts[4], id, AppDBUser), nil
	}).(pulumi.StringOutput)
	stmts = append(stmts, base.Statement{
		Sid:       "DatabaseIAMConnect",
		Actions:   []string{"rds-db:connect"},
		Resources: pulumi.StringArray{dbUser},
	})
	if b.a.Search != nil {
		stmts = append(stmts, base.Statement{
			Sid:       "SearchHTTP",
			Actions:   []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", b.a.Search.DomainArn)},
		})
	}
	_, err = iam.NewRolePolicy(b.ctx, b.name, &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: base.PolicyDocument(stmts...),
	}, b.awsOpts()...)
	return err
}

// secretStatements allow reading exactly the secrets of refs and decrypting them with
// exactly SecretsKeyArn, through Secrets Manager.
func (b *builder) secretStatements(refs []secretRef) []base.Statement {
	var secretArns pulumi.StringArray
	seen := map[pulumi.StringInput]bool{}
	for _, r := range refs {
		if !seen[r.arn] {
			seen[r.arn] = true
			secretArns = append(secretArns, r.arn)
		}
	}
	return []base.Statement{
		{
			Sid:       "ReadOwnSecrets",
			Actions:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resources: secretArns,
		},
		{
			Sid:       "DecryptOwnSecrets",
			Actions:   []string{"kms:Decrypt"},
			Resources: pulumi.StringArray{b.a.SecretsKeyArn},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"kms:ViaService": pulumi.String("secretsmanager." + b.a.Region + ".amazonaws.com"),
			}},
		},
	}
}

// secretProviderClass tells the CSI driver which secrets to fetch with the pod's role and
// how to sync them into SecretName.
func (b *builder) secretProviderClass(name, secretName string, refs []secretRef, ns pulumi.Resource) (pulumi.Resource, error) {
	// One object per secret ARN, with a JMES path per field it contributes.
	type object struct {
		arn   pulumi.StringInput
		paths []secretRef
	}
	var objs []*object
	byArn := map[pulumi.StringInput]*object{}
	for _, r := range refs {
		o, ok := byArn[r.arn]
		if !ok {
			o = &object{arn: r.arn}
			byArn[r.arn] = o
			objs = append(objs, o)
		}
		o.paths = append(o.paths, r)
	}
	var parts []any
	for _, o := range objs {
		parts = append(parts, o.arn)
	}
	objectsYAML := pulumi.All(parts...).ApplyT(func(arns []any) string {
		var sb strings.Builder
		for i, o := range objs {
			fmt.Fprintf(&sb, "- objectName: %q\n  objectType: secretsmanager\n  objectAlias: secret-%d\n", arns[i], i)
			var jm []secretRef
			for _, p := range o.paths {
				if p.jmesPath != "" {
					jm = append(jm, p)
				}
			}
			if len(jm) > 0 {
				sb.WriteString("  jmesPath:\n")
				for _, p := range jm {
					fmt.Fprintf(&sb, "  - path: %s\n    objectAlias: %s\n", p.jmesPath, p.key)
				}
			}
		}
		return sb.String()
	}).(pulumi.StringOutput)
	var data []any
	for i, o := range objs {
		for _, p := range o.paths {
			alias := p.key
			if p.jmesPath == "" {
				alias = fmt.Sprintf("secret-%d", i)
			}
			data = append(data, map[string]any{"objectName": alias, "key": p.key})
		}
	}
	resName := b.name
	if name != AppName {
		resName = b.name + "-" + strings.TrimPrefix(name, AppName+"-")
	}
	return apiextensions.NewCustomResource(b.ctx, resName, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("secrets-store.csi.x-k8s.io/v1"),
		Kind:       pulumi.String("SecretProviderClass"),
		Metadata:   b.meta(name),
		OtherFields: kubernetes.UntypedArgs{
			"spec": map[string]any{
				"provider": "aws",
				"parameters": pulumi.Map{
					"region":  pulumi.String(b.a.Region),
					"objects": objectsYAML,
				},
				"secretObjects": []any{map[string]any{
					"secretName": secretName,
					"type":       "Opaque",
					"labels":     map[string]any{"app.kubernetes.io/name": name},
					"data":       data,
				}},
			},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{ns}))...)
}

func (b *builder) env(refs []secretRef) corev1.EnvVarArray {
	a := b.a
	plain := func(k string, v pulumi.StringInput) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(k), Value: v}
	}
	env := corev1.EnvVarArray{
		plain("STOREFRONT_ADDR", pulumi.Sprintf(":%d", Port)),
		plain("LOG_LEVEL", pulumi.String(a.LogLevel)),
		plain("PGHOST", a.Database.Host),
		plain("PGPORT", pulumi.Sprintf("%d", a.Database.Port)),
		plain("PGUSER", pulumi.String(AppDBUser)),
		plain("PGDATABASE", pulumi.String(a.Database.Name)),
		plain("PGSSLMODE", pulumi.String(a.PGSSLMode)),
		// A fresh IAM auth token, signed with the pod's role, for every new connection.
		plain("DATABASE_IAM_AUTH", pulumi.String("true")),
		plain("AWS_REGION", pulumi.String(a.Region)),
		// AppDBUser cannot create objects; the db-bootstrap Job migrates before each rollout.
		plain("MIGRATE_ON_START", pulumi.String("false")),
		plain("REDIS_URL", pulumi.Sprintf("rediss://%s:%d", a.Cache.Host, a.Cache.Port)),
	}
	if len(a.CORSAllowedOrigins) > 0 {
		env = append(env, plain("CORS_ALLOWED_ORIGINS", pulumi.String(strings.Join(a.CORSAllowedOrigins, ","))))
	}
	if a.Search != nil {
		env = append(env, plain("OPENSEARCH_URL", a.Search.URL),
			plain("OPENSEARCH_AUTH", pulumi.String("aws-sigv4")),
			plain("OPENSEARCH_AWS_REGION", pulumi.String(a.Region)))
	}
	keys := make([]string, 0, len(a.Env))
	for k := range a.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, plain(k, pulumi.String(a.Env[k])))
	}
	for _, r := range refs {
		env = append(env, corev1.EnvVarArgs{
			Name: pulumi.String(r.key),
			ValueFrom: &corev1.EnvVarSourceArgs{SecretKeyRef: &corev1.SecretKeySelectorArgs{
				Name: pulumi.String(SecretName),
				Key:  pulumi.String(r.key),
			}},
		})
	}
	return env
}

// podSecurity and containerSecurity are the "restricted" Pod Security settings every
// storefront pod runs with.
func podSecurity() *corev1.PodSecurityContextArgs {
	return &corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(UID),
		RunAsGroup:     pulumi.Int(UID),
		FsGroup:        pulumi.Int(UID),
		SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func containerSecurity() *corev1.SecurityContextArgs {
	return &corev1.SecurityContextArgs{
		RunAsNonRoot:             pulumi.Bool(true),
		RunAsUser:                pulumi.Int(UID),
		RunAsGroup:               pulumi.Int(UID),
		AllowPrivilegeEscalation: pulumi.Bool(false),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		Privileged:               pulumi.Bool(false),
		Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

func (b *builder) deployment(refs []secretRef, deps []pulumi.Resource) (*appsv1.Deployment, error) {
	a := b.a
	probe := func(path string, initial, period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet:             &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.String("http")},
			InitialDelaySeconds: pulumi.Int(initial),
			PeriodSeconds:       pulumi.Int(period),
			TimeoutSeconds:      pulumi.Int(2),
			FailureThreshold:    pulumi.Int(failures),
		}
	}
	spread := func(key, when string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew:           pulumi.Int(1),
			TopologyKey:       pulumi.String(key),
			WhenUnsatisfiable: pulumi.String(when),
			LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
		}
	}
	return appsv1.NewDeployment(b.ctx, b.name, &appsv1.DeploymentArgs{
		Metadata: b.meta(AppName),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas:             pulumi.Int(a.Replicas),
			RevisionHistoryLimit: pulumi.Int(5),
			Selector:             &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
			Strategy: &appsv1.DeploymentStrategyArgs{
				Type: pulumi.String("RollingUpdate"),
				RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
					MaxUnavailable: pulumi.Int(0),
					MaxSurge:       pulumi.String("25%"),
				},
			},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{
					Labels:      b.labels(),
					Annotations: pulumi.StringMap{"prometheus.io/scrape": pulumi.String("true"), "prometheus.io/port": pulumi.Sprintf("%d", Port), "prometheus.io/path": pulumi.String("/metrics")},
				},
				Spec: &corev1.PodSpecArgs{
					ServiceAccountName: pulumi.String(ServiceAccount),
					// The IRSA webhook mounts its own projected token; the pod needs no
					// Kubernetes API credentials.
					AutomountServiceAccountToken:  pulumi.Bool(false),
					TerminationGracePeriodSeconds: pulumi.Int(30),
					SecurityContext:               podSecurity(),
					TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{
						spread("topology.kubernetes.io/zone", "DoNotSchedule"),
						spread("kubernetes.io/hostname", "ScheduleAnyway"),
					},
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:            pulumi.String(AppName),
						Image:           b.s.Image,
						ImagePullPolicy: pulumi.String("IfNotPresent"),
						Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
							Name: pulumi.String("http"), ContainerPort: pulumi.Int(Port), Protocol: pulumi.String("TCP"),
						}},
						Env: b.env(refs),
						Resources: &corev1.ResourceRequirementsArgs{
							Requests: pulumi.StringMap{"cpu": pulumi.String(a.CPURequest), "memory": pulumi.String(a.MemoryRequest)},
							Limits:   pulumi.StringMap{"cpu": pulumi.String(a.CPULimit), "memory": pulumi.String(a.MemoryLimit)},
						},
						LivenessProbe:   probe("/healthz", 10, 10, 3),
						ReadinessProbe:  probe(readyPath, 5, 5, 3),
						SecurityContext: containerSecurity(),
						VolumeMounts: corev1.VolumeMountArray{
							corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
							corev1.VolumeMountArgs{Name: pulumi.String("secrets"), MountPath: pulumi.String("/mnt/secrets"), ReadOnly: pulumi.Bool(true)},
						},
					}},
					Volumes: corev1.VolumeArray{
						corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{Medium: pulumi.String("Memory"), SizeLimit: pulumi.String("64Mi")}},
						// Mounting the CSI volume is what makes the driver fetch and sync the secrets.
						corev1.VolumeArgs{Name: pulumi.String("secrets"), Csi: &corev1.CSIVolumeSourceArgs{
							Driver:           pulumi.String("secrets-store.csi.k8s.io"),
							ReadOnly:         pulumi.Bool(true),
							VolumeAttributes: pulumi.StringMap{"secretProviderClass": pulumi.String(AppName)},
						}},
					},
				},
			},
		},
	}, b.k8sOpts(pulumi.DependsOn(deps),
		// The autoscaler owns the replica count once the Deployment exists; re-applying the
		// initial count on every update would undo a scale-out.
		pulumi.IgnoreChanges([]string{"spec.replicas"}))...)
}

func (b *builder) ingress(svc, dep pulumi.Resource) error {
	a := b.a
	subnets := a.PublicSubnetIDs.ToStringArrayOutput().ApplyT(func(ids []string) string {
		return strings.Join(ids, ",")
	}).(pulumi.StringOutput)
	tags := make([]string, 0, len(a.Tags))
	for k, v := range a.Tags {
		tags = append(tags, k+"="+v)
	}
	sort.Strings(tags)
	ann := pulumi.StringMap{
		"alb.ingress.kubernetes.io/scheme":           pulumi.String("internet-facing"),
		"alb.ingress.kubernetes.io/target-type":      pulumi.String("ip"),
		"alb.ingress.kubernetes.io/subnets":          subnets,
		"alb.ingress.kubernetes.io/healthcheck-path": pulumi.String(readyPath),
		"alb.ingress.kubernetes.io/load-balancer-attributes": pulumi.String(
			"routing.http.drop_invalid_header_fields.enabled=true,idle_timeout.timeout_seconds=60"),
		"alb.ingress.kubernetes.io/tags": pulumi.String(strings.Join(tags, ",")),
	}
	var certDeps []pulumi.Resource
	if a.VpcID != nil && a.Domain != "" {
		sgs, err := b.loadBalancerSecurityGroups()
		if err != nil {
			return err
		}
		ann["alb.ingress.kubernetes.io/security-groups"] = sgs
		// The plan owns the rule admitting the load balancer to the pods (see
		// loadBalancerSecurityGroups): with "true" the controller would authorize ingress on
		// the cluster security group, which its role may not modify.
		ann["alb.ingress.kubernetes.io/manage-backend-security-group-rules"] = pulumi.String("false")
	}
	if a.Domain != "" {
		cert, validation, err := b.certificate()
		if err != nil {
			return err
		}
		certDeps = append(certDeps, validation)
		ann["alb.ingress.kubernetes.io/listen-ports"] = pulumi.String(`[{"HTTPS":443}]`)
		ann["alb.ingress.kubernetes.io/certificate-arn"] = cert
		ann["alb.ingress.kubernetes.io/ssl-policy"] = pulumi.String("ELBSecurityPolicy-TLS13-1-2-2021-06")
	} else {
		ann["alb.ingress.kubernetes.io/listen-ports"] = pulumi.String(`[{"HTTP":80}]`)
	}
	route := func(path, kind string) networkingv1.HTTPIngressPathArgs {
		return networkingv1.HTTPIngressPathArgs{
			Path:     pulumi.String(path),
			PathType: pulumi.String(kind),
			Backend: networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
				Name: pulumi.String(AppName),
				Port: &networkingv1.ServiceBackendPortArgs{Name: pulumi.String("http")},
			}},
		}
	}
	labels := b.labels()
	// Names the region of the ALB behind this object (a well-known label).
	labels["topology.kubernetes.io/region"] = pulumi.String(a.Region)
	ing, err := networkingv1.NewIngress(b.ctx, b.name, &networkingv1.IngressArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(AppName), Namespace: pulumi.String(a.Namespace), Labels: labels, Annotations: ann,
		},
		Spec: &networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String("alb"),
			Rules: networkingv1.IngressRuleArray{networkingv1.IngressRuleArgs{
				Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{
					route("/api", "Prefix"),
					// The Route 53 health check of the failover record probes
					// origin.<Domain>/readyz through the load balancer; unrouted paths get
					// the controller's default 404, which would mark the region unhealthy.
					route(readyPath, "Exact"),
				}},
			}},
		},
	}, b.k8sOpts(pulumi.DependsOn(append([]pulumi.Resource{svc, dep}, certDeps...)))...)
	if err != nil {
		return err
	}
	host := ing.Status.LoadBalancer().Ingress().Index(pulumi.Int(0)).Hostname().Elem()
	b.s.LoadBalancerHostname = host
	b.s.OriginDomain = host
	b.s.FailoverDomain = host
	if a.Domain == "" {
		return nil
	}
	origin := a.originHost() + "." + a.Domain
	rec, err := route53.NewRecord(b.ctx, b.name+"-origin", &route53.RecordArgs{
		ZoneId:  a.ZoneID,
		Name:    pulumi.String(origin),
		Type:    pulumi.String("CNAME"),
		Ttl:     pulumi.Int(60),
		Records: pulumi.StringArray{host},
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.OriginDomain = rec.Fqdn
	b.s.FailoverDomain = rec.Fqdn
	if a.FailoverRole != "" {
		return b.failoverRecord(rec.Fqdn)
	}
	return nil
}

// imageEncryption encrypts the repository with ImageKeyArn when given.
func (b *builder) imageEncryption() ecr.RepositoryEncryptionConfigurationArray {
	if b.a.ImageKeyArn == nil {
		return ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")}}
	}
	return ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
		EncryptionType: pulumi.String("KMS"),
		KmsKey:         b.a.ImageKeyArn,
	}}
}

func (a *Args) failoverHost() string {
	if a.FailoverHost == "" {
		return "api-origin"
	}
	return a.FailoverHost
}

func (a *Args) originHost() string {
	if a.OriginHost == "" {
		return "origin"
	}
	return a.OriginHost
}

// certificate issues the ALB's certificate for origin.<Domain> in the cell's region.
//
// ACM asks for one validation CNAME per domain name and account, whichever certificate or
// region requests it, and renews a DNS-validated certificate only while that record stays
// in place (https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html).
// The failover name is on the cell's and the DR stack's certificates alike, so only the
// PRIMARY side manages its record: a DR stack returning to pilot light would otherwise
// delete it and the cell's certificate could no longer renew. The SECONDARY side names the
// record's FQDN for validation without managing it (the cell is deployed first).
func (b *builder) certificate() (pulumi.StringOutput, pulumi.Resource, error) {
	origin := b.a.originHost() + "." + b.a.Domain
	names := []string{origin}
	cargs := &acm.CertificateArgs{
		DomainName:       pulumi.String(origin),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("EC_prime256v1"),
		Tags:             base.Tags(b.a.Tags, "Name", origin),
	}
	if b.a.FailoverRole != "" {
		shared := b.a.failoverHost() + "." + b.a.Domain
		names = append(names, shared)
		cargs.SubjectAlternativeNames = pulumi.StringArray{pulumi.String(shared)}
	}
	cert, err := acm.NewCertificate(b.ctx, b.name+"-origin", cargs, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	var fqdns pulumi.StringArray
	for i := range names {
		dvo := cert.DomainValidationOptions.Index(pulumi.Int(i))
		if i > 0 && b.a.FailoverRole != "PRIMARY" {
			fqdns = append(fqdns, dvo.ResourceRecordName().Elem().ApplyT(func(n string) string {
				return strings.TrimSuffix(n, ".")
			}).(pulumi.StringOutput))
			continue
		}
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprintf("-%d", i)
		}
		rec, err := route53.NewRecord(b.ctx, b.name+"-origin-validation"+suffix, &route53.RecordArgs{
			ZoneId:  b.a.ZoneID,
			Name:    dvo.ResourceRecordName().Elem(),
			Type:    dvo.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
			// The record may predate this stack (an earlier certificate for the same name).
			AllowOverwrite: pulumi.Bool(true),
		}, b.awsOpts()...)
		if err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		fqdns = append(fqdns, rec.Fqdn)
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.name+"-origin", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return v.CertificateArn, v, nil
}

// Managed prefix lists the load balancer admits, and their weights: a rule referencing a
// list counts as its maximum number of entries against the quota of 60 inbound rules per
// security group, so the two lists (55 + 25) need a group each.
// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
const (
	CloudFrontPrefixList   = "com.amazonaws.global.cloudfront.origin-facing"
	securityGroupRuleQuota = 60
)

// HealthCheckPrefixList names the Route 53 health checkers' list: "allow inbound traffic
// from com.amazonaws.<region>.route53-healthchecks, where <region> is the Region of your
// resource" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html).
func HealthCheckPrefixList(region string) string {
	return "com.amazonaws." + region + ".route53-healthchecks"
}

// prefixList looks up an AWS-managed prefix list and checks that a rule referencing it fits
// in one security group.
func (b *builder) prefixList(name string) (*ec2.LookupManagedPrefixListResult, error) {
	pl, err := ec2.LookupManagedPrefixList(b.ctx, &ec2.LookupManagedPrefixListArgs{Name: pulumi.StringRef(name)}, pulumi.Parent(b.s))
	if err != nil {
		return nil, fmt.Errorf("storefront: looking up the managed prefix list %s: %w", name, err)
	}
	if pl.MaxEntries > securityGroupRuleQuota {
		return nil, fmt.Errorf("storefront: prefix list %s weighs %d rules, more than the %d a security group holds", name, pl.MaxEntries, securityGroupRuleQuota)
	}
	var entries []string
	for _, e := range pl.Entries {
		entries = append(entries, e.Cidr)
	}
	b.lists = append(b.lists, base.PrefixList(name, pl.Id, pl.MaxEntries, entries))
	return pl, nil
}

// loadBalancerSecurityGroups creates the load balancer's groups and returns their ids, as
// the controller's security-groups annotation takes them. One admits HTTPS only from
// CloudFront's origin-facing addresses, so nothing reaches the API without passing the WAF;
// with a failover record, a second admits HTTPS from the Route 53 health checkers, which
// probe origin.<Domain>/readyz. With its groups given by annotation the controller adds no
// rule to the targets' groups (manage-backend-security-group-rules defaults to false,
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/security_groups/),
// so the rule admitting the load balancer on Port is declared here, on the nodes' group.
func (b *builder) loadBalancerSecurityGroups() (pulumi.StringOutput, error) {
	a := b.a
	cf, err := b.prefixList(CloudFrontPrefixList)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("Storefront load balancer: HTTPS from CloudFront only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:   pulumi.String("HTTPS from CloudFront origin-facing addresses"),
			Protocol:      pulumi.String("tcp"),
			FromPort:      pulumi.Int(443),
			ToPort:        pulumi.Int(443),
			PrefixListIds: pulumi.StringArray{pulumi.String(cf.Id)},
		}},
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("To the pods inside the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(Port),
			ToPort:      pulumi.Int(Port),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.VpcCIDR)},
		}},
		Tags: base.Tags(a.Tags, "Name", a.RoleName+"-alb"),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.name+"-alb-to-pods", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           a.NodeSecurityGroupID,
		Description:               pulumi.Sprintf("Storefront load balancer to the pods' port %d", Port),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(Port),
		ToPort:                    pulumi.Int(Port),
		ReferencedSecurityGroupId: sg.ID(),
		Tags:                      base.Tags(a.Tags, "Name", a.RoleName+"-alb-to-pods"),
	}, b.awsOpts()...); err != nil {
		return pulumi.StringOutput{}, err
	}
	ids := pulumi.StringArray{sg.ID()}
	if a.FailoverRole != "" {
		hc, err := b.prefixList(HealthCheckPrefixList(a.Region))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		checks, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb-health-checks", &ec2.SecurityGroupArgs{
			VpcId:       a.VpcID,
			Description: pulumi.String("Storefront load balancer: HTTPS from Route 53 health checkers"),
			Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
				Description:   pulumi.String("HTTPS from Route 53 health checkers"),
				Protocol:      pulumi.String("tcp"),
				FromPort:      pulumi.Int(443),
				ToPort:        pulumi.Int(443),
				PrefixListIds: pulumi.StringArray{pulumi.String(hc.Id)},
			}},
			// The first group carries the load balancer's traffic to the pods.
			Egress: ec2.SecurityGroupEgressArray{},
			Tags:   base.Tags(a.Tags, "Name", a.RoleName+"-alb-health-checks"),
		}, b.awsOpts()...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		ids = append(ids, checks.ID())
	}
	return ids.ToStringArrayOutput().ApplyT(func(ids []string) string {
		return strings.Join(ids, ",")
	}).(pulumi.StringOutput), nil
}

// failoverRecord puts this region's origin into the Route 53 failover record the edge
// uses for the API, behind a health check on the readiness endpoint.
func (b *builder) failoverRecord(origin pulumi.StringOutput) error {
	a := b.a
	hc, err := route53.NewHealthCheck(b.ctx, b.name+"-origin", &route53.HealthCheckArgs{
		Type:             pulumi.String("HTTPS"),
		Fqdn:             origin,
		Port:             pulumi.Int(443),
		ResourcePath:     pulumi.String(readyPath),
		FailureThreshold: pulumi.Int(3),
		RequestInterval:  pulumi.Int(10),
		EnableSni:        pulumi.Bool(true),
		Tags:             base.Tags(a.Tags, "Name", a.originHost()+"."+a.Domain),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	shared := a.failoverHost() + "." + a.Domain
	rec, err := route53.NewRecord(b.ctx, b.name+"-failover", &route53.RecordArgs{
		ZoneId:        a.ZoneID,
		Name:          pulumi.String(shared),
		Type:          pulumi.String("CNAME"),
		Ttl:           pulumi.Int(30),
		Records:       pulumi.StringArray{origin},
		SetIdentifier: pulumi.Sprintf("%s-%s", strings.ToLower(a.FailoverRole), a.Region),
		HealthCheckId: hc.ID(),
		FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{
			Type: pulumi.String(a.FailoverRole),
		}},
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.FailoverDomain = rec.Fqdn
	return nil
}

func (b *builder) scaling(dep pulumi.Resource, inNS pulumi.ResourceOption) error {
	a := b.a
	if _, err := autoscalingv2.NewHorizontalPodAutoscaler(b.ctx, b.name, &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: b.meta(AppName),
		Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(AppName),
			},
			MinReplicas: pulumi.Int(a.Replicas),
			MaxReplicas: pulumi.Int(a.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: &autoscalingv2.ResourceMetricSourceArgs{
					Name:   pulumi.String("cpu"),
					Target: &autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(a.CPUTargetPercent)},
				},
			}},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{dep}))...); err != nil {
		return err
	}
	// With a single replica a disruption budget would block node drains forever.
	budget := pulumi.Input(pulumi.Int(1))
	if a.Replicas == 1 {
		budget = pulumi.Int(0)
	}
	_, err := policyv1.NewPodDisruptionBudget(b.ctx, b.name, &policyv1.PodDisruptionBudgetArgs{
		Metadata: b.meta(AppName),
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: budget,
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
		},
	}, b.k8sOpts(inNS)...)
	return err
}

func (b *builder) networkPolicy(inNS pulumi.ResourceOption) error {
	var dataPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range b.a.DataSubnetCIDRs {
		dataPeers = append(dataPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	tcp := func(port int) networkingv1.NetworkPolicyPortArgs {
		return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(port)}
	}
	// The interface endpoints' addresses are assigned by AWS when they are created, so the
	// tightest rule the plan can state is HTTPS to the subnets that hold them.
	var endpointPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range b.a.EndpointSubnetCIDRs {
		endpointPeers = append(endpointPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	_, err := networkingv1.NewNetworkPolicy(b.ctx, b.name, &networkingv1.NetworkPolicyArgs{
		Metadata: b.meta(AppName),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
				// The ALB (IP targets) and the kubelet's probes reach the HTTP port only.
				Ports: networkingv1.NetworkPolicyPortArray{tcp(Port)},
			}},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{
				networkingv1.NetworkPolicyEgressRuleArgs{
					To:    dataPeers,
					Ports: networkingv1.NetworkPolicyPortArray{tcp(b.a.Database.Port), tcp(b.a.Cache.Port), tcp(443)},
				},
				networkingv1.NetworkPolicyEgressRuleArgs{
					To:    endpointPeers,
					Ports: networkingv1.NetworkPolicyPortArray{tcp(443)},
				},
				networkingv1.NetworkPolicyEgressRuleArgs{
					To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
						NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
						PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
					}},
					Ports: networkingv1.NetworkPolicyPortArray{
						networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
						tcp(53),
					},
				},
			},
		},
	}, b.k8sOpts(inNS)...)
	return err
}
