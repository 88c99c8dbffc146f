package rules_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"globalstack/policies/check"
	"globalstack/policies/fixture"
	"globalstack/policies/rules"
)

// fixtureCase is one pass or fail fixture of one rule.
type fixtureCase struct {
	rule string // rule ID
	name string
	fail bool
	// exactly one of res / stack is set
	res   *rules.Resource
	stack func() *rules.Stack
	// want is a substring every violation message must contain (fail cases).
	want string
}

const (
	euProvider = "urn:pulumi:prod-eu::globalstack::pulumi:providers:aws::default_6_83_2"
)

func res(typ string, props map[string]any) *rules.Resource {
	return &rules.Resource{
		URN:      "urn:pulumi:prod-eu::globalstack::" + typ + "::subject",
		Type:     typ,
		Name:     "subject",
		Props:    rules.Props(props),
		Provider: &rules.ProviderRef{URN: euProvider, Type: "pulumi:providers:aws", Props: rules.Props{"region": "eu-west-1"}},
	}
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func policy(stmts ...map[string]any) string {
	l := make([]any, len(stmts))
	for i, s := range stmts {
		l[i] = s
	}
	return js(map[string]any{"Version": "2012-10-17", "Statement": l})
}

func allow(action any, resource any) map[string]any {
	return map[string]any{"Effect": "Allow", "Action": action, "Resource": resource}
}

// stackOf turns a fixture into the rules' stack view, with its jurisdiction resolved the way
// the checker does it.
func stackOf(s *fixture.Stack) *rules.Stack {
	v := check.ViewsOf(s.Name, s.Deployment())
	src := check.JurisdictionSources{}
	if root := v.Stack.RootStack(); root != nil {
		src.Output, _ = root.Props["jurisdiction"].(string)
	}
	check.ResolveJurisdiction(v.Stack, src)
	return v.Stack
}

func euCell() *fixture.Stack {
	return fixture.Cell("prod-eu", "eu", "eu-west-1", "eu-central-1", "10.20")
}

// euWith builds a minimal EU stack and lets f add resources to it.
func euWith(f func(s *fixture.Stack)) func() *rules.Stack {
	return func() *rules.Stack {
		s := fixture.New("prod-eu", "eu", "eu-west-1", "eu-central-1")
		f(s)
		return stackOf(s)
	}
}

func key(s *fixture.Stack) *fixture.Res { return s.Key("k") }

// unknown is how a state spells a value not known until apply.
const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// principal is a statement admitting one AWS principal.
func principal(arn string) map[string]any {
	return map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": arn}, "Action": "*", "Resource": "*"}
}

// logBucket adds a log bucket and its ownership controls.
func logBucket(s *fixture.Stack, ownership string) (*fixture.Res, *fixture.Res) {
	b := s.Add("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "cdn-logs"}, fixture.ID("cdn-logs"),
		fixture.Outputs(map[string]any{"bucketDomainName": "cdn-logs.s3.amazonaws.com"}))
	oc := s.Add("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "logs", map[string]any{"bucket": b.ID,
		"rule": map[string]any{"objectOwnership": ownership}}, fixture.DependsOn("bucket", b))
	return b, oc
}

// distributionLoggingTo adds a distribution logging to bucket b.
func distributionLoggingTo(s *fixture.Stack, b *fixture.Res, o ...fixture.Opt) {
	g := s.Provider("global", "us-east-1")
	s.Add("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{"loggingConfig": map[string]any{"bucket": "cdn-logs.s3.amazonaws.com"}},
		append(o, fixture.Via(g))...)
}

func cases() []fixtureCase { return append(securityCases(), deployabilityCases()...) }

func securityCases() []fixtureCase {
	const (
		cluster = "aws:rds/cluster:Cluster"
		cache   = "aws:elasticache/replicationGroup:ReplicationGroup"
		search  = "aws:opensearch/domain:Domain"
		cdn     = "aws:cloudfront/distribution:Distribution"
		kmsArn  = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	)
	goodCache := func(over map[string]any) map[string]any {
		m := map[string]any{"atRestEncryptionEnabled": true, "transitEncryptionEnabled": true, "transitEncryptionMode": "required",
			"authToken": "t0ken-0123456789abcdef"}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	goodSearch := func(over map[string]any) map[string]any {
		m := map[string]any{"encryptAtRest": map[string]any{"enabled": true}, "nodeToNodeEncryption": map[string]any{"enabled": true},
			"domainEndpointOptions": map[string]any{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
			"vpcOptions":            map[string]any{"subnetIds": []any{"subnet-0a1b2c3d4e5f60718"}}}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	goodCDN := func(over map[string]any) map[string]any {
		m := map[string]any{
			"defaultCacheBehavior":  map[string]any{"viewerProtocolPolicy": "redirect-to-https"},
			"orderedCacheBehaviors": []any{map[string]any{"viewerProtocolPolicy": "https-only"}},
			"viewerCertificate":     map[string]any{"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x", "minimumProtocolVersion": "TLSv1.2_2021"},
			"origins": []any{map[string]any{"originId": "alb", "customOriginConfig": map[string]any{"originProtocolPolicy": "https-only",
				"originSslProtocols": []any{"TLSv1.2"}}}, map[string]any{"originId": "s3", "s3OriginConfig": map[string]any{}}},
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	irsa := func(cond map[string]any) string {
		host := "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
		st := map[string]any{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
			"Principal": map[string]any{"Federated": "arn:aws:iam::123456789012:oidc-provider/" + host}}
		if cond != nil {
			st["Condition"] = cond
		}
		return policy(st)
	}
	host := "oidc.eks.eu-west-1.amazonaws.com/id/ABC"

	return []fixtureCase{
		// ENC-001
		{rule: "ENC-001", name: "encrypted with CMK", res: res(cluster, map[string]any{"storageEncrypted": true, "kmsKeyId": kmsArn})},
		{rule: "ENC-001", name: "unencrypted", fail: true, want: "storage", res: res(cluster, map[string]any{"storageEncrypted": false, "kmsKeyId": kmsArn})},
		{rule: "ENC-001", name: "no kms key", fail: true, want: "kmsKeyId", res: res(cluster, map[string]any{"storageEncrypted": true})},
		{rule: "ENC-001", name: "aws managed key", fail: true, want: "AWS-managed", res: res(cluster, map[string]any{"storageEncrypted": true, "kmsKeyId": "alias/aws/rds"})},
		{rule: "ENC-001", name: "unknown key during preview", res: res(cluster, map[string]any{"storageEncrypted": true, "kmsKeyId": rules.Unknown{}})},
		// ENC-002
		{rule: "ENC-002", name: "encrypted", res: res("aws:rds/globalCluster:GlobalCluster", map[string]any{"storageEncrypted": true})},
		{rule: "ENC-002", name: "from encrypted source", res: res("aws:rds/globalCluster:GlobalCluster", map[string]any{"sourceDbClusterIdentifier": "arn:aws:rds:eu-west-1:123456789012:cluster:x"})},
		{rule: "ENC-002", name: "unencrypted", fail: true, want: "storageEncrypted", res: res("aws:rds/globalCluster:GlobalCluster", map[string]any{"engine": "aurora-postgresql"})},
		// ENC-003
		{rule: "ENC-003", name: "PI with CMK", res: res("aws:rds/clusterInstance:ClusterInstance", map[string]any{"performanceInsightsEnabled": true, "performanceInsightsKmsKeyId": kmsArn})},
		{rule: "ENC-003", name: "PI off", res: res("aws:rds/clusterInstance:ClusterInstance", map[string]any{"performanceInsightsEnabled": false})},
		{rule: "ENC-003", name: "PI without CMK", fail: true, want: "Performance Insights", res: res("aws:rds/clusterInstance:ClusterInstance", map[string]any{"performanceInsightsEnabled": true})},
		// ENC-004..006
		{rule: "ENC-004", name: "at rest", res: res(cache, goodCache(nil))},
		{rule: "ENC-004", name: "no at rest", fail: true, want: "at rest", res: res(cache, goodCache(map[string]any{"atRestEncryptionEnabled": false}))},
		{rule: "ENC-005", name: "in transit", res: res(cache, goodCache(nil))},
		{rule: "ENC-005", name: "no transit", fail: true, want: "in transit", res: res(cache, goodCache(map[string]any{"transitEncryptionEnabled": false}))},
		{rule: "ENC-005", name: "preferred mode", fail: true, want: "preferred", res: res(cache, goodCache(map[string]any{"transitEncryptionMode": "preferred"}))},
		{rule: "ENC-006", name: "auth token", res: res(cache, goodCache(nil))},
		{rule: "ENC-006", name: "rbac", res: res(cache, goodCache(map[string]any{"authToken": nil, "userGroupIds": []any{"app-users"}}))},
		{rule: "ENC-006", name: "secret token", res: res(cache, goodCache(map[string]any{"authToken": "[secret]"}))},
		{rule: "ENC-006", name: "no auth", fail: true, want: "AUTH", res: res(cache, goodCache(map[string]any{"authToken": nil}))},
		// ENC-007..009
		{rule: "ENC-007", name: "at rest", res: res(search, goodSearch(nil))},
		{rule: "ENC-007", name: "no at rest", fail: true, want: "at rest", res: res(search, goodSearch(map[string]any{"encryptAtRest": map[string]any{"enabled": false}}))},
		{rule: "ENC-008", name: "node to node", res: res(search, goodSearch(nil))},
		{rule: "ENC-008", name: "no node to node", fail: true, want: "node-to-node", res: res(search, goodSearch(map[string]any{"nodeToNodeEncryption": nil}))},
		{rule: "ENC-009", name: "https tls12", res: res(search, goodSearch(nil))},
		{rule: "ENC-009", name: "pfs policy", res: res(search, goodSearch(map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}}))},
		{rule: "ENC-009", name: "http allowed", fail: true, want: "HTTPS", res: res(search, goodSearch(map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": false, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}}))},
		{rule: "ENC-009", name: "tls 1.0", fail: true, want: "TLS below 1.2", res: res(search, goodSearch(map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}}))},
		// ENC-010 / ENC-011 (stack rules)
		{rule: "ENC-010", name: "cell buckets", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "ENC-010", name: "bucket without SSE config", fail: true, want: "no SSE-KMS", stack: euWith(func(s *fixture.Stack) {
			b := s.Add("aws:s3/bucketV2:BucketV2", "raw", map[string]any{"bucket": "raw-eu-west-1"}, fixture.ID("raw-eu-west-1"))
			s.Add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "raw", map[string]any{"bucket": b.ID, "blockPublicAcls": true,
				"blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}, fixture.DependsOn("bucket", b))
		})},
		{rule: "ENC-010", name: "bucket with SSE-S3", fail: true, want: "AES256", stack: euWith(func(s *fixture.Stack) {
			b := s.Add("aws:s3/bucketV2:BucketV2", "raw", map[string]any{"bucket": "raw-eu-west-1"}, fixture.ID("raw-eu-west-1"))
			s.Add("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "raw",
				map[string]any{"bucket": b.ID, "rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}})
		})},
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, versioned and TLS-only", stack: euWith(func(s *fixture.Stack) { albLogBucket(s, true, true) })},
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, unversioned", fail: true, want: "only with versioning", stack: euWith(func(s *fixture.Stack) { albLogBucket(s, false, true) })},
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, plain HTTP allowed", fail: true, want: "aws:SecureTransport", stack: euWith(func(s *fixture.Stack) { albLogBucket(s, true, false) })},
		{rule: "ENC-011", name: "cell buckets", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "ENC-011", name: "no public access block", fail: true, want: "no public access block", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:s3/bucketV2:BucketV2", "raw", map[string]any{"bucket": "raw-eu-west-1"}, fixture.ID("raw-eu-west-1"))
		})},
		{rule: "ENC-011", name: "partial public access block", fail: true, want: "restrictPublicBuckets", stack: euWith(func(s *fixture.Stack) {
			b := s.Add("aws:s3/bucketV2:BucketV2", "raw", map[string]any{"bucket": "raw-eu-west-1"}, fixture.ID("raw-eu-west-1"))
			s.Add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "raw", map[string]any{"bucket": b.ID, "blockPublicAcls": true,
				"blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": false})
		})},
		// ENC-012
		{rule: "ENC-012", name: "secrets encrypted", res: res("aws:eks/cluster:Cluster", map[string]any{"encryptionConfig": map[string]any{"resources": []any{"secrets"}, "provider": map[string]any{"keyArn": kmsArn}}})},
		{rule: "ENC-012", name: "no encryption config", fail: true, want: "secrets", res: res("aws:eks/cluster:Cluster", map[string]any{"version": "1.31"})},
		// ENC-013
		{rule: "ENC-013", name: "rotating", res: res("aws:kms/key:Key", map[string]any{"enableKeyRotation": true})},
		{rule: "ENC-013", name: "asymmetric", res: res("aws:kms/key:Key", map[string]any{"customerMasterKeySpec": "RSA_2048"})},
		{rule: "ENC-013", name: "not rotating", fail: true, want: "rotate", res: res("aws:kms/key:Key", map[string]any{"enableKeyRotation": false})},
		// ENC-014 / ENC-015
		{rule: "ENC-014", name: "cmk", res: res("aws:cloudwatch/logGroup:LogGroup", map[string]any{"kmsKeyId": kmsArn})},
		{rule: "ENC-014", name: "no cmk", fail: true, want: "customer-managed", res: res("aws:cloudwatch/logGroup:LogGroup", map[string]any{"retentionInDays": 30.0})},
		{rule: "ENC-015", name: "cmk", res: res("aws:secretsmanager/secret:Secret", map[string]any{"kmsKeyId": kmsArn})},
		{rule: "ENC-015", name: "default key", fail: true, want: "customer-managed", res: res("aws:secretsmanager/secret:Secret", map[string]any{"name": "x"})},
		// ENC-016..018
		{rule: "ENC-016", name: "https viewers", res: res(cdn, goodCDN(nil))},
		{rule: "ENC-016", name: "allow-all default", fail: true, want: "plain HTTP", res: res(cdn, goodCDN(map[string]any{"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "allow-all"}}))},
		{rule: "ENC-016", name: "allow-all ordered", fail: true, want: "orderedCacheBehaviors[0]", res: res(cdn, goodCDN(map[string]any{"orderedCacheBehaviors": []any{map[string]any{"viewerProtocolPolicy": "allow-all"}}}))},
		{rule: "ENC-017", name: "tls12", res: res(cdn, goodCDN(nil))},
		{rule: "ENC-017", name: "default certificate", fail: true, want: "default certificate", res: res(cdn, goodCDN(map[string]any{"viewerCertificate": map[string]any{"cloudfrontDefaultCertificate": true}}))},
		{rule: "ENC-017", name: "tls1", fail: true, want: "TLSv1_2016", res: res(cdn, goodCDN(map[string]any{"viewerCertificate": map[string]any{"acmCertificateArn": "x", "minimumProtocolVersion": "TLSv1_2016"}}))},
		{rule: "ENC-018", name: "https origins", res: res(cdn, goodCDN(nil))},
		{rule: "ENC-018", name: "http origin", fail: true, want: "match-viewer", res: res(cdn, goodCDN(map[string]any{"origins": []any{map[string]any{"customOriginConfig": map[string]any{"originProtocolPolicy": "match-viewer", "originSslProtocols": []any{"TLSv1.2"}}}}}))},
		{rule: "ENC-018", name: "old tls to origin", fail: true, want: "TLSv1.1", res: res(cdn, goodCDN(map[string]any{"origins": []any{map[string]any{"customOriginConfig": map[string]any{"originProtocolPolicy": "https-only", "originSslProtocols": []any{"TLSv1.1", "TLSv1.2"}}}}}))},

		// LP-001..003
		{rule: "LP-001", name: "scoped actions", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow([]any{"s3:GetObject"}, "arn:aws:s3:::b/*"))})},
		{rule: "LP-001", name: "star action", fail: true, want: `"*"`, res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow("*", "arn:aws:s3:::b"))})},
		{rule: "LP-001", name: "service wildcard in role inline policy", fail: true, want: "s3:*", res: res("aws:iam/role:Role", map[string]any{"inlinePolicies": []any{map[string]any{"name": "p", "policy": policy(allow("s3:*", "arn:aws:s3:::b"))}}})},
		{rule: "LP-001", name: "not action", fail: true, want: "NotAction", res: res("aws:iam/rolePolicy:RolePolicy", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})})},
		{rule: "LP-001", name: "deny star is fine", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"})})},
		{rule: "LP-001", name: "invalid json", fail: true, want: "not valid JSON", res: res("aws:iam/policy:Policy", map[string]any{"policy": "{not json"})},
		{rule: "LP-001", name: "unknown document", res: res("aws:iam/policy:Policy", map[string]any{"policy": rules.Unknown{}})},
		{rule: "LP-002", name: "reads on star", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow([]any{"ec2:DescribeInstances", "eks:ListClusters"}, "*"))})},
		{rule: "LP-002", name: "conditioned write on star", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "Action": "autoscaling:SetDesiredCapacity", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"}}})})},
		{rule: "LP-002", name: "service-linked role for one service", res: res("aws:iam/rolePolicy:RolePolicy", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}})})},
		{rule: "LP-002", name: "write on star with a non-scoping condition", fail: true, want: "ec2:TerminateInstances", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}})})},
		{rule: "LP-002", name: "write on star", fail: true, want: "s3:PutObject", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow("s3:PutObject", "*"))})},
		{rule: "LP-002", name: "secret read on star", fail: true, want: "secretsmanager:GetSecretValue", res: res("aws:iam/rolePolicy:RolePolicy", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/app": "x"}}})})},
		{rule: "LP-002", name: "kms decrypt on star", fail: true, want: "kms:Decrypt", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow("kms:Decrypt", "*"))})},
		{rule: "LP-003", name: "passrole scoped", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"))})},
		{rule: "LP-003", name: "passrole star", fail: true, want: "pass any role", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow("iam:PassRole", "*"))})},
		{rule: "LP-003", name: "iam wildcard on star", fail: true, want: "iam:Pass*", res: res("aws:iam/policy:Policy", map[string]any{"policy": policy(allow([]any{"iam:Pass*"}, []any{"*"}))})},
		// LP-004
		{rule: "LP-004", name: "worker policy", res: res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", map[string]any{"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"})},
		{rule: "LP-004", name: "admin attachment", fail: true, want: "AdministratorAccess", res: res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})},
		{rule: "LP-004", name: "power user managed arn", fail: true, want: "PowerUserAccess", res: res("aws:iam/role:Role", map[string]any{"managedPolicyArns": []any{"arn:aws:iam::aws:policy/PowerUserAccess"}})},
		// LP-005
		{rule: "LP-005", name: "service principal", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "eks.amazonaws.com"}})})},
		{rule: "LP-005", name: "exact service account", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": irsa(map[string]any{"StringEquals": map[string]any{host + ":sub": "system:serviceaccount:shop:api", host + ":aud": "sts.amazonaws.com"}})})},
		{rule: "LP-005", name: "wildcard principal", fail: true, want: "any principal", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"AWS": "*"}})})},
		{rule: "LP-005", name: "irsa without condition", fail: true, want: "any service account", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": irsa(nil)})},
		{rule: "LP-005", name: "irsa pattern", fail: true, want: "pattern", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": irsa(map[string]any{"StringLike": map[string]any{host + ":sub": "system:serviceaccount:shop:*"}})})},
		{rule: "LP-005", name: "irsa namespace only", fail: true, want: "not one exact service account", res: res("aws:iam/role:Role", map[string]any{"assumeRolePolicy": irsa(map[string]any{"StringEquals": map[string]any{host + ":sub": "system:serviceaccount:shop"}})})},
		// LP-006
		{rule: "LP-006", name: "account root and scoped wildcard", res: res("aws:kms/key:Key", map[string]any{"policy": policy(
			map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
			map[string]any{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": "123456789012"}}})})},
		{rule: "LP-006", name: "wildcard principal", fail: true, want: "any principal", res: res("aws:kms/key:Key", map[string]any{"policy": policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:*", "Resource": "*"})})},
		// LP-007
		{rule: "LP-007", name: "cell: 443 on ALB only", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "LP-007", name: "ssh from world", fail: true, want: "tcp 22-22 to 0.0.0.0/0", stack: euWith(func(s *fixture.Stack) {
			sg := s.Add("aws:ec2/securityGroup:SecurityGroup", "bastion", map[string]any{"vpcId": "vpc-01"})
			s.Add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh", map[string]any{"securityGroupId": sg.ID,
				"cidrIpv4": "0.0.0.0/0", "fromPort": 22.0, "toPort": 22.0, "ipProtocol": "tcp"}, fixture.DependsOn("securityGroupId", sg))
		})},
		{rule: "LP-007", name: "443 on a non-LB group", fail: true, want: "not attached to a load balancer", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:ec2/securityGroup:SecurityGroup", "app", map[string]any{"ingress": []any{map[string]any{"fromPort": 443.0, "toPort": 443.0,
				"protocol": "tcp", "ipv6CidrBlocks": []any{"::/0"}}}})
		})},
		{rule: "LP-007", name: "all traffic rule", fail: true, want: "all traffic", stack: euWith(func(s *fixture.Stack) {
			sg := s.Add("aws:ec2/securityGroup:SecurityGroup", "lb", map[string]any{})
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"securityGroups": []any{sg.ID}})
			s.Add("aws:ec2/securityGroupRule:SecurityGroupRule", "all", map[string]any{"type": "ingress", "securityGroupId": sg.ID,
				"fromPort": 0.0, "toPort": 0.0, "protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}})
		})},
		// LP-012 / LP-013 / LP-014
		{rule: "LP-012", name: "cell: ALB with a regional web ACL", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "LP-012", name: "internal ALB without WAF", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application", "internal": true})
		})},
		{rule: "LP-012", name: "internet-facing ALB without WAF", fail: true, want: "no WAF web ACL association", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application", "internal": false})
		})},
		{rule: "LP-013", name: "cell: ALB drops invalid headers", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "LP-013", name: "ALB forwards invalid headers", fail: true, want: "dropInvalidHeaderFields is off", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application"})
		})},
		{rule: "LP-014", name: "cell: ALB logs to its region", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "LP-014", name: "ALB without access logs", fail: true, want: "writes no access logs", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application", "accessLogs": map[string]any{"bucket": "", "enabled": false}})
		})},
		{rule: "LP-014", name: "ALB logging to another region", fail: true, want: "only to a bucket in the load balancer's region", stack: euWith(func(s *fixture.Stack) {
			dr := s.Provider("dr", "eu-central-1")
			s.Add("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "logs-eu-central-1"}, fixture.ID("logs-eu-central-1"), fixture.Via(dr))
			s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application", "accessLogs": map[string]any{"bucket": "logs-eu-central-1", "enabled": true}})
		})},
		// ENC-019 / ENC-020
		{rule: "ENC-019", name: "TLS 1.3 policy", stack: albListeners("ELBSecurityPolicy-TLS13-1-2-2021-06", "redirect")},
		{rule: "ENC-019", name: "policy accepting TLS 1.0", fail: true, want: "older than 1.2", stack: albListeners("ELBSecurityPolicy-2016-08", "redirect")},
		{rule: "ENC-019", name: "no policy", fail: true, want: "no sslPolicy", stack: albListeners("", "redirect")},
		{rule: "ENC-020", name: "HTTP redirects to HTTPS", stack: albListeners("ELBSecurityPolicy-TLS13-1-2-2021-06", "redirect")},
		{rule: "ENC-020", name: "HTTP forwards beside HTTPS", fail: true, want: "does not redirect to HTTPS", stack: albListeners("ELBSecurityPolicy-TLS13-1-2-2021-06", "forward")},
		// LP-008
		{rule: "LP-008", name: "private instance", res: res("aws:rds/clusterInstance:ClusterInstance", map[string]any{"publiclyAccessible": false})},
		{rule: "LP-008", name: "vpc search domain", res: res(search, goodSearch(nil))},
		{rule: "LP-008", name: "public instance", fail: true, want: "publicly accessible", res: res("aws:rds/clusterInstance:ClusterInstance", map[string]any{"publiclyAccessible": true})},
		{rule: "LP-008", name: "public search domain", fail: true, want: "public endpoint", res: res(search, goodSearch(map[string]any{"vpcOptions": nil}))},
		// LP-009
		{rule: "LP-009", name: "cell: data subnets isolated", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "LP-009", name: "db in public subnets", fail: true, want: "internet gateway", stack: euWith(func(s *fixture.Stack) {
			n := s.AddNetwork("net", "10.9", "eu-west-1", "")
			g := s.Add("aws:rds/subnetGroup:SubnetGroup", "db", map[string]any{"name": "db", "subnetIds": n.PublicSubnetID}, fixture.DependsOn("subnetIds", n.Public...))
			s.Add("aws:rds/cluster:Cluster", "db", map[string]any{"dbSubnetGroupName": g.ID}, fixture.DependsOn("dbSubnetGroupName", g))
		})},
		{rule: "LP-009", name: "cache in default vpc", fail: true, want: "default VPC", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:elasticache/replicationGroup:ReplicationGroup", "cache", map[string]any{"description": "x"})
		})},
		{rule: "LP-009", name: "search in public subnets via ids only", fail: true, want: "internet gateway", stack: euWith(func(s *fixture.Stack) {
			n := s.AddNetwork("net", "10.9", "eu-west-1", "")
			s.Add(search, "search", goodSearch(map[string]any{"vpcOptions": map[string]any{"subnetIds": n.PublicSubnetID[:1]}}))
		})},
		// LP-010
		{rule: "LP-010", name: "private endpoint", res: res("aws:eks/cluster:Cluster", map[string]any{"vpcConfig": map[string]any{"endpointPublicAccess": false}})},
		{rule: "LP-010", name: "restricted public endpoint", res: res("aws:eks/cluster:Cluster", map[string]any{"vpcConfig": map[string]any{"publicAccessCidrs": []any{"203.0.113.0/24"}}})},
		{rule: "LP-010", name: "default public endpoint", fail: true, want: "0.0.0.0/0", res: res("aws:eks/cluster:Cluster", map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"subnet-1"}}})},
		{rule: "LP-010", name: "explicit world", fail: true, want: "0.0.0.0/0", res: res("aws:eks/cluster:Cluster", map[string]any{"vpcConfig": map[string]any{"endpointPublicAccess": true, "publicAccessCidrs": []any{"0.0.0.0/0"}}})},
		// LP-011
		{rule: "LP-011", name: "template requires tokens", res: res("aws:ec2/launchTemplate:LaunchTemplate", map[string]any{"metadataOptions": map[string]any{"httpTokens": "required"}})},
		{rule: "LP-011", name: "AL2023 node group", res: res("aws:eks/nodeGroup:NodeGroup", map[string]any{"amiType": "AL2023_ARM_64_STANDARD"})},
		{rule: "LP-011", name: "instance optional tokens", fail: true, want: "IMDSv2", res: res("aws:ec2/instance:Instance", map[string]any{"metadataOptions": map[string]any{"httpTokens": "optional"}})},
		{rule: "LP-011", name: "template without options", fail: true, want: "unset", res: res("aws:ec2/launchTemplate:LaunchTemplate", map[string]any{"imageId": "ami-1"})},
		{rule: "LP-011", name: "AL2 node group without template", fail: true, want: "AL2_x86_64", res: res("aws:eks/nodeGroup:NodeGroup", map[string]any{"amiType": "AL2_x86_64"})},

		// DEP-001
		{rule: "DEP-001", name: "cell", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "DEP-001", name: "key policy takes the role's ARN output", stack: euWith(func(s *fixture.Stack) {
			role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"})
			s.Add("aws:kms/key:Key", "k", map[string]any{"policy": policy(principal(role.ARN))}, fixture.DependsOn("policy", role))
		})},
		{rule: "DEP-001", name: "key policy names a role it does not wait for", fail: true, want: `input policy (Statement[0].Principal.AWS) names "app"`,
			stack: euWith(func(s *fixture.Stack) {
				role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"})
				s.Add("aws:kms/key:Key", "k", map[string]any{"policy": policy(principal(role.ARN))}, fixture.Literal("policy"))
			})},
		{rule: "DEP-001", name: "access policy spells the ARN of a role not created yet", fail: true, want: "OpenSearch resolves the principals",
			stack: euWith(func(s *fixture.Stack) {
				s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"}, fixture.Outputs(map[string]any{"arn": unknown}))
				s.Add("aws:opensearch/domain:Domain", "search", map[string]any{"domainName": "search",
					"accessPolicies": policy(principal("arn:aws:iam::123456789012:role/app"))})
			})},
		{rule: "DEP-001", name: "grant to a role it does not wait for", fail: true, want: "input granteePrincipal", stack: euWith(func(s *fixture.Stack) {
			k := key(s)
			role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"})
			s.Add("aws:kms/grant:Grant", "g", map[string]any{"keyId": k.ID, "granteePrincipal": role.ARN, "operations": []any{"Decrypt"}},
				fixture.Literal("granteePrincipal"))
		})},
		{rule: "DEP-001", name: "distribution waits for the log bucket's ACLs", stack: euWith(func(s *fixture.Stack) {
			b, oc := logBucket(s, "BucketOwnerPreferred")
			distributionLoggingTo(s, b, fixture.DependsOn("loggingConfig", b), fixture.DependsOn("loggingConfig", oc))
		})},
		{rule: "DEP-001", name: "distribution before the log bucket's ownership controls", fail: true, want: "without depending on its ownership controls",
			stack: euWith(func(s *fixture.Stack) {
				b, _ := logBucket(s, "BucketOwnerPreferred")
				distributionLoggingTo(s, b, fixture.DependsOn("loggingConfig", b))
			})},
		{rule: "DEP-001", name: "log bucket with ACLs disabled", fail: true, want: "BucketOwnerEnforced", stack: euWith(func(s *fixture.Stack) {
			b, oc := logBucket(s, "BucketOwnerEnforced")
			distributionLoggingTo(s, b, fixture.DependsOn("loggingConfig", b), fixture.DependsOn("loggingConfig", oc))
		})},
		// DEP-002
		{rule: "DEP-002", name: "cell", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "DEP-002", name: "alias takes the key's id output", stack: euWith(func(s *fixture.Stack) {
			k := key(s)
			s.Add("aws:kms/alias:Alias", "a", map[string]any{"name": "alias/a", "targetKeyId": k.ID}, fixture.DependsOn("targetKeyId", k))
		})},
		{rule: "DEP-002", name: "alias copies the key's id", fail: true, want: `input targetKeyId names "k"`, stack: euWith(func(s *fixture.Stack) {
			k := key(s)
			s.Add("aws:kms/alias:Alias", "a", map[string]any{"name": "alias/a", "targetKeyId": k.ID}, fixture.Literal("targetKeyId"))
		})},
		{rule: "DEP-002", name: "bucket ARN inside a policy document", fail: true, want: `input policy (Statement[0].Resource[0]) names "assets"`,
			stack: euWith(func(s *fixture.Stack) {
				b := s.Add("aws:s3/bucketV2:BucketV2", "assets", map[string]any{"bucket": "assets"}, fixture.ID("assets"))
				role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"})
				s.Add("aws:iam/rolePolicy:RolePolicy", "app", map[string]any{"role": "app",
					"policy": policy(allow("s3:GetObject", []any{b.ARN + "/*"}))}, fixture.DependsOn("role", role), fixture.Literal("policy"))
			})},
		{rule: "DEP-002", name: "AWS-managed policy and another stack's ARN", stack: euWith(func(s *fixture.Stack) {
			role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"})
			s.Add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ro", map[string]any{"role": "app",
				"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, fixture.DependsOn("role", role))
			s.Add("aws:iam/rolePolicy:RolePolicy", "app", map[string]any{"role": "app",
				"policy": policy(allow("kms:Decrypt", "arn:aws:kms:eu-central-1:123456789012:key/from-the-cell"))}, fixture.DependsOn("role", role))
		})},
		{rule: "DEP-002", name: "output naming what was created from the resource", stack: euWith(func(s *fixture.Stack) {
			vpc := s.Add("aws:ec2/vpc:Vpc", "main", map[string]any{"cidrBlock": "10.0.0.0/16"},
				fixture.Outputs(map[string]any{"defaultSecurityGroupId": "sg-0default"}))
			s.Add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", map[string]any{"vpcId": vpc.ID},
				fixture.ID("sg-0default"), fixture.DependsOn("vpcId", vpc))
		})},
		{rule: "DEP-002", name: "role reports a policy attached to it", stack: euWith(func(s *fixture.Stack) {
			pol := s.Add("aws:iam/policy:Policy", "reader", map[string]any{"name": "reader", "policy": policy(allow("s3:GetObject", "*"))})
			role := s.Add("aws:iam/role:Role", "app", map[string]any{"name": "app"},
				fixture.Outputs(map[string]any{"managedPolicyArns": []any{pol.ARN}}))
			s.Add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "app", map[string]any{"role": "app", "policyArn": pol.ARN},
				fixture.DependsOn("role", role), fixture.DependsOn("policyArn", pol))
		})},
		{rule: "DEP-002", name: "child of the resource it names", stack: euWith(func(s *fixture.Stack) {
			k := key(s)
			s.Add("aws:kms/alias:Alias", "a", map[string]any{"name": "alias/a", "targetKeyId": k.ID}, fixture.Parent(k.URN))
		})},
		// RES-001
		{rule: "RES-001", name: "cell declares eu", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-001", name: "no jurisdiction", fail: true, want: "declares no jurisdiction", stack: func() *rules.Stack {
			return stackOf(fixture.New("prod-xx", "", "eu-west-1", "eu-central-1"))
		}},
		{rule: "RES-001", name: "invalid jurisdiction", fail: true, want: "unknown jurisdiction", stack: func() *rules.Stack {
			return stackOf(fixture.New("prod-xx", "uk", "eu-west-2", "eu-west-1"))
		}},
		// RES-002
		{rule: "RES-002", name: "cell incl. us-east-1 global services", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-002", name: "log group in us-east-1", fail: true, want: "outside jurisdiction", stack: euWith(func(s *fixture.Stack) {
			g := s.Provider("global", "us-east-1")
			s.Add("aws:cloudwatch/logGroup:LogGroup", "waf", map[string]any{"kmsKeyId": "k"}, fixture.Via(g))
		})},
		{rule: "RES-002", name: "own region argument", fail: true, want: "ap-northeast-1", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:s3/bucketV2:BucketV2", "b", map[string]any{"region": "ap-northeast-1"})
		})},
		{rule: "RES-002", name: "regional WAF in us-east-1", fail: true, want: "wafv2", stack: euWith(func(s *fixture.Stack) {
			g := s.Provider("global", "us-east-1")
			s.Add("aws:wafv2/webAcl:WebAcl", "alb", map[string]any{"scope": "REGIONAL"}, fixture.Via(g))
		})},
		// RES-003
		{rule: "RES-003", name: "cell logs in eu", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-003", name: "cloudfront logs to us bucket", fail: true, want: "us-east-1", stack: euWith(func(s *fixture.Stack) {
			g := s.Provider("global", "us-east-1")
			s.Add("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{"loggingConfig": map[string]any{"bucket": "cdn-logs-us-east-1.s3.amazonaws.com"}}, fixture.Via(g))
		})},
		{rule: "RES-003", name: "waf logs to us-east-1 log group", fail: true, want: "outside jurisdiction", stack: euWith(func(s *fixture.Stack) {
			g := s.Provider("global", "us-east-1")
			s.Add("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "waf", map[string]any{
				"resourceArn":           "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1",
				"logDestinationConfigs": []any{"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-x"}}, fixture.Via(g))
		})},
		{rule: "RES-003", name: "log bucket of unknown region", fail: true, want: "cannot be established", stack: euWith(func(s *fixture.Stack) {
			g := s.Provider("global", "us-east-1")
			s.Add("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{"loggingConfig": map[string]any{"bucket": "somewhere.s3.amazonaws.com"}}, fixture.Via(g))
		})},
		// RES-004
		{rule: "RES-004", name: "cell primary in eu", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-004", name: "secondary in us-west-2", fail: true, want: "us-west-2", stack: euWith(func(s *fixture.Stack) {
			us := s.Provider("us", "us-west-2")
			s.Add("aws:rds/cluster:Cluster", "secondary", map[string]any{"globalClusterIdentifier": "prod-eu-global"}, fixture.Via(us))
		})},
		{rule: "RES-004", name: "global cluster from us source", fail: true, want: "source cluster", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:rds/globalCluster:GlobalCluster", "g", map[string]any{"sourceDbClusterIdentifier": "arn:aws:rds:us-east-1:123456789012:cluster:old"})
		})},
		// RES-005
		{rule: "RES-005", name: "cell replicates to eu-central-1", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-005", name: "replicates to us bucket in stack", fail: true, want: "us-east-1", stack: euWith(func(s *fixture.Stack) {
			us := s.Provider("us", "us-east-1")
			dst := s.Add("aws:s3/bucketV2:BucketV2", "replica", map[string]any{"bucket": "replica-bucket"}, fixture.Via(us), fixture.ID("replica-bucket"))
			s.Add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", map[string]any{"bucket": "src",
				"rules": []any{map[string]any{"destination": map[string]any{"bucket": dst.ARN}}}})
		})},
		{rule: "RES-005", name: "replicates to unlocatable bucket", fail: true, want: "cannot be established", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", map[string]any{"bucket": "src",
				"rules": []any{map[string]any{"destination": map[string]any{"bucket": "arn:aws:s3:::mystery"}}}})
		})},
		// RES-006
		{rule: "RES-006", name: "members in eu", stack: euWith(func(s *fixture.Stack) {
			dr := s.Provider("dr", "eu-central-1")
			s.Add("aws:elasticache/replicationGroup:ReplicationGroup", "secondary", map[string]any{"globalReplicationGroupId": "ldgnf-sessions"}, fixture.Via(dr))
		})},
		{rule: "RES-006", name: "member in us", fail: true, want: "us-east-2", stack: euWith(func(s *fixture.Stack) {
			us := s.Provider("us", "us-east-2")
			s.Add("aws:elasticache/replicationGroup:ReplicationGroup", "secondary", map[string]any{"globalReplicationGroupId": "ldgnf-sessions"}, fixture.Via(us))
		})},
		// RES-007
		{rule: "RES-007", name: "cell replica key in eu-central-1", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "RES-007", name: "replica key in jp", fail: true, want: "ap-northeast-1", stack: euWith(func(s *fixture.Stack) {
			jp := s.Provider("jp", "ap-northeast-1")
			k := key(s)
			s.Add("aws:kms/replicaKey:ReplicaKey", "jp", map[string]any{"primaryKeyArn": k.ARN}, fixture.Via(jp))
		})},
		// RES-008
		{rule: "RES-008", name: "copy to eu vault", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:backup/plan:Plan", "p", map[string]any{"rules": []any{map[string]any{"copyActions": []any{map[string]any{
				"destinationVaultArn": "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr"}}}}})
		})},
		{rule: "RES-008", name: "copy to us vault", fail: true, want: "us-west-2", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:backup/plan:Plan", "p", map[string]any{"rules": []any{map[string]any{"copyActions": []any{map[string]any{
				"destinationVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"}}}}})
		})},
		// RES-009
		{rule: "RES-009", name: "eu replicas", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:secretsmanager/secret:Secret", "s", map[string]any{"replicas": []any{map[string]any{"region": "eu-central-1"}}})
		})},
		{rule: "RES-009", name: "dynamodb replica in us", fail: true, want: "us-east-1", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:dynamodb/table:Table", "t", map[string]any{"replicas": []any{map[string]any{"regionName": "us-east-1"}}})
		})},
		// AUD-001
		{rule: "AUD-001", name: "cell with its baseline", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "AUD-001", name: "no trail", fail: true, want: "has no CloudTrail trail", stack: euWith(func(s *fixture.Stack) {})},
		{rule: "AUD-001", name: "trail without log file validation", fail: true, want: "enableLogFileValidation off", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:cloudtrail/trail:Trail", "t", map[string]any{"s3BucketName": "audit-eu-west-1", "kmsKeyId": key(s).ARN, "enableLogFileValidation": false})
		})},
		// AUD-002
		{rule: "AUD-002", name: "region owner with detector and recorder", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "AUD-002", name: "baseline not owning its region", stack: euWith(func(s *fixture.Stack) {
			s.SetRootOutput("baselineOwnsRegion", false)
		})},
		{rule: "AUD-002", name: "region owner without a detector", fail: true, want: "lacks an enabled GuardDuty detector", stack: euWith(func(s *fixture.Stack) {
			s.SetRootOutput("baselineOwnsRegion", true)
			s.Add("aws:cfg/recorder:Recorder", "r", map[string]any{"name": "r"}, fixture.ID("r"))
			s.Add("aws:cfg/recorderStatus:RecorderStatus", "r", map[string]any{"name": "r", "isEnabled": true})
			s.Add("aws:cfg/deliveryChannel:DeliveryChannel", "r", map[string]any{"name": "r", "s3BucketName": "audit-eu-west-1"})
		})},
		{rule: "AUD-002", name: "region owner with a stopped recorder", fail: true, want: "lacks an enabled AWS Config recorder", stack: euWith(func(s *fixture.Stack) {
			s.SetRootOutput("baselineOwnsRegion", true)
			s.Add("aws:guardduty/detector:Detector", "d", map[string]any{"enable": true})
			s.Add("aws:cfg/recorder:Recorder", "r", map[string]any{"name": "r"}, fixture.ID("r"))
			s.Add("aws:cfg/recorderStatus:RecorderStatus", "r", map[string]any{"name": "r", "isEnabled": false})
			s.Add("aws:cfg/deliveryChannel:DeliveryChannel", "r", map[string]any{"name": "r", "s3BucketName": "audit-eu-west-1"})
		})},
		// AUD-003
		{rule: "AUD-003", name: "trail and Config into the cell's archive", stack: func() *rules.Stack { return stackOf(euCell()) }},
		{rule: "AUD-003", name: "trail into a us-east-1 bucket", fail: true, want: "us-east-1", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:cloudtrail/trail:Trail", "t", map[string]any{"s3BucketName": "audit-archive-us-east-1", "enableLogFileValidation": true})
		})},
		{rule: "AUD-003", name: "multi-Region trail", fail: true, want: "multi-Region", stack: euWith(func(s *fixture.Stack) {
			b := s.Bucket("audit-archive-eu-west-1", key(s))
			s.Add("aws:cloudtrail/trail:Trail", "t", map[string]any{"s3BucketName": b.ID, "enableLogFileValidation": true, "isMultiRegionTrail": true})
		})},
		{rule: "AUD-003", name: "Security Hub aggregating regions", fail: true, want: "copies findings across regions", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:securityhub/findingAggregator:FindingAggregator", "agg", map[string]any{"linkingMode": "ALL_REGIONS"})
		})},
		// DNS-001
		{rule: "DNS-001", name: "one owner per record set", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:route53/record:Record", "a", map[string]any{"zoneId": "Z1", "name": "api.example.eu", "type": "CNAME", "setIdentifier": "primary"})
			s.Add("aws:route53/record:Record", "b", map[string]any{"zoneId": "Z1", "name": "api.example.eu", "type": "CNAME", "setIdentifier": "secondary"})
		})},
		{rule: "DNS-001", name: "record set managed twice", fail: true, want: "also managed by a", stack: euWith(func(s *fixture.Stack) {
			s.Add("aws:route53/record:Record", "a", map[string]any{"zoneId": "Z1", "name": "_x.api.example.eu.", "type": "CNAME"})
			s.Add("aws:route53/record:Record", "b", map[string]any{"zoneId": "Z1", "name": "_X.api.example.eu", "type": "CNAME"})
		})},
		{rule: "DNS-001", name: "record set managed by a sibling stack", fail: true, want: "also managed by stack prod-eu-dr", stack: func() *rules.Stack {
			s := euWith(func(s *fixture.Stack) {
				s.Add("aws:route53/record:Record", "a", map[string]any{"zoneId": "Z1", "name": "_x.api.example.eu", "type": "CNAME"})
			})()
			s.RecordOwners = map[string][]string{"z1|_x.api.example.eu|cname|": {"prod-eu", "prod-eu-dr"}}
			return s
		}},
		// NET-001..003 (more in netflow_test.go and tests/policy/flows_test.go)
		{rule: "NET-001", name: "app reaches postgres", stack: func() *rules.Stack { return tinyNet([]any{flow("required", 5432.0, nil)}) }},
		{rule: "NET-001", name: "app cannot reach redis port", fail: true, want: "ingress: no rule admits", stack: func() *rules.Stack {
			return tinyNet([]any{flow("required", 6379.0, nil)})
		}},
		{rule: "NET-002", name: "only the data port", stack: func() *rules.Stack {
			return tinyNet([]any{flow("forbidden", nil, map[string]any{"ports": "0-65535", "except": []any{5432.0}})})
		}},
		{rule: "NET-002", name: "data port forbidden", fail: true, want: "open on tcp/5432", stack: func() *rules.Stack {
			return tinyNet([]any{flow("forbidden", 5432.0, nil)})
		}},
		{rule: "NET-003", name: "declared and resolved", stack: func() *rules.Stack { return tinyNet([]any{flow("required", 5432.0, nil)}) }},
		{rule: "NET-003", name: "declarations lost", fail: true, want: "the stack carries none", stack: func() *rules.Stack {
			return tinyNet(nil, &rules.Resource{URN: "urn:db", Type: "globalstack:database:Database", Name: "database", Props: map[string]any{}})
		}},
	}
}

func run(t *testing.T, rule *rules.Rule, c fixtureCase) rules.Outcome {
	t.Helper()
	switch {
	case c.res != nil && !rule.IsStack():
		if !rule.AppliesTo(c.res.Type) {
			t.Fatalf("rule %s does not apply to fixture type %s", rule.ID, c.res.Type)
		}
		return rule.CheckResource(c.res)
	case c.stack != nil && rule.IsStack():
		return rule.CheckStack(c.stack())
	}
	t.Fatalf("fixture kind does not match rule %s (stack rule: %v)", rule.ID, rule.IsStack())
	return rules.Outcome{}
}

func TestRuleFixtures(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			rule := rules.Lookup(c.rule)
			if rule == nil {
				t.Fatalf("unknown rule %s", c.rule)
			}
			o := run(t, rule, c)
			if !c.fail {
				for _, v := range o.Violations {
					t.Errorf("unexpected violation on %s: %s", v.URN, v.Message)
				}
				return
			}
			if len(o.Violations) == 0 {
				t.Fatalf("expected a violation of %s, got none (not applicable: %q)", c.rule, o.NotApplicable)
			}
			for _, v := range o.Violations {
				if v.Rule != rule {
					t.Errorf("violation attributed to %s, want %s", v.Rule.ID, rule.ID)
				}
				if !strings.Contains(v.Message, c.want) {
					t.Errorf("violation %q does not mention %q", v.Message, c.want)
				}
			}
		})
	}
}

// TestEveryRuleHasPassAndFailFixtures fails when a rule is added without fixtures proving it
// can both pass and fail.
func TestEveryRuleHasPassAndFailFixtures(t *testing.T) {
	pass, fail := map[string]int{}, map[string]int{}
	for _, c := range cases() {
		if c.fail {
			fail[c.rule]++
		} else {
			pass[c.rule]++
		}
	}
	for _, r := range rules.All() {
		if pass[r.ID] == 0 {
			t.Errorf("rule %s (%s) has no passing fixture", r.ID, r.Name)
		}
		if fail[r.ID] == 0 {
			t.Errorf("rule %s (%s) has no failing fixture", r.ID, r.Name)
		}
	}
}

// TestRuleMetadata checks what reviewers and the engine rely on.
func TestRuleMetadata(t *testing.T) {
	ids, names := map[string]bool{}, map[string]bool{}
	packs := map[rules.Pack]int{}
	for _, r := range rules.All() {
		if ids[r.ID] || names[r.Name] {
			t.Errorf("duplicate rule ID or name: %s %s", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		packs[r.Pack]++
		if r.Description == "" || r.Remediation == "" || r.Severity == "" {
			t.Errorf("rule %s lacks description, remediation or severity", r.ID)
		}
		if _, err := rules.ParseLevel(string(r.Level)); err != nil {
			t.Errorf("rule %s: %v", r.ID, err)
		}
		if (r.Resource == nil) == (r.Stack == nil) {
			t.Errorf("rule %s must be exactly one of a resource rule or a stack rule", r.ID)
		}
		if r.Resource != nil && len(r.Types) == 0 {
			t.Errorf("resource rule %s lists no resource types", r.ID)
		}
		if strings.Contains(r.Description, "\n") {
			t.Errorf("rule %s description is not one line", r.ID)
		}
	}
	for _, p := range rules.Packs {
		if packs[p] == 0 {
			t.Errorf("pack %s has no rules", p)
		}
	}
}

func TestUnknownValuesAreNotApplicable(t *testing.T) {
	r := res("aws:rds/cluster:Cluster", map[string]any{"storageEncrypted": true, "kmsKeyId": rules.Unknown{}})
	o := rules.Lookup("ENC-001").CheckResource(r)
	if len(o.Violations) != 0 || !strings.Contains(o.NotApplicable, "kmsKeyId") {
		t.Fatalf("unknown kmsKeyId: violations %v, not applicable %q", o.Violations, o.NotApplicable)
	}
	// a known violation is still reported next to an unknown value
	r = res("aws:rds/cluster:Cluster", map[string]any{"storageEncrypted": false, "kmsKeyId": rules.Unknown{}})
	if o := rules.Lookup("ENC-001").CheckResource(r); len(o.Violations) != 1 {
		t.Fatalf("storageEncrypted=false with unknown key: got %d violations, want 1", len(o.Violations))
	}
}

func TestParsePolicyErrorsNameTheProblem(t *testing.T) {
	_, err := rules.ParsePolicy(`{"Statement": 3}`)
	if err == nil || !strings.Contains(err.Error(), "Statement") {
		t.Fatalf("got %v", err)
	}
	_, err = rules.ParsePolicy(`{"Statement": ["x"]}`)
	if err == nil || !strings.Contains(err.Error(), "statement 0") {
		t.Fatalf("got %v", err)
	}
}

// TestReadmeRuleTable keeps the reviewer documentation in step with the rules.
func TestReadmeRuleTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, r := range rules.All() {
		row := "| " + r.ID + " | `" + r.Name + "` | " + string(r.Pack) + " | " + string(r.Severity) + " | " + string(r.Level) + " |"
		if !strings.Contains(doc, row) {
			t.Errorf("policies/README.md has no row %q", row)
		}
	}
}

// albLogBucket adds an SSE-S3 bucket an Application Load Balancer writes its access logs to,
// with or without versioning and a policy refusing plain HTTP.
func albLogBucket(s *fixture.Stack, versioned, tlsOnly bool) {
	b := s.Add("aws:s3/bucketV2:BucketV2", "alb-logs", map[string]any{"bucket": "alb-logs-eu-west-1"}, fixture.ID("alb-logs-eu-west-1"))
	s.Add("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "alb-logs",
		map[string]any{"bucket": b.ID, "rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}}}})
	if versioned {
		s.Add("aws:s3/bucketVersioningV2:BucketVersioningV2", "alb-logs", map[string]any{"bucket": b.ID, "versioningConfiguration": map[string]any{"status": "Enabled"}})
	}
	if tlsOnly {
		s.Add("aws:s3/bucketPolicy:BucketPolicy", "alb-logs", map[string]any{"bucket": b.ID, "policy": policy(map[string]any{
			"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []any{b.ARN, b.ARN + "/*"},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}})})
	}
	s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application",
		"accessLogs": map[string]any{"bucket": b.ID, "enabled": true}}, fixture.DependsOn("accessLogs", b))
}

// albListeners builds a load balancer with an HTTPS listener using sslPolicy and an HTTP
// listener whose default action is httpAction ("redirect" to HTTPS, or "forward").
func albListeners(sslPolicy, httpAction string) func() *rules.Stack {
	return euWith(func(s *fixture.Stack) {
		lb := s.Add("aws:lb/loadBalancer:LoadBalancer", "lb", map[string]any{"loadBalancerType": "application"})
		tg := s.Add("aws:lb/targetGroup:TargetGroup", "tg", map[string]any{"targetType": "ip", "port": 8080.0, "protocol": "HTTP"})
		https := map[string]any{"loadBalancerArn": lb.ARN, "port": 443.0, "protocol": "HTTPS",
			"defaultActions": []any{map[string]any{"type": "forward", "targetGroupArn": tg.ARN}}}
		if sslPolicy != "" {
			https["sslPolicy"] = sslPolicy
		}
		s.Add("aws:lb/listener:Listener", "https", https)
		action := map[string]any{"type": "forward", "targetGroupArn": tg.ARN}
		if httpAction == "redirect" {
			action = map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
		}
		s.Add("aws:lb/listener:Listener", "http", map[string]any{"loadBalancerArn": lb.ARN, "port": 80.0, "protocol": "HTTP",
			"defaultActions": []any{action}})
	})
}
