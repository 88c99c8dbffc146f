package origin

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// Managed prefix lists the load balancer admits, and their weights: a rule referencing a
// list counts as its maximum number of entries against the quota of 60 inbound rules per
// security group, so the two lists (55 + 25) need a group each.
// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
const (
	CloudFrontPrefixList   = "com.amazonaws.global.cloudfront.origin-facing"
	securityGroupRuleQuota = 60
)

// HealthCheckPrefixList names the Route 53 health checkers' list: "allow inbound traffic
// from com.amazonaws.<region>.route53-healthchecks, where <region> is the Region of your
// resource" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html).
func HealthCheckPrefixList(region string) string {
	return "com.amazonaws." + region + ".route53-healthchecks"
}

// prefixList looks up an AWS-managed prefix list and checks that a rule referencing it fits
// in one security group.
func (b *builder) prefixList(name string) (*ec2.LookupManagedPrefixListResult, error) {
	pl, err := ec2.LookupManagedPrefixList(b.ctx, &ec2.LookupManagedPrefixListArgs{Name: pulumi.StringRef(name)}, pulumi.Parent(b.o))
	if err != nil {
		return nil, fmt.Errorf("origin: looking up the managed prefix list %s: %w", name, err)
	}
	if pl.MaxEntries > securityGroupRuleQuota {
		return nil, fmt.Errorf("origin: prefix list %s weighs %d rules, more than the %d a security group holds", name, pl.MaxEntries, securityGroupRuleQuota)
	}
	var entries []string
	for _, e := range pl.Entries {
		entries = append(entries, e.Cidr)
	}
	b.lists = append(b.lists, base.PrefixList(name, pl.Id, pl.MaxEntries, entries))
	return pl, nil
}

// securityGroups creates the load balancer's groups. One admits the listener's port only
// from CloudFront's origin-facing addresses, so nothing reaches the API without passing the
// edge's WAF; with a failover record, a second admits HTTPS from the Route 53 health
// checkers, which probe origin.<Domain><HealthCheckPath>. The rule admitting the load
// balancer to the pods is declared here, on the nodes' group: the TargetGroupBinding carries
// no networking section, so the controller manages no rule (its policy may not modify the
// nodes' group either, see components/cluster/lbcontroller.go).
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/v2.10/guide/targetgroupbinding/spec/
// ("networking ... (Optional) defines the networking rules to allow ELBV2 LoadBalancer to
// access targets").
func (b *builder) securityGroups() (pulumi.StringArray, error) {
	a := b.a
	port, proto := 80, "HTTP"
	if a.Domain != "" {
		port, proto = 443, "HTTPS"
	}
	cf, err := b.prefixList(CloudFrontPrefixList)
	if err != nil {
		return nil, err
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.Sprintf("Storefront load balancer: %s from CloudFront only", proto),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:   pulumi.Sprintf("%s from CloudFront origin-facing addresses", proto),
			Protocol:      pulumi.String("tcp"),
			FromPort:      pulumi.Int(port),
			ToPort:        pulumi.Int(port),
			PrefixListIds: pulumi.StringArray{pulumi.String(cf.Id)},
		}},
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("To the pods inside the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(a.TargetPort),
			ToPort:      pulumi.Int(a.TargetPort),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.VpcCIDR)},
		}},
		Tags: b.tags(a.Prefix + "-alb"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	b.o.SecurityGroupID = sg.ID().ToStringOutput()
	if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.name+"-alb-to-pods", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           a.NodeSecurityGroupID,
		Description:               pulumi.Sprintf("Storefront load balancer to the pods' port %d", a.TargetPort),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(a.TargetPort),
		ToPort:                    pulumi.Int(a.TargetPort),
		ReferencedSecurityGroupId: sg.ID(),
		Tags:                      b.tags(a.Prefix + "-alb-to-pods"),
	}, b.opts()...); err != nil {
		return nil, err
	}
	ids := pulumi.StringArray{sg.ID()}
	if a.FailoverRole != "" {
		hc, err := b.prefixList(HealthCheckPrefixList(a.Region))
		if err != nil {
			return nil, err
		}
		checks, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb-health-checks", &ec2.SecurityGroupArgs{
			VpcId:       a.VpcID,
			Description: pulumi.String("Storefront load balancer: HTTPS from Route 53 health checkers"),
			Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
				Description:   pulumi.String("HTTPS from Route 53 health checkers"),
				Protocol:      pulumi.String("tcp"),
				FromPort:      pulumi.Int(443),
				ToPort:        pulumi.Int(443),
				PrefixListIds: pulumi.StringArray{pulumi.String(hc.Id)},
			}},
			// The first group carries the load balancer's traffic to the pods.
			Egress: ec2.SecurityGroupEgressArray{},
			Tags:   b.tags(a.Prefix + "-alb-health-checks"),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		ids = append(ids, checks.ID())
	}
	return ids, nil
}
