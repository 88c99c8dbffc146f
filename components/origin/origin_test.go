package origin

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

func validArgs() *Args {
	return &Args{
		Region:              "eu-west-1",
		Prefix:              "prod-eu",
		VpcID:               pulumi.String("vpc-0123"),
		VpcCIDR:             "10.20.0.0/16",
		PublicSubnetIDs:     pulumi.StringArray{pulumi.String("subnet-pub-a"), pulumi.String("subnet-pub-b")},
		NodeSecurityGroupID: pulumi.String("sg-nodes"),
		TargetPort:          8080,
		HealthCheckPath:     "/readyz",
		RoutedPaths:         []string{"/api", "/api/*", "/readyz"},
		Domain:              "shop.example.eu",
		ZoneID:              pulumi.String("Z123"),
		FailoverRole:        "PRIMARY",
		LogKeyArn:           pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/logs"),
		Settings:            Prod,
		Tags:                map[string]string{"owner": "platform"},
	}
}

func run(t *testing.T, mutate func(*Args)) *mockcloud.Cloud {
	t.Helper()
	c, err := mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		a := validArgs()
		if mutate != nil {
			mutate(a)
		}
		_, err := New(ctx, "origin", a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func named(t *testing.T, c *mockcloud.Cloud, typ, name string) mockcloud.Resource {
	t.Helper()
	for _, r := range c.OfType(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", typ, name)
	return mockcloud.Resource{}
}

func TestLoadBalancerListenersAndTargets(t *testing.T) {
	c := run(t, nil)
	mockcloudtest.RequireParented(t, c, "globalstack:origin:Origin")
	lb := mockcloudtest.One(t, c, "aws:lb/loadBalancer:LoadBalancer")
	if lb.Str("loadBalancerType") != "application" || lb.In("internal").BoolValue() || !lb.In("dropInvalidHeaderFields").BoolValue() ||
		!lb.In("enableDeletionProtection").BoolValue() || strings.Join(lb.Strs("subnets"), ",") != "subnet-pub-a,subnet-pub-b" {
		t.Errorf("load balancer %v", lb.Inputs)
	}
	if n := len(lb.Strs("securityGroups")); n != 2 {
		t.Errorf("load balancer has %d security groups, want CloudFront's and the health checkers'", n)
	}
	https := named(t, c, "aws:lb/listener:Listener", "origin-https")
	cert := named(t, c, "aws:acm/certificateValidation:CertificateValidation", "origin-cert")
	if https.Str("protocol") != "HTTPS" || https.Num("port") != 443 || https.Str("sslPolicy") != TLSPolicy ||
		https.Str("certificateArn") != cert.Out("certificateArn").StringValue() || https.Str("defaultActions[0].fixedResponse.statusCode") != "404" {
		t.Errorf("HTTPS listener %v", https.Inputs)
	}
	http := named(t, c, "aws:lb/listener:Listener", "origin-http")
	if http.Str("protocol") != "HTTP" || http.Str("defaultActions[0].type") != "redirect" || http.Str("defaultActions[0].redirect.protocol") != "HTTPS" {
		t.Errorf("HTTP listener %v does not redirect to HTTPS", http.Inputs)
	}
	tg := mockcloudtest.One(t, c, "aws:lb/targetGroup:TargetGroup")
	if tg.Str("targetType") != "ip" || tg.Num("port") != 8080 || tg.Str("healthCheck.path") != "/readyz" || tg.Str("vpcId") != "vpc-0123" {
		t.Errorf("target group %v", tg.Inputs)
	}
	rule := mockcloudtest.One(t, c, "aws:lb/listenerRule:ListenerRule")
	if rule.Str("listenerArn") != https.Out("arn").StringValue() || rule.Str("actions[0].targetGroupArn") != tg.Out("arn").StringValue() ||
		strings.Join(rule.Strs("conditions[0].pathPattern.values"), ",") != "/api,/api/*,/readyz" {
		t.Errorf("listener rule %v", rule.Inputs)
	}
	// The pods admit the load balancer's first group on their port.
	toPods := named(t, c, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "origin-alb-to-pods")
	if toPods.Str("securityGroupId") != "sg-nodes" || toPods.Num("fromPort") != 8080 ||
		toPods.Str("referencedSecurityGroupId") != lb.Strs("securityGroups")[0] {
		t.Errorf("rule admitting the load balancer to the pods %v", toPods.Inputs)
	}
}

func TestRecordsAliasTheLoadBalancer(t *testing.T) {
	c := run(t, nil)
	lb := mockcloudtest.One(t, c, "aws:lb/loadBalancer:LoadBalancer")
	for _, name := range []string{"origin", "origin-failover"} {
		r := named(t, c, "aws:route53/record:Record", name)
		if r.Str("type") != "A" || r.Str("aliases[0].name") != lb.Out("dnsName").StringValue() ||
			r.Str("aliases[0].zoneId") != lb.Out("zoneId").StringValue() || r.Str("aliases[0].zoneId") != "Z32O12XQLNTSW2" {
			t.Errorf("record %s %v does not alias the load balancer", name, r.Inputs)
		}
	}
	failover := named(t, c, "aws:route53/record:Record", "origin-failover")
	hc := mockcloudtest.One(t, c, "aws:route53/healthCheck:HealthCheck")
	if failover.Str("name") != "api-origin.shop.example.eu" || failover.Str("healthCheckId") != hc.ID || hc.Str("resourcePath") != "/readyz" {
		t.Errorf("failover record %v / health check %v", failover.Inputs, hc.Inputs)
	}
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// first is a policy element's only (or first) value.
func first(v any) string {
	if l, ok := v.([]any); ok && len(l) > 0 {
		v = l[0]
	}
	s, _ := v.(string)
	return s
}

func statements(t *testing.T, doc string) []statement {
	t.Helper()
	var p struct{ Statement []statement }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	return p.Statement
}

func TestAccessLogsGoToAnSSES3BucketOfTheRegion(t *testing.T) {
	c := run(t, nil)
	lb := mockcloudtest.One(t, c, "aws:lb/loadBalancer:LoadBalancer")
	bucket := named(t, c, "aws:s3/bucketV2:BucketV2", "origin-access-logs")
	if !lb.In("accessLogs.enabled").BoolValue() || lb.Str("accessLogs.bucket") != bucket.Out("bucket").StringValue() || bucket.Region != "eu-west-1" {
		t.Errorf("access logs %v to bucket %s in %s", lb.In("accessLogs"), bucket.Out("bucket").StringValue(), bucket.Region)
	}
	sse := named(t, c, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "origin-access-logs")
	if alg := sse.Str("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"); alg != "AES256" {
		t.Errorf("log bucket encryption %q: ELB delivers only to SSE-S3", alg)
	}
	if v := named(t, c, "aws:s3/bucketVersioningV2:BucketVersioningV2", "origin-access-logs"); v.Str("versioningConfiguration.status") != "Enabled" {
		t.Error("log bucket not versioned")
	}
	pol := named(t, c, "aws:s3/bucketPolicy:BucketPolicy", "origin-access-logs")
	sts := statements(t, pol.Str("policy"))
	write, tls := sts[0], sts[1]
	// eu-west-1 predates August 2022: its ELB account writes the logs.
	if p, _ := write.Principal.(map[string]any); p["AWS"] != "arn:aws:iam::156460612806:root" || first(write.Action) != "s3:PutObject" ||
		!strings.HasSuffix(first(write.Resource), "/alb/AWSLogs/123456789012/*") {
		t.Errorf("log write statement %+v", write)
	}
	if tls.Effect != "Deny" || tls.Condition["Bool"]["aws:SecureTransport"] != "false" {
		t.Errorf("log bucket admits plain HTTP: %+v", tls)
	}
	if deps := lb.Dependencies; !strings.Contains(strings.Join(deps, " "), pol.URN) {
		t.Error("the load balancer does not wait for the log bucket's policy")
	}
}

func TestELBLogWriterPerRegion(t *testing.T) {
	if p := elbLogWriter("us-east-1"); p["AWS"] != pulumi.String("arn:aws:iam::127311923021:root") {
		t.Errorf("us-east-1 writer %v", p)
	}
	if p := elbLogWriter("ap-northeast-3"); p["AWS"] != pulumi.String("arn:aws:iam::383597477331:root") {
		t.Errorf("ap-northeast-3 writer %v", p)
	}
	// Zurich opened in November 2022: the log delivery service principal writes there.
	if p := elbLogWriter("eu-central-2"); p["Service"] != pulumi.String(ELBLogDeliveryService) {
		t.Errorf("eu-central-2 writer %v", p)
	}
}

func TestRegionalWAFProtectsAndLogs(t *testing.T) {
	c := run(t, func(a *Args) { a.RateLimit = 500 })
	acl := mockcloudtest.One(t, c, "aws:wafv2/webAcl:WebAcl")
	if acl.Str("scope") != "REGIONAL" || acl.Region != "eu-west-1" {
		t.Errorf("web ACL %s in %s", acl.Str("scope"), acl.Region)
	}
	var groups []string
	for i := range acl.Len("rules") {
		groups = append(groups, acl.Str("rules["+itoa(i)+"].statement.managedRuleGroupStatement.name"))
	}
	if strings.Join(groups, ",") != "AWSManagedRulesCommonRuleSet,AWSManagedRulesKnownBadInputsRuleSet,AWSManagedRulesSQLiRuleSet," ||
		acl.Num("rules[3].statement.rateBasedStatement.limit") != 500 ||
		acl.Str("rules[3].statement.rateBasedStatement.aggregateKeyType") != "FORWARDED_IP" ||
		acl.Str("rules[3].statement.rateBasedStatement.forwardedIpConfig.headerName") != "X-Forwarded-For" {
		t.Errorf("rules %v", acl.In("rules"))
	}
	lb := mockcloudtest.One(t, c, "aws:lb/loadBalancer:LoadBalancer")
	assoc := mockcloudtest.One(t, c, "aws:wafv2/webAclAssociation:WebAclAssociation")
	if assoc.Str("resourceArn") != lb.Out("arn").StringValue() || assoc.Str("webAclArn") != acl.Out("arn").StringValue() {
		t.Errorf("association %v", assoc.Inputs)
	}
	group := mockcloudtest.One(t, c, "aws:cloudwatch/logGroup:LogGroup")
	if !strings.HasPrefix(group.Str("name"), WAFLogGroupPrefix) || group.Str("kmsKeyId") != "arn:aws:kms:eu-west-1:123456789012:key/logs" || group.Region != "eu-west-1" {
		t.Errorf("WAF log group %v in %s", group.Inputs, group.Region)
	}
	logging := mockcloudtest.One(t, c, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
	if logging.Str("resourceArn") != acl.Out("arn").StringValue() || logging.Strs("logDestinationConfigs")[0] != group.Out("arn").StringValue() {
		t.Errorf("logging %v", logging.Inputs)
	}
	policy := mockcloudtest.One(t, c, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
	st := statements(t, policy.Str("policyDocument"))[0]
	if p, _ := st.Principal.(map[string]any); p["Service"] != "delivery.logs.amazonaws.com" || first(st.Resource) != group.Out("arn").StringValue()+":log-stream:*" {
		t.Errorf("log resource policy %+v", st)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestShieldAdvancedIsOptIn(t *testing.T) {
	if n := len(run(t, nil).OfType("aws:shield/protection:Protection")); n != 0 {
		t.Errorf("%d Shield protections by default", n)
	}
	c := run(t, func(a *Args) { a.ShieldAdvanced = true })
	p := mockcloudtest.One(t, c, "aws:shield/protection:Protection")
	if p.Str("resourceArn") != mockcloudtest.One(t, c, "aws:lb/loadBalancer:LoadBalancer").Out("arn").StringValue() {
		t.Errorf("protection %v", p.Inputs)
	}
}

func TestWithoutDomainTheLoadBalancerServesHTTP(t *testing.T) {
	c := run(t, func(a *Args) { a.Domain, a.ZoneID, a.FailoverRole = "", nil, "" })
	if n := len(c.OfType("aws:acm/certificate:Certificate")) + len(c.OfType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d certificates and records without a domain", n)
	}
	l := mockcloudtest.One(t, c, "aws:lb/listener:Listener")
	if l.Str("protocol") != "HTTP" || l.Num("port") != 80 {
		t.Errorf("listener %v", l.Inputs)
	}
	sg := named(t, c, "aws:ec2/securityGroup:SecurityGroup", "origin-alb")
	if sg.Num("ingress[0].fromPort") != 80 || len(sg.Strs("ingress[0].prefixListIds")) != 1 {
		t.Errorf("load balancer group %v", sg.In("ingress"))
	}
}

func TestInvalidArgsFailClearly(t *testing.T) {
	a := &Args{Region: "mars-1", Prefix: "Prod EU", VpcCIDR: "nope", TargetPort: 0, HealthCheckPath: "readyz",
		RoutedPaths: []string{"/api"}, FailoverRole: "PRIMARY", Settings: Settings{RateLimit: 5, LogRetentionDays: 42}}
	err := a.Validate()
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"Region", "Prefix", "VpcID", "VpcCIDR", "PublicSubnetIDs", "NodeSecurityGroupID", "TargetPort",
		"HealthCheckPath", "must include HealthCheckPath", "LogKeyArn", "rateLimit", "logRetentionDays", "FailoverRole"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
