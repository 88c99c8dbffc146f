package storefront

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

func (a *Args) originHost() string {
	if a.OriginHost == "" {
		return "origin"
	}
	return a.OriginHost
}

func (a *Args) failoverHost() string {
	if a.FailoverHost == "" {
		return "api-origin"
	}
	return a.FailoverHost
}

// certificate issues the ALB's certificate for origin.<Domain> in the cell's region.
//
// ACM asks for one validation CNAME per domain name and account, whichever certificate or
// region requests it, and renews a DNS-validated certificate only while that record stays
// in place (https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html).
// The failover name is on the cell's and the DR stack's certificates alike, so only the
// PRIMARY side manages its record: a DR stack returning to pilot light would otherwise
// delete it and the cell's certificate could no longer renew. The SECONDARY side names the
// record's FQDN for validation without managing it (the cell is deployed first).
func (b *builder) certificate() (pulumi.StringOutput, pulumi.Resource, error) {
	origin := b.a.originHost() + "." + b.a.Domain
	names := []string{origin}
	cargs := &acm.CertificateArgs{
		DomainName:       pulumi.String(origin),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("EC_prime256v1"),
		Tags:             base.Tags(b.a.Tags, "Name", origin),
	}
	if b.a.FailoverRole != "" {
		shared := b.a.failoverHost() + "." + b.a.Domain
		names = append(names, shared)
		cargs.SubjectAlternativeNames = pulumi.StringArray{pulumi.String(shared)}
	}
	cert, err := acm.NewCertificate(b.ctx, b.name+"-origin", cargs, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	var fqdns pulumi.StringArray
	for i := range names {
		dvo := cert.DomainValidationOptions.Index(pulumi.Int(i))
		if i > 0 && b.a.FailoverRole != "PRIMARY" {
			fqdns = append(fqdns, dvo.ResourceRecordName().Elem().ApplyT(func(n string) string {
				return strings.TrimSuffix(n, ".")
			}).(pulumi.StringOutput))
			continue
		}
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprintf("-%d", i)
		}
		rec, err := route53.NewRecord(b.ctx, b.name+"-origin-validation"+suffix, &route53.RecordArgs{
			ZoneId:  b.a.ZoneID,
			Name:    dvo.ResourceRecordName().Elem(),
			Type:    dvo.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
			// The record may predate this stack (an earlier certificate for the same name).
			AllowOverwrite: pulumi.Bool(true),
		}, b.awsOpts()...)
		if err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		fqdns = append(fqdns, rec.Fqdn)
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.name+"-origin", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return v.CertificateArn, v, nil
}

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
	pl, err := ec2.LookupManagedPrefixList(b.ctx, &ec2.LookupManagedPrefixListArgs{Name: pulumi.StringRef(name)}, pulumi.Parent(b.s))
	if err != nil {
		return nil, fmt.Errorf("storefront: looking up the managed prefix list %s: %w", name, err)
	}
	if pl.MaxEntries > securityGroupRuleQuota {
		return nil, fmt.Errorf("storefront: prefix list %s weighs %d rules, more than the %d a security group holds", name, pl.MaxEntries, securityGroupRuleQuota)
	}
	var entries []string
	for _, e := range pl.Entries {
		entries = append(entries, e.Cidr)
	}
	b.lists = append(b.lists, base.PrefixList(name, pl.Id, pl.MaxEntries, entries))
	return pl, nil
}

// loadBalancerSecurityGroups creates the load balancer's groups and returns their ids, as
// the controller's security-groups annotation takes them. One admits HTTPS only from
// CloudFront's origin-facing addresses, so nothing reaches the API without passing the WAF;
// with a failover record, a second admits HTTPS from the Route 53 health checkers, which
// probe origin.<Domain>/readyz. With its groups given by annotation the controller adds no
// rule to the targets' groups (manage-backend-security-group-rules defaults to false,
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/security_groups/),
// so the rule admitting the load balancer on Port is declared here, on the nodes' group.
func (b *builder) loadBalancerSecurityGroups() (pulumi.StringOutput, error) {
	a := b.a
	cf, err := b.prefixList(CloudFrontPrefixList)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("Storefront load balancer: HTTPS from CloudFront only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description:   pulumi.String("HTTPS from CloudFront origin-facing addresses"),
			Protocol:      pulumi.String("tcp"),
			FromPort:      pulumi.Int(443),
			ToPort:        pulumi.Int(443),
			PrefixListIds: pulumi.StringArray{pulumi.String(cf.Id)},
		}},
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("To the pods inside the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(Port),
			ToPort:      pulumi.Int(Port),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.VpcCIDR)},
		}},
		Tags: base.Tags(a.Tags, "Name", a.RoleName+"-alb"),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.name+"-alb-to-pods", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           a.NodeSecurityGroupID,
		Description:               pulumi.Sprintf("Storefront load balancer to the pods' port %d", Port),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(Port),
		ToPort:                    pulumi.Int(Port),
		ReferencedSecurityGroupId: sg.ID(),
		Tags:                      base.Tags(a.Tags, "Name", a.RoleName+"-alb-to-pods"),
	}, b.awsOpts()...); err != nil {
		return pulumi.StringOutput{}, err
	}
	ids := pulumi.StringArray{sg.ID()}
	if a.FailoverRole != "" {
		hc, err := b.prefixList(HealthCheckPrefixList(a.Region))
		if err != nil {
			return pulumi.StringOutput{}, err
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
			Tags:   base.Tags(a.Tags, "Name", a.RoleName+"-alb-health-checks"),
		}, b.awsOpts()...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		ids = append(ids, checks.ID())
	}
	return ids.ToStringArrayOutput().ApplyT(func(ids []string) string {
		return strings.Join(ids, ",")
	}).(pulumi.StringOutput), nil
}

// originRecords points origin.<Domain> at the load balancer (with a Domain) and adds the
// region to the failover record (with a FailoverRole).
func (b *builder) originRecords(host pulumi.StringOutput) error {
	a := b.a
	b.s.OriginDomain = host
	b.s.FailoverDomain = host
	if a.Domain == "" {
		return nil
	}
	origin := a.originHost() + "." + a.Domain
	rec, err := route53.NewRecord(b.ctx, b.name+"-origin", &route53.RecordArgs{
		ZoneId:  a.ZoneID,
		Name:    pulumi.String(origin),
		Type:    pulumi.String("CNAME"),
		Ttl:     pulumi.Int(60),
		Records: pulumi.StringArray{host},
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.OriginDomain = rec.Fqdn
	b.s.FailoverDomain = rec.Fqdn
	if a.FailoverRole != "" {
		return b.failoverRecord(rec.Fqdn)
	}
	return nil
}

// failoverRecord puts this region's origin into the Route 53 failover record the edge
// uses for the API, behind a health check on the readiness endpoint.
func (b *builder) failoverRecord(origin pulumi.StringOutput) error {
	a := b.a
	hc, err := route53.NewHealthCheck(b.ctx, b.name+"-origin", &route53.HealthCheckArgs{
		Type:             pulumi.String("HTTPS"),
		Fqdn:             origin,
		Port:             pulumi.Int(443),
		ResourcePath:     pulumi.String(readyPath),
		FailureThreshold: pulumi.Int(3),
		RequestInterval:  pulumi.Int(10),
		EnableSni:        pulumi.Bool(true),
		Tags:             base.Tags(a.Tags, "Name", a.originHost()+"."+a.Domain),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	shared := a.failoverHost() + "." + a.Domain
	rec, err := route53.NewRecord(b.ctx, b.name+"-failover", &route53.RecordArgs{
		ZoneId:        a.ZoneID,
		Name:          pulumi.String(shared),
		Type:          pulumi.String("CNAME"),
		Ttl:           pulumi.Int(30),
		Records:       pulumi.StringArray{origin},
		SetIdentifier: pulumi.Sprintf("%s-%s", strings.ToLower(a.FailoverRole), a.Region),
		HealthCheckId: hc.ID(),
		FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{
			Type: pulumi.String(a.FailoverRole),
		}},
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.FailoverDomain = rec.Fqdn
	return nil
}
