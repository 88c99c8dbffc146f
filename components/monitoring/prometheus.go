package monitoring

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/monitoring/rules"
)

// Prometheus is where a serving stack's storefront metrics go: an Amazon Managed Service for
// Prometheus workspace of the stack's region, filled by a managed collector (scraper) that
// runs in the EKS cluster's VPC, evaluating the storefront rules and sending alerts to the
// alert topic.
type Prometheus struct {
	// KeyArn encrypts the workspace (a customer managed key of the stack's region).
	KeyArn pulumi.StringInput
	// ClusterArn and ClusterName name the EKS cluster the scraper reads.
	ClusterArn  pulumi.StringInput
	ClusterName pulumi.StringInput
	// SubnetIDs and SecurityGroupIDs are the cluster's: the scraper puts an ENI in each subnet
	// (at least two zones) with these groups.
	SubnetIDs        pulumi.StringArrayInput
	SecurityGroupIDs pulumi.StringArrayInput
	// Kubernetes deploys the scraper's ClusterRole and binding into the cluster.
	Kubernetes pulumi.ProviderResource
	// Namespace is the storefront's: only its annotated pods are scraped.
	Namespace string
}

// ScraperUser is the Kubernetes user the scraper's access entry maps its role to, and
// ScraperClusterRole what that user may read; names as in the managed collector guide.
const (
	ScraperUser        = "aps-collector-user"
	ScraperClusterRole = "aps-collector-role"
	// ScrapeInterval is how often the collector scrapes each pod.
	ScrapeInterval = "30s"
)

// ScrapeConfiguration scrapes the pods of namespace that opt in with the
// prometheus.io/scrape, prometheus.io/port and prometheus.io/path annotations (the
// storefront serves /metrics on its own listener, port 9090). A managed collector takes a
// Prometheus scrape configuration with kubernetes_sd_configs
// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html#AMP-collector-configuration).
func ScrapeConfiguration(namespace string) string {
	return fmt.Sprintf(`global:
  scrape_interval: %s
scrape_configs:
  - job_name: storefront
    kubernetes_sd_configs:
      - role: pod
        namespaces:
          names: [%q]
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
        action: replace
        target_label: __metrics_path__
        regex: (.+)
      - source_labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_prometheus_io_port]
        action: replace
        regex: (.+);(\d+)
        replacement: $1:$2
        target_label: __address__
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
`, ScrapeInterval, namespace)
}

// AlertManagerDefinition routes every alert to topic. The managed alert manager's only
// receiver is SNS: an sns_configs entry with the topic's ARN and sigv4 with the topic's
// region (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-config.html);
// the definition wraps the Alertmanager configuration in alertmanager_config
// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-config.html).
func AlertManagerDefinition(topicArn, region string) string {
	return fmt.Sprintf(`alertmanager_config: |
  route:
    receiver: alert-topic
    group_by: [alertname]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
  receivers:
    - name: alert-topic
      sns_configs:
        - topic_arn: %s
          send_resolved: true
          sigv4:
            region: %s
`, topicArn, region)
}

// prometheus creates the workspace, the scraper with its cluster access, the rules and the
// alert manager.
func (b *builder) prometheus() error {
	p := b.a.Prometheus
	if p == nil {
		return nil
	}
	ctx, a := b.ctx, b.a
	// A customer managed key encrypts the workspace's data at rest
	// (https://docs.aws.amazon.com/prometheus/latest/userguide/encryption-at-rest-Amazon-Service-Prometheus.html).
	ws, err := amp.NewWorkspace(ctx, b.name+"-prometheus", &amp.WorkspaceArgs{
		Alias:     pulumi.String(a.Prefix + "-storefront"),
		KmsKeyArn: p.KeyArn,
		Tags:      b.tags("prometheus"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	if _, err := amp.NewRuleGroupNamespace(ctx, b.name+"-storefront-rules", &amp.RuleGroupNamespaceArgs{
		Name:        pulumi.String("storefront"),
		WorkspaceId: ws.ID(),
		// The ruler takes a Prometheus rules file as is
		// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-Ruler.html).
		Data: pulumi.String(string(rules.Storefront)),
		Tags: b.tags("storefront-rules"),
	}, b.opts()...); err != nil {
		return err
	}
	if _, err := amp.NewAlertManagerDefinition(ctx, b.name+"-alertmanager", &amp.AlertManagerDefinitionArgs{
		WorkspaceId: ws.ID(),
		Definition: b.m.TopicArn.ApplyT(func(topic string) string {
			return AlertManagerDefinition(topic, a.Region)
		}).(pulumi.StringOutput),
	}, b.opts()...); err != nil {
		return err
	}
	if _, err := amp.NewScraper(ctx, b.name+"-scraper", &amp.ScraperArgs{
		Alias:               pulumi.String(a.Prefix + "-storefront"),
		ScrapeConfiguration: pulumi.String(ScrapeConfiguration(p.Namespace)),
		// The scraper's ENIs go into the cluster's subnets with its security groups, as the
		// guide asks ("The security groups and subnets should be set to the security group
		// and subnets for the cluster you are connecting to").
		Source: &amp.ScraperSourceArgs{Eks: &amp.ScraperSourceEksArgs{
			ClusterArn:       p.ClusterArn,
			SubnetIds:        p.SubnetIDs,
			SecurityGroupIds: p.SecurityGroupIDs,
		}},
		Destination: &amp.ScraperDestinationArgs{Amp: &amp.ScraperDestinationAmpArgs{WorkspaceArn: ws.Arn}},
		Tags:        b.tags("scraper"),
	}, b.opts()...); err != nil {
		return err
	}
	b.m.WorkspaceArn = ws.Arn
	return b.scraperAccess()
}

// scraperAccess lets the scraper's role read the cluster: the guide's "Configuring your
// Amazon EKS cluster" step creates the ClusterRole aps-collector-role (read pods, services,
// endpoints, nodes and their metrics, and the /metrics URL) and binds it to the Kubernetes
// user aps-collector-user, the user the scraper's role is mapped to
// (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html#AMP-collector-eks-setup).
// The mapping itself is not created here: the scraper's role is a service-linked role, and
// EKS refuses access entries for service-linked roles from the caller ("Access entries do not
// support service linked roles",
// https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html; the API
// answers InvalidParameterException "The caller is not allowed to modify access entries with
// a principalArn value of a Service Linked Role"); the service maps its own role.
func (b *builder) scraperAccess() error {
	ctx, p := b.ctx, b.a.Prometheus
	k8s := b.opts(pulumi.Provider(p.Kubernetes))
	read := pulumi.ToStringArray([]string{"describe", "get", "list", "watch"})
	role, err := rbacv1.NewClusterRole(ctx, b.name+"-scraper", &rbacv1.ClusterRoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ScraperClusterRole)},
		Rules: rbacv1.PolicyRuleArray{
			rbacv1.PolicyRuleArgs{
				ApiGroups: pulumi.ToStringArray([]string{""}),
				Resources: pulumi.ToStringArray([]string{"nodes", "nodes/proxy", "nodes/metrics", "services", "endpoints", "pods", "ingresses", "configmaps"}),
				Verbs:     read,
			},
			rbacv1.PolicyRuleArgs{
				ApiGroups: pulumi.ToStringArray([]string{"extensions", "networking.k8s.io"}),
				Resources: pulumi.ToStringArray([]string{"ingresses/status", "ingresses"}),
				Verbs:     read,
			},
			rbacv1.PolicyRuleArgs{
				NonResourceURLs: pulumi.ToStringArray([]string{"/metrics"}),
				Verbs:           pulumi.ToStringArray([]string{"get"}),
			},
		},
	}, k8s...)
	if err != nil {
		return err
	}
	_, err = rbacv1.NewClusterRoleBinding(ctx, b.name+"-scraper", &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ScraperUser + "-role-binding")},
		RoleRef: &rbacv1.RoleRefArgs{
			ApiGroup: pulumi.String("rbac.authorization.k8s.io"),
			Kind:     pulumi.String("ClusterRole"),
			Name:     role.Metadata.Name().Elem(),
		},
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{
			ApiGroup: pulumi.String("rbac.authorization.k8s.io"),
			Kind:     pulumi.String("User"),
			Name:     pulumi.String(ScraperUser),
		}},
	}, k8s...)
	return err
}
