package storefront

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

func (b *builder) networkPolicy(inNS pulumi.ResourceOption) error {
	var dataPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range b.a.DataSubnetCIDRs {
		dataPeers = append(dataPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	tcp := func(port int) networkingv1.NetworkPolicyPortArgs {
		return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(port)}
	}
	// The interface endpoints' addresses are assigned by AWS when they are created, so the
	// tightest rule the plan can state is HTTPS to the subnets that hold them.
	var endpointPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range b.a.EndpointSubnetCIDRs {
		endpointPeers = append(endpointPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	scraperPeers := networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
		NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(ScraperNamespace)}},
		PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{ScraperLabel: pulumi.String(ScraperLabelValue)}},
	}}
	for _, c := range b.a.Scraper.CIDRs {
		scraperPeers = append(scraperPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	_, err := networkingv1.NewNetworkPolicy(b.ctx, b.name, &networkingv1.NetworkPolicyArgs{
		Metadata: b.meta(AppName),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{
				networkingv1.NetworkPolicyIngressRuleArgs{
					// The ALB (IP targets) and the kubelet's probes reach the HTTP port only.
					Ports: networkingv1.NetworkPolicyPortArray{tcp(Port)},
				},
				networkingv1.NetworkPolicyIngressRuleArgs{
					// The metrics port: the in-cluster Prometheus pods and the managed
					// collector's ENIs (see Scraper), nobody else.
					From:  scraperPeers,
					Ports: networkingv1.NetworkPolicyPortArray{tcp(MetricsPort)},
				},
			},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{
				networkingv1.NetworkPolicyEgressRuleArgs{
					To:    dataPeers,
					Ports: networkingv1.NetworkPolicyPortArray{tcp(b.a.Database.Port), tcp(b.a.Cache.Port), tcp(443)},
				},
				networkingv1.NetworkPolicyEgressRuleArgs{
					To:    endpointPeers,
					Ports: networkingv1.NetworkPolicyPortArray{tcp(443)},
				},
				networkingv1.NetworkPolicyEgressRuleArgs{
					To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
						NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
						PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
					}},
					Ports: networkingv1.NetworkPolicyPortArray{
						networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
						tcp(53),
					},
				},
			},
		},
	}, b.k8sOpts(inNS)...)
	return err
}

// declareFlows lists what the pods must reach and what must never reach them.
func (b *builder) declareFlows() {
	a := b.a
	pods := base.Pods(a.Namespace, map[string]string{"app.kubernetes.io/name": AppName})
	add := func(to base.Endpoint, port int, why string) {
		b.s.Flows = append(b.s.Flows, base.Flow{From: pods, To: to, Port: port, Why: why})
	}
	add(base.AWSResource("aws:rds/cluster:Cluster", ""), a.Database.Port, "orders and catalogue live in Aurora PostgreSQL; /readyz needs it")
	add(base.AWSResource("aws:elasticache/replicationGroup:ReplicationGroup", ""), a.Cache.Port, "carts and sessions live in Redis")
	if a.Search != nil {
		add(base.AWSResource("aws:opensearch/domain:Domain", ""), 443, "product search, signed with the pod's role")
	}
	add(base.VpcEndpoint("sts"), 443, "IRSA: the pod's token is exchanged at STS before the IAM-authenticated database login and every signed OpenSearch request")
	add(base.VpcEndpoint("secretsmanager"), 443, "the pod's role reads its secrets through Secrets Manager")
	b.s.Flows = append(b.s.Flows,
		base.Flow{From: a.LoadBalancer, To: pods, Port: Port, Why: "the ALB forwards to the pods' IPs (target type ip) and probes " + ReadyPath},
		base.Flow{From: a.Scraper.From, To: pods, Port: MetricsPort, Why: "the managed Prometheus collector scrapes /metrics from ENIs in the cluster's subnets carrying the cluster security group"},
		base.Flow{From: a.LoadBalancer, To: pods, Port: MetricsPort, Forbidden: true, Why: "metrics stay inside the VPC: the load balancer forwards to the HTTP port only"},
		base.Flow{From: base.Internet(), To: pods, Ports: "0-65535", Forbidden: true, Why: "pods are reached through the ALB only"},
		base.Flow{From: pods, To: base.Internet(), Ports: "0-65535", Forbidden: true, Why: "pods have no business on the internet: AWS APIs are reached through VPC endpoints"},
	)
}
