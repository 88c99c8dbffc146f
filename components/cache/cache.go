package cache

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/cache/settings"
	"globalstack/components/regions"
)

// Port is the Redis port.
const Port = 6379

var identifierRE = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// Args configures the cache.
type Args struct {
	// Identifier is the replication group id and names the secret and log groups.
	Identifier string
	Region     string
	// Provider is an explicit provider of Region, when it is not the stack's default region.
	Provider pulumi.ProviderResource

	// Settings size the cache; a zero field takes the settings.Prod preset.
	settings.Settings

	VpcID pulumi.StringInput
	// SubnetIDs are the isolated data subnets, one per entry of Zones.
	SubnetIDs pulumi.StringArray
	Zones     []string
	// AppSecurityGroupID is the only source admitted on Port.
	AppSecurityGroupID pulumi.StringInput

	KmsKeyArn     pulumi.StringInput // at-rest encryption
	SecretsKeyArn pulumi.StringInput // the AUTH token secret
	LogsKeyArn    pulumi.StringInput // the log groups

	Tags map[string]string
}

func (a *Args) withDefaults() { validate.FillZero(&a.Settings, settings.Prod) }

// Validate reports every problem with the args; zero values that have a default are fine.
func (a *Args) Validate() error {
	d := *a
	d.withDefaults()
	p := base.NewProblems("cache")
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	if !identifierRE.MatchString(d.Identifier) || strings.Contains(d.Identifier, "--") || len(d.Identifier) > 40 {
		p.Addf("Identifier", "%q must be 2-40 lowercase letters, digits and single hyphens, starting with a letter", d.Identifier)
	}
	p.Add(d.Settings.Validate(""))
	base.ValidatePlacement(p, d.Region, len(d.SubnetIDs), d.Zones, d.VpcID != nil, d.AppSecurityGroupID != nil)
	p.Require(d.KmsKeyArn != nil, "KmsKeyArn", "is required: the cache is always encrypted at rest with a customer-managed key")
	p.Require(d.SecretsKeyArn != nil, "SecretsKeyArn", "is required: the AUTH token secret is always encrypted with a customer-managed key")
	p.Require(d.LogsKeyArn != nil, "LogsKeyArn", "is required: the log groups are always encrypted")
	return p.Err()
}

// Cache is the component.
type Cache struct {
	pulumi.ResourceState

	ReplicationGroupID pulumi.StringOutput
	Arn                pulumi.StringOutput
	// Endpoint is the primary endpoint (TLS); ReaderEndpoint balances over the replicas.
	Endpoint        pulumi.StringOutput
	ReaderEndpoint  pulumi.StringOutput
	Port            int
	SecretArn       pulumi.StringOutput // the AUTH token, in Secrets Manager
	SecurityGroupID pulumi.StringOutput
	// Flows are the network flows the cache declares (see base.Flow).
	Flows []base.Flow
}

// New creates the cache. Nothing is registered when the args are invalid.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cache, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	a.withDefaults()
	c := &Cache{Port: Port}
	if err := ctx.RegisterComponentResource("globalstack:cache:Cache", name, c, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: &a, c: c}
	if err := b.build(); err != nil {
		return nil, err
	}
	c.Flows = base.DataStoreFlows(base.AWSResource("aws:elasticache/replicationGroup:ReplicationGroup", name), Port, "the Redis replication group")

	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		base.FlowsOutput:     base.FlowsValue(c.Flows),
		"replicationGroupId": c.ReplicationGroupID,
		"endpoint":           c.Endpoint,
		"readerEndpoint":     c.ReaderEndpoint,
		"port":               pulumi.Int(Port),
		"secretArn":          c.SecretArn,
		"securityGroupId":    c.SecurityGroupID,
		"nodes":              pulumi.Int(a.Nodes),
	})
}

type builder struct {
	ctx  *pulumi.Context
	name string
	a    *Args
	c    *Cache
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.ChildIn(b.c, b.a.Provider, extra...)
}

func (b *builder) tags(resource string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", b.a.Identifier+"-"+resource, "tier", "data")
}

func (b *builder) build() error {
	sg, err := b.securityGroup()
	if err != nil {
		return err
	}
	subnets, err := elasticache.NewSubnetGroup(b.ctx, b.name, &elasticache.SubnetGroupArgs{
		Description: pulumi.Sprintf("%s isolated data subnets", b.a.Identifier),
		SubnetIds:   b.a.SubnetIDs,
		Tags:        b.tags("cache"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	deliveries, err := b.logDeliveries()
	if err != nil {
		return err
	}
	token, err := b.authToken()
	if err != nil {
		return err
	}
	rg, err := b.replicationGroup(sg, subnets, deliveries, token)
	if err != nil {
		return err
	}
	return b.authSecret(rg, token)
}

// securityGroup admits Redis from the application tier only.
func (b *builder) securityGroup() (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name, &ec2.SecurityGroupArgs{
		VpcId:       b.a.VpcID,
		Description: pulumi.String("Redis: 6379 from the application tier only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("Redis (TLS) from the application tier"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(Port),
			ToPort:         pulumi.Int(Port),
			SecurityGroups: pulumi.StringArray{b.a.AppSecurityGroupID},
		}},
		// The cache initiates no connections; an empty list removes AWS's allow-all egress.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   b.tags("cache"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	b.c.SecurityGroupID = sg.ID().ToStringOutput()
	return sg, nil
}

// logDeliveries creates the slow and engine log groups and delivers the logs into them.
func (b *builder) logDeliveries() (elasticache.ReplicationGroupLogDeliveryConfigurationArray, error) {
	a := b.a
	var deliveries elasticache.ReplicationGroupLogDeliveryConfigurationArray
	for _, kind := range []string{"slow-log", "engine-log"} {
		group, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-"+kind, &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("/globalstack/%s/redis/%s", a.Identifier, kind),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			KmsKeyId:        a.LogsKeyArn,
			Tags:            b.tags("cache-" + kind),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		deliveries = append(deliveries, elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
			Destination:     group.Name,
			DestinationType: pulumi.String("cloudwatch-logs"),
			LogFormat:       pulumi.String("json"),
			LogType:         pulumi.String(kind),
		})
	}
	return deliveries, nil
}

// authToken generates the Redis AUTH token.
func (b *builder) authToken() (*random.RandomPassword, error) {
	return random.NewRandomPassword(b.ctx, b.name+"-auth", &random.RandomPasswordArgs{
		Length: pulumi.Int(64),
		// ElastiCache accepts only these specials in an AUTH token.
		OverrideSpecial: pulumi.String("!&#$^<>-"),
		MinSpecial:      pulumi.Int(2),
		MinNumeric:      pulumi.Int(2),
	}, base.Child(b.c)...)
}

// replicationGroup is the Multi-AZ Redis replication group, encrypted at rest and in
// transit, requiring the AUTH token.
func (b *builder) replicationGroup(sg *ec2.SecurityGroup, subnets *elasticache.SubnetGroup,
	deliveries elasticache.ReplicationGroupLogDeliveryConfigurationArray, token *random.RandomPassword) (*elasticache.ReplicationGroup, error) {
	a := b.a
	azs := make(pulumi.StringArray, a.Nodes)
	for i := range azs {
		azs[i] = pulumi.String(a.Zones[i%len(a.Zones)])
	}
	major, _, _ := strings.Cut(a.EngineVersion, ".")
	rg, err := elasticache.NewReplicationGroup(b.ctx, b.name, &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:        pulumi.String(a.Identifier),
		Description:               pulumi.Sprintf("%s Redis: sessions, carts and hot reads", a.Identifier),
		Engine:                    pulumi.String("redis"),
		EngineVersion:             pulumi.String(a.EngineVersion),
		ParameterGroupName:        pulumi.String("default.redis" + major),
		NodeType:                  pulumi.String(a.NodeType),
		NumCacheClusters:          pulumi.Int(a.Nodes),
		PreferredCacheClusterAzs:  azs,
		Port:                      pulumi.Int(Port),
		AutomaticFailoverEnabled:  pulumi.Bool(true),
		MultiAzEnabled:            pulumi.Bool(true),
		AtRestEncryptionEnabled:   pulumi.Bool(true),
		KmsKeyId:                  a.KmsKeyArn,
		TransitEncryptionEnabled:  pulumi.Bool(true),
		TransitEncryptionMode:     pulumi.String("required"),
		AuthToken:                 pulumi.ToSecret(token.Result).(pulumi.StringOutput),
		AuthTokenUpdateStrategy:   pulumi.String("ROTATE"),
		SubnetGroupName:           subnets.Name,
		SecurityGroupIds:          pulumi.StringArray{sg.ID()},
		SnapshotRetentionLimit:    pulumi.Int(a.SnapshotRetentionDays),
		SnapshotWindow:            pulumi.String("02:00-03:00"),
		MaintenanceWindow:         pulumi.String("sun:05:00-sun:06:00"),
		FinalSnapshotIdentifier:   pulumi.String(a.Identifier + "-final"),
		AutoMinorVersionUpgrade:   pulumi.Bool(true),
		LogDeliveryConfigurations: deliveries,
		Tags:                      b.tags("cache"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	b.c.ReplicationGroupID = rg.ID().ToStringOutput()
	b.c.Arn = rg.Arn
	b.c.Endpoint = rg.PrimaryEndpointAddress
	b.c.ReaderEndpoint = rg.ReaderEndpointAddress
	return rg, nil
}

// authSecret keeps the connection details and the AUTH token in Secrets Manager.
func (b *builder) authSecret(rg *elasticache.ReplicationGroup, token *random.RandomPassword) error {
	a := b.a
	secret, err := base.NewSecret(b.ctx, b.name+"-auth", base.SecretArgs{
		Name:        pulumi.Sprintf("%s/cache/auth", a.Identifier),
		Description: pulumi.Sprintf("AUTH token of Redis replication group %s", a.Identifier),
		KmsKeyArn:   a.SecretsKeyArn,
		Value: pulumi.JSONMarshal(pulumi.Map{
			"host":      rg.PrimaryEndpointAddress,
			"port":      pulumi.Int(Port),
			"tls":       pulumi.Bool(true),
			"authToken": token.Result,
		}),
		Tags: b.tags("cache-auth"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.c.SecretArn = secret.Arn
	return nil
}
