package origin

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

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
	origin := b.a.OriginHost + "." + b.a.Domain
	names := []string{origin}
	cargs := &acm.CertificateArgs{
		DomainName:       pulumi.String(origin),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("EC_prime256v1"),
		Tags:             base.Tags(b.a.Tags, "Name", origin),
	}
	if b.a.FailoverRole != "" {
		shared := b.a.FailoverHost + "." + b.a.Domain
		names = append(names, shared)
		cargs.SubjectAlternativeNames = pulumi.StringArray{pulumi.String(shared)}
	}
	cert, err := acm.NewCertificate(b.ctx, b.name+"-cert", cargs, b.opts()...)
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
		rec, err := route53.NewRecord(b.ctx, b.name+"-cert-validation"+suffix, &route53.RecordArgs{
			ZoneId:  b.a.ZoneID,
			Name:    dvo.ResourceRecordName().Elem(),
			Type:    dvo.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
			// The record may predate this stack (an earlier certificate for the same name).
			AllowOverwrite: pulumi.Bool(true),
		}, b.opts()...)
		if err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		fqdns = append(fqdns, rec.Fqdn)
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.name+"-cert", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, b.opts()...)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return v.CertificateArn, v, nil
}

// records points origin.<Domain> at the load balancer (with a Domain) and adds the region to
// the failover record (with a FailoverRole). Both are aliases of the load balancer's DNS
// name in its canonical hosted zone: Route 53 answers an alias with the load balancer's
// current addresses, and alias queries to ELB cost nothing
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-elb-load-balancer.html).
func (b *builder) records(alb *lb.LoadBalancer) error {
	a := b.a
	b.o.OriginDomain = alb.DnsName
	b.o.FailoverDomain = alb.DnsName
	if a.Domain == "" {
		return nil
	}
	alias := func(evaluate bool) route53.RecordAliasArray {
		return route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: alb.DnsName, ZoneId: alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(evaluate),
		}}
	}
	origin := a.OriginHost + "." + a.Domain
	rec, err := route53.NewRecord(b.ctx, b.name, &route53.RecordArgs{
		ZoneId:  a.ZoneID,
		Name:    pulumi.String(origin),
		Type:    pulumi.String("A"),
		Aliases: alias(true),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.o.OriginDomain = rec.Fqdn
	b.o.FailoverDomain = rec.Fqdn
	if a.FailoverRole == "" {
		return nil
	}
	// The health check probes the readiness path through the origin name, so a region whose
	// pods cannot serve (no database) leaves the failover record even while the load
	// balancer itself is up.
	hc, err := route53.NewHealthCheck(b.ctx, b.name+"-health", &route53.HealthCheckArgs{
		Type:             pulumi.String("HTTPS"),
		Fqdn:             rec.Fqdn,
		Port:             pulumi.Int(443),
		ResourcePath:     pulumi.String(a.HealthCheckPath),
		FailureThreshold: pulumi.Int(3),
		RequestInterval:  pulumi.Int(10),
		EnableSni:        pulumi.Bool(true),
		Tags:             b.tags(origin),
	}, b.opts()...)
	if err != nil {
		return err
	}
	shared := a.FailoverHost + "." + a.Domain
	failover, err := route53.NewRecord(b.ctx, b.name+"-failover", &route53.RecordArgs{
		ZoneId:        a.ZoneID,
		Name:          pulumi.String(shared),
		Type:          pulumi.String("A"),
		Aliases:       alias(true),
		SetIdentifier: pulumi.Sprintf("%s-%s", strings.ToLower(a.FailoverRole), a.Region),
		HealthCheckId: hc.ID(),
		FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{
			Type: pulumi.String(a.FailoverRole),
		}},
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.o.FailoverDomain = failover.Fqdn
	return nil
}
