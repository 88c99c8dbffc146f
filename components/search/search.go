package search

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/regions"
	"globalstack/components/search/settings"
)

// Port is the HTTPS port of the domain endpoint.
const Port = 443

// TLSPolicy is the strictest policy OpenSearch offers: TLS 1.2+ with forward secrecy.
const TLSPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"

// MasterCount is the number of dedicated master nodes: three tolerate a zone loss.
const MasterCount = 3

// MasterUserName is the fine-grained access control master user.
const MasterUserName = "search_admin"

// LogTypes are the logs published to CloudWatch. AUDIT_LOGS needs fine-grained access
// control, which the domain always has; what the audit log records is then configured through
// the security plugin's audit API (step 2 of
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html), for
// which the provider has no argument.
var LogTypes = []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"}

var (
	domainRE = regexp.MustCompile(`^[a-z][a-z0-9-]{2,27}$`)
	roleRE   = regexp.MustCompile(`^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// Args configures the domain.
type Args struct {
	// DomainName names the domain, its secret and its log groups.
	DomainName string
	Region     string
	// Provider is an explicit provider of Region, when it is not the stack's default region.
	Provider pulumi.ProviderResource

	// Settings size the domain; a zero field takes the settings.Prod preset, a zero InstanceCount
	// one data node per zone used.
	settings.Settings

	VpcID pulumi.StringInput
	// SubnetIDs are the isolated data subnets, one per entry of Zones; the first 3 are used.
	SubnetIDs pulumi.StringArray
	Zones     []string
	// AppSecurityGroupID is the only source admitted on 443.
	AppSecurityGroupID pulumi.StringInput

	KmsKeyArn     pulumi.StringInput // encryption at rest
	SecretsKeyArn pulumi.StringInput // the master user secret
	LogsKeyArn    pulumi.StringInput // the log groups

	Tags map[string]string
}

// zonesUsed is the zone-awareness count: 3, or 2 when the cell has only 2 zones.
func (a *Args) zonesUsed() int { return settings.ZonesUsed(len(a.SubnetIDs)) }

func (a *Args) withDefaults() {
	validate.FillZero(&a.Settings, settings.Prod)
	if a.InstanceCount == 0 {
		a.InstanceCount = a.zonesUsed()
	}
}

// Validate reports every problem with the args; zero values that have a default are fine.
func (a *Args) Validate() error {
	d := *a
	d.withDefaults()
	p := base.NewProblems("search")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	p.Require(domainRE.MatchString(d.DomainName), "DomainName", "%q must be 3-28 lowercase letters, digits and hyphens, starting with a letter", d.DomainName)
	p.Add(d.Settings.Validate(""))
	settings.ValidateInstanceCount(p, "instanceCount", d.InstanceCount, d.zonesUsed())
	base.ValidatePlacement(p, d.Region, len(d.SubnetIDs), d.Zones, d.VpcID != nil, d.AppSecurityGroupID != nil)
	p.Require(d.KmsKeyArn != nil, "KmsKeyArn", "is required: the domain is always encrypted at rest with a customer-managed key")
	p.Require(d.SecretsKeyArn != nil, "SecretsKeyArn", "is required: the master user secret is always encrypted with a customer-managed key")
	p.Require(d.LogsKeyArn != nil, "LogsKeyArn", "is required: the log groups are always encrypted")
	return p.Err()
}

// Search is the component.
type Search struct {
	pulumi.ResourceState

	DomainName string
	DomainArn  pulumi.StringOutput
	// Endpoint is the domain's VPC host name; URL is "https://<Endpoint>".
	Endpoint        pulumi.StringOutput
	URL             pulumi.StringOutput
	Port            int
	SecretArn       pulumi.StringOutput // the fine-grained access control master user
	SecurityGroupID pulumi.StringOutput
	// Flows are the network flows the domain declares (see base.Flow).
	Flows []base.Flow

	name     string
	provider pulumi.ProviderResource
	domain   *opensearch.Domain
}

// New creates the domain. Nothing is registered when the args are invalid.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Search, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	a.withDefaults()
	s := &Search{DomainName: a.DomainName, Port: Port, name: name, provider: a.Provider}
	if err := ctx.RegisterComponentResource("globalstack:search:Search", name, s, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: &a, s: s}
	if err := b.build(); err != nil {
		return nil, err
	}
	s.Flows = base.DataStoreFlows(base.AWSResource("aws:opensearch/domain:Domain", name), Port, "the OpenSearch domain")

	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		base.FlowsOutput:  base.FlowsValue(s.Flows),
		"domainName":      pulumi.String(a.DomainName),
		"domainArn":       s.DomainArn,
		"endpoint":        s.Endpoint,
		"url":             s.URL,
		"port":            pulumi.Int(Port),
		"secretArn":       s.SecretArn,
		"securityGroupId": s.SecurityGroupID,
	})
}

type builder struct {
	ctx  *pulumi.Context
	name string
	a    *Args
	s    *Search
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.ChildIn(b.s, b.a.Provider, extra...)
}

func (b *builder) tags(resource string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", b.a.DomainName+"-"+resource, "tier", "data")
}

func (b *builder) build() error {
	invoke := []pulumi.InvokeOption{pulumi.Parent(b.s)}
	if b.a.Provider != nil {
		invoke = append(invoke, pulumi.Provider(b.a.Provider))
	}
	who, err := aws.GetCallerIdentity(b.ctx, nil, invoke...)
	if err != nil {
		return fmt.Errorf("search: looking up the account: %w", err)
	}
	sg, err := b.securityGroup()
	if err != nil {
		return err
	}
	publishing, logPolicy, err := b.logs(who.AccountId)
	if err != nil {
		return err
	}
	password, err := b.masterPassword()
	if err != nil {
		return err
	}
	if err := b.domain(sg, publishing, logPolicy, password); err != nil {
		return err
	}
	return b.masterSecret(password)
}

// securityGroup admits HTTPS from the application tier only.
func (b *builder) securityGroup() (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name, &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("OpenSearch: HTTPS from the application tier only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("HTTPS from the application tier"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(Port),
			ToPort:         pulumi.Int(Port),
			SecurityGroups: pulumi.StringArray{b.a.AppSecurityGroupID},
		}},
		// The domain initiates no connections into the VPC; no egress.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   b.tags("search"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	b.s.SecurityGroupID = sg.ID().ToStringOutput()
	return sg, nil
}

// logs creates a log group per LogTypes entry and the resource policy letting this
// account's domain write into them; the domain publishes to them once the policy exists.
func (b *builder) logs(accountID string) (opensearch.DomainLogPublishingOptionArray, pulumi.Resource, error) {
	a := b.a
	// Known before the domain exists, so the log policy can name it.
	domainArn := fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", a.Region, accountID, a.DomainName)
	var groupArns pulumi.StringArray
	var publishing opensearch.DomainLogPublishingOptionArray
	for _, lt := range LogTypes {
		kind := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(lt, "_LOGS"), "_", "-"))
		group, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-"+kind, &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("/aws/opensearch/%s/%s", a.DomainName, kind),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			KmsKeyId:        a.LogsKeyArn,
			Tags:            b.tags("search-" + kind),
		}, b.opts()...)
		if err != nil {
			return nil, nil, err
		}
		groupArns = append(groupArns, pulumi.Sprintf("%s:*", group.Arn))
		publishing = append(publishing, opensearch.DomainLogPublishingOptionArgs{
			LogType:               pulumi.String(lt),
			CloudwatchLogGroupArn: group.Arn,
			Enabled:               pulumi.Bool(true),
		})
	}
	logPolicy, err := cloudwatch.NewLogResourcePolicy(b.ctx, b.name, &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.Sprintf("%s-opensearch-logs", a.DomainName),
		PolicyDocument: base.PolicyDocument(base.Statement{
			Sid:       "OpenSearchWritesItsLogs",
			Principal: base.ServicePrincipal("es.amazonaws.com"),
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: groupArns,
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(accountID)},
				"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.String(domainArn)},
			},
		}),
	}, b.opts()...)
	if err != nil {
		return nil, nil, err
	}
	return publishing, logPolicy, nil
}

// masterPassword generates the fine-grained access control master user's password.
func (b *builder) masterPassword() (*random.RandomPassword, error) {
	return random.NewRandomPassword(b.ctx, b.name+"-master", &random.RandomPasswordArgs{
		Length: pulumi.Int(32),
		// Fine-grained access control wants upper, lower, digit and special characters.
		OverrideSpecial: pulumi.String("!#$%&*()-_=+[]{}<>:?"),
		MinUpper:        pulumi.Int(1),
		MinLower:        pulumi.Int(1),
		MinNumeric:      pulumi.Int(1),
		MinSpecial:      pulumi.Int(1),
	}, base.Child(b.s)...)
}

// domain is the OpenSearch domain: dedicated masters, zone awareness, encrypted at rest
// and between nodes, HTTPS only, fine-grained access control, inside the VPC.
func (b *builder) domain(sg *ec2.SecurityGroup, publishing opensearch.DomainLogPublishingOptionArray,
	logPolicy pulumi.Resource, password *random.RandomPassword) error {
	a := b.a
	zones := a.zonesUsed()
	domain, err := opensearch.NewDomain(b.ctx, b.name, &opensearch.DomainArgs{
		DomainName:    pulumi.String(a.DomainName),
		EngineVersion: pulumi.String(a.EngineVersion),
		ClusterConfig: opensearch.DomainClusterConfigArgs{
			InstanceType:           pulumi.String(a.InstanceType),
			InstanceCount:          pulumi.Int(a.InstanceCount),
			DedicatedMasterEnabled: pulumi.Bool(true),
			DedicatedMasterType:    pulumi.String(a.MasterInstanceType),
			DedicatedMasterCount:   pulumi.Int(MasterCount),
			ZoneAwarenessEnabled:   pulumi.Bool(true),
			ZoneAwarenessConfig: opensearch.DomainClusterConfigZoneAwarenessConfigArgs{
				AvailabilityZoneCount: pulumi.Int(zones),
			},
		},
		EbsOptions: opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true),
			VolumeType: pulumi.String("gp3"),
			VolumeSize: pulumi.Int(a.VolumeSizeGiB),
		},
		EncryptAtRest: opensearch.DomainEncryptAtRestArgs{
			Enabled:  pulumi.Bool(true),
			KmsKeyId: a.KmsKeyArn,
		},
		NodeToNodeEncryption: opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: opensearch.DomainDomainEndpointOptionsArgs{
			EnforceHttps:      pulumi.Bool(true),
			TlsSecurityPolicy: pulumi.String(TLSPolicy),
		},
		AdvancedSecurityOptions: opensearch.DomainAdvancedSecurityOptionsArgs{
			Enabled:                     pulumi.Bool(true),
			AnonymousAuthEnabled:        pulumi.Bool(false),
			InternalUserDatabaseEnabled: pulumi.Bool(true),
			MasterUserOptions: opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs{
				MasterUserName:     pulumi.String(MasterUserName),
				MasterUserPassword: pulumi.ToSecret(password.Result).(pulumi.StringOutput),
			},
		},
		VpcOptions: opensearch.DomainVpcOptionsArgs{
			SubnetIds:        a.SubnetIDs[:zones],
			SecurityGroupIds: pulumi.StringArray{sg.ID()},
		},
		// No access policy here: AllowRoles sets it once the roles it names exist. Until then
		// only principals of this account whose own IAM policy allows es:ESHttp* on the domain
		// get past IAM (resource policy silent, identity policy allows; everything else is
		// denied by default:
		// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ac.html#ac-conflict),
		// then the security group and fine-grained access control still apply. Left unset, the
		// provider keeps whatever AllowRoles applied (access_policies is optional and computed).
		LogPublishingOptions: publishing,
		SnapshotOptions:      opensearch.DomainSnapshotOptionsArgs{AutomatedSnapshotStartHour: pulumi.Int(1)},
		Tags:                 b.tags("search"),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{logPolicy}))...)
	if err != nil {
		return err
	}
	b.s.domain = domain
	b.s.DomainArn = domain.Arn
	b.s.Endpoint = domain.Endpoint
	b.s.URL = pulumi.Sprintf("https://%s", domain.Endpoint)
	return nil
}

// masterSecret keeps the domain's URL and master credentials in Secrets Manager.
func (b *builder) masterSecret(password *random.RandomPassword) error {
	a := b.a
	secret, err := base.NewSecret(b.ctx, b.name+"-master", base.SecretArgs{
		Name:        pulumi.Sprintf("%s/search/master", a.DomainName),
		Description: pulumi.Sprintf("Fine-grained access control master user of OpenSearch domain %s", a.DomainName),
		KmsKeyArn:   a.SecretsKeyArn,
		Value: pulumi.JSONMarshal(pulumi.Map{
			"url":      b.s.URL,
			"username": pulumi.String(MasterUserName),
			"password": password.Result,
		}),
		Tags: b.tags("search-master"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.s.SecretArn = secret.Arn
	return nil
}

// AllowRoles applies the domain's access policy: es:ESHttp* on this domain for roleArns, and
// nobody else. It is its own resource, ordered after the roles through their ARNs: OpenSearch
// resolves every principal when a policy is set and rejects one IAM does not know yet
// ("InvalidTypeException: Error setting policy",
// https://github.com/hashicorp/terraform-provider-aws/issues/11). The provider retries that
// error only while creating or updating the domain itself, and only for IAM's propagation
// window (internal/service/opensearch/domain.go, domainErrorRetryable); a policy naming a role
// created minutes later by another component cannot be part of the domain's arguments.
func (s *Search) AllowRoles(ctx *pulumi.Context, roleArns pulumi.StringArrayInput) (*opensearch.DomainPolicy, error) {
	if s.domain == nil {
		return nil, fmt.Errorf("search: AllowRoles: the domain %s has not been created", s.DomainName)
	}
	checked := roleArns.ToStringArrayOutput().ApplyT(func(arns []string) ([]string, error) {
		if len(arns) == 0 {
			return nil, fmt.Errorf("search: AllowRoles: no role given: the access policy names the roles that may call %s", s.DomainName)
		}
		for _, arn := range arns {
			if !roleRE.MatchString(arn) || strings.Contains(arn, "*") {
				return nil, fmt.Errorf("search: AllowRoles: %q is not an IAM role ARN without wildcards", arn)
			}
		}
		return arns, nil
	}).(pulumi.StringArrayOutput)
	return opensearch.NewDomainPolicy(ctx, s.name+"-access", &opensearch.DomainPolicyArgs{
		DomainName: s.domain.DomainName,
		AccessPolicies: base.PolicyDocument(base.Statement{
			Sid:       "NamedRolesCallTheDomain",
			Principal: pulumi.Map{"AWS": checked},
			Actions:   []string{"es:ESHttp*"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", s.domain.Arn)},
		}),
	}, base.ChildIn(s, s.provider)...)
}
