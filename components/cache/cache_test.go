package cache

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/cache/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	appSG     = "sg-0app0000000000001"
	dataKey   = "arn:aws:kms:eu-west-1:123456789012:key/data"
	secretKey = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
	logsKey   = "arn:aws:kms:eu-west-1:123456789012:key/logs"
)

var dataSubnets = []string{"subnet-0data1", "subnet-0data2", "subnet-0data3"}

func validArgs() *Args {
	return &Args{
		Identifier:         "prod-eu-redis",
		Region:             "eu-west-1",
		VpcID:              pulumi.String("vpc-0main"),
		SubnetIDs:          pulumi.ToStringArray(dataSubnets),
		Zones:              []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		AppSecurityGroupID: pulumi.String(appSG),
		KmsKeyArn:          pulumi.String(dataKey),
		SecretsKeyArn:      pulumi.String(secretKey),
		LogsKeyArn:         pulumi.String(logsKey),
	}
}

type result struct {
	mu                          sync.Mutex
	endpoint, secretArn, reader string
}

func run(t *testing.T, args *Args) (*mockcloud.Cloud, *result, error) {
	t.Helper()
	cloud := mockcloud.New("globalstack", "test")
	res := &result{}
	err := cloud.Run(func(ctx *pulumi.Context) error {
		c, err := New(ctx, "cache", args)
		if err != nil {
			return err
		}
		pulumi.All(c.Endpoint, c.SecretArn, c.ReaderEndpoint).ApplyT(func(v []any) error {
			res.mu.Lock()
			defer res.mu.Unlock()
			res.endpoint, res.secretArn, res.reader = v[0].(string), v[1].(string), v[2].(string)
			return nil
		})
		return nil
	}, map[string]string{"aws:region": "eu-west-1"})
	return cloud, res, err
}

func TestReplicationGroupIsEncryptedAndHighlyAvailable(t *testing.T) {
	c, res, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	rg := mockcloudtest.One(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
	checks := map[string]bool{
		"automaticFailoverEnabled":       rg.Bool("automaticFailoverEnabled"),
		"multiAzEnabled":                 rg.Bool("multiAzEnabled"),
		"atRestEncryptionEnabled":        rg.Bool("atRestEncryptionEnabled"),
		"kmsKeyId is the data key":       rg.Str("kmsKeyId") == dataKey,
		"transitEncryptionEnabled":       rg.Bool("transitEncryptionEnabled"),
		"transitEncryptionMode required": rg.Str("transitEncryptionMode") == "required",
		"3 nodes by default":             rg.Num("numCacheClusters") == float64(settings.Prod.Nodes),
		"snapshots kept 7 days":          rg.Num("snapshotRetentionLimit") == float64(settings.Prod.SnapshotRetentionDays),
		"snapshot window set":            rg.Str("snapshotWindow") != "",
		"port 6379":                      rg.Num("port") == Port,
		"replication group id":           rg.Str("replicationGroupId") == "prod-eu-redis",
		"in eu-west-1":                   rg.Region == "eu-west-1",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("replication group: %s does not hold", what)
		}
	}
	if got := rg.Strs("preferredCacheClusterAzs"); !reflect.DeepEqual(got, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}) {
		t.Errorf("nodes in zones %v", got)
	}
	if !rg.IsSecret("authToken") || len(rg.Str("authToken")) != 64 {
		t.Errorf("AUTH token must be a 64-character secret (secret=%v)", rg.IsSecret("authToken"))
	}
	if !strings.HasPrefix(res.endpoint, "master.prod-eu-redis.") || !strings.HasSuffix(res.endpoint, ".euw1.cache.amazonaws.com") {
		t.Errorf("endpoint %q", res.endpoint)
	}
	if !strings.HasPrefix(res.reader, "replica.prod-eu-redis.") {
		t.Errorf("reader endpoint %q", res.reader)
	}
}

func TestSlowLogDeliveredToEncryptedGroup(t *testing.T) {
	c, _, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	rg := mockcloudtest.One(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
	groups := map[string]mockcloud.Resource{}
	for _, g := range c.OfType("aws:cloudwatch/logGroup:LogGroup") {
		groups[g.Str("name")] = g
	}
	types := map[string]bool{}
	for i := 0; i < rg.Len("logDeliveryConfigurations"); i++ {
		p := "logDeliveryConfigurations[" + string(rune('0'+i)) + "]."
		types[rg.Str(p+"logType")] = true
		g, ok := groups[rg.Str(p+"destination")]
		if !ok {
			t.Errorf("%s goes to %q, which this component did not create", rg.Str(p+"logType"), rg.Str(p+"destination"))
			continue
		}
		if rg.Str(p+"destinationType") != "cloudwatch-logs" || g.Str("kmsKeyId") != logsKey || g.Num("retentionInDays") != float64(settings.Prod.LogRetentionDays) {
			t.Errorf("%s: destination type %q, group key %q, retention %v", rg.Str(p+"logType"), rg.Str(p+"destinationType"), g.Str("kmsKeyId"), g.Num("retentionInDays"))
		}
	}
	if !types["slow-log"] {
		t.Errorf("slow log not delivered: %v", types)
	}
}

func TestPlacementAndSecurityGroup(t *testing.T) {
	c, _, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	rg := mockcloudtest.One(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
	sn := mockcloudtest.One(t, c, "aws:elasticache/subnetGroup:SubnetGroup")
	if !reflect.DeepEqual(sn.Strs("subnetIds"), dataSubnets) || rg.Str("subnetGroupName") != sn.ID {
		t.Errorf("subnet group %v used as %q (id %q)", sn.Strs("subnetIds"), rg.Str("subnetGroupName"), sn.ID)
	}
	sg := mockcloudtest.One(t, c, "aws:ec2/securityGroup:SecurityGroup")
	if !reflect.DeepEqual(rg.Strs("securityGroupIds"), []string{sg.ID}) {
		t.Errorf("replication group security groups %v, want only %s", rg.Strs("securityGroupIds"), sg.ID)
	}
	if sg.Len("ingress") != 1 {
		t.Fatalf("%d ingress rules, want exactly 1", sg.Len("ingress"))
	}
	if sg.Str("ingress[0].protocol") != "tcp" || sg.Num("ingress[0].fromPort") != 6379 || sg.Num("ingress[0].toPort") != 6379 {
		t.Errorf("ingress is not tcp/6379: %v", sg.In("ingress[0]"))
	}
	if !reflect.DeepEqual(sg.Strs("ingress[0].securityGroups"), []string{appSG}) || sg.Len("ingress[0].cidrBlocks") != 0 {
		t.Errorf("ingress must come only from the app security group: %v", sg.In("ingress[0]"))
	}
	if !sg.In("egress").IsArray() || sg.Len("egress") != 0 {
		t.Errorf("egress must be explicitly empty: %v", sg.In("egress"))
	}
}

func TestAuthTokenInSecretsManager(t *testing.T) {
	c, res, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	rg := mockcloudtest.One(t, c, "aws:elasticache/replicationGroup:ReplicationGroup")
	s := mockcloudtest.One(t, c, "aws:secretsmanager/secret:Secret")
	v := mockcloudtest.One(t, c, "aws:secretsmanager/secretVersion:SecretVersion")
	if s.Str("kmsKeyId") != secretKey || s.Str("name") != "prod-eu-redis/cache/auth" {
		t.Errorf("secret %q encrypted with %q", s.Str("name"), s.Str("kmsKeyId"))
	}
	if v.Str("secretId") != s.ID || !v.IsSecret("secretString") {
		t.Errorf("secret version of %q, secret=%v", v.Str("secretId"), v.IsSecret("secretString"))
	}
	if !strings.Contains(v.Str("secretString"), `"authToken":"`+rg.Str("authToken")+`"`) || !strings.Contains(v.Str("secretString"), `"host":"master.`) {
		t.Errorf("secret does not hold the replication group's token and host")
	}
	if res.secretArn != s.ID || !strings.HasPrefix(res.secretArn, "arn:aws:secretsmanager:eu-west-1:") {
		t.Errorf("SecretArn %q", res.secretArn)
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	c, _, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	if n := mockcloudtest.RequireParented(t, c, "globalstack:cache:Cache"); n < 7 {
		t.Errorf("only %d children", n)
	}
}

func TestInvalidArgsRejectedBeforeRegistering(t *testing.T) {
	bad := validArgs()
	bad.Identifier = "-redis"
	bad.Nodes = 1
	bad.NodeType = "r7g.large"
	bad.EngineVersion = "5.0.6"
	bad.SnapshotRetentionDays = 40
	bad.LogRetentionDays = 2
	bad.Zones = []string{"eu-west-1a", "us-east-1b", "eu-west-1c"}
	bad.SecretsKeyArn = nil
	bad.AppSecurityGroupID = nil
	c, _, err := run(t, bad)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{
		`cache: Identifier: "-redis"`, "cache: nodes: is 1", `cache: nodeType: "r7g.large"`, `cache: engineVersion: "5.0.6"`,
		"cache: snapshotRetentionDays: 40 is outside 1-35", "cache: logRetentionDays: 2", `cache: Zones: "us-east-1b" is not a zone of eu-west-1`,
		"cache: SecretsKeyArn: is required", "cache: AppSecurityGroupID: is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := len(c.Resources()); n != 0 {
		t.Errorf("%d resources registered despite invalid args", n)
	}
	if err := validArgs().Validate(); err != nil {
		t.Errorf("valid args rejected: %v", err)
	}
}
