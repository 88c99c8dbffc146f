// Package edge puts CloudFront and AWS WAF in front of a cell.
//
// Global resources (the web ACL, its logging configuration, the distribution and its
// policies, the viewer certificate) are created through Args.GlobalProvider, which must be a
// us-east-1 provider: CLOUDFRONT-scoped WAF and CloudFront certificates exist only there.
// Everything that holds data (the buckets and their KMS key) is created by the component's
// default provider in the cell's region, so logs and assets rest inside the jurisdiction.
//
// WAF: a CLOUDFRONT web ACL that allows by default and evaluates, in order, the AWS managed
// groups AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet,
// AWSManagedRulesKnownBadInputsRuleSet and AWSManagedRulesSQLiRuleSet, then a per-IP
// rate-based block (RateLimit requests per 5 minutes). Logging goes to an S3 bucket named
// "aws-waf-logs-<prefix>-<account>" in the cell's region, encrypted with the edge key. A
// CloudWatch Logs destination would have to live in us-east-1 for a CLOUDFRONT ACL, and
// Firehose would add a stream in the cell region for no gain; S3 is a direct WAF destination
// with no region requirement, so the log data never rests outside the jurisdiction. The
// Authorization header and cookies are redacted from WAF logs.
//
// Distribution: the default behavior and /static/* serve the assets bucket through Origin
// Access Control (SigV4, always); /static/* is cached for a year. "/" returns RootObject,
// "static/index.html", the entry page uploaded with the other assets; the default behavior
// that serves it honours the object's Cache-Control for at most a day. /api/* goes to the API
// origin over HTTPS only (TLS 1.2) with all methods, is not cached (a cache policy with TTL 0
// by default and at most 1 second, which CloudFront requires for the Authorization header to
// reach the origin; the header is part of the key, so nothing is shared between users), and
// forwards query strings, cookies and the headers the API needs. Viewers are redirected to
// HTTPS; with a Domain the viewer certificate is an ACM certificate in us-east-1 (SNI,
// TLSv1.2_2021 minimum; without a domain CloudFront's own certificate is used, which fixes
// the minimum at TLSv1, so prod stacks set a domain) and Route 53 A/AAAA alias records point the domain at the
// distribution. A response headers policy adds HSTS (2 years, subdomains, preload), a
// Content-Security-Policy, X-Content-Type-Options nosniff, X-Frame-Options DENY and a strict
// referrer policy. Access logs (standard logging, legacy) go to a log bucket in the cell's
// region; the distribution waits for that bucket's ownership controls, because CloudFront
// grants the log delivery account access through the bucket ACL and refuses a bucket whose
// ACLs are disabled.
//
// DR: with Settings.DROriginDomain set (reached over the API origin's protocol), an origin
// group fails over from the API origin to the DR origin on 500/502/503/504. CloudFront only allows GET/HEAD/OPTIONS on behaviors that target
// an origin group, so only FailoverPaths (read-only API paths) use it; writes keep going to the
// primary, which matches a pilot-light DR whose database is a read-only secondary until the
// runbook promotes it.
//
// Buckets: private (public access block on every flag, bucket-owner-enforced ownership except
// the CloudFront log bucket, whose legacy log delivery needs ACLs), SSE-KMS with a bucket key,
// versioning, TLS-only bucket policies, log expiry after LogRetentionDays. The assets bucket
// admits s3:GetObject only from cloudfront.amazonaws.com with aws:SourceArn equal to this
// distribution. The edge key is the component's own: CloudFront (for this distribution only)
// and the log delivery service must use it, which the cell's storage key does not allow. The
// log delivery statement is the one CloudFront documents for SSE-KMS log buckets
// (kms:GenerateDataKey* and, with a bucket key, kms:Decrypt), without conditions: legacy log
// delivery is not documented to send aws:SourceAccount.
//
// Settings (the keys of globalstack:edge, their limits and the Prod and Dev presets) are
// defined, preset and validated once, by package edge/settings (which imports no SDK, so the
// stack configuration and the DR failover tool read it alone); the README's table is generated
// from them (make docs). A zero field of Args.Settings takes the Prod preset; FailoverPaths default to
// /api/products* and /api/search* when DROriginDomain is set.
//
// Refuses: a missing GlobalProvider, prefix or API origin; a prefix that cannot be part of a
// bucket name; a RateLimit outside WAF's 10-2000000000; a Domain without a ZoneID; an HTTP
// API origin together with a Domain; failover paths outside /api/.
//
// Files: edge.go (Settings, Args, New and the order of the build), key.go (the KMS key and
// its policy), buckets.go (the three buckets and their policies), waf.go (the web ACL and
// its logging), distribution.go (policies, origins, cache behaviours, viewer certificate,
// the distribution and its alias records).
package edge
