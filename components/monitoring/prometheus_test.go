package monitoring

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"globalstack/components/monitoring/rules"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const dataKey = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func runWithPrometheus(t *testing.T) *mockcloud.Cloud {
	t.Helper()
	c, err := mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		a := validArgs()
		a.Prometheus = &Prometheus{
			KeyArn:           pulumi.String(dataKey),
			ClusterArn:       pulumi.String("arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu"),
			ClusterName:      pulumi.String("prod-eu"),
			SubnetIDs:        pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"}),
			SecurityGroupIDs: pulumi.ToStringArray([]string{"sg-cluster"}),
			Kubernetes:       k8s,
			Namespace:        "storefront",
		}
		_, err = New(ctx, "monitoring", a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The workspace is encrypted with the stack's key, takes the storefront rules as written,
// alerts the stack's topic and is filled by a scraper of the cluster whose role may read it.
func TestPrometheusWorkspaceScraperRulesAndAlertManager(t *testing.T) {
	c := runWithPrometheus(t)
	mockcloudtest.RequireParented(t, c, Type)
	ws := mockcloudtest.One(t, c, "aws:amp/workspace:Workspace")
	if ws.Str("kmsKeyArn") != dataKey {
		t.Errorf("workspace key %q", ws.Str("kmsKeyArn"))
	}
	ns := mockcloudtest.One(t, c, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")
	if ns.Str("workspaceId") != ws.ID || ns.Str("data") != string(rules.Storefront) {
		t.Errorf("rules namespace: workspace %q, data differs from the rules file: %v", ns.Str("workspaceId"), ns.Str("data") != string(rules.Storefront))
	}
	topic := mockcloudtest.One(t, c, "aws:sns/topic:Topic").Out("arn").StringValue()
	am := mockcloudtest.One(t, c, "aws:amp/alertManagerDefinition:AlertManagerDefinition")
	var def struct {
		Config string `yaml:"alertmanager_config"`
	}
	if err := yaml.Unmarshal([]byte(am.Str("definition")), &def); err != nil || am.Str("workspaceId") != ws.ID {
		t.Fatalf("alert manager definition: %v, workspace %q", err, am.Str("workspaceId"))
	}
	var cfg struct {
		Route     struct{ Receiver string }
		Receivers []struct {
			Name       string
			SNSConfigs []struct {
				TopicArn string `yaml:"topic_arn"`
				Sigv4    struct{ Region string }
			} `yaml:"sns_configs"`
		}
	}
	if err := yaml.Unmarshal([]byte(def.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Receivers) != 1 || cfg.Route.Receiver != cfg.Receivers[0].Name || len(cfg.Receivers[0].SNSConfigs) != 1 ||
		cfg.Receivers[0].SNSConfigs[0].TopicArn != topic || cfg.Receivers[0].SNSConfigs[0].Sigv4.Region != "eu-west-1" {
		t.Errorf("alerts do not all reach %s with sigv4 in eu-west-1: %+v", topic, cfg)
	}

	scraper := mockcloudtest.One(t, c, "aws:amp/scraper:Scraper")
	if scraper.Str("destination.amp.workspaceArn") != ws.Out("arn").StringValue() ||
		scraper.Str("source.eks.clusterArn") != "arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu" ||
		len(scraper.Strs("source.eks.subnetIds")) < 2 || !slices.Equal(scraper.Strs("source.eks.securityGroupIds"), []string{"sg-cluster"}) {
		t.Errorf("scraper source/destination: %v", scraper.Inputs)
	}
	var sc struct {
		ScrapeConfigs []struct {
			KubernetesSD []struct {
				Role       string
				Namespaces struct{ Names []string }
			} `yaml:"kubernetes_sd_configs"`
			Relabel []struct {
				SourceLabels []string `yaml:"source_labels"`
				Action       string
				Regex        string
			} `yaml:"relabel_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(scraper.Str("scrapeConfiguration")), &sc); err != nil || len(sc.ScrapeConfigs) != 1 {
		t.Fatalf("scrape configuration: %v", err)
	}
	job := sc.ScrapeConfigs[0]
	if len(job.KubernetesSD) != 1 || job.KubernetesSD[0].Role != "pod" || !slices.Equal(job.KubernetesSD[0].Namespaces.Names, []string{"storefront"}) {
		t.Errorf("service discovery: %+v", job.KubernetesSD)
	}
	if len(job.Relabel) == 0 || job.Relabel[0].Action != "keep" || job.Relabel[0].Regex != "true" ||
		!slices.Equal(job.Relabel[0].SourceLabels, []string{"__meta_kubernetes_pod_annotation_prometheus_io_scrape"}) {
		t.Errorf("only annotated pods must be kept: %+v", job.Relabel)
	}

	// The ClusterRole is bound to the user the service maps the scraper's role to; no access
	// entry is created for it (EKS refuses them for service-linked roles).
	if n := len(c.OfType("aws:eks/accessEntry:AccessEntry")); n != 0 {
		t.Errorf("%d access entries: EKS refuses one for the scraper's service-linked role", n)
	}
	binding := mockcloudtest.One(t, c, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
	role := mockcloudtest.One(t, c, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
	if binding.Str("subjects[0].kind") != "User" || binding.Str("subjects[0].name") != ScraperUser || binding.Str("roleRef.name") != role.Str("metadata.name") {
		t.Errorf("binding %v", binding.Inputs)
	}
	if !strings.Contains(strings.Join(role.Strs("rules[0].resources"), ","), "pods") {
		t.Errorf("the scraper cannot list pods: %v", role.Inputs)
	}
}

// Without Prometheus (a pilot light) nothing of it is created; a partial one is refused.
func TestPrometheusIsOptionalAndValidated(t *testing.T) {
	c, err := run(t, validArgs())
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"aws:amp/workspace:Workspace", "aws:amp/scraper:Scraper", "aws:eks/accessEntry:AccessEntry"} {
		if n := len(c.OfType(typ)); n != 0 {
			t.Errorf("%d x %s without Prometheus", n, typ)
		}
	}
	a := validArgs()
	a.Prometheus = &Prometheus{}
	_, err = run(t, a)
	for _, want := range []string{"Prometheus.KeyArn", "ClusterArn", "SubnetIDs", "Prometheus.Kubernetes", "Prometheus.Namespace"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}
