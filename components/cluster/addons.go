package cluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// serviceAccountRole creates an IRSA role that only namespace/sa can assume.
func (b *builder) serviceAccountRole(suffix, namespace, sa, description string) (*iam.Role, error) {
	return iam.NewRole(b.ctx, b.name+"-"+suffix, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: b.c.TrustPolicy(namespace, sa),
		Tags:             b.tags(),
	}, b.opts()...)
}

func (b *builder) managedPolicy(role *iam.Role, suffix, policy string) error {
	_, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-"+suffix, &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + policy),
	}, b.opts()...)
	return err
}

func (b *builder) addon(name string, extra *eks.AddonArgs, deps ...pulumi.Resource) (*eks.Addon, error) {
	args := eks.AddonArgs{}
	if extra != nil {
		args = *extra
	}
	args.ClusterName = b.c.Name
	args.AddonName = pulumi.String(name)
	args.AddonVersion = pulumi.String(b.addons[name])
	args.ResolveConflictsOnCreate = pulumi.String("OVERWRITE")
	args.ResolveConflictsOnUpdate = pulumi.String("PRESERVE")
	args.Tags = b.tags()
	return eks.NewAddon(b.ctx, b.name+"-"+name, &args, b.opts(pulumi.DependsOn(deps))...)
}

// daemonAddons are the add-ons nodes need to become Ready; they run as DaemonSets, so they
// are healthy even with zero nodes.
func (b *builder) daemonAddons() ([]pulumi.Resource, error) {
	cniRole, err := b.serviceAccountRole("vpc-cni", "kube-system", "aws-node", "VPC CNI of "+b.args.ClusterName)
	if err != nil {
		return nil, err
	}
	if err := b.managedPolicy(cniRole, "vpc-cni", "AmazonEKS_CNI_Policy"); err != nil {
		return nil, err
	}
	// NetworkPolicy objects bind only when the VPC CNI runs its network policy agent, turned on
	// by this add-on setting (a string, per the add-on's configuration schema; "Limit Pod
	// traffic with Kubernetes network policies",
	// https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
	// K8S-004 fails a plan whose NetworkPolicies have no such engine.
	cni, err := b.addon("vpc-cni", &eks.AddonArgs{
		ServiceAccountRoleArn: cniRole.Arn,
		ConfigurationValues:   pulumi.String(`{"enableNetworkPolicy":"true"}`),
	})
	if err != nil {
		return nil, err
	}
	proxy, err := b.addon("kube-proxy", nil)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{cni, proxy}, nil
}

// deploymentAddons need running nodes.
func (b *builder) deploymentAddons(ng pulumi.Resource) ([]pulumi.Resource, error) {
	dns, err := b.addon("coredns", nil, ng)
	if err != nil {
		return nil, err
	}
	ebsRole, err := b.serviceAccountRole("ebs-csi", "kube-system", "ebs-csi-controller-sa", "EBS CSI driver of "+b.args.ClusterName)
	if err != nil {
		return nil, err
	}
	if err := b.managedPolicy(ebsRole, "ebs-csi", "service-role/AmazonEBSCSIDriverPolicy"); err != nil {
		return nil, err
	}
	ebs, err := b.addon("aws-ebs-csi-driver", &eks.AddonArgs{ServiceAccountRoleArn: ebsRole.Arn}, ng)
	if err != nil {
		return nil, err
	}
	insights, err := b.containerInsights(ng)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{dns, ebs, insights}, nil
}

// Container Insights: the amazon-cloudwatch-observability add-on runs the CloudWatch agent
// (and Fluent Bit) that publish the ContainerInsights metrics the node and pod alarms read.
// Its service account amazon-cloudwatch/cloudwatch-agent gets an IRSA role with
// CloudWatchAgentServerPolicy and AWSXrayWriteOnlyAccess, the two policies the add-on's guide
// attaches for the IRSA install (option "IAM roles for service accounts",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html),
// instead of granting them to every pod through the node role.
func (b *builder) containerInsights(ng pulumi.Resource) (*eks.Addon, error) {
	role, err := b.serviceAccountRole("cloudwatch-agent", "amazon-cloudwatch", "cloudwatch-agent", "Container Insights agent of "+b.args.ClusterName)
	if err != nil {
		return nil, err
	}
	if err := b.managedPolicy(role, "cloudwatch-agent", "CloudWatchAgentServerPolicy"); err != nil {
		return nil, err
	}
	if err := b.managedPolicy(role, "cloudwatch-agent-xray", "AWSXrayWriteOnlyAccess"); err != nil {
		return nil, err
	}
	return b.addon("amazon-cloudwatch-observability", &eks.AddonArgs{ServiceAccountRoleArn: role.Arn}, ng)
}

// charts installs the Helm releases through the cluster's provider; like the Deployment
// add-ons they need running nodes. Each adds what workloads wait for to Cluster.Ready.
func (b *builder) charts() error {
	if err := b.secretsStore(); err != nil {
		return err
	}
	if err := b.metricsServer(); err != nil {
		return err
	}
	return b.loadBalancerController()
}
