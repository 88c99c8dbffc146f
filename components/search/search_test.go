package search

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/search/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	appSG     = "sg-0app0000000000001"
	dataKey   = "arn:aws:kms:ap-northeast-1:123456789012:key/data"
	secretKey = "arn:aws:kms:ap-northeast-1:123456789012:key/secrets"
	logsKey   = "arn:aws:kms:ap-northeast-1:123456789012:key/logs"
	roleArn   = "arn:aws:iam::123456789012:role/prod-jp-storefront"
)

func validArgs(zones int) *Args {
	all := []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}
	var subnets []string
	for i := 0; i < zones; i++ {
		subnets = append(subnets, "subnet-0data"+strconv.Itoa(i+1))
	}
	return &Args{
		DomainName:         "prod-jp-search",
		Region:             "ap-northeast-1",
		VpcID:              pulumi.String("vpc-0main"),
		SubnetIDs:          pulumi.ToStringArray(subnets),
		Zones:              all[:zones],
		AppSecurityGroupID: pulumi.String(appSG),
		KmsKeyArn:          pulumi.String(dataKey),
		SecretsKeyArn:      pulumi.String(secretKey),
		LogsKeyArn:         pulumi.String(logsKey),
	}
}

type result struct {
	mu                  sync.Mutex
	url, arn, secretArn string
}

func run(t *testing.T, args *Args) (*mockcloud.Cloud, *result, error) {
	t.Helper()
	cloud := mockcloud.New("globalstack", "test")
	res := &result{}
	err := cloud.Run(func(ctx *pulumi.Context) error {
		s, err := New(ctx, "search", args)
		if err != nil {
			return err
		}
		pulumi.All(s.URL, s.DomainArn, s.SecretArn).ApplyT(func(v []any) error {
			res.mu.Lock()
			defer res.mu.Unlock()
			res.url, res.arn, res.secretArn = v[0].(string), v[1].(string), v[2].(string)
			return nil
		})
		return nil
	}, map[string]string{"aws:region": "ap-northeast-1"})
	return cloud, res, err
}

type policy struct {
	Statement []struct {
		Effect    string
		Principal map[string]any
		Action    []string
		Resource  any
		Condition map[string]map[string]any
	}
}

func parsePolicy(t *testing.T, doc string) policy {
	t.Helper()
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	return p
}

func TestDomainEncryptionTLSAndZones(t *testing.T) {
	c, res, err := run(t, validArgs(3))
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	checks := map[string]bool{
		"encryptAtRest enabled":       d.Bool("encryptAtRest.enabled"),
		"encryptAtRest with data key": d.Str("encryptAtRest.kmsKeyId") == dataKey,
		"node-to-node encryption":     d.Bool("nodeToNodeEncryption.enabled"),
		"HTTPS enforced":              d.Bool("domainEndpointOptions.enforceHttps"),
		"TLS 1.2+ policy":             d.Str("domainEndpointOptions.tlsSecurityPolicy") == TLSPolicy,
		"zone awareness":              d.Bool("clusterConfig.zoneAwarenessEnabled"),
		"3 zones":                     d.Num("clusterConfig.zoneAwarenessConfig.availabilityZoneCount") == 3,
		"3 data nodes":                d.Num("clusterConfig.instanceCount") == 3,
		"dedicated masters":           d.Bool("clusterConfig.dedicatedMasterEnabled") && d.Num("clusterConfig.dedicatedMasterCount") == 3,
		"master type":                 d.Str("clusterConfig.dedicatedMasterType") == settings.Prod.MasterInstanceType,
		"fine-grained access":         d.Bool("advancedSecurityOptions.enabled") && d.Bool("advancedSecurityOptions.internalUserDatabaseEnabled"),
		"no anonymous access":         d.In("advancedSecurityOptions.anonymousAuthEnabled").IsBool() && !d.Bool("advancedSecurityOptions.anonymousAuthEnabled"),
		"gp3 volumes":                 d.Bool("ebsOptions.ebsEnabled") && d.Str("ebsOptions.volumeType") == "gp3",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("domain: %s does not hold", what)
		}
	}
	if !d.IsSecret("advancedSecurityOptions.masterUserOptions.masterUserPassword") {
		t.Error("master user password is not a secret")
	}
	if !strings.HasPrefix(res.url, "https://vpc-prod-jp-search-") || !strings.HasSuffix(res.url, ".ap-northeast-1.es.amazonaws.com") {
		t.Errorf("url %q", res.url)
	}
	if res.arn != "arn:aws:es:ap-northeast-1:123456789012:domain/prod-jp-search" {
		t.Errorf("domain ARN %q", res.arn)
	}
}

func TestTwoZoneCell(t *testing.T) {
	c, _, err := run(t, validArgs(2))
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	if d.Num("clusterConfig.zoneAwarenessConfig.availabilityZoneCount") != 2 || d.Num("clusterConfig.instanceCount") != 2 || d.Len("vpcOptions.subnetIds") != 2 {
		t.Errorf("2-zone cell: zones %v, instances %v, subnets %v", d.Num("clusterConfig.zoneAwarenessConfig.availabilityZoneCount"),
			d.Num("clusterConfig.instanceCount"), d.Strs("vpcOptions.subnetIds"))
	}
	if d.Num("clusterConfig.dedicatedMasterCount") != 3 {
		t.Errorf("dedicated masters %v, want 3 even in 2 zones", d.Num("clusterConfig.dedicatedMasterCount"))
	}
}

func TestPlacementAndSecurityGroup(t *testing.T) {
	args := validArgs(3)
	// A fourth zone's subnet is not used: zone awareness spans at most 3 zones.
	args.SubnetIDs = append(args.SubnetIDs, pulumi.String("subnet-0data4"))
	args.Zones = append(args.Zones, "ap-northeast-1b")
	c, _, err := run(t, args)
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	if got := d.Strs("vpcOptions.subnetIds"); !reflect.DeepEqual(got, []string{"subnet-0data1", "subnet-0data2", "subnet-0data3"}) {
		t.Errorf("domain subnets %v", got)
	}
	sg := mockcloudtest.One(t, c, "aws:ec2/securityGroup:SecurityGroup")
	if !reflect.DeepEqual(d.Strs("vpcOptions.securityGroupIds"), []string{sg.ID}) {
		t.Errorf("domain security groups %v, want only %s", d.Strs("vpcOptions.securityGroupIds"), sg.ID)
	}
	if sg.Len("ingress") != 1 || sg.Str("ingress[0].protocol") != "tcp" || sg.Num("ingress[0].fromPort") != 443 || sg.Num("ingress[0].toPort") != 443 {
		t.Fatalf("ingress is not exactly tcp/443: %v", sg.In("ingress"))
	}
	if !reflect.DeepEqual(sg.Strs("ingress[0].securityGroups"), []string{appSG}) || sg.Len("ingress[0].cidrBlocks") != 0 {
		t.Errorf("ingress must come only from the app security group: %v", sg.In("ingress[0]"))
	}
	if !sg.In("egress").IsArray() || sg.Len("egress") != 0 {
		t.Errorf("egress must be explicitly empty: %v", sg.In("egress"))
	}
}

// runWithRole creates the domain and a role, then lets the domain admit what roleArns returns.
func runWithRole(t *testing.T, roleArns func(role *iam.Role) pulumi.StringArrayInput) (*mockcloud.Cloud, error) {
	t.Helper()
	cloud := mockcloud.New("globalstack", "test")
	err := cloud.Run(func(ctx *pulumi.Context) error {
		s, err := New(ctx, "search", validArgs(3))
		if err != nil {
			return err
		}
		role, err := iam.NewRole(ctx, "app", &iam.RoleArgs{Name: pulumi.String("prod-jp-storefront"), AssumeRolePolicy: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = s.AllowRoles(ctx, roleArns(role))
		return err
	}, map[string]string{"aws:region": "ap-northeast-1"})
	return cloud, err
}

// The domain is created without an access policy; the policy naming the role is a separate
// resource that waits for the role, because OpenSearch refuses a principal IAM does not know.
func TestAccessPolicyScopedToRoleAndAppliedAfterIt(t *testing.T) {
	c, err := runWithRole(t, func(role *iam.Role) pulumi.StringArrayInput { return pulumi.StringArray{role.Arn} })
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	if !d.In("accessPolicies").IsNull() {
		t.Errorf("the domain carries its own access policy %s", d.Str("accessPolicies"))
	}
	dp := mockcloudtest.One(t, c, "aws:opensearch/domainPolicy:DomainPolicy")
	role := mockcloudtest.One(t, c, "aws:iam/role:Role")
	if dp.Str("domainName") != "prod-jp-search" || !slices.Contains(dp.Dependencies, role.URN) || !slices.Contains(dp.Dependencies, d.URN) {
		t.Errorf("domain policy for %q depends on %v, want the role %s and the domain", dp.Str("domainName"), dp.Dependencies, role.URN)
	}
	if dp.Parent != mockcloudtest.One(t, c, "globalstack:search:Search").URN {
		t.Errorf("domain policy parented to %s", dp.Parent)
	}
	p := parsePolicy(t, dp.Str("accessPolicies"))
	if len(p.Statement) != 1 {
		t.Fatalf("%d statements", len(p.Statement))
	}
	st := p.Statement[0]
	if st.Effect != "Allow" || !reflect.DeepEqual(st.Principal, map[string]any{"AWS": []any{role.Out("arn").StringValue()}}) {
		t.Errorf("principal %v, want only %s", st.Principal, role.Out("arn").StringValue())
	}
	if !reflect.DeepEqual(st.Resource, []any{d.Out("arn").StringValue() + "/*"}) {
		t.Errorf("resource %v", st.Resource)
	}
	if !reflect.DeepEqual(st.Action, []string{"es:ESHttp*"}) {
		t.Errorf("actions %v", st.Action)
	}
}

func TestAllowRolesRefusesWildcardsAndNonRoles(t *testing.T) {
	for _, bad := range []string{"*", "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/*"} {
		_, err := runWithRole(t, func(*iam.Role) pulumi.StringArrayInput { return pulumi.ToStringArray([]string{roleArn, bad}) })
		if err == nil || !strings.Contains(err.Error(), "search: AllowRoles: \""+bad+"\" is not an IAM role ARN without wildcards") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	_, err := runWithRole(t, func(*iam.Role) pulumi.StringArrayInput { return pulumi.StringArray{} })
	if err == nil || !strings.Contains(err.Error(), "search: AllowRoles: no role given") {
		t.Errorf("no role: %v", err)
	}
}

func TestLogsPublishedToEncryptedGroupsWithScopedPolicy(t *testing.T) {
	c, _, err := run(t, validArgs(3))
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	groups := map[string]mockcloud.Resource{}
	for _, g := range c.OfType("aws:cloudwatch/logGroup:LogGroup") {
		groups[g.Out("arn").StringValue()] = g
		if g.Str("kmsKeyId") != logsKey {
			t.Errorf("log group %s encrypted with %q", g.Str("name"), g.Str("kmsKeyId"))
		}
	}
	published := map[string]bool{}
	for i := 0; i < d.Len("logPublishingOptions"); i++ {
		p := "logPublishingOptions[" + strconv.Itoa(i) + "]."
		published[d.Str(p+"logType")] = d.Bool(p + "enabled")
		if _, ok := groups[d.Str(p+"cloudwatchLogGroupArn")]; !ok {
			t.Errorf("%s goes to %q, not a group of this component", d.Str(p+"logType"), d.Str(p+"cloudwatchLogGroupArn"))
		}
	}
	for _, lt := range []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"} {
		if !published[lt] {
			t.Errorf("%s not published", lt)
		}
	}

	lp := mockcloudtest.One(t, c, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
	if !slices.Contains(d.Dependencies, lp.URN) {
		t.Error("domain does not wait for the log resource policy")
	}
	p := parsePolicy(t, lp.Str("policyDocument"))
	if len(p.Statement) != 1 {
		t.Fatalf("%d statements", len(p.Statement))
	}
	st := p.Statement[0]
	if !reflect.DeepEqual(st.Principal, map[string]any{"Service": "es.amazonaws.com"}) {
		t.Errorf("principal %v", st.Principal)
	}
	res, _ := st.Resource.([]any)
	if len(res) != len(groups) {
		t.Errorf("policy names %d resources for %d groups", len(res), len(groups))
	}
	for _, r := range res {
		s, _ := r.(string)
		if _, ok := groups[strings.TrimSuffix(s, ":*")]; !ok || strings.Contains(strings.TrimSuffix(s, ":*"), "*") {
			t.Errorf("policy resource %q is not one of the component's groups", s)
		}
	}
	if st.Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" || st.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:es:ap-northeast-1:123456789012:domain/prod-jp-search" {
		t.Errorf("condition %v", st.Condition)
	}
}

func TestMasterUserInSecretsManager(t *testing.T) {
	c, res, err := run(t, validArgs(3))
	if err != nil {
		t.Fatal(err)
	}
	d := mockcloudtest.One(t, c, "aws:opensearch/domain:Domain")
	s := mockcloudtest.One(t, c, "aws:secretsmanager/secret:Secret")
	v := mockcloudtest.One(t, c, "aws:secretsmanager/secretVersion:SecretVersion")
	if s.Str("kmsKeyId") != secretKey || s.Str("name") != "prod-jp-search/search/master" {
		t.Errorf("secret %q encrypted with %q", s.Str("name"), s.Str("kmsKeyId"))
	}
	if v.Str("secretId") != s.ID || !v.IsSecret("secretString") {
		t.Errorf("version of %q, secret=%v", v.Str("secretId"), v.IsSecret("secretString"))
	}
	pw := d.Str("advancedSecurityOptions.masterUserOptions.masterUserPassword")
	if len(pw) != 32 || !strings.Contains(v.Str("secretString"), `"password":"`+pw+`"`) || !strings.Contains(v.Str("secretString"), `"username":"`+MasterUserName+`"`) {
		t.Errorf("secret does not hold the domain's master user")
	}
	if res.secretArn != s.ID {
		t.Errorf("SecretArn %q, want %q", res.secretArn, s.ID)
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	c, _, err := run(t, validArgs(3))
	if err != nil {
		t.Fatal(err)
	}
	if n := mockcloudtest.RequireParented(t, c, "globalstack:search:Search"); n < 8 {
		t.Errorf("only %d children", n)
	}
}

func TestInvalidArgsRejectedBeforeRegistering(t *testing.T) {
	bad := validArgs(3)
	bad.DomainName = "Search"
	bad.EngineVersion = "Elasticsearch_7.10"
	bad.InstanceCount = 4
	bad.InstanceType = "r6g.large"
	bad.VolumeSizeGiB = 5
	bad.LogRetentionDays = 4
	bad.LogsKeyArn = nil
	c, _, err := run(t, bad)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{
		`search: DomainName: "Search"`, `search: engineVersion: "Elasticsearch_7.10"`, "search: instanceCount: is 4: it must be a positive multiple of the 3 zones",
		`search: instanceType: "r6g.large"`, "search: volumeSizeGiB: 5", "search: logRetentionDays: 4",
		"search: LogsKeyArn: is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := len(c.Resources()); n != 0 {
		t.Errorf("%d resources registered despite invalid args", n)
	}
	if err := validArgs(2).Validate(); err != nil {
		t.Errorf("valid args rejected: %v", err)
	}
}
