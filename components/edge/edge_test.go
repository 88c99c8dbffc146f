package edge

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/edge/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

func run(t *testing.T, mutate func(*Args)) *mockcloud.Cloud {
	t.Helper()
	c := mockcloud.New("globalstack", "test")
	err := c.Run(func(ctx *pulumi.Context) error {
		global, err := aws.NewProvider(ctx, "global", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		a := &Args{
			Region:         "eu-west-1",
			Prefix:         "prod-eu",
			GlobalProvider: global,
			APIOrigin:      Origin{Domain: pulumi.String("origin.shop.example.eu"), HTTPS: true},
			Domain:         "shop.example.eu",
			ZoneID:         pulumi.String("Z123"),
			Settings:       settings.Settings{RateLimit: 1500},
			Tags:           map[string]string{"owner": "platform"},
		}
		if mutate != nil {
			mutate(a)
		}
		_, err = New(ctx, "edge", a)
		return err
	}, map[string]string{"aws:region": "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWebACLIsGlobalWithManagedRulesAndLogsInRegion(t *testing.T) {
	c := run(t, nil)
	acl := mockcloudtest.One(t, c, "aws:wafv2/webAcl:WebAcl")
	if acl.Region != "us-east-1" || acl.Str("scope") != "CLOUDFRONT" || !strings.Contains(acl.Out("arn").StringValue(), ":us-east-1:123456789012:global/webacl/") {
		t.Errorf("web ACL region %s scope %s arn %s", acl.Region, acl.Str("scope"), acl.Out("arn").StringValue())
	}
	var groups []string
	for i := 0; i < acl.Len("rules"); i++ {
		r := "rules[" + string(rune('0'+i)) + "]."
		if n := acl.Str(r + "statement.managedRuleGroupStatement.name"); n != "" && acl.Str(r+"statement.managedRuleGroupStatement.vendorName") == "AWS" {
			groups = append(groups, n)
		}
		if acl.Num(r+"statement.rateBasedStatement.limit") == 1500 && acl.Str(r+"statement.rateBasedStatement.aggregateKeyType") == "IP" && acl.In(r+"action.block").IsObject() {
			groups = append(groups, "rate")
		}
	}
	if strings.Join(groups, ",") != strings.Join(append(append([]string{}, ManagedRuleGroups...), "rate"), ",") {
		t.Errorf("rules %v", groups)
	}
	logging := mockcloudtest.One(t, c, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
	var wafBucket mockcloud.Resource
	for _, b := range c.OfType("aws:s3/bucketV2:BucketV2") {
		if strings.HasPrefix(b.Str("bucket"), "aws-waf-logs-") {
			wafBucket = b
		}
	}
	if wafBucket.Region != "eu-west-1" || logging.Region != "us-east-1" || logging.Strs("logDestinationConfigs")[0] != wafBucket.Out("arn").StringValue() ||
		logging.Str("resourceArn") != acl.Out("arn").StringValue() {
		t.Errorf("WAF logs to %v (bucket %s in %s)", logging.Strs("logDestinationConfigs"), wafBucket.Str("bucket"), wafBucket.Region)
	}
}

func TestAssetsBucketIsPrivateAndOnlyReachableThroughOAC(t *testing.T) {
	c := run(t, nil)
	dist := mockcloudtest.One(t, c, "aws:cloudfront/distribution:Distribution")
	var assets mockcloud.Resource
	for _, b := range c.OfType("aws:s3/bucketV2:BucketV2") {
		if strings.HasPrefix(b.Str("bucket"), "prod-eu-assets-") {
			assets = b
		}
	}
	name := assets.Out("bucket").StringValue()
	checks := map[string]bool{}
	for _, r := range c.Descendants(c.OfType("globalstack:edge:Edge")[0].URN) {
		if r.Str("bucket") != name {
			continue
		}
		switch r.Type {
		case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
			checks["pab"] = r.Bool("blockPublicAcls") && r.Bool("blockPublicPolicy") && r.Bool("ignorePublicAcls") && r.Bool("restrictPublicBuckets")
		case "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
			checks["kms"] = r.Str("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm") == "aws:kms" && r.Str("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId") != ""
		case "aws:s3/bucketVersioningV2:BucketVersioningV2":
			checks["versioning"] = r.Str("versioningConfiguration.status") == "Enabled"
		case "aws:s3/bucketPolicy:BucketPolicy":
			var doc struct {
				Statement []struct {
					Effect    string
					Principal any
					Condition map[string]map[string]string
				}
			}
			if err := json.Unmarshal([]byte(r.Str("policy")), &doc); err != nil {
				t.Fatal(err)
			}
			ok := false
			for _, s := range doc.Statement {
				if s.Effect == "Allow" {
					p, _ := s.Principal.(map[string]any)
					ok = p["Service"] == "cloudfront.amazonaws.com" && s.Condition["StringEquals"]["aws:SourceArn"] == dist.Out("arn").StringValue()
				}
			}
			checks["policy"] = ok
		}
	}
	for _, k := range []string{"pab", "kms", "versioning", "policy"} {
		if !checks[k] {
			t.Errorf("assets bucket check %s failed (%v)", k, checks)
		}
	}
	oac := mockcloudtest.One(t, c, "aws:cloudfront/originAccessControl:OriginAccessControl")
	if dist.Str("origins[0].originAccessControlId") != oac.ID || dist.Str("origins[0].domainName") != assets.Out("bucketRegionalDomainName").StringValue() {
		t.Errorf("assets origin %v", dist.In("origins[0]"))
	}
}

func TestDistributionTLSBehaviorsAndCertificate(t *testing.T) {
	c := run(t, nil)
	dist := mockcloudtest.One(t, c, "aws:cloudfront/distribution:Distribution")
	cert := mockcloudtest.One(t, c, "aws:acm/certificate:Certificate")
	if dist.Region != "us-east-1" || cert.Region != "us-east-1" {
		t.Errorf("distribution in %s, certificate in %s", dist.Region, cert.Region)
	}
	if dist.Str("viewerCertificate.minimumProtocolVersion") != "TLSv1.2_2021" || dist.Str("viewerCertificate.acmCertificateArn") != cert.Out("arn").StringValue() {
		t.Errorf("viewer certificate %v", dist.In("viewerCertificate"))
	}
	if dist.Str("defaultCacheBehavior.viewerProtocolPolicy") != "redirect-to-https" || dist.Str("webAclId") != mockcloudtest.One(t, c, "aws:wafv2/webAcl:WebAcl").Out("arn").StringValue() {
		t.Errorf("default behavior / WAF %v %s", dist.In("defaultCacheBehavior"), dist.Str("webAclId"))
	}
	api := dist.In("origins[1]")
	if dist.Str("origins[1].customOriginConfig.originProtocolPolicy") != "https-only" || dist.Str("origins[1].domainName") != "origin.shop.example.eu" {
		t.Errorf("api origin %v", api)
	}
	policies := map[string]mockcloud.Resource{}
	for _, p := range c.OfType("aws:cloudfront/cachePolicy:CachePolicy") {
		policies[p.ID] = p
	}
	static, apiB := dist.Str("orderedCacheBehaviors[0].cachePolicyId"), dist.Str("orderedCacheBehaviors[1].cachePolicyId")
	if dist.Str("orderedCacheBehaviors[0].pathPattern") != "/static/*" || policies[static].Num("defaultTtl") != 31536000 {
		t.Errorf("static behavior %v", dist.In("orderedCacheBehaviors[0]"))
	}
	if dist.Str("orderedCacheBehaviors[1].pathPattern") != "/api/*" || policies[apiB].Num("defaultTtl") != 0 ||
		policies[apiB].Strs("parametersInCacheKeyAndForwardedToOrigin.headersConfig.headers.items")[0] != "Authorization" ||
		dist.Len("orderedCacheBehaviors[1].allowedMethods") != 7 {
		t.Errorf("api behavior %v", dist.In("orderedCacheBehaviors[1]"))
	}
	rh := mockcloudtest.One(t, c, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
	if rh.Num("securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec") < 31536000 || rh.Str("securityHeadersConfig.frameOptions.frameOption") != "DENY" ||
		rh.Str("securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy") == "" || !rh.In("securityHeadersConfig.contentTypeOptions").IsObject() {
		t.Errorf("response headers %v", rh.In("securityHeadersConfig"))
	}
	if !strings.HasSuffix(dist.Str("loggingConfig.bucket"), ".s3.amazonaws.com") || !strings.HasPrefix(dist.Str("loggingConfig.bucket"), "prod-eu-cdn-logs-") {
		t.Errorf("access logging %v", dist.In("loggingConfig"))
	}
	aliases := 0
	for _, r := range c.OfType("aws:route53/record:Record") {
		if r.Str("name") == "shop.example.eu" && r.Str("aliases[0].zoneId") == "Z2FDTNDATAQYW2" && r.Str("aliases[0].name") == dist.Out("domainName").StringValue() {
			aliases++
		}
	}
	if aliases != 2 {
		t.Errorf("%d alias records (want A and AAAA)", aliases)
	}
	if dist.Len("originGroups") != 0 {
		t.Error("origin group without a DR origin")
	}
}

func TestDROriginAddsReadOnlyFailover(t *testing.T) {
	c := run(t, func(a *Args) { a.DROriginDomain = "origin-dr.shop.example.eu" })
	dist := mockcloudtest.One(t, c, "aws:cloudfront/distribution:Distribution")
	if dist.Str("originGroups[0].members[1].originId") != "api-dr" || dist.Num("originGroups[0].failoverCriteria.statusCodes[0]") != 500 {
		t.Fatalf("origin group %v", dist.In("originGroups"))
	}
	for i := 0; i < dist.Len("orderedCacheBehaviors"); i++ {
		b := "orderedCacheBehaviors[" + string(rune('0'+i)) + "]."
		if dist.Str(b+"targetOriginId") == "api-failover" && dist.Len(b+"allowedMethods") != 3 {
			t.Errorf("failover behavior %s allows %v", dist.Str(b+"pathPattern"), dist.Strs(b+"allowedMethods"))
		}
	}
	if dist.Str("orderedCacheBehaviors[1].targetOriginId") != "api-failover" {
		t.Errorf("no failover behavior before /api/*: %v", dist.In("orderedCacheBehaviors"))
	}
}

func TestInvalidArgsFailClearly(t *testing.T) {
	a := &Args{Region: "eu-west-1", Prefix: "Prod_EU", Domain: "shop.example.eu", APIOrigin: Origin{},
		Settings: settings.Settings{RateLimit: 5, FailoverPaths: []string{"/api/*"}}}
	err := a.Validate()
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"Prefix", "GlobalProvider", "APIOrigin.Domain", "rateLimit", "ZoneID", "APIOrigin.HTTPS", "failoverPaths"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// keyStatements returns the statements of the edge key's policy granted to a service.
func keyStatements(t *testing.T, c *mockcloud.Cloud, service string) []map[string]any {
	t.Helper()
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(mockcloudtest.One(t, c, "aws:kms/keyPolicy:KeyPolicy").Str("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, st := range doc.Statement {
		if p, _ := st["Principal"].(map[string]any); p["Service"] == service {
			out = append(out, st)
		}
	}
	return out
}

// CloudFront's legacy log delivery to an SSE-KMS bucket with a bucket key needs
// kms:GenerateDataKey* and kms:Decrypt for delivery.logs.amazonaws.com, with no condition:
// a condition on a key the delivery does not send denies every log object.
func TestLogDeliveryKeyStatementIsTheDocumentedOne(t *testing.T) {
	c := run(t, nil)
	sts := keyStatements(t, c, "delivery.logs.amazonaws.com")
	if len(sts) != 1 {
		t.Fatalf("%d key policy statements for log delivery, want 1", len(sts))
	}
	st := sts[0]
	actions := map[string]bool{}
	for _, a := range st["Action"].([]any) {
		actions[a.(string)] = true
	}
	if st["Effect"] != "Allow" || !actions["kms:GenerateDataKey*"] || !actions["kms:Decrypt"] {
		t.Errorf("log delivery statement %v lacks kms:GenerateDataKey* or kms:Decrypt", st)
	}
	if cond, ok := st["Condition"]; ok {
		t.Errorf("log delivery statement carries condition %v: CloudFront's legacy delivery is not documented to send it", cond)
	}
}

// CloudFront grants awslogsdelivery FULL_CONTROL through the bucket's ACL when logging is set,
// and refuses a bucket whose ACLs are disabled: the distribution waits for the ownership
// controls that enable them.
func TestDistributionWaitsForLogBucketACLs(t *testing.T) {
	c := run(t, nil)
	dist := mockcloudtest.One(t, c, "aws:cloudfront/distribution:Distribution")
	var logBucket string
	for _, b := range c.OfType("aws:s3/bucketV2:BucketV2") {
		if b.Out("bucketDomainName").StringValue() == dist.Str("loggingConfig.bucket") {
			logBucket = b.Out("bucket").StringValue()
		}
	}
	if logBucket == "" {
		t.Fatalf("logging bucket %q is not a bucket of the edge", dist.Str("loggingConfig.bucket"))
	}
	controls := 0
	for _, oc := range c.OfType("aws:s3/bucketOwnershipControls:BucketOwnershipControls") {
		if oc.Str("bucket") != logBucket {
			continue
		}
		controls++
		if o := oc.Str("rule.objectOwnership"); o != "BucketOwnerPreferred" && o != "ObjectWriter" {
			t.Errorf("log bucket ownership %s disables ACLs", o)
		}
		if !slices.Contains(dist.Dependencies, oc.URN) {
			t.Errorf("distribution does not wait for %s: CloudFront may see the bucket with ACLs disabled", oc.URN)
		}
	}
	if controls != 1 {
		t.Fatalf("%d ownership controls on the log bucket %s", controls, logBucket)
	}
}

// "/" must resolve to an object the deploy uploads (under static/, through the assets origin)
// and must not be pinned in caches for a year.
func TestRootObjectIsAnUploadedAsset(t *testing.T) {
	c := run(t, nil)
	dist := mockcloudtest.One(t, c, "aws:cloudfront/distribution:Distribution")
	root := dist.Str("defaultRootObject")
	if root == "" || strings.HasPrefix(root, "/") {
		t.Fatalf("default root object %q", root)
	}
	served := false
	for i := 0; i < dist.Len("orderedCacheBehaviors"); i++ {
		b := fmt.Sprintf("orderedCacheBehaviors[%d].", i)
		prefix, wildcard := strings.CutSuffix(dist.Str(b+"pathPattern"), "*")
		if wildcard && strings.HasPrefix("/"+root, prefix) && dist.Str(b+"targetOriginId") == "assets" {
			served = true
		}
	}
	if !served || dist.Str("defaultCacheBehavior.targetOriginId") != "assets" {
		t.Errorf("default root object %q is outside the uploaded static/ prefix of the assets origin", root)
	}
	for _, p := range c.OfType("aws:cloudfront/cachePolicy:CachePolicy") {
		if p.ID == dist.Str("defaultCacheBehavior.cachePolicyId") && p.Num("minTtl") > 86400 {
			t.Errorf("the root object is cached at least %v s whatever its Cache-Control says", p.Num("minTtl"))
		}
	}
}
