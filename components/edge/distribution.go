package edge

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RootObject is what a request for "/" returns: the shop's entry page, uploaded with the other
// static assets under static/ (README, deploy step 7). CloudFront takes a path to an object in
// a folder here, not only a file name:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html
// A bare "index.html" would ask the bucket for a key nothing uploads, which S3 answers with
// 403 AccessDenied to CloudFront (it may not list the bucket).
const RootObject = "static/index.html"

const (
	cloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
	minimumViewerTLS       = "TLSv1.2_2021"
	oneYear                = 31536000
)

// policies are the distribution's cache, origin request and response headers policies.
type policies struct {
	// static caches assets for a year, document the entry page for at most a day, api
	// nothing (with Authorization in the key).
	static, document, api pulumi.IDOutput
	// forward sends the API what it reads; headers adds the security headers to every answer.
	forward, headers pulumi.IDOutput
}

// distribution creates the CloudFront distribution in front of the assets bucket and the
// API origin(s), behind the web ACL, logging to the logs bucket.
func (b *builder) distribution(assets *s3.BucketV2, logs ownedBucket, acl *wafv2.WebAcl) (*cloudfront.Distribution, error) {
	a := b.a
	oac, err := b.originAccessControl()
	if err != nil {
		return nil, err
	}
	p, err := b.cachePolicies()
	if err != nil {
		return nil, err
	}
	if p.headers, err = b.securityHeaders(); err != nil {
		return nil, err
	}
	origins, groups := b.origins(assets, oac)
	viewer, aliases, err := b.viewer()
	if err != nil {
		return nil, err
	}
	dist, err := cloudfront.NewDistribution(b.ctx, b.name, &cloudfront.DistributionArgs{
		Enabled:           pulumi.Bool(true),
		Comment:           pulumi.Sprintf("%s storefront", a.Prefix),
		Aliases:           aliases,
		IsIpv6Enabled:     pulumi.Bool(true),
		HttpVersion:       pulumi.String("http2and3"),
		PriceClass:        pulumi.String(a.PriceClass),
		WebAclId:          b.e.WebACLArn,
		DefaultRootObject: pulumi.String(RootObject),
		Origins:           origins,
		OriginGroups:      groups,
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String("assets"),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           p.document,
			ResponseHeadersPolicyId: p.headers,
			Compress:                pulumi.Bool(true),
		},
		OrderedCacheBehaviors: b.cacheBehaviors(p),
		Restrictions: &cloudfront.DistributionRestrictionsArgs{GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("none"),
		}},
		ViewerCertificate: viewer,
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{
			Bucket:         logs.BucketDomainName,
			Prefix:         pulumi.String("cloudfront/"),
			IncludeCookies: pulumi.Bool(false),
		},
		Tags: b.tags(a.Prefix + "-edge"),
		// Standard logging (legacy) grants the awslogsdelivery account FULL_CONTROL through the
		// bucket ACL when the logging config is set, and refuses a bucket whose ACLs are
		// disabled (new buckets default to BucketOwnerEnforced), so the distribution waits for
		// the ownership controls that enable them:
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html#AccessLogsBucketAndFileOwnership
	}, b.global(pulumi.DependsOn([]pulumi.Resource{logs.ownership}))...)
	if err != nil {
		return nil, err
	}
	b.e.DistributionID = dist.ID().ToStringOutput()
	b.e.DistributionArn = dist.Arn
	b.e.DomainName = dist.DomainName
	b.e.URL = pulumi.Sprintf("https://%s", dist.DomainName)
	if a.Domain != "" {
		b.e.URL = pulumi.Sprintf("https://%s", a.Domain).ToStringOutput()
	}
	return dist, nil
}

// originAccessControl signs CloudFront's requests to the assets bucket.
func (b *builder) originAccessControl() (*cloudfront.OriginAccessControl, error) {
	return cloudfront.NewOriginAccessControl(b.ctx, b.name, &cloudfront.OriginAccessControlArgs{
		Name:                          pulumi.Sprintf("%s-assets", b.a.Prefix),
		Description:                   pulumi.String("Signed requests to the assets bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, b.global()...)
}

// cachePolicies creates the cache policies and the API's origin request policy.
func (b *builder) cachePolicies() (policies, error) {
	ctx, name, a := b.ctx, b.name, b.a
	static, err := cloudfront.NewCachePolicy(ctx, name+"-static", &cloudfront.CachePolicyArgs{
		Name:                                     pulumi.Sprintf("%s-static", a.Prefix),
		Comment:                                  pulumi.String("Static assets: one year, nothing from the viewer in the key"),
		MinTtl:                                   pulumi.Int(oneYear),
		DefaultTtl:                               pulumi.Int(oneYear),
		MaxTtl:                                   pulumi.Int(oneYear),
		ParametersInCacheKeyAndForwardedToOrigin: viewerFreeKey(),
	}, b.global()...)
	if err != nil {
		return policies{}, err
	}
	// The default behavior serves only the root object (every other key is under /static/*
	// or /api/*). It honours the object's Cache-Control for at most a day, so a release's
	// entry page shows up without an invalidation; the static policy's one-year minimum TTL
	// would override even "no-cache" (CloudFront caches for the minimum TTL when max-age is
	// lower: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
	document, err := cloudfront.NewCachePolicy(ctx, name+"-document", &cloudfront.CachePolicyArgs{
		Name:                                     pulumi.Sprintf("%s-document", a.Prefix),
		Comment:                                  pulumi.String("Entry page: the object's Cache-Control, at most a day, nothing from the viewer in the key"),
		MinTtl:                                   pulumi.Int(0),
		DefaultTtl:                               pulumi.Int(300),
		MaxTtl:                                   pulumi.Int(86400),
		ParametersInCacheKeyAndForwardedToOrigin: viewerFreeKey(),
	}, b.global()...)
	if err != nil {
		return policies{}, err
	}
	api, err := cloudfront.NewCachePolicy(ctx, name+"-api", &cloudfront.CachePolicyArgs{
		Name:       pulumi.Sprintf("%s-api", a.Prefix),
		Comment:    pulumi.String("API: not cached; Authorization must be in the key to reach the origin"),
		MinTtl:     pulumi.Int(0),
		DefaultTtl: pulumi.Int(0),
		MaxTtl:     pulumi.Int(1),
		ParametersInCacheKeyAndForwardedToOrigin: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
			CookiesConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
			HeadersConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{
				HeaderBehavior: pulumi.String("whitelist"),
				Headers: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigHeadersArgs{
					Items: pulumi.StringArray{pulumi.String("Authorization")},
				},
			},
			QueryStringsConfig: &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("all")},
		},
	}, b.global()...)
	if err != nil {
		return policies{}, err
	}
	forward, err := cloudfront.NewOriginRequestPolicy(ctx, name+"-api", &cloudfront.OriginRequestPolicyArgs{
		Name:          pulumi.Sprintf("%s-api", a.Prefix),
		Comment:       pulumi.String("API: query strings, cookies and the request headers the API reads"),
		CookiesConfig: &cloudfront.OriginRequestPolicyCookiesConfigArgs{CookieBehavior: pulumi.String("all")},
		HeadersConfig: &cloudfront.OriginRequestPolicyHeadersConfigArgs{
			HeaderBehavior: pulumi.String("whitelist"),
			Headers: &cloudfront.OriginRequestPolicyHeadersConfigHeadersArgs{Items: pulumi.ToStringArray([]string{
				"Accept", "Accept-Language", "Content-Type", "Origin", "Referer",
				"Access-Control-Request-Method", "Access-Control-Request-Headers", "CloudFront-Viewer-Country",
			})},
		},
		QueryStringsConfig: &cloudfront.OriginRequestPolicyQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("all")},
	}, b.global()...)
	if err != nil {
		return policies{}, err
	}
	return policies{static: static.ID(), document: document.ID(), api: api.ID(), forward: forward.ID()}, nil
}

// securityHeaders is the response headers policy of every behavior.
func (b *builder) securityHeaders() (pulumi.IDOutput, error) {
	headers, err := cloudfront.NewResponseHeadersPolicy(b.ctx, b.name, &cloudfront.ResponseHeadersPolicyArgs{
		Name:    pulumi.Sprintf("%s-security-headers", b.a.Prefix),
		Comment: pulumi.String("HSTS, CSP, nosniff, frame and referrer policies"),
		SecurityHeadersConfig: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(63072000),
				IncludeSubdomains:      pulumi.Bool(true),
				Preload:                pulumi.Bool(true),
				Override:               pulumi.Bool(true),
			},
			ContentSecurityPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(b.a.ContentSecurityPolicy),
				Override:              pulumi.Bool(true),
			},
			ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
				FrameOption: pulumi.String("DENY"), Override: pulumi.Bool(true),
			},
			ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"), Override: pulumi.Bool(true),
			},
		},
	}, b.global()...)
	if err != nil {
		return pulumi.IDOutput{}, err
	}
	return headers.ID(), nil
}

// origins are the assets bucket (through OAC) and the API; with a DR origin, also the DR
// region's API and the "api-failover" group that tries it when the primary answers 5xx.
func (b *builder) origins(assets *s3.BucketV2, oac *cloudfront.OriginAccessControl) (cloudfront.DistributionOriginArray, cloudfront.DistributionOriginGroupArray) {
	origins := cloudfront.DistributionOriginArray{
		cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String("assets"),
			DomainName:            assets.BucketRegionalDomainName,
			OriginAccessControlId: oac.ID(),
		},
		customOrigin("api", b.a.APIOrigin),
	}
	dr := b.a.drOrigin()
	if dr == nil {
		return origins, nil
	}
	origins = append(origins, customOrigin("api-dr", *dr))
	return origins, cloudfront.DistributionOriginGroupArray{cloudfront.DistributionOriginGroupArgs{
		OriginId:         pulumi.String("api-failover"),
		FailoverCriteria: &cloudfront.DistributionOriginGroupFailoverCriteriaArgs{StatusCodes: pulumi.ToIntArray([]int{500, 502, 503, 504})},
		Members: cloudfront.DistributionOriginGroupMemberArray{
			cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("api")},
			cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("api-dr")},
		},
	}}
}

// cacheBehaviors route /static/* to the assets bucket, the failover paths (read-only, with a
// DR origin) to the failover group and /api/* to the API.
func (b *builder) cacheBehaviors(p policies) cloudfront.DistributionOrderedCacheBehaviorArray {
	readMethods := pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS"})
	allMethods := pulumi.ToStringArray([]string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
	apiBehavior := func(path, target string, methods pulumi.StringArray) cloudfront.DistributionOrderedCacheBehaviorArgs {
		return cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:             pulumi.String(path),
			TargetOriginId:          pulumi.String(target),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          methods,
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           p.api,
			OriginRequestPolicyId:   p.forward,
			ResponseHeadersPolicyId: p.headers,
			Compress:                pulumi.Bool(true),
		}
	}
	behaviors := cloudfront.DistributionOrderedCacheBehaviorArray{cloudfront.DistributionOrderedCacheBehaviorArgs{
		PathPattern:             pulumi.String("/static/*"),
		TargetOriginId:          pulumi.String("assets"),
		ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
		AllowedMethods:          readMethods,
		CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
		CachePolicyId:           p.static,
		ResponseHeadersPolicyId: p.headers,
		Compress:                pulumi.Bool(true),
	}}
	if b.a.drOrigin() != nil {
		// Read-only paths first: behaviors match in order.
		for _, path := range b.a.FailoverPaths {
			behaviors = append(behaviors, apiBehavior(path, "api-failover", readMethods))
		}
	}
	return append(behaviors, apiBehavior("/api/*", "api", allMethods))
}

// viewer is the certificate viewers see and the distribution's aliases: with a Domain, an
// ACM certificate for it (TLS 1.2+); without, CloudFront's own.
func (b *builder) viewer() (*cloudfront.DistributionViewerCertificateArgs, pulumi.StringArray, error) {
	// CloudFront's own certificate (no domain) always negotiates from TLSv1; the TLSv1.2_2021
	// minimum needs a certificate of ours, which a domain brings.
	if b.a.Domain == "" {
		return &cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true), MinimumProtocolVersion: pulumi.String("TLSv1")}, nil, nil
	}
	cert, err := b.viewerCertificate()
	if err != nil {
		return nil, nil, err
	}
	b.e.ViewerCertificate = cert
	return &cloudfront.DistributionViewerCertificateArgs{
		AcmCertificateArn:      cert,
		SslSupportMethod:       pulumi.String("sni-only"),
		MinimumProtocolVersion: pulumi.String(minimumViewerTLS),
	}, pulumi.StringArray{pulumi.String(b.a.Domain)}, nil
}

// customOrigin is an API origin: HTTPS only (TLS 1.2) or, for a trial stack, HTTP only.
func customOrigin(id string, o Origin) cloudfront.DistributionOriginArgs {
	policy := "http-only"
	if o.HTTPS {
		policy = "https-only"
	}
	return cloudfront.DistributionOriginArgs{
		OriginId:   pulumi.String(id),
		DomainName: o.Domain,
		CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
			HttpPort:             pulumi.Int(80),
			HttpsPort:            pulumi.Int(443),
			OriginProtocolPolicy: pulumi.String(policy),
			OriginSslProtocols:   pulumi.StringArray{pulumi.String("TLSv1.2")},
			OriginReadTimeout:    pulumi.Int(30),
		},
	}
}

// viewerFreeKey is a cache key with nothing from the viewer (no cookies, headers or query
// strings), compressed variants apart.
func viewerFreeKey() *cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs {
	return &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs{
		EnableAcceptEncodingGzip:   pulumi.Bool(true),
		EnableAcceptEncodingBrotli: pulumi.Bool(true),
		CookiesConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs{CookieBehavior: pulumi.String("none")},
		HeadersConfig:              &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs{HeaderBehavior: pulumi.String("none")},
		QueryStringsConfig:         &cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs{QueryStringBehavior: pulumi.String("none")},
	}
}

// viewerCertificate issues the Domain's certificate in us-east-1, where CloudFront reads
// it, validated by DNS in ZoneID.
func (b *builder) viewerCertificate() (pulumi.StringOutput, error) {
	cert, err := acm.NewCertificate(b.ctx, b.name, &acm.CertificateArgs{
		DomainName:       pulumi.String(b.a.Domain),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
		Tags:             b.tags(b.a.Domain),
	}, b.global()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	dvo := cert.DomainValidationOptions.Index(pulumi.Int(0))
	rec, err := route53.NewRecord(b.ctx, b.name+"-validation", &route53.RecordArgs{
		ZoneId:         b.a.ZoneID,
		Name:           dvo.ResourceRecordName().Elem(),
		Type:           dvo.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, b.local()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	v, err := acm.NewCertificateValidation(b.ctx, b.name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{rec.Fqdn},
	}, b.global()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return v.CertificateArn, nil
}

// aliasRecords point the Domain (IPv4 and IPv6) at the distribution.
func (b *builder) aliasRecords(dist *cloudfront.Distribution) error {
	if b.a.Domain == "" {
		return nil
	}
	for _, typ := range []string{"A", "AAAA"} {
		if _, err := route53.NewRecord(b.ctx, b.name+"-"+strings.ToLower(typ), &route53.RecordArgs{
			ZoneId: b.a.ZoneID,
			Name:   pulumi.String(b.a.Domain),
			Type:   pulumi.String(typ),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name:                 dist.DomainName,
				ZoneId:               pulumi.String(cloudFrontHostedZoneID),
				EvaluateTargetHealth: pulumi.Bool(false),
			}},
		}, b.local()...); err != nil {
			return err
		}
	}
	return nil
}
