package origin

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// elbLogAccounts are the Elastic Load Balancing accounts that write access logs in the
// regions available before August 2022; newer regions deliver as the service principal
// logdelivery.elasticloadbalancing.amazonaws.com instead
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
// "Step 2: Attach a policy to your S3 bucket").
var elbLogAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
}

// ELBLogDeliveryService is the principal that writes access logs in regions opened in or
// after August 2022.
const ELBLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"

// elbLogWriter is the principal the access log bucket's policy admits in region.
func elbLogWriter(region string) pulumi.Map {
	if id, ok := elbLogAccounts[region]; ok {
		return base.AccountPrincipal(id)
	}
	return base.ServicePrincipal(ELBLogDeliveryService)
}

// accessLogPrefix is where the load balancer writes under the bucket; ELB appends
// AWSLogs/<account>/... and refuses a prefix containing AWSLogs.
const accessLogPrefix = "alb"

// accessLogBucket is the load balancer's log bucket, in the cell's region ("The bucket must be
// located in the same Region as the load balancer"). Its default encryption is SSE-S3: "The
// only server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)"
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html);
// the encryption pack's ENC-010 admits SSE-S3 for exactly such a bucket, which must still be
// versioned, TLS-only and blocked from public access.
func (b *builder) accessLogBucket() (pulumi.Resource, error) {
	a := b.a
	n := b.name + "-access-logs"
	name := a.Prefix + "-alb-logs-" + b.account
	bk, err := s3.NewBucketV2(b.ctx, n, &s3.BucketV2Args{Bucket: pulumi.String(name), Tags: b.tags(name)}, b.opts()...)
	if err != nil {
		return nil, err
	}
	b.o.AccessLogs = bk.Bucket
	if _, err := s3.NewBucketPublicAccessBlock(b.ctx, n, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bk.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.opts()...); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(b.ctx, n, &s3.BucketOwnershipControlsArgs{
		Bucket: bk.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.opts()...); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, b.opts()...); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(b.ctx, n, &s3.BucketVersioningV2Args{
		Bucket:                  bk.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.opts()...); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, n, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                             pulumi.String("expire-logs"),
			Status:                         pulumi.String("Enabled"),
			Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.LogRetentionDays)},
			NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
			AbortIncompleteMultipartUpload: base.AbortIncompleteUploads(),
		}},
	}, b.opts()...); err != nil {
		return nil, err
	}
	return s3.NewBucketPolicy(b.ctx, n, &s3.BucketPolicyArgs{
		Bucket: bk.ID(),
		Policy: base.PolicyDocument(
			base.Statement{
				Sid:       "ElbWritesAccessLogs",
				Principal: elbLogWriter(a.Region),
				Actions:   []string{"s3:PutObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s/AWSLogs/%s/*", bk.Arn, accessLogPrefix, b.account)},
			},
			base.Statement{
				Sid:       "DenyInsecureTransport",
				Deny:      true,
				Principal: pulumi.String("*"),
				Actions:   []string{"s3:*"},
				Resources: pulumi.StringArray{bk.Arn, pulumi.Sprintf("%s/*", bk.Arn)},
				Condition: pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}},
			},
		),
	}, b.opts()...)
}

// loadBalancer is the internet-facing Application Load Balancer in the public subnets. It
// waits for the log bucket's policy: enabling access logs fails with "Access Denied for
// bucket" until ELB may write there (same page, "Troubleshoot").
func (b *builder) loadBalancer(groups pulumi.StringArray, logPolicy pulumi.Resource) (*lb.LoadBalancer, error) {
	a := b.a
	alb, err := lb.NewLoadBalancer(b.ctx, b.name, &lb.LoadBalancerArgs{
		Name:             pulumi.String(a.Prefix + "-origin"),
		LoadBalancerType: pulumi.String("application"),
		Internal:         pulumi.Bool(false),
		SecurityGroups:   groups,
		Subnets:          a.PublicSubnetIDs,
		// Requests with header names that are not valid HTTP are dropped, not forwarded
		// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes,
		// routing.http.drop_invalid_header_fields.enabled).
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(a.DeletionProtection),
		IdleTimeout:              pulumi.Int(60),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  b.o.AccessLogs,
			Prefix:  pulumi.String(accessLogPrefix),
			Enabled: pulumi.Bool(true),
		},
		Tags: b.tags(a.Prefix + "-origin"),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{logPolicy}))...)
	if err != nil {
		return nil, err
	}
	b.o.LoadBalancerArn = alb.Arn
	b.o.LoadBalancerArnSuffix = alb.ArnSuffix
	b.o.DNSName = alb.DnsName
	b.o.ZoneID = alb.ZoneId
	b.o.LoadBalancer = base.AWSResource("aws:lb/loadBalancer:LoadBalancer", b.name)
	return alb, nil
}

// listeners forward RoutedPaths to the pods' target group and answer anything else with a
// 404 of the load balancer's own. With a Domain: HTTPS on 443 with the origin certificate and
// TLSPolicy, and HTTP on 80 redirecting to it; without (a trial stack): HTTP on 80.
func (b *builder) listeners(alb *lb.LoadBalancer) error {
	a := b.a
	// IP targets: the pods' addresses register directly (the VPC CNI gives pods VPC
	// addresses), so the target group's port is the pods' port.
	// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type
	tg, err := lb.NewTargetGroup(b.ctx, b.name, &lb.TargetGroupArgs{
		Name:       pulumi.String(a.Prefix + "-storefront"),
		TargetType: pulumi.String("ip"),
		Protocol:   pulumi.String("HTTP"),
		Port:       pulumi.Int(a.TargetPort),
		VpcId:      a.VpcID,
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Path:     pulumi.String(a.HealthCheckPath),
			Protocol: pulumi.String("HTTP"),
			Port:     pulumi.String("traffic-port"),
			Matcher:  pulumi.String("200"),
		},
		Tags: b.tags(a.Prefix + "-storefront"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.o.TargetGroupArn = tg.Arn
	b.o.TargetGroupArnSuffix = tg.ArnSuffix
	notFound := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type: pulumi.String("fixed-response"),
		FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
			ContentType: pulumi.String("text/plain"), StatusCode: pulumi.String("404"), MessageBody: pulumi.String("not found"),
		},
	}}
	serving := &lb.ListenerArgs{LoadBalancerArn: alb.Arn, Port: pulumi.Int(80), Protocol: pulumi.String("HTTP"), DefaultActions: notFound}
	if a.Domain != "" {
		cert, validation, err := b.certificate()
		if err != nil {
			return err
		}
		if _, err := lb.NewListener(b.ctx, b.name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
				Type: pulumi.String("redirect"),
				Redirect: &lb.ListenerDefaultActionRedirectArgs{
					Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
				},
			}},
			Tags: b.tags(a.Prefix + "-http"),
		}, b.opts()...); err != nil {
			return err
		}
		serving = &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn, Port: pulumi.Int(443), Protocol: pulumi.String("HTTPS"),
			CertificateArn: cert, SslPolicy: pulumi.String(TLSPolicy), DefaultActions: notFound,
		}
		serving.Tags = b.tags(a.Prefix + "-https")
		listener, err := lb.NewListener(b.ctx, b.name+"-https", serving, b.opts(pulumi.DependsOn([]pulumi.Resource{validation}))...)
		if err != nil {
			return err
		}
		return b.forward(listener, tg)
	}
	serving.Tags = b.tags(a.Prefix + "-http")
	listener, err := lb.NewListener(b.ctx, b.name+"-http", serving, b.opts()...)
	if err != nil {
		return err
	}
	return b.forward(listener, tg)
}

// forward sends RoutedPaths to the target group. The Route 53 health check of the failover
// record probes HealthCheckPath through the load balancer, so it must be among them.
func (b *builder) forward(listener *lb.Listener, tg *lb.TargetGroup) error {
	_, err := lb.NewListenerRule(b.ctx, b.name+"-storefront", &lb.ListenerRuleArgs{
		ListenerArn: listener.Arn,
		Priority:    pulumi.Int(10),
		Conditions: lb.ListenerRuleConditionArray{lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(b.a.RoutedPaths)},
		}},
		Actions: lb.ListenerRuleActionArray{lb.ListenerRuleActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
		Tags: b.tags(b.a.Prefix + "-storefront"),
	}, b.opts()...)
	return err
}
