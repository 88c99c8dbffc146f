package storefront

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/storefront/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	issuer  = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
	oidcArn = "arn:aws:iam::123456789012:oidc-provider/" + issuer
	dbArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/database-AbCdEf"
	kvArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/cache-AbCdEf"
	srArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-eu/search-AbCdEf"
	keyArn  = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
	dbResID = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY"
	dbUser  = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:" + dbResID + "/storefront_app"
	tgArn   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-eu-storefront/0123456789abcdef"
)

func validArgs(p pulumi.ProviderResource) *Args {
	return &Args{
		Region:              "eu-west-1",
		RoleName:            "prod-eu-storefront",
		KubernetesProvider:  p,
		OIDCProviderArn:     pulumi.String(oidcArn),
		OIDCIssuerURL:       pulumi.String("https://" + issuer),
		Settings:            settings.Settings{Repository: "globalstack/storefront", ImageTag: "1.2.3", Env: map[string]string{"FEATURE_X": "on"}},
		Database:            Database{Host: pulumi.String("db.cluster-x.eu-west-1.rds.amazonaws.com"), Name: "shop", User: "shop_admin", SecretArn: pulumi.String(dbArn), ResourceID: pulumi.String(dbResID)},
		Cache:               Cache{Host: pulumi.String("master.redis.euw1.cache.amazonaws.com"), SecretArn: pulumi.String(kvArn)},
		Search:              &Search{URL: pulumi.String("https://vpc-search.eu-west-1.es.amazonaws.com"), DomainArn: pulumi.String("arn:aws:es:eu-west-1:123456789012:domain/prod-eu-search"), SecretArn: pulumi.String(srArn)},
		SecretsKeyArn:       pulumi.String(keyArn),
		DataSubnetCIDRs:     []string{"10.20.128.0/22", "10.20.132.0/22"},
		EndpointSubnetCIDRs: []string{"10.20.0.0/20", "10.20.16.0/20"},
		Domain:              "shop.example.eu",
		TargetGroupArn:      pulumi.String(tgArn),
		LoadBalancer:        base.AWSResource("aws:lb/loadBalancer:LoadBalancer", "origin"),
		Scraper:             Scraper{CIDRs: []string{"10.20.32.0/20", "10.20.48.0/20"}, From: base.ClusterNodes("prod-eu")},
		Tags:                map[string]string{"owner": "platform"},
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

// named returns the only resource of type typ whose input at path is value.
func named(t *testing.T, c *mockcloud.Cloud, typ, path, value string) mockcloud.Resource {
	t.Helper()
	var found []mockcloud.Resource
	for _, r := range c.OfType(typ) {
		if r.Str(path) == value {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s with %s %q, want 1", len(found), typ, path, value)
	}
	return found[0]
}

// policyOf returns the inline policy attached to the role with that name.
func policyOf(t *testing.T, c *mockcloud.Cloud, role mockcloud.Resource) policy {
	t.Helper()
	var found []mockcloud.Resource
	for _, p := range c.OfType("aws:iam/rolePolicy:RolePolicy") {
		if p.Str("role") == role.Out("name").StringValue() {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d policies on role %s, want 1", len(found), role.Str("name"))
	}
	return parse(t, found[0].Str("policy"))
}

func TestRoleIsIRSAScopedAndNamed(t *testing.T) {
	c := run(t, nil)
	if n := len(c.OfType("aws:iam/role:Role")); n != 2 {
		t.Errorf("%d roles, want 2 (the pods', the db-bootstrap Job's)", n)
	}
	role := named(t, c, "aws:iam/role:Role", "name", "prod-eu-storefront")
	trust := parse(t, role.Str("assumeRolePolicy"))
	if len(trust.Statement) != 1 {
		t.Fatalf("trust %+v", trust)
	}
	s := trust.Statement[0]
	eq := s.Condition["StringEquals"]
	if s.Principal["Federated"] != oidcArn || eq[issuer+":sub"] != "system:serviceaccount:storefront:storefront" || eq[issuer+":aud"] != "sts.amazonaws.com" {
		t.Errorf("trust statement %+v", s)
	}
	pol := policyOf(t, c, role)
	token := mockcloudtest.One(t, c, "aws:secretsmanager/secret:Secret").Out("arn").StringValue()
	got := map[string][]string{}
	for _, st := range pol.Statement {
		for _, r := range list(st.Resource) {
			if strings.Contains(r, "*") && !strings.HasSuffix(r, "domain/prod-eu-search/*") {
				t.Errorf("statement %s has wildcard resource %q", st.Sid, r)
			}
		}
		got[st.Sid] = list(st.Resource)
	}
	// Neither the search master user (OpenSearch requests are signed with the role itself)
	// nor the database master user (the pods log in with IAM auth tokens).
	if strings.Join(got["ReadOwnSecrets"], ",") != strings.Join([]string{kvArn, token}, ",") {
		t.Errorf("secrets %v", got["ReadOwnSecrets"])
	}
	if strings.Join(got["DatabaseIAMConnect"], ",") != dbUser {
		t.Errorf("rds-db:connect on %v, want exactly %s", got["DatabaseIAMConnect"], dbUser)
	}
	for _, st := range pol.Statement {
		acts := list(st.Action)
		if st.Sid == "DatabaseIAMConnect" && (len(acts) != 1 || acts[0] != "rds-db:connect" || st.Effect != "Allow") {
			t.Errorf("database statement %+v", st)
		}
		if st.Sid != "DatabaseIAMConnect" && strings.Contains(strings.Join(acts, ","), "rds-db:") {
			t.Errorf("statement %s also grants %v", st.Sid, acts)
		}
	}
	if strings.Join(got["DecryptOwnSecrets"], ",") != keyArn {
		t.Errorf("keys %v", got["DecryptOwnSecrets"])
	}
	sa := named(t, c, "kubernetes:core/v1:ServiceAccount", "metadata.name", ServiceAccount)
	if v := sa.In("metadata.annotations").ObjectValue()["eks.amazonaws.com/role-arn"]; v.StringValue() != role.Out("arn").StringValue() {
		t.Errorf("service account annotations %v", sa.In("metadata.annotations"))
	}
}

func TestPodsAreHardenedAndProbed(t *testing.T) {
	c := run(t, nil)
	d := mockcloudtest.One(t, c, "kubernetes:apps/v1:Deployment")
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
		e := ctr + "env[" + strconv.Itoa(i) + "]."
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
	if _, ok := fromSecret["PGPASSWORD"]; ok {
		t.Errorf("PGPASSWORD reaches the app pods: they log in with IAM auth tokens")
	}
	if _, ok := plain["PGPASSWORD"]; ok {
		t.Errorf("PGPASSWORD is a plain value")
	}
	if plain["PGUSER"] != AppDBUser || plain["DATABASE_IAM_AUTH"] != "true" || plain["AWS_REGION"] != "eu-west-1" || plain["MIGRATE_ON_START"] != "false" {
		t.Errorf("database env %v: want PGUSER=%s with IAM auth in eu-west-1, no migrations", plain, AppDBUser)
	}
	for _, k := range []string{"REDIS_PASSWORD", "TOKEN_SECRET"} {
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
	spc := named(t, c, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "metadata.name", AppName)
	objects := spc.Str("spec.parameters.objects")
	if !strings.Contains(objects, kvArn) {
		t.Errorf("SecretProviderClass lacks %s:\n%s", kvArn, objects)
	}
	for _, arn := range []string{srArn, dbArn} {
		if strings.Contains(objects, arn) {
			t.Errorf("a master secret (%s) reaches the app pods:\n%s", arn, objects)
		}
	}
	for i := 0; i < d.Len(pod+"volumes"); i++ {
		if v := d.Str(pod + "volumes[" + strconv.Itoa(i) + "].csi.volumeAttributes.secretProviderClass"); v != "" && v != AppName {
			t.Errorf("the app pods mount SecretProviderClass %q", v)
		}
	}
}

func TestTargetGroupBindingHPAAndNetworkPolicy(t *testing.T) {
	c := run(t, nil)
	tgb := mockcloudtest.One(t, c, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
	svc := mockcloudtest.One(t, c, "kubernetes:core/v1:Service")
	if tgb.Str("spec.targetGroupARN") != tgArn || tgb.Str("spec.targetType") != "ip" ||
		tgb.Str("spec.serviceRef.name") != svc.Str("metadata.name") || tgb.Num("spec.serviceRef.port") != svc.Num("spec.ports[0].port") ||
		tgb.Str("metadata.namespace") != svc.Str("metadata.namespace") {
		t.Errorf("target group binding %v does not name the Service %v", tgb.In("spec"), svc.In("spec.ports"))
	}
	// The controller manages no security group rule: the origin declares it.
	if v := tgb.In("spec.networking"); !v.IsNull() {
		t.Errorf("target group binding has a networking section %v", v)
	}
	if n := len(c.OfType("kubernetes:networking.k8s.io/v1:Ingress")); n != 0 {
		t.Errorf("%d Ingresses: the load balancer belongs to the origin", n)
	}
	hpa := mockcloudtest.One(t, c, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
	if hpa.Num("spec.minReplicas") != 3 || hpa.Num("spec.maxReplicas") != 12 || hpa.Num("spec.metrics[0].resource.target.averageUtilization") != 70 {
		t.Errorf("hpa %v", hpa.In("spec"))
	}
	mockcloudtest.One(t, c, "kubernetes:policy/v1:PodDisruptionBudget")
	np := named(t, c, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "metadata.name", AppName)
	if np.Str("spec.egress[0].to[0].ipBlock.cidr") != "10.20.128.0/22" || np.Num("spec.egress[0].ports[0].port") != 5432 ||
		np.Num("spec.egress[0].ports[1].port") != 6379 || np.Num("spec.egress[0].ports[2].port") != 443 ||
		np.Str("spec.egress[1].to[1].ipBlock.cidr") != "10.20.16.0/20" || np.Num("spec.egress[1].ports[0].port") != 443 || np.Len("spec.egress[1].ports") != 1 ||
		np.Num("spec.egress[2].ports[0].port") != 53 || np.Len("spec.egress") != 3 {
		t.Errorf("network policy egress %v", np.In("spec.egress"))
	}
}

// The app serves /metrics on its own listener; the pods expose it as "metrics", the scrape
// annotations point at it, and the NetworkPolicy admits it from the scrapers only.
func TestMetricsPortIsWiredForTheScrapersOnly(t *testing.T) {
	c := run(t, nil)
	dep := mockcloudtest.One(t, c, "kubernetes:apps/v1:Deployment")
	ctr := "spec.template.spec.containers[0]."
	ports := map[string]float64{}
	for i := 0; i < dep.Len(ctr+"ports"); i++ {
		p := ctr + "ports[" + strconv.Itoa(i) + "]."
		ports[dep.Str(p+"name")] = dep.Num(p + "containerPort")
	}
	if ports["http"] != Port || ports["metrics"] != MetricsPort || len(ports) != 2 {
		t.Errorf("container ports %v, want http %d and metrics %d", ports, Port, MetricsPort)
	}
	env := map[string]string{}
	for i := 0; i < dep.Len(ctr+"env"); i++ {
		e := ctr + "env[" + strconv.Itoa(i) + "]."
		env[dep.Str(e+"name")] = dep.Str(e + "value")
	}
	if env["METRICS_ADDR"] != ":9090" {
		t.Errorf("METRICS_ADDR %q, want :9090 (the app's default is loopback, unreachable to scrapers)", env["METRICS_ADDR"])
	}
	if got := dep.In("spec.template.metadata.annotations").ObjectValue()["prometheus.io/port"].StringValue(); got != "9090" {
		t.Errorf("prometheus.io/port %q, want the metrics listener 9090", got)
	}
	np := named(t, c, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "metadata.name", AppName)
	if np.Len("spec.ingress") != 2 || np.Len("spec.ingress[0].from") != 0 || np.Num("spec.ingress[0].ports[0].port") != Port || np.Len("spec.ingress[0].ports") != 1 {
		t.Errorf("ingress rule 0 %v: want the HTTP port alone", np.In("spec.ingress"))
	}
	m := "spec.ingress[1]."
	if np.Num(m+"ports[0].port") != MetricsPort || np.Len(m+"ports") != 1 ||
		np.In(m + "from[0].namespaceSelector.matchLabels").ObjectValue()["kubernetes.io/metadata.name"].StringValue() != ScraperNamespace ||
		np.In(m + "from[0].podSelector.matchLabels").ObjectValue()[ScraperLabel].StringValue() != ScraperLabelValue ||
		np.Str(m+"from[1].ipBlock.cidr") != "10.20.32.0/20" || np.Str(m+"from[2].ipBlock.cidr") != "10.20.48.0/20" || np.Len(m+"from") != 3 {
		t.Errorf("metrics ingress rule %v: want port %d from the in-cluster Prometheus and the collector's subnets only", np.In("spec.ingress[1]"), MetricsPort)
	}
}

func TestInvalidArgsFailClearly(t *testing.T) {
	a := &Args{
		Region:          "eu-west-1",
		RoleName:        "bad role name!",
		Settings:        settings.Settings{Image: "registry.example/storefront:latest", Replicas: 5, MaxReplicas: 2, Env: map[string]string{"PGPASSWORD": "hunter2"}},
		DataSubnetCIDRs: []string{"nope"},
		Domain:          "shop.example.eu",
	}
	err := a.Validate()
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"RoleName", "KubernetesProvider", "OIDCProviderArn", "must be pinned", "replicas (5) <= maxReplicas (2)",
		"SecretsKeyArn", "Database.Host", "Database.SecretArn", "Database.ResourceID", "Cache.Host", `"nope" is not a subnet range`, "EndpointSubnetCIDRs", "TargetGroupArn", "LoadBalancer",
		"Scraper.CIDRs", "Scraper.From", "PGPASSWORD is set by the component"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestBootstrapJobRunsWithTheMasterPasswordBeforeTheDeployment(t *testing.T) {
	c := run(t, nil)
	job := mockcloudtest.One(t, c, "kubernetes:batch/v1:Job")
	dep := mockcloudtest.One(t, c, "kubernetes:apps/v1:Deployment")
	pod := "spec.template.spec."
	ctr := pod + "containers[0]."
	if job.Str(ctr+"image") != dep.Str(pod+"containers[0].image") {
		t.Errorf("job image %q, deployment image %q", job.Str(ctr+"image"), dep.Str(pod+"containers[0].image"))
	}
	if got := strings.Join(job.Strs(ctr+"args"), " "); got != "db-bootstrap --app-user "+AppDBUser {
		t.Errorf("job args %q", got)
	}
	if job.Str(pod+"restartPolicy") != "Never" || job.Str(pod+"serviceAccountName") != Bootstrap || job.Bool(pod+"automountServiceAccountToken") {
		t.Errorf("job pod spec %v", job.In(pod))
	}
	if !job.Bool(pod+"securityContext.runAsNonRoot") || job.Num(pod+"securityContext.runAsUser") != UID ||
		job.Str(pod+"securityContext.seccompProfile.type") != "RuntimeDefault" {
		t.Errorf("job pod security context %v", job.In(pod+"securityContext"))
	}
	if !job.Bool(ctr+"securityContext.readOnlyRootFilesystem") || job.Bool(ctr+"securityContext.allowPrivilegeEscalation") ||
		strings.Join(job.Strs(ctr+"securityContext.capabilities.drop"), ",") != "ALL" || !job.Bool(ctr+"securityContext.runAsNonRoot") {
		t.Errorf("job container security context %v", job.In(ctr+"securityContext"))
	}
	plain, fromSecret := map[string]string{}, map[string]string{}
	for i := 0; i < job.Len(ctr+"env"); i++ {
		e := ctr + "env[" + strconv.Itoa(i) + "]."
		if k := job.Str(e + "valueFrom.secretKeyRef.name"); k != "" {
			fromSecret[job.Str(e+"name")] = k
		} else {
			plain[job.Str(e+"name")] = job.Str(e + "value")
		}
	}
	if len(fromSecret) != 1 || fromSecret["PGPASSWORD"] != Bootstrap {
		t.Errorf("job secrets %v, want only PGPASSWORD from %s", fromSecret, Bootstrap)
	}
	if plain["PGUSER"] != "shop_admin" || plain["PGSSLMODE"] != "require" || plain["PGDATABASE"] != "shop" || plain["DATABASE_IAM_AUTH"] != "" {
		t.Errorf("job env %v", plain)
	}
	if v := job.Str(pod + "volumes[1].csi.volumeAttributes.secretProviderClass"); v != Bootstrap {
		t.Errorf("job mounts SecretProviderClass %q, want %s", v, Bootstrap)
	}
	spc := named(t, c, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "metadata.name", Bootstrap)
	if objects := spc.Str("spec.parameters.objects"); !strings.Contains(objects, dbArn) || strings.Contains(objects, kvArn) || strings.Contains(objects, srArn) {
		t.Errorf("bootstrap SecretProviderClass objects:\n%s", objects)
	}
	if spc.Str("spec.secretObjects[0].secretName") != Bootstrap || spc.Str("spec.secretObjects[0].data[0].key") != "PGPASSWORD" ||
		spc.Len("spec.secretObjects[0].data") != 1 {
		t.Errorf("bootstrap secret objects %v", spc.In("spec.secretObjects"))
	}
	// Its own IRSA role, which reads the master secret and nothing else.
	sa := named(t, c, "kubernetes:core/v1:ServiceAccount", "metadata.name", Bootstrap)
	role := named(t, c, "aws:iam/role:Role", "name", "prod-eu-storefront-db-bootstrap")
	if v := sa.In("metadata.annotations").ObjectValue()["eks.amazonaws.com/role-arn"]; v.StringValue() != role.Out("arn").StringValue() {
		t.Errorf("bootstrap service account annotations %v", sa.In("metadata.annotations"))
	}
	trust := parse(t, role.Str("assumeRolePolicy"))
	if len(trust.Statement) != 1 || trust.Statement[0].Condition["StringEquals"][issuer+":sub"] != "system:serviceaccount:storefront:"+Bootstrap {
		t.Errorf("bootstrap trust %+v", trust)
	}
	got := map[string][]string{}
	for _, st := range policyOf(t, c, role).Statement {
		got[st.Sid] = list(st.Resource)
	}
	if len(got) != 2 || strings.Join(got["ReadOwnSecrets"], ",") != dbArn || strings.Join(got["DecryptOwnSecrets"], ",") != keyArn {
		t.Errorf("bootstrap role policy %v", got)
	}
	// The pods roll out only after the Job.
	waits := false
	for _, d := range dep.Dependencies {
		waits = waits || d == job.URN
	}
	if !waits {
		t.Errorf("the Deployment does not depend on the Job: %v", dep.Dependencies)
	}
	np := named(t, c, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "metadata.name", Bootstrap)
	if v := np.In("spec.podSelector.matchLabels").ObjectValue()["app.kubernetes.io/name"]; v.StringValue() != Bootstrap ||
		job.In("spec.template.metadata.labels").ObjectValue()["app.kubernetes.io/name"].StringValue() != Bootstrap {
		t.Errorf("bootstrap network policy selects %v", np.In("spec.podSelector"))
	}
	if np.Len("spec.ingress") != 0 || np.Num("spec.egress[0].ports[0].port") != 5432 || np.Len("spec.egress[0].ports") != 1 || np.Len("spec.egress") != 2 {
		t.Errorf("bootstrap network policy %v", np.In("spec"))
	}
}
