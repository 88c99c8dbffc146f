package cluster

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// LoadBalancerControllerChart is the pinned chart of the AWS Load Balancer Controller
// (chart 1.10.1 ships controller v2.10.1).
const (
	LoadBalancerControllerChart = "1.10.1"
	loadBalancerControllerRepo  = "https://aws.github.io/eks-charts"
	loadBalancerControllerSA    = "aws-load-balancer-controller"
	loadBalancerControllerNS    = "kube-system"
)

// loadBalancerControllerPolicyJSON is the controller's IAM policy, a reviewed data file: the
// controller's published policy for the pinned chart with every create conditioned on the
// request carrying the controller's cluster tag, every modify/delete on the resource already
// carrying it, and listener management scoped to load balancer ARNs. It grants no action
// outside the documented list beside it (iam/aws-load-balancer-controller.documented, checked
// by a test), and not the published unconditioned ec2:AuthorizeSecurityGroupIngress on "*":
// the storefront declares its own backend rule (manage-backend-security-group-rules=false).
//
//go:embed iam/aws-load-balancer-controller.json
var loadBalancerControllerPolicyJSON []byte

// loadBalancerControllerPolicy is the policy document, compacted.
func loadBalancerControllerPolicy() (string, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, loadBalancerControllerPolicyJSON); err != nil {
		return "", fmt.Errorf("cluster: iam/aws-load-balancer-controller.json: %w", err)
	}
	return buf.String(), nil
}

// loadBalancerController installs the controller with its IRSA role. Its pods need the
// region and VPC passed explicitly because IMDS is out of their reach (hop limit 1).
func (b *builder) loadBalancerController() error {
	role, err := b.serviceAccountRole("lb-controller", loadBalancerControllerNS, loadBalancerControllerSA,
		"AWS Load Balancer Controller of "+b.args.ClusterName)
	if err != nil {
		return err
	}
	policy, err := loadBalancerControllerPolicy()
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(b.ctx, b.name+"-lb-controller", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(policy),
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
