package storefront

import (
	"net/netip"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/regions"
	"globalstack/components/storefront/settings"
)

// Contract of the storefront image.
const (
	Port = 8080
	// MetricsPort is the app's own /metrics listener (METRICS_ADDR); the API port never
	// serves metrics.
	MetricsPort    = 9090
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
	// ReadyPath is the readiness endpoint: pods are Ready, targets healthy and the region
	// healthy for Route 53 only while it answers 200 (it checks PostgreSQL).
	ReadyPath = "/readyz"
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

// Scraper names the Prometheus scrapers admitted to MetricsPort.
//
// The Amazon Managed Service for Prometheus collector runs outside the cluster's pods: it
// creates an ENI in each subnet it is given, with the security groups it is given, and scrapes
// the pods' IPs through them; AWS tells to give it the cluster's subnets and security group
// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector.html,
// https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html). A
// NetworkPolicy sees those ENIs as plain VPC addresses, so CIDRs admits them by subnet range.
type Scraper struct {
	// CIDRs are the subnets of the managed collector's ENIs (the cluster's subnets).
	CIDRs []string
	// From selects the collector in the flow declarations: its ENIs carry the cluster
	// security group in the cluster's subnets, like the nodes (base.ClusterNodes).
	From base.Endpoint
}

// In-cluster Prometheus (a self-managed one, or an agent) is admitted when its pods run in
// namespace ScraperNamespace and carry ScraperLabel=ScraperLabelValue.
const (
	ScraperNamespace  = "monitoring"
	ScraperLabel      = "app.kubernetes.io/name"
	ScraperLabelValue = "prometheus"
)

// RoutedPaths are the paths the load balancer forwards to the pods: the API and the readiness
// endpoint the Route 53 health check probes. Liveness and metrics stay inside the cluster.
var RoutedPaths = []string{"/api", "/api/*", ReadyPath}

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
	settings.Settings
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
	// Domain (optional) is the shop's DNS name: CORS admits https://<Domain> by default.
	Domain string
	// TargetGroupArn is the load balancer's "ip" target group (components/origin) the pods
	// register in through a TargetGroupBinding.
	TargetGroupArn pulumi.StringInput
	// LoadBalancer selects that load balancer in the storefront's flow declarations.
	LoadBalancer base.Endpoint
	// Scraper is who may read the pods' metrics port.
	Scraper Scraper
	Tags    map[string]string
}

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
		d.MaxReplicas = max(settings.Prod.MaxReplicas, d.Replicas)
	}
	preset := settings.Prod
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
	p.Require(len(d.Scraper.CIDRs) > 0, "Scraper.CIDRs", "is required: the managed Prometheus collector scrapes the pods from the cluster's subnets")
	for _, c := range d.Scraper.CIDRs {
		if pfx, err := netip.ParsePrefix(c); err != nil || pfx.Bits() == 0 {
			p.Addf("Scraper.CIDRs", "%q is not a subnet range", c)
		}
	}
	p.Require(d.Scraper.From != nil, "Scraper.From", "is required: the flow from the collector to the metrics port names it")
	p.Require(d.TargetGroupArn != nil, "TargetGroupArn", "is required: the pods are served through the origin's target group")
	p.Require(d.LoadBalancer != nil, "LoadBalancer", "is required: the flow from the load balancer to the pods names it")
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
	s := &Storefront{Namespace: a.Namespace}
	if err := ctx.RegisterComponentResource("globalstack:storefront:Storefront", name, s, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: &a, s: s}
	if err := b.build(); err != nil {
		return nil, err
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		base.FlowsOutput: base.FlowsValue(s.Flows),
		"namespace":      pulumi.String(a.Namespace),
		"roleArn":        s.RoleArn,
	})
}

type builder struct {
	ctx  *pulumi.Context
	name string
	a    *Args
	s    *Storefront
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
	ns, err := b.namespace()
	if err != nil {
		return err
	}
	inNS := pulumi.DependsOn([]pulumi.Resource{ns})
	sa, err := b.serviceAccount(inNS)
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
	svc, err := b.service(inNS)
	if err != nil {
		return err
	}
	if err := b.targetGroupBinding(svc, dep); err != nil {
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
