package mockcloud

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/regions"
)

// sdkVersion stands for the version a provider SDK sends with each registration.
const sdkVersion = "6.83.2-test"

// register registers a custom resource the way a provider SDK does: with its version.
func register(ctx *pulumi.Context, typ, name string, inputs pulumi.Map, opts ...pulumi.ResourceOption) error {
	var res pulumi.CustomResourceState
	return ctx.RegisterResource(typ, name, inputs, &res, append([]pulumi.ResourceOption{pulumi.Version(sdkVersion)}, opts...)...)
}

// provider registers an explicit AWS provider for region.
func provider(ctx *pulumi.Context, name, region string) (pulumi.ProviderResource, error) {
	var p pulumi.ProviderResourceState
	err := ctx.RegisterResource("pulumi:providers:aws", name, pulumi.Map{"region": pulumi.String(region)}, &p, pulumi.Version(sdkVersion))
	return &p, err
}

func run(t *testing.T, region string, program pulumi.RunFunc) *Cloud {
	t.Helper()
	c := New("globalstack", "test")
	if err := c.Run(program, map[string]string{"aws:region": region}); err != nil {
		t.Fatal(err)
	}
	return c
}

// only returns the resource named name.
func only(t *testing.T, c *Cloud, name string) Resource {
	t.Helper()
	for _, r := range c.Resources() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no resource named %s", name)
	return Resource{}
}

func outStr(r Resource, path string) string {
	v := r.Out(path)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func expectMatch(t *testing.T, what, got, pattern string) {
	t.Helper()
	if !regexp.MustCompile("^" + pattern + "$").MatchString(got) {
		t.Errorf("%s = %q, want a match of %s", what, got, pattern)
	}
}

// Ids, ARNs and endpoints have the formats AWS documents for each service, in the region of
// the resource's provider.
func TestSynthesizedIdentifiersHaveTheServiceFormats(t *testing.T) {
	c := run(t, "eu-west-1", func(ctx *pulumi.Context) error {
		return errorsOf(
			register(ctx, "aws:ec2/vpc:Vpc", "vpc", pulumi.Map{"cidrBlock": pulumi.String("10.0.0.0/16")}),
			register(ctx, "aws:ec2/securityGroup:SecurityGroup", "sg", pulumi.Map{"vpcId": pulumi.String("vpc-1")}),
			register(ctx, "aws:rds/cluster:Cluster", "db", pulumi.Map{"clusterIdentifier": pulumi.String("Orders-DB")}),
			register(ctx, "aws:rds/globalCluster:GlobalCluster", "global", pulumi.Map{"globalClusterIdentifier": pulumi.String("orders")}),
			register(ctx, "aws:elasticache/replicationGroup:ReplicationGroup", "cache", pulumi.Map{
				"replicationGroupId": pulumi.String("sessions"), "numCacheClusters": pulumi.Int(2)}),
			register(ctx, "aws:opensearch/domain:Domain", "search", pulumi.Map{"domainName": pulumi.String("catalog")}),
			register(ctx, "aws:iam/role:Role", "role", pulumi.Map{"name": pulumi.String("storefront")}),
			register(ctx, "aws:s3/bucketV2:BucketV2", "logs", pulumi.Map{"bucket": pulumi.String("shop-logs")}),
			register(ctx, "aws:kms/key:Key", "key", pulumi.Map{}),
			register(ctx, "aws:secretsmanager/secret:Secret", "secret", pulumi.Map{"name": pulumi.String("prod/db")}),
			register(ctx, "aws:cloudfront/distribution:Distribution", "cdn", pulumi.Map{}),
			register(ctx, "aws:eks/cluster:Cluster", "eks", pulumi.Map{"name": pulumi.String("shop")}),
		)
	})
	acct := Account

	vpc := only(t, c, "vpc")
	expectMatch(t, "vpc id", vpc.ID, `vpc-0[0-9a-f]{16}`)
	expect(t, "vpc arn", outStr(vpc, "arn"), "arn:aws:ec2:eu-west-1:"+acct+":vpc/"+vpc.ID)
	expectMatch(t, "vpc default security group", outStr(vpc, "defaultSecurityGroupId"), `sg-0[0-9a-f]{16}`)

	sg := only(t, c, "sg")
	expectMatch(t, "security group id", sg.ID, `sg-0[0-9a-f]{16}`)
	expect(t, "security group arn", outStr(sg, "arn"), "arn:aws:ec2:eu-west-1:"+acct+":security-group/"+sg.ID)
	expect(t, "security group id output", outStr(sg, "id"), sg.ID)

	db := only(t, c, "db")
	expect(t, "rds cluster id", db.ID, "orders-db")
	expect(t, "rds cluster arn", outStr(db, "arn"), "arn:aws:rds:eu-west-1:"+acct+":cluster:orders-db")
	expectMatch(t, "rds writer endpoint", outStr(db, "endpoint"), `orders-db\.cluster-[0-9a-f]{12}\.eu-west-1\.rds\.amazonaws\.com`)
	expect(t, "rds reader endpoint", outStr(db, "readerEndpoint"), strings.Replace(outStr(db, "endpoint"), ".cluster-", ".cluster-ro-", 1))
	expect(t, "global cluster arn", outStr(only(t, c, "global"), "arn"), "arn:aws:rds::"+acct+":global-cluster:orders")

	cache := only(t, c, "cache")
	expect(t, "replication group arn", outStr(cache, "arn"), "arn:aws:elasticache:eu-west-1:"+acct+":replicationgroup:sessions")
	expectMatch(t, "cache primary endpoint", outStr(cache, "primaryEndpointAddress"), `master\.sessions\.[0-9a-f]{6}\.euw1\.cache\.amazonaws\.com`)
	if got := cache.Out("memberClusters").ArrayValue(); len(got) != 2 || got[1].StringValue() != "sessions-002" {
		t.Errorf("member clusters = %v, want sessions-001 and sessions-002", got)
	}

	search := only(t, c, "search")
	expect(t, "opensearch id (its ARN)", search.ID, "arn:aws:es:eu-west-1:"+acct+":domain/catalog")
	expectMatch(t, "opensearch endpoint", outStr(search, "endpoint"), `vpc-catalog-[0-9a-f]{26}\.eu-west-1\.es\.amazonaws\.com`)

	expect(t, "iam role arn (global)", outStr(only(t, c, "role"), "arn"), "arn:aws:iam::"+acct+":role/storefront")

	bucket := only(t, c, "logs")
	expect(t, "bucket arn (no region, no account)", outStr(bucket, "arn"), "arn:aws:s3:::shop-logs")
	expect(t, "bucket regional domain", outStr(bucket, "bucketRegionalDomainName"), "shop-logs.s3.eu-west-1.amazonaws.com")

	key := only(t, c, "key")
	expectMatch(t, "kms key id", key.ID, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	expect(t, "kms key arn", outStr(key, "arn"), "arn:aws:kms:eu-west-1:"+acct+":key/"+key.ID)

	expectMatch(t, "secret arn", only(t, c, "secret").ID, `arn:aws:secretsmanager:eu-west-1:`+acct+`:secret:prod/db-[0-9a-f]{6}`)

	cdn := only(t, c, "cdn")
	expectMatch(t, "distribution id", cdn.ID, `E[A-Z2-7]{13}`)
	expect(t, "distribution arn (global)", outStr(cdn, "arn"), "arn:aws:cloudfront::"+acct+":distribution/"+cdn.ID)
	expectMatch(t, "distribution domain", outStr(cdn, "domainName"), `d[0-9a-f]{13}\.cloudfront\.net`)

	eks := only(t, c, "eks")
	expectMatch(t, "eks endpoint", outStr(eks, "endpoint"), `https://[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com`)
	expectMatch(t, "eks oidc issuer", outStr(eks, "identities[0].oidcs[0].issuer"), `https://oidc\.eks\.eu-west-1\.amazonaws\.com/id/[0-9A-F]{32}`)
}

func errorsOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ACM derives a name's DNS validation record from the account and the name, so certificates
// for one name in two regions ask for the same CNAME, while their ARNs are regional.
func TestACMValidationRecordIsTheSameForANameInEveryRegion(t *testing.T) {
	c := run(t, "eu-west-1", func(ctx *pulumi.Context) error {
		use1, err := provider(ctx, "use1", "us-east-1")
		if err != nil {
			return err
		}
		return errorsOf(
			register(ctx, "aws:acm/certificate:Certificate", "eu", pulumi.Map{"domainName": pulumi.String("shop.example.com"),
				"subjectAlternativeNames": pulumi.StringArray{pulumi.String("eu.shop.example.com")}}),
			register(ctx, "aws:acm/certificate:Certificate", "us", pulumi.Map{"domainName": pulumi.String("shop.example.com")}, pulumi.Provider(use1)),
		)
	})
	eu, us := only(t, c, "eu"), only(t, c, "us")
	expectMatch(t, "eu certificate arn", eu.ID, `arn:aws:acm:eu-west-1:`+Account+`:certificate/[0-9a-f-]{36}`)
	expectMatch(t, "us certificate arn", us.ID, `arn:aws:acm:us-east-1:`+Account+`:certificate/[0-9a-f-]{36}`)
	if n := eu.Out("domainValidationOptions").ArrayValue(); len(n) != 2 {
		t.Fatalf("eu certificate has %d validation options, want one per name (2)", len(n))
	}
	expectMatch(t, "validation record name", outStr(eu, "domainValidationOptions[0].resourceRecordName"), `_[0-9a-f]{32}\.shop\.example\.com\.`)
	expectMatch(t, "validation record value", outStr(eu, "domainValidationOptions[0].resourceRecordValue"), `_[0-9a-f]{32}\.[a-z]+\.acm-validations\.aws\.`)
	for _, f := range []string{"resourceRecordName", "resourceRecordValue"} {
		expect(t, "us "+f, outStr(us, "domainValidationOptions[0]."+f), outStr(eu, "domainValidationOptions[0]."+f))
	}
	if outStr(eu, "domainValidationOptions[1].resourceRecordName") == outStr(eu, "domainValidationOptions[0].resourceRecordName") {
		t.Error("two names share one validation record")
	}
}

// The load balancer controller's ALB hostname carries namespace, name and the region the
// workload labels.
func TestIngressGetsAnELBHostname(t *testing.T) {
	c := run(t, "ap-northeast-1", func(ctx *pulumi.Context) error {
		return register(ctx, "kubernetes:networking.k8s.io/v1:Ingress", "web", pulumi.Map{
			"metadata": pulumi.Map{"name": pulumi.String("storefront"), "namespace": pulumi.String("shop"),
				"labels": pulumi.Map{RegionLabel: pulumi.String("ap-northeast-1")}},
		}, pulumi.Version("4.25.0-test"))
	})
	in := only(t, c, "web")
	expect(t, "ingress id", in.ID, "shop/storefront")
	expectMatch(t, "ingress hostname", outStr(in, "status.loadBalancer.ingress[0].hostname"),
		`k8s-shop-storefro-[0-9a-f]{10}-[0-9]+0472815\.ap-northeast-1\.elb\.amazonaws\.com`)
}

// A resource without an explicit provider gets the package's default provider, named and
// versioned after the SDK version of the registration and configured with aws:region.
func TestDefaultProviderCarriesTheSDKVersionAndTheStackRegion(t *testing.T) {
	c := run(t, "eu-central-1", func(ctx *pulumi.Context) error {
		use1, err := provider(ctx, "use1", "us-east-1")
		if err != nil {
			return err
		}
		return errorsOf(
			register(ctx, "aws:kms/key:Key", "here", pulumi.Map{}),
			register(ctx, "aws:kms/key:Key", "also-here", pulumi.Map{}),
			register(ctx, "aws:kms/key:Key", "there", pulumi.Map{}, pulumi.Provider(use1)),
		)
	})
	defaults := c.OfType("pulumi:providers:aws")
	var def Resource
	for _, p := range defaults {
		if p.Name == "default_6_83_2_test" {
			def = p
		}
	}
	if def.URN == "" {
		t.Fatalf("no default aws provider named default_6_83_2_test among %d aws providers", len(defaults))
	}
	if len(defaults) != 2 {
		t.Errorf("%d aws providers, want the explicit one and a single default", len(defaults))
	}
	expect(t, "default provider version input", def.Str("version"), sdkVersion)
	expect(t, "default provider region input", def.Str("region"), "eu-central-1")
	here, also, there := only(t, c, "here"), only(t, c, "also-here"), only(t, c, "there")
	expect(t, "provider of a resource without one", here.Provider, def.URN+"::"+def.ID)
	expect(t, "provider of a second resource without one", also.Provider, here.Provider)
	expect(t, "region of a resource on the default provider", here.Region, "eu-central-1")
	expect(t, "region of a resource on the us-east-1 provider", there.Region, "us-east-1")
	expect(t, "arn of a resource on the us-east-1 provider", outStr(there, "arn"), "arn:aws:kms:us-east-1:"+Account+":key/"+there.ID)
}

// A registration without a provider version would get an unversioned default provider; the
// mock refuses it, naming the resource, rather than plan it.
func TestRegistrationWithoutAProviderVersionFails(t *testing.T) {
	c := New("globalstack", "test")
	err := c.Run(func(ctx *pulumi.Context) error {
		var res pulumi.CustomResourceState
		return ctx.RegisterResource("aws:kms/key:Key", "bare", pulumi.Map{}, &res)
	}, map[string]string{"aws:region": "eu-west-1"})
	if err == nil || !strings.Contains(err.Error(), `aws:kms/key:Key "bare"`) || !strings.Contains(err.Error(), "provider version") {
		t.Fatalf("registering without a version: err = %v, want one naming aws:kms/key:Key \"bare\" and the missing provider version", err)
	}
}

// A stack reference reads the outputs set for the stack it names (by its last path element),
// through the built-in pulumi provider, and an unknown stack reads as no outputs.
func TestStackReferenceReadsTheNamedStacksOutputs(t *testing.T) {
	c := New("globalstack", "prod-eu-dr")
	c.SetStackOutputs("prod-eu", map[string]any{"vpcId": "vpc-0abc", "clusterName": "prod-eu"})
	err := c.Run(func(ctx *pulumi.Context) error {
		if _, err := pulumi.NewStackReference(ctx, "acme/globalstack/prod-eu", nil); err != nil {
			return err
		}
		_, err := pulumi.NewStackReference(ctx, "acme/globalstack/prod-xx", nil)
		return err
	}, map[string]string{"aws:region": "eu-central-1"})
	if err != nil {
		t.Fatal(err)
	}
	refs := c.OfType("pulumi:pulumi:StackReference")
	if len(refs) != 2 {
		t.Fatalf("%d stack references recorded, want 2", len(refs))
	}
	// Registrations run concurrently, so the recorded order is not the program's order.
	known, unknown := refs[0], refs[1]
	if known.ID != "acme/globalstack/prod-eu" {
		known, unknown = unknown, known
	}
	expect(t, "stack reference id", known.ID, "acme/globalstack/prod-eu")
	expect(t, "unplanned stack reference id", unknown.ID, "acme/globalstack/prod-xx")
	expect(t, "referenced vpcId", outStr(known, "outputs.vpcId"), "vpc-0abc")
	if !strings.Contains(known.Provider, "pulumi:providers:pulumi::default::") || !known.Custom {
		t.Errorf("stack reference provider %q (custom %v), want the built-in default pulumi provider", known.Provider, known.Custom)
	}
	if outs := unknown.Out("outputs"); !outs.IsObject() || len(outs.ObjectValue()) != 0 {
		t.Errorf("outputs of a reference to an unplanned stack = %v, want none", outs)
	}
}

// The invokes answer for the region of the provider they are called through.
func TestInvokesAnswerForTheProvidersRegion(t *testing.T) {
	type zones struct {
		Names   []string `pulumi:"names"`
		ZoneIDs []string `pulumi:"zoneIds"`
	}
	var here, there zones
	var caller struct {
		AccountID string `pulumi:"accountId"`
	}
	var s3, health struct {
		ID         string  `pulumi:"id"`
		MaxEntries float64 `pulumi:"maxEntries"`
		Entries    []struct {
			Cidr string `pulumi:"cidr"`
		} `pulumi:"entries"`
	}
	c := run(t, "eu-west-1", func(ctx *pulumi.Context) error {
		use1, err := provider(ctx, "use1", "us-east-1")
		if err != nil {
			return err
		}
		return errorsOf(
			ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", nil, &here),
			ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", nil, &there, pulumi.Provider(use1)),
			ctx.Invoke("aws:index/getCallerIdentity:getCallerIdentity", nil, &caller),
			ctx.Invoke("aws:ec2/getManagedPrefixList:getManagedPrefixList", map[string]any{"name": "com.amazonaws.eu-west-1.s3"}, &s3),
			ctx.Invoke("aws:ec2/getManagedPrefixList:getManagedPrefixList", map[string]any{"name": "com.amazonaws.eu-west-1.route53-healthchecks"}, &health),
		)
	})
	if !slices.Equal(here.Names, regions.Zones("eu-west-1")) || !slices.Equal(there.Names, regions.Zones("us-east-1")) {
		t.Errorf("zones = %v and %v, want those of eu-west-1 and us-east-1", here.Names, there.Names)
	}
	if len(here.ZoneIDs) == 0 || here.ZoneIDs[0] != "euw1-az1" {
		t.Errorf("zone ids = %v, want euw1-az1, ...", here.ZoneIDs)
	}
	expect(t, "caller account", caller.AccountID, Account)
	expectMatch(t, "s3 prefix list id", s3.ID, `pl-[0-9a-f]{8}`)
	if s3.MaxEntries != 1 || health.MaxEntries != 25 || len(health.Entries) == 0 || health.Entries[0].Cidr != "54.243.31.192/26" {
		t.Errorf("prefix lists: s3 weight %v, health checks weight %v with %d entries; want 1, 25 and the ROUTE53_HEALTHCHECKS ranges",
			s3.MaxEntries, health.MaxEntries, len(health.Entries))
	}
	calls := c.Invocations("aws:index/getAvailabilityZones:getAvailabilityZones")
	if len(calls) != 2 || calls[0].Region != "eu-west-1" || calls[1].Region != "us-east-1" {
		t.Errorf("recorded zone lookups %+v, want one in eu-west-1 then one in us-east-1", calls)
	}
}

// A prefix list AWS does not publish fails the lookup as the API does, and a function the
// mock does not know fails naming it.
func TestInvokeFailures(t *testing.T) {
	for token, args := range map[string]map[string]any{
		"aws:ec2/getManagedPrefixList:getManagedPrefixList": {"name": "com.amazonaws.eu-west-1.nosuch"},
		"aws:ec2/getAmi:getAmi":                             {},
	} {
		c := New("globalstack", "test")
		err := c.Run(func(ctx *pulumi.Context) error {
			var out map[string]any
			return ctx.Invoke(token, args, &out)
		}, map[string]string{"aws:region": "eu-west-1"})
		want := "no mock for function " + token
		if name, ok := args["name"]; ok {
			want = name.(string)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("invoking %s: err = %v, want one containing %q", token, err, want)
		}
	}
}
