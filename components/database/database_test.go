package database

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/database/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	appSG     = "sg-0app0000000000001"
	dataKey   = "arn:aws:kms:us-east-1:123456789012:key/data"
	secretKey = "arn:aws:kms:us-east-1:123456789012:key/secrets"
	logsKey   = "arn:aws:kms:us-east-1:123456789012:key/logs"
	drKey     = "arn:aws:kms:us-west-2:123456789012:key/dr-data"
	drLogsKey = "arn:aws:kms:us-west-2:123456789012:key/dr-logs"
)

var dataSubnets = []string{"subnet-0data1", "subnet-0data2", "subnet-0data3"}

func primaryArgs() *Args {
	return &Args{
		Identifier:         "prod-us",
		Region:             "us-east-1",
		Settings:           settings.Settings{Instances: 3, BackupRetentionDays: 21},
		VpcID:              pulumi.String("vpc-0main"),
		SubnetIDs:          pulumi.ToStringArray(dataSubnets),
		Zones:              []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		AppSecurityGroupID: pulumi.String(appSG),
		KmsKeyArn:          pulumi.String(dataKey),
		SecretsKeyArn:      pulumi.String(secretKey),
		LogsKeyArn:         pulumi.String(logsKey),
		Tags:               map[string]string{"owner": "platform"},
	}
}

// captured collects resolved output values during a run.
type captured struct {
	mu sync.Mutex
	m  map[string]any
}

func (c *captured) grab(name string, o pulumi.Output) {
	o.ApplyT(func(v any) any {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.m[name] = v
		return v
	})
}

func (c *captured) get(name string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

// run builds a database with args (the DR-region provider is created when dr is set and
// handed to the args) and returns the cloud and the resolved component outputs.
func run(t *testing.T, args *Args, dr bool) (*mockcloud.Cloud, *captured, error) {
	t.Helper()
	cloud := mockcloud.New("globalstack", "test")
	got := &captured{m: map[string]any{}}
	err := cloud.Run(func(ctx *pulumi.Context) error {
		if dr {
			p, err := aws.NewProvider(ctx, "dr", &aws.ProviderArgs{Region: pulumi.String("us-west-2")})
			if err != nil {
				return err
			}
			args.Provider = p
		}
		db, err := New(ctx, "database", args)
		if err != nil {
			return err
		}
		got.grab("endpoint", db.Endpoint)
		got.grab("readerEndpoint", db.ReaderEndpoint)
		got.grab("secretArn", db.SecretArn)
		got.grab("global", db.GlobalClusterIdentifier)
		got.grab("sg", db.SecurityGroupID)
		return nil
	}, map[string]string{"aws:region": "us-east-1"})
	return cloud, got, err
}

func TestPrimaryEncryptionAuthAndLogging(t *testing.T) {
	c, got, err := run(t, primaryArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	g := mockcloudtest.One(t, c, "aws:rds/globalCluster:GlobalCluster")
	if g.Str("globalClusterIdentifier") != "prod-us-global" || !g.Bool("storageEncrypted") || !g.Bool("deletionProtection") || g.Str("engine") != Engine {
		t.Errorf("global cluster inputs: %v", g.Inputs)
	}
	cl := mockcloudtest.One(t, c, "aws:rds/cluster:Cluster")
	checks := map[string]bool{
		"storageEncrypted":                 cl.Bool("storageEncrypted"),
		"kmsKeyId is the data key":         cl.Str("kmsKeyId") == dataKey,
		"iamDatabaseAuthenticationEnabled": cl.Bool("iamDatabaseAuthenticationEnabled"),
		"deletionProtection":               cl.Bool("deletionProtection"),
		"backupRetentionPeriod 21":         cl.Num("backupRetentionPeriod") == 21,
		"joins the global cluster":         cl.Str("globalClusterIdentifier") == "prod-us-global",
		"clusterIdentifier":                cl.Str("clusterIdentifier") == "prod-us-us-east-1",
		"final snapshot kept":              !cl.Bool("skipFinalSnapshot") && cl.Str("finalSnapshotIdentifier") != "",
		"port 5432":                        cl.Num("port") == 5432,
		"master user":                      cl.Str("masterUsername") == DefaultMasterUsername,
		"in us-east-1":                     cl.Region == "us-east-1",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("cluster: %s does not hold", what)
		}
	}
	if logs := cl.Strs("enabledCloudwatchLogsExports"); !reflect.DeepEqual(logs, []string{"postgresql"}) {
		t.Errorf("log exports %v", logs)
	}
	if !cl.IsSecret("masterPassword") || len(cl.Str("masterPassword")) != 40 {
		t.Errorf("master password must be a 40-character secret (secret=%v)", cl.IsSecret("masterPassword"))
	}

	pg := mockcloudtest.One(t, c, "aws:rds/clusterParameterGroup:ClusterParameterGroup")
	if cl.Str("dbClusterParameterGroupName") != pg.Out("name").StringValue() {
		t.Errorf("cluster uses parameter group %q, created %q", cl.Str("dbClusterParameterGroupName"), pg.Out("name").StringValue())
	}
	if pg.Str("family") != "aurora-postgresql16" {
		t.Errorf("family %q", pg.Str("family"))
	}
	params := map[string]string{}
	for i := 0; i < pg.Len("parameters"); i++ {
		params[pg.Str("parameters["+strconv.Itoa(i)+"].name")] = pg.Str("parameters[" + strconv.Itoa(i) + "].value")
	}
	if params["rds.force_ssl"] != "1" || params["ssl_min_protocol_version"] != "TLSv1.2" {
		t.Errorf("TLS not forced: %v", params)
	}

	lg := mockcloudtest.One(t, c, "aws:cloudwatch/logGroup:LogGroup")
	if lg.Str("name") != "/aws/rds/cluster/prod-us-us-east-1/postgresql" || lg.Str("kmsKeyId") != logsKey || lg.Num("retentionInDays") != float64(settings.Prod.LogRetentionDays) {
		t.Errorf("log group %v", lg.Inputs)
	}
	if !slices.Contains(cl.Dependencies, lg.URN) {
		t.Errorf("cluster does not depend on its log group, RDS could create it unencrypted first")
	}

	inst := c.OfType("aws:rds/clusterInstance:ClusterInstance")
	if len(inst) != 3 {
		t.Fatalf("%d instances, want 3", len(inst))
	}
	zones := map[string]bool{}
	for _, in := range inst {
		zones[in.Str("availabilityZone")] = true
		if in.Bool("publiclyAccessible") || !in.In("publiclyAccessible").IsBool() {
			t.Errorf("%s: publiclyAccessible must be explicitly false", in.Name)
		}
		if !in.Bool("performanceInsightsEnabled") || in.Str("performanceInsightsKmsKeyId") != dataKey {
			t.Errorf("%s: Performance Insights not encrypted with the data key", in.Name)
		}
		if in.Str("clusterIdentifier") != "prod-us-us-east-1" || in.Str("instanceClass") != settings.Prod.InstanceClass {
			t.Errorf("%s: cluster %q class %q", in.Name, in.Str("clusterIdentifier"), in.Str("instanceClass"))
		}
	}
	if len(zones) != 3 {
		t.Errorf("instances in zones %v, want 3 distinct", zones)
	}

	if ep, _ := got.get("endpoint").(string); !strings.HasPrefix(ep, "prod-us-us-east-1.cluster-") || !strings.HasSuffix(ep, ".us-east-1.rds.amazonaws.com") {
		t.Errorf("endpoint %q", ep)
	}
	if ep, _ := got.get("readerEndpoint").(string); !strings.Contains(ep, ".cluster-ro-") {
		t.Errorf("reader endpoint %q", ep)
	}
	if g, _ := got.get("global").(string); g != "prod-us-global" {
		t.Errorf("global cluster identifier output %q", g)
	}
}

func TestPrimaryPlacementAndSecurityGroup(t *testing.T) {
	c, got, err := run(t, primaryArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	sn := mockcloudtest.One(t, c, "aws:rds/subnetGroup:SubnetGroup")
	if !reflect.DeepEqual(sn.Strs("subnetIds"), dataSubnets) {
		t.Errorf("subnet group %v, want the data subnets %v", sn.Strs("subnetIds"), dataSubnets)
	}
	cl := mockcloudtest.One(t, c, "aws:rds/cluster:Cluster")
	if cl.Str("dbSubnetGroupName") != sn.ID {
		t.Errorf("cluster subnet group %q, created %q", cl.Str("dbSubnetGroupName"), sn.ID)
	}
	sg := mockcloudtest.One(t, c, "aws:ec2/securityGroup:SecurityGroup")
	if !reflect.DeepEqual(cl.Strs("vpcSecurityGroupIds"), []string{sg.ID}) || got.get("sg") != sg.ID {
		t.Errorf("cluster security groups %v, want only %s", cl.Strs("vpcSecurityGroupIds"), sg.ID)
	}
	if sg.Str("vpcId") != "vpc-0main" {
		t.Errorf("security group in VPC %q", sg.Str("vpcId"))
	}
	if n := sg.Len("ingress"); n != 1 {
		t.Fatalf("%d ingress rules, want exactly 1", n)
	}
	rule := "ingress[0]."
	if sg.Str(rule+"protocol") != "tcp" || sg.Num(rule+"fromPort") != 5432 || sg.Num(rule+"toPort") != 5432 {
		t.Errorf("ingress rule is not tcp/5432: %v", sg.In("ingress[0]"))
	}
	if !reflect.DeepEqual(sg.Strs(rule+"securityGroups"), []string{appSG}) || sg.Len(rule+"cidrBlocks") != 0 || sg.Len(rule+"ipv6CidrBlocks") != 0 {
		t.Errorf("ingress must come only from the app security group: %v", sg.In("ingress[0]"))
	}
	if !sg.In("egress").IsArray() || sg.Len("egress") != 0 {
		t.Errorf("egress must be explicitly empty: %v", sg.In("egress"))
	}
}

func TestPrimaryCredentialsInSecretsManager(t *testing.T) {
	c, got, err := run(t, primaryArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	pw := mockcloudtest.One(t, c, "random:index/randomPassword:RandomPassword")
	s := mockcloudtest.One(t, c, "aws:secretsmanager/secret:Secret")
	if s.Str("kmsKeyId") != secretKey {
		t.Errorf("secret encrypted with %q, want the secrets key", s.Str("kmsKeyId"))
	}
	if s.Str("name") != "prod-us/database/master" {
		t.Errorf("secret name %q", s.Str("name"))
	}
	v := mockcloudtest.One(t, c, "aws:secretsmanager/secretVersion:SecretVersion")
	if v.Str("secretId") != s.ID {
		t.Errorf("version of secret %q, want %q", v.Str("secretId"), s.ID)
	}
	if !v.IsSecret("secretString") {
		t.Error("secretString is not marked secret")
	}
	password := pw.Outputs["result"]
	if !password.IsSecret() {
		t.Fatal("random password result is not secret")
	}
	pwValue := password.SecretValue().Element.StringValue()
	body := v.Str("secretString")
	for _, want := range []string{`"password":"` + jsonEscape(pwValue) + `"`, `"username":"storefront_admin"`, `"port":5432`, `"dbname":"storefront"`, `.cluster-`} {
		if !strings.Contains(body, want) {
			t.Errorf("secret body lacks %s", want)
		}
	}
	mockcloudtest.One(t, c, "aws:rds/cluster:Cluster")
	if cl := c.OfType("aws:rds/cluster:Cluster")[0]; cl.Str("masterPassword") != pwValue {
		t.Error("cluster master password is not the generated one")
	}
	if a, _ := got.get("secretArn").(string); a != s.ID || !strings.HasPrefix(a, "arn:aws:secretsmanager:us-east-1:") {
		t.Errorf("SecretArn %q, want %q", a, s.ID)
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	for _, tc := range []struct {
		name string
		args *Args
		dr   bool
	}{{"primary", primaryArgs(), false}, {"secondary", secondaryArgs(2), true}} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := run(t, tc.args, tc.dr)
			if err != nil {
				t.Fatal(err)
			}
			if n := mockcloudtest.RequireParented(t, c, "globalstack:database:Database"); n < 6 {
				t.Errorf("only %d children", n)
			}
		})
	}
}

func secondaryArgs(instances int) *Args {
	return &Args{
		Mode:                    Secondary,
		Identifier:              "prod-us",
		Region:                  "us-west-2",
		SourceRegion:            "us-east-1",
		GlobalClusterIdentifier: pulumi.String("prod-us-global"),
		Settings:                settings.Settings{DRInstances: instances},
		VpcID:                   pulumi.String("vpc-0dr"),
		SubnetIDs:               pulumi.ToStringArray([]string{"subnet-0dr1", "subnet-0dr2", "subnet-0dr3"}),
		Zones:                   []string{"us-west-2a", "us-west-2b", "us-west-2c"},
		AppSecurityGroupID:      pulumi.String("sg-0drapp"),
		KmsKeyArn:               pulumi.String(drKey),
		LogsKeyArn:              pulumi.String(drLogsKey),
	}
}

func TestSecondaryHeadlessInDRRegion(t *testing.T) {
	c, got, err := run(t, secondaryArgs(0), true)
	if err != nil {
		t.Fatal(err)
	}
	prov := mockcloudtest.One(t, c, "pulumi:providers:aws")
	cl := mockcloudtest.One(t, c, "aws:rds/cluster:Cluster")
	if cl.Region != "us-west-2" || !strings.HasPrefix(cl.Provider, prov.URN+"::") {
		t.Errorf("secondary cluster in region %q through provider %q, want us-west-2 through %s", cl.Region, cl.Provider, prov.URN)
	}
	if cl.Str("globalClusterIdentifier") != "prod-us-global" || cl.Str("sourceRegion") != "us-east-1" {
		t.Errorf("secondary joins %q from %q", cl.Str("globalClusterIdentifier"), cl.Str("sourceRegion"))
	}
	if cl.Str("kmsKeyId") != drKey || !cl.Bool("storageEncrypted") {
		t.Errorf("secondary encrypted with %q (encrypted=%v), want the DR-region key", cl.Str("kmsKeyId"), cl.Bool("storageEncrypted"))
	}
	if cl.Str("clusterIdentifier") != "prod-us-us-west-2" || !cl.Bool("iamDatabaseAuthenticationEnabled") || !cl.Bool("deletionProtection") {
		t.Errorf("secondary cluster inputs %v", cl.Inputs)
	}
	for _, k := range []string{"masterPassword", "masterUsername", "databaseName"} {
		if !cl.In(k).IsNull() {
			t.Errorf("secondary sets %s; it inherits it from the global cluster", k)
		}
	}
	if n := len(c.OfType("aws:rds/clusterInstance:ClusterInstance")); n != 0 {
		t.Errorf("headless secondary has %d instances", n)
	}
	for _, typ := range []string{"aws:rds/globalCluster:GlobalCluster", "aws:secretsmanager/secret:Secret", "random:index/randomPassword:RandomPassword"} {
		if n := len(c.OfType(typ)); n != 0 {
			t.Errorf("secondary created %d %s", n, typ)
		}
	}
	// Every AWS child of a secondary lives in the DR region.
	for _, r := range c.Resources() {
		if r.Custom && strings.HasPrefix(r.Type, "aws:") && r.Region != "us-west-2" {
			t.Errorf("%s (%s) is in %q", r.Name, r.Type, r.Region)
		}
	}
	lg := mockcloudtest.One(t, c, "aws:cloudwatch/logGroup:LogGroup")
	if lg.Str("kmsKeyId") != drLogsKey {
		t.Errorf("DR log group key %q", lg.Str("kmsKeyId"))
	}
	if g, _ := got.get("global").(string); g != "prod-us-global" {
		t.Errorf("GlobalClusterIdentifier output %q", g)
	}
	if ep, _ := got.get("endpoint").(string); !strings.HasSuffix(ep, ".us-west-2.rds.amazonaws.com") {
		t.Errorf("secondary endpoint %q", ep)
	}
}

func TestSecondaryWithInstances(t *testing.T) {
	c, _, err := run(t, secondaryArgs(2), true)
	if err != nil {
		t.Fatal(err)
	}
	inst := c.OfType("aws:rds/clusterInstance:ClusterInstance")
	if len(inst) != 2 {
		t.Fatalf("%d instances, want 2", len(inst))
	}
	for _, in := range inst {
		if in.Region != "us-west-2" || in.Str("performanceInsightsKmsKeyId") != drKey || in.Str("clusterIdentifier") != "prod-us-us-west-2" {
			t.Errorf("%s: region %q PI key %q cluster %q", in.Name, in.Region, in.Str("performanceInsightsKmsKeyId"), in.Str("clusterIdentifier"))
		}
	}
}

func TestInvalidArgsRejectedBeforeRegistering(t *testing.T) {
	bad := primaryArgs()
	bad.Identifier = "Prod_US"
	bad.Instances = 1
	bad.InstanceClass = "db.t4g.medium"
	bad.EngineVersion = "12"
	bad.BackupRetentionDays = 3
	bad.PerformanceInsightsRetentionDays = 30
	bad.LogRetentionDays = 10
	bad.SubnetIDs = bad.SubnetIDs[:1]
	bad.KmsKeyArn = nil
	bad.AppSecurityGroupID = nil
	c, _, err := run(t, bad, false)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{
		"database: Identifier:", "database: instances: is 1", "database: instanceClass: \"db.t4g.medium\"",
		"database: engineVersion: \"12\"", "database: backupRetentionDays: 3 is outside 7-35",
		"database: performanceInsightsRetentionDays: 30", "database: logRetentionDays: 10",
		"database: SubnetIDs: 1 subnets", "database: Zones: 3 zones for 1 subnets",
		"database: KmsKeyArn: is required", "database: AppSecurityGroupID: is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := len(c.Resources()); n != 0 {
		t.Errorf("%d resources registered despite invalid args", n)
	}
}

func TestInvalidSecondaryArgs(t *testing.T) {
	a := secondaryArgs(-1)
	a.GlobalClusterIdentifier = nil
	a.SourceRegion = "us-west-2"
	a.Mode = Secondary
	err := a.Validate() // no provider either
	if err == nil {
		t.Fatal("invalid secondary accepted")
	}
	for _, want := range []string{
		"drInstances: is -1", "Provider: is required for a secondary", "GlobalClusterIdentifier: is required",
		"SourceRegion: is \"us-west-2\", the secondary's own region",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	p := primaryArgs()
	p.GlobalClusterIdentifier = pulumi.String("other-global")
	p.SecretsKeyArn = nil
	p.Mode = "tertiary"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), `Mode: "tertiary" is not a mode`) {
		t.Errorf("unknown mode: %v", err)
	}
	p.Mode = Primary
	err = p.Validate()
	if err == nil || !strings.Contains(err.Error(), "GlobalClusterIdentifier: must be empty for a primary") || !strings.Contains(err.Error(), "SecretsKeyArn: is required") {
		t.Errorf("primary joining a global cluster / without secrets key: %v", err)
	}
	if err := primaryArgs().Validate(); err != nil {
		t.Errorf("valid primary rejected: %v", err)
	}
	if err := secondaryArgs(0).Validate(); err == nil || !strings.Contains(err.Error(), "Provider") || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("secondary without provider: want exactly the provider problem, got %v", err)
	}
}

// jsonEscape escapes what encoding/json escapes in the generated passwords' alphabet.
func jsonEscape(s string) string {
	r := strings.NewReplacer(`<`, `\u003c`, `>`, `\u003e`, `&`, `\u0026`)
	return r.Replace(s)
}

func TestPromotedSecondaryLeavesTheGlobalCluster(t *testing.T) {
	a := secondaryArgs(3)
	a.Promoted = true
	c, got, err := run(t, a, true)
	if err != nil {
		t.Fatal(err)
	}
	cl := mockcloudtest.One(t, c, "aws:rds/cluster:Cluster")
	if !cl.In("globalClusterIdentifier").IsNull() {
		t.Errorf("a promoted cluster still names global cluster %q, so pulumi up would rejoin it", cl.Str("globalClusterIdentifier"))
	}
	if n := len(c.OfType("aws:rds/clusterInstance:ClusterInstance")); n != 3 {
		t.Errorf("promoted cluster has %d instances, want 3 (writer + readers)", n)
	}
	if g, _ := got.get("global").(string); g != "prod-us-global" {
		t.Errorf("GlobalClusterIdentifier output %q should still name the global cluster it left", g)
	}
}

func TestPrimarySecretReplicatedInsideTheJurisdiction(t *testing.T) {
	a := primaryArgs()
	a.SecretReplicaRegion = "us-west-2"
	a.SecretReplicaKeyArn = pulumi.String(drKey)
	c, _, err := run(t, a, false)
	if err != nil {
		t.Fatal(err)
	}
	s := mockcloudtest.One(t, c, "aws:secretsmanager/secret:Secret")
	if s.Str("replicas[0].region") != "us-west-2" || s.Str("replicas[0].kmsKeyId") != drKey {
		t.Fatalf("secret replicas %v", s.In("replicas"))
	}

	a = primaryArgs()
	a.SecretReplicaRegion = "eu-west-1"
	a.Promoted = true
	_, _, err = run(t, a, false)
	for _, want := range []string{`SecretReplicaRegion: "eu-west-1" is outside jurisdiction "us"`, "SecretReplicaKeyArn: is required", "Promoted: applies to a secondary only"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
