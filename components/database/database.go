package database

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/base/validate"
	"globalstack/components/database/settings"
	"globalstack/components/regions"
)

// Mode says whether the component owns the global cluster or joins it.
type Mode string

// The modes.
const (
	Primary   Mode = "primary"   // creates the global cluster and its writable regional cluster
	Secondary Mode = "secondary" // joins an existing global cluster from another region
)

// Engine is the Aurora engine of every cluster.
const Engine = "aurora-postgresql"

// Port is the PostgreSQL port every cluster listens on.
const Port = 5432

// Names of the database and its master user (a Secondary inherits them).
const (
	DefaultDatabaseName   = "storefront"
	DefaultMasterUsername = "storefront_admin"
)

var (
	identifierRE = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	nameRE       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// Args configures the database of one region.
type Args struct {
	// Mode defaults to Primary.
	Mode Mode
	// Identifier names the clusters: "<Identifier>-global" and "<Identifier>-<Region>".
	Identifier string
	// Region the regional cluster lives in; it must be the region of Provider when one is given.
	Region string
	// Provider is the explicit provider of Region. Required for Secondary (the DR region is
	// never the stack's default region); optional for Primary.
	Provider pulumi.ProviderResource
	// GlobalClusterIdentifier is the global cluster a Secondary joins (the primary stack's
	// globalClusterId output). A Primary creates its own and must leave this nil.
	GlobalClusterIdentifier pulumi.StringInput
	// SourceRegion is the primary region a Secondary replicates from.
	SourceRegion string
	// Promoted marks a Secondary that was detached from the global cluster at failover and
	// now serves as a standalone writer: the cluster no longer names the global cluster, so
	// `pulumi up` does not try to rejoin it.
	Promoted bool
	// SecretReplicaRegion and SecretReplicaKeyArn replicate a Primary's credentials secret
	// into the DR region (encrypted with a key of that region), so a promoted secondary can
	// be reached while the primary region is down.
	SecretReplicaRegion string
	SecretReplicaKeyArn pulumi.StringInput

	// Settings size the database; a zero field takes the settings.Prod preset. A Primary runs
	// Instances instances (writer + readers spread over the zones), a Secondary DRInstances
	// (0 = headless) until it serves (see Serving).
	settings.Settings
	// Serving marks a Secondary that serves as the cell's writer after a failover (detached,
	// see Promoted, or switched over): it runs Instances instances.
	Serving bool
	// DatabaseName and MasterUsername apply to a Primary (a Secondary inherits them).
	DatabaseName   string
	MasterUsername string

	VpcID pulumi.StringInput
	// SubnetIDs are the isolated data subnets, one per entry of Zones.
	SubnetIDs pulumi.StringArray
	Zones     []string
	// AppSecurityGroupID is the only source admitted on Port.
	AppSecurityGroupID pulumi.StringInput

	// KmsKeyArn encrypts storage and Performance Insights; it must be a key of Region.
	KmsKeyArn pulumi.StringInput
	// SecretsKeyArn encrypts the master credentials secret (Primary only).
	SecretsKeyArn pulumi.StringInput
	// LogsKeyArn encrypts the PostgreSQL log group.
	LogsKeyArn pulumi.StringInput

	Tags map[string]string
}

func (a *Args) withDefaults() {
	if a.Mode == "" {
		a.Mode = Primary
	}
	validate.FillZero(&a.Settings, settings.Prod)
	if a.DatabaseName == "" {
		a.DatabaseName = DefaultDatabaseName
	}
	if a.MasterUsername == "" {
		a.MasterUsername = DefaultMasterUsername
	}
}

// instanceCount is the number of instances of this region's cluster.
func (a *Args) instanceCount() int {
	if a.Mode == Primary || a.Serving || a.Promoted {
		return a.Instances
	}
	return a.DRInstances
}

// Validate reports every problem with the args; zero values that have a default are fine.
func (a *Args) Validate() error {
	d := *a
	d.withDefaults()
	p := base.NewProblems("database")
	p.Require(d.Mode == Primary || d.Mode == Secondary, "Mode", "%q is not a mode (want %q or %q)", d.Mode, Primary, Secondary)
	p.Require(regions.Known(d.Region), "Region", "%q is not an AWS region", d.Region)
	// The cluster identifier "<Identifier>-<region>" must stay within RDS's 63 characters.
	if !identifierRE.MatchString(d.Identifier) || strings.Contains(d.Identifier, "--") || len(d.Identifier) > 40 {
		p.Addf("Identifier", "%q must be 2-40 lowercase letters, digits and single hyphens, starting with a letter", d.Identifier)
	}
	switch d.Mode {
	case Primary:
		p.Require(d.GlobalClusterIdentifier == nil, "GlobalClusterIdentifier", "must be empty for a primary, which creates the global cluster")
		p.Require(d.SecretsKeyArn != nil, "SecretsKeyArn", "is required: the master credentials secret is always encrypted with a customer-managed key")
		p.Require(nameRE.MatchString(d.DatabaseName), "DatabaseName", "%q must be 1-63 lowercase letters, digits or underscores, starting with a letter", d.DatabaseName)
		p.Require(nameRE.MatchString(d.MasterUsername) && d.MasterUsername != "postgres" && d.MasterUsername != "admin",
			"MasterUsername", "%q must be 1-63 lowercase letters, digits or underscores, starting with a letter, and not a reserved name", d.MasterUsername)
		p.Require(!d.Promoted, "Promoted", "applies to a secondary only")
		if d.SecretReplicaRegion != "" {
			p.Require(regions.Known(d.SecretReplicaRegion) && d.SecretReplicaRegion != d.Region, "SecretReplicaRegion", "%q is not another AWS region", d.SecretReplicaRegion)
			if j, ok := regions.Of(d.Region); ok && !j.Contains(d.SecretReplicaRegion) {
				p.Addf("SecretReplicaRegion", "%q is outside jurisdiction %q: credentials never leave it", d.SecretReplicaRegion, j)
			}
			p.Require(d.SecretReplicaKeyArn != nil, "SecretReplicaKeyArn", "is required with SecretReplicaRegion: the replica is encrypted with a key of its region")
		}
	case Secondary:
		p.Require(d.Provider != nil, "Provider", "is required for a secondary: it must be created through an explicit provider of %q", d.Region)
		p.Require(d.GlobalClusterIdentifier != nil, "GlobalClusterIdentifier", "is required for a secondary: it names the global cluster to join")
		p.Require(regions.Known(d.SourceRegion), "SourceRegion", "%q is not an AWS region", d.SourceRegion)
		p.Require(d.SourceRegion != d.Region, "SourceRegion", "is %q, the secondary's own region: a secondary must be in another region", d.SourceRegion)
	}
	p.Add(d.Settings.Validate(""))
	base.ValidatePlacement(p, d.Region, len(d.SubnetIDs), d.Zones, d.VpcID != nil, d.AppSecurityGroupID != nil)
	p.Require(d.KmsKeyArn != nil, "KmsKeyArn", "is required: storage is always encrypted with a customer-managed key")
	p.Require(d.LogsKeyArn != nil, "LogsKeyArn", "is required: the PostgreSQL log group is always encrypted")
	return p.Err()
}

// Database is the component.
type Database struct {
	pulumi.ResourceState

	Mode Mode
	// ClusterIdentifier and ClusterArn name the regional cluster.
	ClusterIdentifier pulumi.StringOutput
	ClusterArn        pulumi.StringOutput
	// ClusterResourceID is what IAM database authentication policies name (rds-db:connect).
	ClusterResourceID pulumi.StringOutput
	// GlobalClusterIdentifier is the global cluster created (Primary) or joined (Secondary).
	GlobalClusterIdentifier pulumi.StringOutput
	Endpoint                pulumi.StringOutput // writer (cluster) endpoint
	ReaderEndpoint          pulumi.StringOutput
	Port                    int
	DatabaseName            string
	MasterUsername          string
	// SecretArn is the Secrets Manager secret with the master credentials (Primary only; a
	// Secondary's is an empty string).
	SecretArn       pulumi.StringOutput
	SecurityGroupID pulumi.StringOutput
	// Flows are the network flows the database declares (see base.Flow).
	Flows []base.Flow
}

// New creates the database. Nothing is registered when the args are invalid.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	a.withDefaults()
	db := &Database{Mode: a.Mode, Port: Port, DatabaseName: a.DatabaseName, MasterUsername: a.MasterUsername}
	if err := ctx.RegisterComponentResource("globalstack:database:Database", name, db, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: &a, db: db}
	if err := b.build(); err != nil {
		return nil, err
	}
	db.Flows = base.DataStoreFlows(base.AWSResource("aws:rds/cluster:Cluster", name), Port, "the Aurora cluster")
	outs := pulumi.Map{
		"mode":                    pulumi.String(string(a.Mode)),
		"clusterIdentifier":       db.ClusterIdentifier,
		"clusterArn":              db.ClusterArn,
		"globalClusterIdentifier": db.GlobalClusterIdentifier,
		"endpoint":                db.Endpoint,
		"readerEndpoint":          db.ReaderEndpoint,
		"port":                    pulumi.Int(Port),
		"securityGroupId":         db.SecurityGroupID,
		"secretArn":               db.SecretArn,
		base.FlowsOutput:          base.FlowsValue(db.Flows),
	}
	return db, ctx.RegisterResourceOutputs(db, outs)
}

type builder struct {
	ctx  *pulumi.Context
	name string
	a    *Args
	db   *Database
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.ChildIn(b.db, b.a.Provider, extra...)
}

func (b *builder) tags(resource string) pulumi.StringMap {
	return base.Tags(b.a.Tags, "Name", b.a.Identifier+"-"+resource, "tier", "data")
}

func (b *builder) build() error {
	ctx, name, a := b.ctx, b.name, b.a
	clusterID := a.Identifier + "-" + a.Region

	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("Aurora PostgreSQL: 5432 from the application tier only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("PostgreSQL from the application tier"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(Port),
			ToPort:         pulumi.Int(Port),
			SecurityGroups: pulumi.StringArray{a.AppSecurityGroupID},
		}},
		// A database initiates no connections; an empty list removes AWS's allow-all egress.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   b.tags("database"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.db.SecurityGroupID = sg.ID().ToStringOutput()

	subnets, err := rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		Description: pulumi.Sprintf("%s isolated data subnets", clusterID),
		SubnetIds:   a.SubnetIDs,
		Tags:        b.tags("database"),
	}, b.opts()...)
	if err != nil {
		return err
	}

	major, _, _ := strings.Cut(a.EngineVersion, ".")
	params, err := rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
		Family:      pulumi.String("aurora-postgresql" + major),
		Description: pulumi.Sprintf("%s: TLS only, connection and slow statement logging", clusterID),
		Parameters: rds.ClusterParameterGroupParameterArray{
			param("rds.force_ssl", "1"),
			param("ssl_min_protocol_version", "TLSv1.2"),
			param("log_connections", "1"),
			param("log_disconnections", "1"),
			param("log_min_duration_statement", "1000"),
			// Schema changes (CREATE/ALTER/DROP) land in the PostgreSQL log, which the
			// cluster exports to CloudWatch
			// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_LogAccess.Concepts.PostgreSQL.Query_Logging.html).
			param("log_statement", "ddl"),
		},
		Tags: b.tags("database"),
	}, b.opts()...)
	if err != nil {
		return err
	}

	// Created before the cluster so RDS writes into an encrypted group with a retention
	// rather than creating its own unencrypted, never-expiring one.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-postgresql", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/cluster/%s/postgresql", clusterID),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.LogsKeyArn,
		Tags:            b.tags("database-logs"),
	}, b.opts()...)
	if err != nil {
		return err
	}

	cargs := &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(clusterID),
		Engine:                           pulumi.String(Engine),
		EngineVersion:                    pulumi.String(a.EngineVersion),
		Port:                             pulumi.Int(Port),
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         a.KmsKeyArn,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(true),
		BackupRetentionPeriod:            pulumi.Int(a.BackupRetentionDays),
		PreferredBackupWindow:            pulumi.String("03:00-04:00"),
		PreferredMaintenanceWindow:       pulumi.String("sun:04:30-sun:05:30"),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		EnabledCloudwatchLogsExports:     pulumi.ToStringArray([]string{"postgresql"}),
		DbClusterParameterGroupName:      params.Name,
		DbSubnetGroupName:                subnets.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{sg.ID()},
		Tags:                             b.tags("database"),
	}
	extra := []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{logs})}

	if a.Mode == Primary {
		global, err := rds.NewGlobalCluster(ctx, name, &rds.GlobalClusterArgs{
			GlobalClusterIdentifier: pulumi.String(a.Identifier + "-global"),
			Engine:                  pulumi.String(Engine),
			EngineVersion:           pulumi.String(a.EngineVersion),
			DatabaseName:            pulumi.String(a.DatabaseName),
			StorageEncrypted:        pulumi.Bool(true),
			DeletionProtection:      pulumi.Bool(true),
			Tags:                    b.tags("database-global"),
		}, b.opts(minorUpgrades)...)
		if err != nil {
			return err
		}
		b.db.GlobalClusterIdentifier = global.GlobalClusterIdentifier
		password, err := random.NewRandomPassword(ctx, name+"-master", &random.RandomPasswordArgs{
			Length: pulumi.Int(40),
			// RDS refuses '/', '@', '"' and spaces in master passwords.
			OverrideSpecial: pulumi.String("!#$%&*()-_=+[]{}<>:?"),
			MinUpper:        pulumi.Int(2),
			MinLower:        pulumi.Int(2),
			MinNumeric:      pulumi.Int(2),
			MinSpecial:      pulumi.Int(2),
		}, base.Child(b.db)...)
		if err != nil {
			return err
		}
		cargs.GlobalClusterIdentifier = global.GlobalClusterIdentifier
		cargs.DatabaseName = pulumi.String(a.DatabaseName)
		cargs.MasterUsername = pulumi.String(a.MasterUsername)
		cargs.MasterPassword = pulumi.ToSecret(password.Result).(pulumi.StringOutput)
		cargs.SkipFinalSnapshot = pulumi.Bool(false)
		cargs.FinalSnapshotIdentifier = pulumi.String(clusterID + "-final")
		cluster, err := b.cluster(cargs, extra)
		if err != nil {
			return err
		}
		if err := b.secret(password, cluster); err != nil {
			return err
		}
	} else {
		if !a.Promoted {
			cargs.GlobalClusterIdentifier = a.GlobalClusterIdentifier
		}
		cargs.SourceRegion = pulumi.String(a.SourceRegion)
		// The secondary holds a replica of the primary's storage; the primary keeps the
		// final snapshot.
		cargs.SkipFinalSnapshot = pulumi.Bool(true)
		// RDS sets the replication source once the cluster joins; it is not ours to change.
		extra = append(extra, pulumi.IgnoreChanges([]string{"replicationSourceIdentifier"}))
		cluster, err := b.cluster(cargs, extra)
		if err != nil {
			return err
		}
		b.db.GlobalClusterIdentifier = cluster.GlobalClusterIdentifier.Elem()
		if a.Promoted {
			b.db.GlobalClusterIdentifier = a.GlobalClusterIdentifier.ToStringOutput()
		}
		b.db.SecretArn = pulumi.String("").ToStringOutput()
	}
	return nil
}

// minorUpgrades lets AWS's automatic minor version upgrades stand: without it the next
// `pulumi up` would try to move the engine back to the configured minor version, which RDS
// refuses. A major upgrade is still a config change.
var minorUpgrades = pulumi.IgnoreChanges([]string{"engineVersion"})

// cluster creates the regional cluster and its instances.
func (b *builder) cluster(cargs *rds.ClusterArgs, extra []pulumi.ResourceOption) (*rds.Cluster, error) {
	ctx, name, a := b.ctx, b.name, b.a
	cluster, err := rds.NewCluster(ctx, name, cargs, b.opts(append(extra, minorUpgrades)...)...)
	if err != nil {
		return nil, err
	}
	b.db.ClusterIdentifier = cluster.ClusterIdentifier
	b.db.ClusterArn = cluster.Arn
	b.db.ClusterResourceID = cluster.ClusterResourceId
	b.db.Endpoint = cluster.Endpoint
	b.db.ReaderEndpoint = cluster.ReaderEndpoint
	monitoring, err := b.monitoringRole()
	if err != nil {
		return nil, err
	}
	for i := 0; i < a.instanceCount(); i++ {
		zone := a.Zones[i%len(a.Zones)]
		if _, err := rds.NewClusterInstance(ctx, fmt.Sprintf("%s-%d", name, i+1), &rds.ClusterInstanceArgs{
			Identifier:                         pulumi.Sprintf("%s-%s-%d", a.Identifier, a.Region, i+1),
			ClusterIdentifier:                  cluster.ID(),
			Engine:                             pulumi.String(Engine),
			EngineVersion:                      pulumi.String(a.EngineVersion),
			InstanceClass:                      pulumi.String(a.InstanceClass),
			AvailabilityZone:                   pulumi.String(zone),
			DbSubnetGroupName:                  cargs.DbSubnetGroupName,
			PubliclyAccessible:                 pulumi.Bool(false),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        a.KmsKeyArn,
			PerformanceInsightsRetentionPeriod: pulumi.Int(a.PerformanceInsightsRetentionDays),
			AutoMinorVersionUpgrade:            pulumi.Bool(true),
			CopyTagsToSnapshot:                 pulumi.Bool(true),
			CaCertIdentifier:                   pulumi.String("rds-ca-rsa2048-g1"),
			// Enhanced Monitoring: OS metrics every 60 s, published by RDS through the role.
			MonitoringInterval: pulumi.Int(enhancedMonitoringInterval),
			MonitoringRoleArn:  monitoring.role.Arn,
			// The first instance is the preferred writer after a failover, then zone order.
			PromotionTier: pulumi.Int(min(i, 15)),
			Tags:          b.tags(fmt.Sprintf("database-%d", i+1)),
			// RDS checks the role's permissions when the instance is created.
		}, b.opts(minorUpgrades, pulumi.DependsOn([]pulumi.Resource{monitoring.attachment}))...); err != nil {
			return nil, err
		}
	}
	return cluster, nil
}

// secret stores the master credentials in the format RDS rotation functions expect.
func (b *builder) secret(password *random.RandomPassword, cluster *rds.Cluster) error {
	ctx, name, a := b.ctx, b.name, b.a
	sargs := base.SecretArgs{
		Name:        pulumi.Sprintf("%s/database/master", a.Identifier),
		Description: pulumi.Sprintf("Master credentials of Aurora cluster %s-%s", a.Identifier, a.Region),
		KmsKeyArn:   a.SecretsKeyArn,
		// The format RDS rotation functions expect.
		Value: pulumi.JSONMarshal(pulumi.Map{
			"engine":              pulumi.String("postgres"),
			"host":                cluster.Endpoint,
			"port":                pulumi.Int(Port),
			"dbname":              pulumi.String(a.DatabaseName),
			"username":            pulumi.String(a.MasterUsername),
			"password":            password.Result,
			"dbClusterIdentifier": cluster.ClusterIdentifier,
		}),
		Tags: b.tags("database-master"),
	}
	if a.SecretReplicaRegion != "" {
		sargs.Replicas = secretsmanager.SecretReplicaArray{secretsmanager.SecretReplicaArgs{
			Region:   pulumi.String(a.SecretReplicaRegion),
			KmsKeyId: a.SecretReplicaKeyArn,
		}}
	}
	secret, err := base.NewSecret(ctx, name+"-master", sargs, b.opts()...)
	if err != nil {
		return err
	}
	b.db.SecretArn = secret.Arn
	return nil
}

// enhancedMonitoringInterval is the Enhanced Monitoring granularity in seconds (RDS accepts
// 0, 1, 5, 10, 15, 30 and 60).
const enhancedMonitoringInterval = 60

// enhancedMonitoringPolicy is the AWS managed policy RDS documents for the monitoring role.
const enhancedMonitoringPolicy = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

type monitoringRole struct {
	role       *iam.Role
	attachment *iam.RolePolicyAttachment
}

// monitoringRole creates the role Enhanced Monitoring assumes to publish OS metrics to
// CloudWatch Logs: trusted by monitoring.rds.amazonaws.com, with the AmazonRDSEnhancedMonitoringRole
// managed policy
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html).
func (b *builder) monitoringRole() (monitoringRole, error) {
	ctx, name, a := b.ctx, b.name, b.a
	role, err := iam.NewRole(ctx, name+"-monitoring", &iam.RoleArgs{
		Description: pulumi.Sprintf("Lets RDS Enhanced Monitoring of %s-%s publish OS metrics", a.Identifier, a.Region),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("monitoring.rds.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
		}),
		Tags: b.tags("database-monitoring"),
	}, b.opts()...)
	if err != nil {
		return monitoringRole{}, err
	}
	att, err := iam.NewRolePolicyAttachment(ctx, name+"-monitoring", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(enhancedMonitoringPolicy),
	}, b.opts()...)
	if err != nil {
		return monitoringRole{}, err
	}
	return monitoringRole{role: role, attachment: att}, nil
}

func param(name, value string) rds.ClusterParameterGroupParameterArgs {
	return rds.ClusterParameterGroupParameterArgs{
		Name:  pulumi.String(name),
		Value: pulumi.String(value),
		// Accepted for static and dynamic parameters alike; a new cluster starts with them.
		ApplyMethod: pulumi.String("pending-reboot"),
	}
}
