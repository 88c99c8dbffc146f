package rules

import (
	"strconv"
	"strings"
)

var bucketTypes = []string{tBucket, tBucketV2}

func init() {
	register(
		&Rule{
			ID: "ENC-001", Name: "aurora-storage-cmk", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "Aurora clusters encrypt storage with a customer-managed KMS key.",
			Remediation: "Set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed key (not alias/aws/rds).",
			Types:       []string{tRDSCluster},
			Resource: func(c *Ctx, r *Resource) {
				if enc, ok := c.Bool(r, "storageEncrypted", false); ok && !enc {
					c.Fail("Aurora cluster %q does not encrypt storage (storageEncrypted is not true)", r.Name)
				}
				kms, ok := c.Str(r, "kmsKeyId")
				switch {
				case !ok:
				case kms == "":
					c.Fail("Aurora cluster %q has no customer-managed kmsKeyId", r.Name)
				case awsManagedKey(kms):
					c.Fail("Aurora cluster %q uses the AWS-managed key %q instead of a customer-managed key", r.Name, kms)
				}
			},
		},
		&Rule{
			ID: "ENC-002", Name: "aurora-global-cluster-encrypted", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "Aurora global clusters are created with encrypted storage.",
			Remediation: "Set storageEncrypted: true on the global cluster; every member cluster then needs a customer-managed kmsKeyId (ENC-001).",
			Types:       []string{tRDSGlobalCluster},
			Resource: func(c *Ctx, r *Resource) {
				if src, ok := c.Str(r, "sourceDbClusterIdentifier"); ok && src != "" {
					return // encryption is inherited from the source cluster, checked by ENC-001
				}
				if enc, ok := c.Bool(r, "storageEncrypted", false); ok && !enc {
					c.Fail("Aurora global cluster %q does not encrypt storage (storageEncrypted is not true)", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-003", Name: "performance-insights-cmk", Pack: Encryption, Severity: Medium, Level: Mandatory,
			Description: "Performance Insights data is encrypted with a customer-managed KMS key.",
			Remediation: "When performanceInsightsEnabled is true, set performanceInsightsKmsKeyId to a customer-managed key ARN.",
			Types:       []string{tRDSCluster, tRDSClusterInstance, tRDSInstance},
			Resource: func(c *Ctx, r *Resource) {
				on, ok := c.Bool(r, "performanceInsightsEnabled", false)
				if !ok || !on {
					return
				}
				kms, ok := c.Str(r, "performanceInsightsKmsKeyId")
				if ok && (kms == "" || awsManagedKey(kms)) {
					c.Fail("%q enables Performance Insights without a customer-managed performanceInsightsKmsKeyId", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-004", Name: "elasticache-at-rest-encryption", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "ElastiCache replication groups encrypt data at rest.",
			Remediation: "Set atRestEncryptionEnabled: true (and kmsKeyId to a customer-managed key).",
			Types:       []string{tCacheRG},
			Resource: func(c *Ctx, r *Resource) {
				if on, ok := c.Bool(r, "atRestEncryptionEnabled", false); ok && !on {
					c.Fail("ElastiCache replication group %q does not encrypt data at rest", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-005", Name: "elasticache-in-transit-encryption", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "ElastiCache replication groups require TLS in transit.",
			Remediation: "Set transitEncryptionEnabled: true and leave transitEncryptionMode at \"required\".",
			Types:       []string{tCacheRG},
			Resource: func(c *Ctx, r *Resource) {
				if on, ok := c.Bool(r, "transitEncryptionEnabled", false); ok && !on {
					c.Fail("ElastiCache replication group %q does not encrypt data in transit", r.Name)
				}
				if mode, ok := c.Str(r, "transitEncryptionMode"); ok && mode == "preferred" {
					c.Fail("ElastiCache replication group %q accepts plaintext connections (transitEncryptionMode is \"preferred\")", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-006", Name: "elasticache-auth", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "ElastiCache replication groups require authentication (AUTH token or RBAC user groups).",
			Remediation: "Set authToken from a generated secret, or userGroupIds to an RBAC user group.",
			Types:       []string{tCacheRG},
			Resource: func(c *Ctx, r *Resource) {
				tok, ok1 := c.Str(r, "authToken")
				groups, ok2 := c.List(r, "userGroupIds")
				if ok1 && ok2 && tok == "" && len(groups) == 0 {
					c.Fail("ElastiCache replication group %q has neither an AUTH token nor RBAC user groups", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-007", Name: "opensearch-at-rest-encryption", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "OpenSearch (and legacy Elasticsearch) domains encrypt data at rest.",
			Remediation: "Set encryptAtRest.enabled: true (with kmsKeyId set to a customer-managed key).",
			Types:       searchDomainTypes,
			Resource: func(c *Ctx, r *Resource) {
				if on, ok := c.Bool(r, "encryptAtRest.enabled", false); ok && !on {
					c.Fail("%s %q does not encrypt data at rest", searchDomainKind(r), r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-008", Name: "opensearch-node-to-node-encryption", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "OpenSearch (and legacy Elasticsearch) domains encrypt node-to-node traffic.",
			Remediation: "Set nodeToNodeEncryption.enabled: true.",
			Types:       searchDomainTypes,
			Resource: func(c *Ctx, r *Resource) {
				if on, ok := c.Bool(r, "nodeToNodeEncryption.enabled", false); ok && !on {
					c.Fail("%s %q does not encrypt node-to-node traffic", searchDomainKind(r), r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-009", Name: "opensearch-https-tls12", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "OpenSearch (and legacy Elasticsearch) domains accept HTTPS only, with TLS 1.2 or newer.",
			Remediation: "Set domainEndpointOptions.enforceHttps: true and tlsSecurityPolicy: Policy-Min-TLS-1-2-2019-07 (or the PFS 2023 policy).",
			Types:       searchDomainTypes,
			Resource: func(c *Ctx, r *Resource) {
				if on, ok := c.Bool(r, "domainEndpointOptions.enforceHttps", false); ok && !on {
					c.Fail("%s %q does not enforce HTTPS", searchDomainKind(r), r.Name)
				}
				if pol, ok := c.Str(r, "domainEndpointOptions.tlsSecurityPolicy"); ok && !strings.HasPrefix(pol, "Policy-Min-TLS-1-2") {
					if pol == "" {
						pol = "the default (TLS 1.0)"
					}
					c.Fail("%s %q allows TLS below 1.2 (tlsSecurityPolicy is %s)", searchDomainKind(r), r.Name, pol)
				}
			},
		},
		&Rule{
			ID: "ENC-010", Name: "s3-sse-kms", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "S3 buckets default to SSE-KMS encryption with a customer-managed key (a load balancer's versioned, TLS-only log bucket: SSE-S3, the only encryption ELB log delivery supports).",
			Remediation: "Add a BucketServerSideEncryptionConfigurationV2 with sseAlgorithm aws:kms and kmsMasterKeyId set to a customer-managed key.",
			Stack:       checkS3Encryption,
		},
		&Rule{
			ID: "ENC-011", Name: "s3-public-access-block", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "S3 buckets have a public access block with all four settings on.",
			Remediation: "Add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
			Stack:       checkS3PublicAccessBlock,
		},
		&Rule{
			ID: "ENC-012", Name: "eks-secrets-encryption", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
			Remediation: "Set encryptionConfig.resources: [\"secrets\"] and encryptionConfig.provider.keyArn to a customer-managed key.",
			Types:       []string{tEKSCluster},
			Resource: func(c *Ctx, r *Resource) {
				res, ok1 := c.List(r, "encryptionConfig.resources")
				key, ok2 := c.Str(r, "encryptionConfig.provider.keyArn")
				if !ok1 || !ok2 {
					return
				}
				hasSecrets := false
				for _, x := range res {
					if x == "secrets" {
						hasSecrets = true
					}
				}
				if !hasSecrets || key == "" {
					c.Fail("EKS cluster %q does not encrypt Kubernetes secrets with a KMS key", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-013", Name: "kms-key-rotation", Pack: Encryption, Severity: Medium, Level: Mandatory,
			Description: "Symmetric customer-managed KMS keys rotate automatically.",
			Remediation: "Set enableKeyRotation: true on the key.",
			Types:       []string{tKMSKey},
			Resource: func(c *Ctx, r *Resource) {
				spec, ok := c.Str(r, "customerMasterKeySpec")
				if !ok || (spec != "" && spec != "SYMMETRIC_DEFAULT") {
					return // asymmetric and HMAC keys cannot rotate
				}
				if on, ok := c.Bool(r, "enableKeyRotation", false); ok && !on {
					c.Fail("KMS key %q does not rotate (enableKeyRotation is not true)", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-014", Name: "log-group-cmk", Pack: Encryption, Severity: Medium, Level: Mandatory,
			Description: "CloudWatch log groups are encrypted with a customer-managed KMS key.",
			Remediation: "Set kmsKeyId on the log group to a customer-managed key whose policy allows logs.<region>.amazonaws.com.",
			Types:       []string{tLogGroup},
			Resource: func(c *Ctx, r *Resource) {
				if k, ok := c.Str(r, "kmsKeyId"); ok && k == "" {
					c.Fail("CloudWatch log group %q is not encrypted with a customer-managed key", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-015", Name: "secret-cmk", Pack: Encryption, Severity: Medium, Level: Mandatory,
			Description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
			Remediation: "Set kmsKeyId on the secret to a customer-managed key (not aws/secretsmanager).",
			Types:       []string{tSecret},
			Resource: func(c *Ctx, r *Resource) {
				if k, ok := c.Str(r, "kmsKeyId"); ok && (k == "" || awsManagedKey(k)) {
					c.Fail("secret %q is not encrypted with a customer-managed key", r.Name)
				}
			},
		},
		&Rule{
			ID: "ENC-016", Name: "cloudfront-viewer-https", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "CloudFront serves viewers over HTTPS only (redirect or reject plain HTTP).",
			Remediation: "Set viewerProtocolPolicy to redirect-to-https or https-only on the default and every ordered cache behavior.",
			Types:       []string{tDistribution},
			Resource: func(c *Ctx, r *Resource) {
				check := func(where string, b any) {
					v, ok := c.get(b, "viewerProtocolPolicy", where+".viewerProtocolPolicy")
					if !ok {
						return
					}
					if p, _ := v.(string); p != "https-only" && p != "redirect-to-https" {
						c.Fail("CloudFront distribution %q %s allows plain HTTP viewers (viewerProtocolPolicy %q)", r.Name, where, p)
					}
				}
				if b, ok := r.Props.Get("defaultCacheBehavior"); ok {
					check("defaultCacheBehavior", b)
				}
				if l, ok := c.List(r, "orderedCacheBehaviors"); ok {
					for i, b := range l {
						check("orderedCacheBehaviors["+strconv.Itoa(i)+"]", b)
					}
				}
			},
		},
		&Rule{
			ID: "ENC-017", Name: "cloudfront-tls12", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "CloudFront viewer connections require TLS 1.2 or newer.",
			Remediation: "Use an ACM certificate with viewerCertificate.minimumProtocolVersion TLSv1.2_2021 (the default certificate allows TLS 1.0).",
			Types:       []string{tDistribution},
			Resource: func(c *Ctx, r *Resource) {
				def, ok1 := c.Bool(r, "viewerCertificate.cloudfrontDefaultCertificate", false)
				minv, ok2 := c.Str(r, "viewerCertificate.minimumProtocolVersion")
				if !ok1 || !ok2 {
					return
				}
				if def {
					c.Fail("CloudFront distribution %q uses the default certificate, which accepts TLS 1.0", r.Name)
					return
				}
				if !strings.HasPrefix(minv, "TLSv1.2") && !strings.HasPrefix(minv, "TLSv1.3") {
					c.Fail("CloudFront distribution %q allows TLS below 1.2 (minimumProtocolVersion %q)", r.Name, minv)
				}
			},
		},
		&Rule{
			ID: "ENC-018", Name: "cloudfront-origin-https", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "CloudFront connects to custom origins over HTTPS with TLS 1.2.",
			Remediation: "Set customOriginConfig.originProtocolPolicy: https-only and originSslProtocols: [\"TLSv1.2\"] on every custom origin.",
			Types:       []string{tDistribution},
			Resource: func(c *Ctx, r *Resource) {
				origins, ok := c.List(r, "origins")
				if !ok {
					return
				}
				for i, o := range origins {
					where := "origins[" + strconv.Itoa(i) + "]"
					cfg, present := lookup(o, "customOriginConfig")
					if !present || cfg == nil {
						continue // S3 origins are always reached over HTTPS
					}
					if p, ok := c.get(cfg, "originProtocolPolicy", where+".originProtocolPolicy"); ok {
						if s, _ := p.(string); s != "https-only" {
							c.Fail("CloudFront distribution %q %s reaches its origin without enforcing HTTPS (originProtocolPolicy %q)", r.Name, where, s)
						}
					}
					if p, ok := c.get(cfg, "originSslProtocols", where+".originSslProtocols"); ok {
						for _, proto := range Strings(p) {
							if proto != "TLSv1.2" && proto != "TLSv1.3" {
								c.Fail("CloudFront distribution %q %s allows %s to its origin", r.Name, where, proto)
							}
						}
					}
				}
			},
		},
	)
}

// bucketConfigs returns the per-bucket configuration resources of type t that target b (by the
// bucket's name or id, or by a recorded dependency on it).
func bucketConfigs(s *Stack, b *Resource, t string) []*Resource {
	idx := s.Memo("bucket-configs/"+t, func() any {
		m := map[*Resource][]*Resource{}
		for _, cfg := range s.OfType(t) {
			for _, target := range s.Refs(cfg, "bucket", bucketTypes...) {
				m[target] = appendUnique(m[target], cfg)
			}
		}
		return m
	}).(map[*Resource][]*Resource)
	return idx[b]
}

func checkS3Encryption(c *Ctx, s *Stack) {
	for _, b := range s.OfType(bucketTypes...) {
		kms, decided := false, false
		// inline configuration of the v1 Bucket resource
		if alg, ok := lookup(b.Props, "serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm"); ok {
			if IsUnknown(alg) {
				c.Unknown(b.Name + " sseAlgorithm")
				continue
			}
			if a, _ := alg.(string); strings.HasPrefix(a, "aws:kms") {
				kms, decided = true, true
			}
		}
		for _, cfg := range bucketConfigs(s, b, tBucketSSE) {
			rules, ok := cfg.Props["rules"].([]any)
			if HasUnknown(cfg.Props["rules"]) {
				c.Unknown(cfg.Name + " rules")
				decided = true
				continue
			}
			if !ok {
				continue
			}
			for _, rule := range rules {
				alg, _ := lookup(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
				a, _ := alg.(string)
				switch why := sseS3Exception(c, s, b, a); {
				case strings.HasPrefix(a, "aws:kms"):
					kms, decided = true, true
				case why == "":
					decided = true // a load balancer log bucket: SSE-S3 is all ELB delivers to
				default:
					c.FailOn(cfg.URN, "S3 bucket %q default encryption is %q, %s", b.Name, a, why)
					decided = true
				}
			}
		}
		if !kms && !decided {
			c.FailOn(b.URN, "S3 bucket %q has no SSE-KMS default encryption configuration", b.Name)
		}
	}
}

func checkS3PublicAccessBlock(c *Ctx, s *Stack) {
	flags := []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"}
	for _, b := range s.OfType(bucketTypes...) {
		pabs := bucketConfigs(s, b, tBucketPAB)
		if len(pabs) == 0 {
			c.FailOn(b.URN, "S3 bucket %q has no public access block", b.Name)
			continue
		}
		for _, p := range pabs {
			var off []string
			for _, f := range flags {
				v := p.Props[f]
				if IsUnknown(v) {
					c.Unknown(p.Name + "." + f)
					continue
				}
				if on, _ := v.(bool); !on {
					off = append(off, f)
				}
			}
			if len(off) > 0 {
				c.FailOn(p.URN, "S3 bucket %q public access block leaves %s off", b.Name, strings.Join(off, ", "))
			}
		}
	}
}

// searchDomainTypes are the OpenSearch domain types: the current one and the legacy
// aws:elasticsearch/domain, which manages the same service and takes the same arguments.
var searchDomainTypes = []string{tOpenSearch, tElasticsearch}

// searchDomainKind names a search domain's type for messages.
func searchDomainKind(r *Resource) string {
	if r.Type == tElasticsearch {
		return "Elasticsearch domain"
	}
	return "OpenSearch domain"
}
