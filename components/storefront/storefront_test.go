package storefront

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/mockcloud"
)

const (
	issuer  = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
	oidcArn = "arn:aws:iam::123456789012:oidc-provider/" + issuer
	dbArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/database-AbCdEf"
	kvArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/cache-AbCdEf"
	srArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/search-AbCdEf"
	keyArn  = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
)

func validArgs(p pulumi.ProviderResource) *Args {
	return &Args{
		Region:             "eu-west-1",
		RoleName:           "prod-eu-storefront",
		KubernetesProvider: p,
		OIDCProviderArn:    pulumi.String(oidcArn),
		OIDCIssuerURL:      pulumi.String("https://" + issuer),
		Repository:         "globalstack/storefront",
		ImageTag:           "1.2.3",
		Database:           Database{Host: pulumi.String("db.cluster-x.eu-west-1.rds.amazonaws.com"), Name: "shop", User: "shop_admin", SecretArn: pulumi.String(dbArn)},
		Cache:              Cache{Host: pulumi.String("master.redis.euw1.cache.amazonaws.com"), SecretArn: pulumi.String(kvArn)},
		Search:             &Search{URL: pulumi.String("https://vpc-search.eu-west-1.es.amazonaws.com"), DomainArn: pulumi.String("arn:aws:es:eu-west-1:123456789012:domain/prod-eu-search"), SecretArn: pulumi.String(srArn)},
		SecretsKeyArn:      pulumi.String(keyArn),
		DataSubnetCIDRs:    []string{"10.20.128.0/22", "10.20.132.0/22"},
		PublicSubnetIDs:    pulumi.StringArray{pulumi.String("subnet-pub-a"), pulumi.String("subnet-pub-b")},
		Domain:             "shop.example.eu",
		ZoneID:             pulumi.String("Z123"),
		Env:                map[string]string{"FEATURE_X": "on"},
		Tags:               map[string]string{"owner": "platform"},
	}
}

func run(t *testing.T, mutate func(*Args)) *mockcloud.Cloud {
	t.Helper()
	c := mockcloud.New("globalstack", "test")
	err := c.Run(func(ctx *pulumi.Context) error {
		p, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		a := validArgs(p)
		if mutate != nil {
			mutate(a)
		}
		_, err = New(ctx, "storefront", a)
		return err
	}, map[string]string{"aws:region": "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    any
		Resource  any
		Principal map[string]string
		Condition map[string]map[string]string
	}
}

func parse(t *testing.T, s string) policy {
	t.Helper()
	var p policy
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("policy %q: %v", s, err)
	}
	return p
}

func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func TestRoleIsIRSAScopedAndNamed(t *testing.T) {
	c := run(t, nil)
	role := mockcloud.One(t, c, "aws:iam/role:Role")
	if role.Str("name") != "prod-eu-storefront" {
		t.Errorf("role name %q", role.Str("name"))
	}
	trust := parse(t, role.Str("assumeRolePolicy"))
	if len(trust.Statement) != 1 {
		t.Fatalf("trust %+v", trust)
	}
	s := trust.Statement[0]
	eq := s.Condition["StringEquals"]
	if s.Principal["Federated"] != oidcArn || eq[issuer+":sub"] != "system:serviceaccount:storefront:storefront" || eq[issuer+":aud"] != "sts.amazonaws.com" {
		t.Errorf("trust statement %+v", s)
	}
	pol := parse(t, mockcloud.One(t, c, "aws:iam/rolePolicy:RolePolicy").Str("policy"))
	token := mockcloud.One(t, c, "aws:secretsmanager/secret:Secret").Out("arn").StringValue()
	got := map[string][]string{}
	for _, st := range pol.Statement {
		for _, r := range list(st.Resource) {
			if strings.Contains(r, "*") && !strings.HasSuffix(r, "domain/prod-eu-search/*") {
				t.Errorf("statement %s has wildcard resource %q", st.Sid, r)
			}
		}
		got[st.Sid] = list(st.Resource)
	}
	// Not the search master user: OpenSearch requests are signed with the role itself.
	if strings.Join(got["ReadOwnSecrets"], ",") != strings.Join([]string{dbArn, kvArn, token}, ",") {
		t.Errorf("secrets %v", got["ReadOwnSecrets"])
	}
	if strings.Join(got["DecryptOwnSecrets"], ",") != keyArn {
		t.Errorf("keys %v", got["DecryptOwnSecrets"])
	}
	sa := mockcloud.One(t, c, "kubernetes:core/v1:ServiceAccount")
	if v := sa.In("metadata.annotations").ObjectValue()["eks.amazonaws.com/role-arn"]; v.StringValue() != role.Out("arn").StringValue() {
		t.Errorf("service account annotations %v", sa.In("metadata.annotations"))
	}
}

func TestPodsAreHardenedAndProbed(t *testing.T) {
	c := run(t, nil)
	d := mockcloud.One(t, c, "kubernetes:apps/v1:Deployment")
	pod := "spec.template.spec."
	ctr := pod + "containers[0]."
	if !d.Bool(pod+"securityContext.runAsNonRoot") || d.Num(pod+"securityContext.runAsUser") != UID {
		t.Errorf("pod security context %v", d.In(pod+"securityContext"))
	}
	if !d.Bool(ctr+"securityContext.readOnlyRootFilesystem") || d.Bool(ctr+"securityContext.allowPrivilegeEscalation") ||
		strings.Join(d.Strs(ctr+"securityContext.capabilities.drop"), ",") != "ALL" || !d.Bool(ctr+"securityContext.runAsNonRoot") {
		t.Errorf("container security context %v", d.In(ctr+"securityContext"))
	}
	if d.Str(ctr+"livenessProbe.httpGet.path") != "/healthz" || d.Str(ctr+"readinessProbe.httpGet.path") != "/readyz" {
		t.Errorf("probes %v / %v", d.In(ctr+"livenessProbe"), d.In(ctr+"readinessProbe"))
	}
	if d.Str(ctr+"resources.requests.cpu") == "" || d.Str(ctr+"resources.limits.memory") == "" {
		t.Errorf("resources %v", d.In(ctr+"resources"))
	}
	if d.Str(pod+"topologySpreadConstraints[0].topologyKey") != "topology.kubernetes.io/zone" {
		t.Errorf("spread %v", d.In(pod+"topologySpreadConstraints"))
	}
	if img := d.Str(ctr + "image"); img != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/globalstack/storefront:1.2.3" {
		t.Errorf("image %q", img)
	}
	plain, fromSecret := map[string]string{}, map[string]string{}
	for i := 0; i < d.Len(ctr+"env"); i++ {
		e := ctr + "env[" + itoa(i) + "]."
		if k := d.Str(e + "valueFrom.secretKeyRef.name"); k != "" {
			fromSecret[d.Str(e+"name")] = k
		} else {
			plain[d.Str(e+"name")] = d.Str(e + "value")
		}
	}
	for _, k := range []string{"OPENSEARCH_USERNAME", "OPENSEARCH_PASSWORD"} {
		if _, ok := fromSecret[k]; ok {
			t.Errorf("%s reaches the pod: requests are signed with the pod's role instead", k)
		}
	}
	if plain["OPENSEARCH_AUTH"] != "aws-sigv4" || plain["OPENSEARCH_AWS_REGION"] != "eu-west-1" {
		t.Errorf("OpenSearch requests are not signed with the pod's role: %v", plain)
	}
	for _, k := range []string{"PGPASSWORD", "REDIS_PASSWORD", "TOKEN_SECRET"} {
		if fromSecret[k] != SecretName {
			t.Errorf("%s not from %s: %v", k, SecretName, fromSecret)
		}
		if _, ok := plain[k]; ok {
			t.Errorf("%s is a plain value", k)
		}
	}
	if plain["REDIS_URL"] != "rediss://master.redis.euw1.cache.amazonaws.com:6379" || plain["PGSSLMODE"] != "require" ||
		plain["STOREFRONT_ADDR"] != ":8080" || plain["CORS_ALLOWED_ORIGINS"] != "https://shop.example.eu" || plain["FEATURE_X"] != "on" {
		t.Errorf("plain env %v", plain)
	}
	spc := mockcloud.One(t, c, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
	objects := spc.Str("spec.parameters.objects")
	for _, arn := range []string{dbArn, kvArn} {
		if !strings.Contains(objects, arn) {
			t.Errorf("SecretProviderClass lacks %s:\n%s", arn, objects)
		}
	}
	if strings.Contains(objects, srArn) {
		t.Errorf("the search master secret reaches the pods:\n%s", objects)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestIngressHPAAndNetworkPolicy(t *testing.T) {
	c := run(t, nil)
	ing := mockcloud.One(t, c, "kubernetes:networking.k8s.io/v1:Ingress")
	ann := ing.In("metadata.annotations").ObjectValue()
	get := func(k string) string { return ann[propertyKey(k)].StringValue() }
	cert := mockcloud.One(t, c, "aws:acm/certificate:Certificate")
	if get("alb.ingress.kubernetes.io/scheme") != "internet-facing" || get("alb.ingress.kubernetes.io/subnets") != "subnet-pub-a,subnet-pub-b" ||
		get("alb.ingress.kubernetes.io/listen-ports") != `[{"HTTPS":443}]` || get("alb.ingress.kubernetes.io/certificate-arn") != cert.Out("arn").StringValue() {
		t.Errorf("ingress annotations %v", ann)
	}
	if cert.Str("domainName") != "origin.shop.example.eu" || cert.Region != "eu-west-1" {
		t.Errorf("ALB certificate %s in %s", cert.Str("domainName"), cert.Region)
	}
	hpa := mockcloud.One(t, c, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
	if hpa.Num("spec.minReplicas") != 3 || hpa.Num("spec.maxReplicas") != 12 || hpa.Num("spec.metrics[0].resource.target.averageUtilization") != 70 {
		t.Errorf("hpa %v", hpa.In("spec"))
	}
	mockcloud.One(t, c, "kubernetes:policy/v1:PodDisruptionBudget")
	np := mockcloud.One(t, c, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
	if np.Str("spec.egress[0].to[0].ipBlock.cidr") != "10.20.128.0/22" || np.Num("spec.egress[0].ports[0].port") != 5432 ||
		np.Num("spec.egress[0].ports[1].port") != 6379 || np.Num("spec.egress[0].ports[2].port") != 443 || np.Num("spec.egress[1].ports[0].port") != 53 || np.Len("spec.egress") != 2 {
		t.Errorf("network policy egress %v", np.In("spec.egress"))
	}
	rec := c.OfType("aws:route53/record:Record")
	found := false
	for _, r := range rec {
		if r.Str("name") == "origin.shop.example.eu" && r.Strs("records")[0] == ing.Out("status.loadBalancer.ingress[0].hostname").StringValue() {
			found = true
		}
	}
	if !found {
		t.Error("no origin record pointing at the ALB")
	}
}

type propertyKey = resource.PropertyKey

func TestWithoutDomainTheALBListensOnHTTP(t *testing.T) {
	c := run(t, func(a *Args) { a.Domain, a.ZoneID = "", nil })
	ing := mockcloud.One(t, c, "kubernetes:networking.k8s.io/v1:Ingress")
	if v := ing.In("metadata.annotations").ObjectValue()[propertyKey("alb.ingress.kubernetes.io/listen-ports")]; v.StringValue() != `[{"HTTP":80}]` {
		t.Errorf("listen ports %v", v)
	}
	if n := len(c.OfType("aws:acm/certificate:Certificate")); n != 0 {
		t.Errorf("%d certificates without a domain", n)
	}
}

func TestInvalidArgsFailClearly(t *testing.T) {
	a := &Args{
		Region:          "eu-west-1",
		RoleName:        "bad role name!",
		Image:           "registry.example/storefront:latest",
		Replicas:        5,
		MaxReplicas:     2,
		DataSubnetCIDRs: []string{"nope"},
		Env:             map[string]string{"PGPASSWORD": "hunter2"},
		Domain:          "shop.example.eu",
	}
	err := a.Validate()
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"RoleName", "KubernetesProvider", "OIDCProviderArn", "must be pinned", "replicas (5) <= maxReplicas (2)",
		"SecretsKeyArn", "Database.Host", "Database.SecretArn", "Cache.Host", `"nope" is not a subnet range`, "PublicSubnetIDs",
		"PGPASSWORD is set by the component", "ZoneID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
