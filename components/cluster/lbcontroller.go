package cluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// LoadBalancerControllerChart is the pinned chart of the AWS Load Balancer Controller
// (chart 1.10.1 ships controller v2.10.1).
const (
	LoadBalancerControllerChart   = "1.10.1"
	loadBalancerControllerRepo    = "https://aws.github.io/eks-charts"
	loadBalancerControllerSA      = "aws-load-balancer-controller"
	loadBalancerControllerNS      = "kube-system"
	loadBalancerControllerTagNull = "aws:RequestTag/elbv2.k8s.aws/cluster"
)

// loadBalancerControllerPolicy follows the controller's published policy: reads are
// account-wide (Describe* calls cannot be scoped), every create is conditioned on the
// request carrying the controller's cluster tag and every modify/delete on the resource
// already carrying it, so the controller cannot touch load balancers or security groups it
// did not create.
func loadBalancerControllerPolicy() pulumi.StringOutput {
	owned := pulumi.Map{"Null": pulumi.Map{"aws:ResourceTag/elbv2.k8s.aws/cluster": pulumi.String("false")}}
	creating := pulumi.Map{"Null": pulumi.Map{loadBalancerControllerTagNull: pulumi.String("false")}}
	return base.PolicyDocument(
		base.Statement{
			Sid:       "CreateServiceLinkedRole",
			Actions:   []string{"iam:CreateServiceLinkedRole"},
			Resources: base.Strings("*"),
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"iam:AWSServiceName": pulumi.String("elasticloadbalancing.amazonaws.com")}},
		},
		base.Statement{
			Sid: "Describe",
			Actions: []string{
				"ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
				"ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections",
				"ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
				"ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:GetCoipPoolUsage",
				"ec2:DescribeCoipPools", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools",
				"ec2:DescribeRouteTables",
				"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
				"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
				"elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
				"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
				"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
				"elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
				"elasticloadbalancing:DescribeCapacityReservation",
				"acm:ListCertificates", "acm:DescribeCertificate",
				"wafv2:GetWebACL", "wafv2:GetWebACLForResource",
				"shield:GetSubscriptionState", "shield:DescribeProtection",
			},
			Resources: base.Strings("*"),
		},
		// Rules on the controller's own groups (the shared backend group, generated frontend
		// groups). The published policy also grants these two actions on "*" so that the
		// controller can open the targets' groups when an Ingress sets
		// manage-backend-security-group-rules; that grant is left out: Ingresses name their
		// groups, and a group given by annotation gets no backend rule from the controller
		// unless asked (docs/deploy/security_groups.md), so the plan declares that rule.
		// https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/install/iam_policy.json
		base.Statement{
			Sid:       "AuthorizeOwnSecurityGroupRules",
			Actions:   []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
			Resources: base.Strings("*"),
			Condition: owned,
		},
		base.Statement{
			Sid:       "CreateTaggedSecurityGroup",
			Actions:   []string{"ec2:CreateSecurityGroup"},
			Resources: base.Strings("*"),
			Condition: creating,
		},
		base.Statement{
			Sid:       "TagOnCreate",
			Actions:   []string{"ec2:CreateTags"},
			Resources: base.Strings("arn:aws:ec2:*:*:security-group/*"),
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"ec2:CreateAction": pulumi.String("CreateSecurityGroup")},
				"Null":         pulumi.Map{loadBalancerControllerTagNull: pulumi.String("false")},
			},
		},
		base.Statement{
			Sid:       "ManageOwnSecurityGroups",
			Actions:   []string{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSecurityGroup"},
			Resources: base.Strings("arn:aws:ec2:*:*:security-group/*"),
			Condition: owned,
		},
		base.Statement{
			Sid:       "CreateTaggedLoadBalancers",
			Actions:   []string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"},
			Resources: base.Strings("*"),
			Condition: creating,
		},
		base.Statement{
			Sid: "ManageListenersAndRules",
			Actions: []string{
				"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
				"elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
			},
			// Listeners and rules hang off the controller's own load balancers: scoped to ELB
			// ARNs rather than "*" (the upstream policy's choice) so nothing else is writable.
			Resources: listenerScope,
		},
		base.Statement{
			Sid:     "TagOwnLoadBalancers",
			Actions: []string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			Resources: base.Strings(
				"arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
				"arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
				"arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
			),
			Condition: owned,
		},
		base.Statement{
			Sid:     "TagListenersAndRules",
			Actions: []string{"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"},
			Resources: base.Strings(
				"arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
				"arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
				"arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
				"arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
			),
		},
		base.Statement{
			Sid: "ModifyOwnLoadBalancers",
			Actions: []string{
				"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
				"elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
				"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
				"elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
				"elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
			},
			Resources: base.Strings("*"),
			Condition: owned,
		},
		base.Statement{
			Sid:     "TagOnCreateLoadBalancers",
			Actions: []string{"elasticloadbalancing:AddTags"},
			Resources: base.Strings(
				"arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
				"arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
				"arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
			),
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"elasticloadbalancing:CreateAction": pulumi.ToStringArray([]string{"CreateTargetGroup", "CreateLoadBalancer"})},
				"Null":         pulumi.Map{loadBalancerControllerTagNull: pulumi.String("false")},
			},
		},
		base.Statement{
			Sid:       "RegisterTargets",
			Actions:   []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
			Resources: base.Strings("arn:aws:elasticloadbalancing:*:*:targetgroup/*/*"),
		},
		base.Statement{
			Sid: "ListenerCertificatesAndWaf",
			Actions: []string{
				"elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener",
				"elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
				"elasticloadbalancing:ModifyRule",
			},
			Resources: listenerScope,
		},
	)
}

// listenerScope is every ALB/NLB, listener and listener rule, the resources listener and
// rule management acts on.
var listenerScope = base.Strings(
	"arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
	"arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
	"arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
	"arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
	"arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*/*",
	"arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*/*",
)

// loadBalancerController installs the controller with its IRSA role. Its pods need the
// region and VPC passed explicitly because IMDS is out of their reach (hop limit 1).
func (b *builder) loadBalancerController() error {
	role, err := b.serviceAccountRole("lb-controller", loadBalancerControllerNS, loadBalancerControllerSA,
		"AWS Load Balancer Controller of "+b.args.ClusterName)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(b.ctx, b.name+"-lb-controller", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: loadBalancerControllerPolicy(),
	}, b.opts()...); err != nil {
		return err
	}
	b.c.LoadBalancerControllerRoleArn = role.Arn
	release, err := helmv3.NewRelease(b.ctx, b.name+"-lb-controller", &helmv3.ReleaseArgs{
		Name:           pulumi.String("aws-load-balancer-controller"),
		Chart:          pulumi.String("aws-load-balancer-controller"),
		Version:        pulumi.String(b.args.LoadBalancerControllerChart),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(loadBalancerControllerRepo)},
		Namespace:      pulumi.String(loadBalancerControllerNS),
		Atomic:         pulumi.Bool(true),
		Values: pulumi.Map{
			"clusterName":  b.c.Name,
			"region":       pulumi.String(b.args.Region),
			"vpcId":        b.args.VpcID,
			"replicaCount": pulumi.Int(2),
			"serviceAccount": pulumi.Map{
				"create":      pulumi.Bool(true),
				"name":        pulumi.String(loadBalancerControllerSA),
				"annotations": pulumi.Map{"eks.amazonaws.com/role-arn": role.Arn},
			},
			// Services of type LoadBalancer are not used; keep the controller out of their path.
			"enableServiceMutatorWebhook": pulumi.Bool(false),
		},
	}, base.ChildIn(b.c, b.c.Provider)...)
	if err != nil {
		return err
	}
	b.c.Ready = append(b.c.Ready, release)
	return nil
}
