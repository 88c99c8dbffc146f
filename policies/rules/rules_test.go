package rules_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"globalstack/policies/plantest"
	"globalstack/policies/rules"
)

// fixtureCase is one pass or fail fixture of one rule: a real planned stack (prod-eu unless
// stack says otherwise) with the edit applied, judged by the rule alone.
type fixtureCase struct {
	rule  string // rule ID
	name  string
	fail  bool
	stack string // the planned stack edited; prod-eu when empty
	// on is the resource the case is about: a resource rule must apply to its type, and
	// every violation of a failing case must be reported on it.
	on   subject
	edit func(p *plantest.Plan)
	now  time.Time // when the plan is judged; plantest.JudgeDay when zero
	// view adjusts the stack view (what stacks checked together would add).
	view func(s *rules.Stack)
	// want is a substring every violation message must contain (fail cases).
	want string
}

// subject names a resource of the plan by type and name.
type subject struct{ typ, name string }

// Resource types and the planned resources the cases edit.
const (
	tCluster        = "aws:rds/cluster:Cluster"
	tGlobal         = "aws:rds/globalCluster:GlobalCluster"
	tInstance       = "aws:rds/clusterInstance:ClusterInstance"
	tCache          = "aws:elasticache/replicationGroup:ReplicationGroup"
	tSearch         = "aws:opensearch/domain:Domain"
	tCDN            = "aws:cloudfront/distribution:Distribution"
	tEKS            = "aws:eks/cluster:Cluster"
	tKey            = "aws:kms/key:Key"
	tAlias          = "aws:kms/alias:Alias"
	tLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
	tSecret         = "aws:secretsmanager/secret:Secret"
	tRole           = "aws:iam/role:Role"
	tRolePol        = "aws:iam/rolePolicy:RolePolicy"
	tPolicy         = "aws:iam/policy:Policy"
	tAttach         = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tSG             = "aws:ec2/securityGroup:SecurityGroup"
	tSubnet         = "aws:ec2/subnet:Subnet"
	tBucket         = "aws:s3/bucketV2:BucketV2"
	tSSE            = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tPAB            = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwner          = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tRecord         = "aws:route53/record:Record"
	tRelease        = "kubernetes:helm.sh/v3:Release"
	tAddon          = "aws:eks/addon:Addon"
	tEKSAccessEntry = "aws:eks/accessEntry:AccessEntry"
	tLegacy         = "aws:elasticsearch/domain:Domain"

	tVersioning    = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tBucketPol     = "aws:s3/bucketPolicy:BucketPolicy"
	tLB            = "aws:lb/loadBalancer:LoadBalancer"
	tListener      = "aws:lb/listener:Listener"
	tTargetGroup   = "aws:lb/targetGroup:TargetGroup"
	tWAFAssoc      = "aws:wafv2/webAclAssociation:WebAclAssociation"
	tTrail         = "aws:cloudtrail/trail:Trail"
	tRecorder      = "aws:cfg/recorder:Recorder"
	tRecorderState = "aws:cfg/recorderStatus:RecorderStatus"
	tDelivery      = "aws:cfg/deliveryChannel:DeliveryChannel"
	tBinding       = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"

	// albLogs names the resources of the origin's access log bucket.
	albLogs = "origin-access-logs"
)

var (
	db        = subject{tCluster, "database"}
	global    = subject{tGlobal, "database"}
	instance  = subject{tInstance, "database-1"}
	cache     = subject{tCache, "cache"}
	search    = subject{tSearch, "search"}
	legacy    = subject{tLegacy, "search-legacy"}
	cdn       = subject{tCDN, "edge"}
	eks       = subject{tEKS, "cluster"}
	dataKey   = subject{tKey, "keys-data"}
	appRole   = subject{tRole, "storefront"}
	appPolicy = subject{tRolePol, "storefront"}

	alb            = subject{tLB, "origin"}
	httpsListener  = subject{tListener, "origin-https"}
	httpListener   = subject{tListener, "origin-http"}
	albLogsSSE     = subject{tSSE, albLogs}
	binding        = subject{tBinding, "storefront"}
	trail          = subject{tTrail, "baseline"}
	detector       = subject{"aws:guardduty/detector:Detector", "baseline"}
	recorderStatus = subject{tRecorderState, "baseline"}
	rootStack      = subject{"pulumi:pulumi:Stack", "globalstack-prod-eu"}
)

// removeWAF removes the association of the origin's load balancer with its regional web ACL.
func removeWAF(p *plantest.Plan) { p.Remove(tWAFAssoc, "origin") }

// ownsRegion sets the stack's claim that its baseline owns its region (checking first that
// the plan makes the claim the cases expect of prod-eu).
func ownsRegion(owns bool) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		if p.Root().Outputs["baselineOwnsRegion"] != true {
			p.T().Fatalf("the planned %s does not claim its region (output baselineOwnsRegion)", p.Stack)
		}
		p.Root().Outputs["baselineOwnsRegion"] = owns
	}
}

// withoutDenyStatements drops the Deny statements of a bucket policy.
func withoutDenyStatements(s subject) func(p *plantest.Plan) {
	return withoutStatement(s, func(st map[string]any) bool { return st["Effect"] == "Deny" })
}

// withoutStatement drops the statements of a resource's policy that drop selects, failing
// when none matches.
func withoutStatement(s subject, drop func(st map[string]any) bool) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		r := p.Find(s.typ, s.name)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Inputs["policy"].(string)), &doc); err != nil {
			p.T().Fatal(err)
		}
		var kept []any
		for _, st := range doc["Statement"].([]any) {
			if !drop(st.(map[string]any)) {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(doc["Statement"].([]any)) {
			p.T().Fatalf("%s %s has no statement to drop", s.typ, s.name)
		}
		doc["Statement"] = kept
		p.Set(s.typ, s.name, "policy", js(doc))
	}
}

// deleted, as a value of with, removes the property.
type deleted struct{}

// with sets (or, for deleted{}, removes) properties of one resource, by dotted path.
func with(s subject, props map[string]any) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		for path, v := range props {
			if _, ok := v.(deleted); ok {
				p.Delete(s.typ, s.name, path)
			} else {
				p.Set(s.typ, s.name, path, v)
			}
		}
	}
}

// then applies edits in order.
func then(edits ...func(p *plantest.Plan)) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		for _, e := range edits {
			e(p)
		}
	}
}

func js(v any) string { return plantest.JSON(v) }

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

// principal is a statement admitting one AWS principal.
func principal(arn string) map[string]any {
	return map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": arn}, "Action": "*", "Resource": "*"}
}

// arnOf is a planned resource's ARN.
func arnOf(p *plantest.Plan, s subject) string {
	return p.Find(s.typ, s.name).Outputs["arn"].(string)
}

// keyPolicy replaces the data key's policy with the account root's administration statement
// plus the given statements.
func keyPolicy(stmts ...map[string]any) func(p *plantest.Plan) {
	root := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
	return with(dataKey, map[string]any{"policy": policy(append([]map[string]any{root}, stmts...)...)})
}

// wildcardKeyUse is a statement letting any principal decrypt with the key under one condition.
func wildcardKeyUse(op, key, value string) map[string]any {
	return map[string]any{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
		"Condition": map[string]any{op: map[string]any{key: value}}}
}

// asLegacy adds a copy of the planned OpenSearch domain as the legacy Elasticsearch type
// (same encryption, network and endpoint arguments), then applies edits to it.
func asLegacy(edits ...func(p *plantest.Plan)) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		p.Copy(tSearch, search.name, tLegacy, legacy.name)
		p.Set(tLegacy, legacy.name, "elasticsearchVersion", "7.10").Delete(tLegacy, legacy.name, "engineVersion")
		for _, e := range edits {
			e(p)
		}
	}
}

// iamDoc is where an IAM policy case puts its document: the storefront's inline role
// policy, the storefront role's inline policies, or a managed policy added to the plan as a
// copy of the role policy (the stacks attach no customer-managed policy).
func iamDoc(typ, doc string) (subject, func(p *plantest.Plan)) {
	switch typ {
	case tPolicy:
		s := subject{tPolicy, "storefront-managed"}
		return s, func(p *plantest.Plan) {
			p.Add(tRolePol, "storefront", tPolicy, s.name, map[string]any{"name": "prod-eu-storefront-managed", "policy": doc})
		}
	case tRole:
		return appRole, with(appRole, map[string]any{"inlinePolicies": []any{map[string]any{"name": "inline", "policy": doc}}})
	}
	return appPolicy, with(appPolicy, map[string]any{"policy": doc})
}

// iamCase is a case of an IAM policy rule over a document held by a resource of type typ.
func iamCase(rule, name string, fail bool, want, typ, doc string) fixtureCase {
	on, edit := iamDoc(typ, doc)
	return fixtureCase{rule: rule, name: name, fail: fail, want: want, on: on, edit: edit}
}

// trust edits the storefront role's trust policy (IRSA through the cluster's OIDC provider):
// f gets its only statement and the provider's host.
func trust(f func(st map[string]any, host string)) func(p *plantest.Plan) {
	return func(p *plantest.Plan) {
		r := p.Find(appRole.typ, appRole.name)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Inputs["assumeRolePolicy"].(string)), &doc); err != nil {
			panic(err)
		}
		st := doc["Statement"].([]any)[0].(map[string]any)
		fed := st["Principal"].(map[string]any)["Federated"].(string)
		f(st, fed[strings.Index(fed, "oidc-provider/")+len("oidc-provider/"):])
		p.Set(appRole.typ, appRole.name, "assumeRolePolicy", js(doc))
	}
}

// publicSubnets are the ids and subjects of the planned VPC's public subnets.
func publicSubnets(p *plantest.Plan) (ids []any, subnets []subject) {
	for _, az := range []string{"a", "b", "c"} {
		s := subject{tSubnet, "vpc-public-eu-west-1" + az}
		ids = append(ids, string(p.Find(s.typ, s.name).ID))
		subnets = append(subnets, s)
	}
	return ids, subnets
}

// usProvider adds an AWS provider for region (a copy of the DR region's) and returns it.
func usProvider(p *plantest.Plan, region string) string {
	return p.AddProvider("dr-region", "elsewhere", region)
}

func cases() []fixtureCase {
	return append(append(securityCases(), deployabilityCases()...), loggingCases()...)
}

func securityCases() []fixtureCase {
	origin := func(over map[string]any) func(p *plantest.Plan) { // the "api" origin (index 1) of the distribution
		m := map[string]any{}
		for k, v := range over {
			m["origins.1.customOriginConfig."+k] = v
		}
		return with(cdn, m)
	}
	return []fixtureCase{
		// ENC-001
		{rule: "ENC-001", name: "encrypted with CMK", on: db},
		{rule: "ENC-001", name: "unencrypted", fail: true, want: "storage", on: db, edit: with(db, map[string]any{"storageEncrypted": false})},
		{rule: "ENC-001", name: "no kms key", fail: true, want: "kmsKeyId", on: db, edit: with(db, map[string]any{"kmsKeyId": deleted{}})},
		{rule: "ENC-001", name: "aws managed key", fail: true, want: "AWS-managed", on: db, edit: with(db, map[string]any{"kmsKeyId": "alias/aws/rds"})},
		{rule: "ENC-001", name: "unknown key during preview", on: db, edit: with(db, map[string]any{"kmsKeyId": plantest.Unknown})},
		// ENC-002
		{rule: "ENC-002", name: "encrypted", on: global},
		{rule: "ENC-002", name: "from encrypted source", on: global, edit: with(global, map[string]any{"storageEncrypted": deleted{},
			"sourceDbClusterIdentifier": "arn:aws:rds:eu-west-1:123456789012:cluster:prod-eu-eu-west-1"})},
		{rule: "ENC-002", name: "unencrypted", fail: true, want: "storageEncrypted", on: global, edit: with(global, map[string]any{"storageEncrypted": deleted{}})},
		// ENC-003
		{rule: "ENC-003", name: "PI with CMK", on: instance},
		{rule: "ENC-003", name: "PI off", on: instance, edit: with(instance, map[string]any{"performanceInsightsEnabled": false, "performanceInsightsKmsKeyId": deleted{}})},
		{rule: "ENC-003", name: "PI without CMK", fail: true, want: "Performance Insights", on: instance, edit: with(instance, map[string]any{"performanceInsightsKmsKeyId": deleted{}})},
		// ENC-004..006
		{rule: "ENC-004", name: "at rest", on: cache},
		{rule: "ENC-004", name: "no at rest", fail: true, want: "at rest", on: cache, edit: with(cache, map[string]any{"atRestEncryptionEnabled": false})},
		{rule: "ENC-005", name: "in transit", on: cache},
		{rule: "ENC-005", name: "no transit", fail: true, want: "in transit", on: cache, edit: with(cache, map[string]any{"transitEncryptionEnabled": false})},
		{rule: "ENC-005", name: "preferred mode", fail: true, want: "preferred", on: cache, edit: with(cache, map[string]any{"transitEncryptionMode": "preferred"})},
		{rule: "ENC-006", name: "auth token", on: cache, edit: with(cache, map[string]any{"authToken": "t0ken-0123456789abcdef"})},
		{rule: "ENC-006", name: "rbac", on: cache, edit: with(cache, map[string]any{"authToken": deleted{}, "userGroupIds": []any{"app-users"}})},
		{rule: "ENC-006", name: "secret token", on: cache},
		{rule: "ENC-006", name: "no auth", fail: true, want: "AUTH", on: cache, edit: with(cache, map[string]any{"authToken": deleted{}})},
		// ENC-007..009
		{rule: "ENC-007", name: "at rest", on: search},
		{rule: "ENC-007", name: "no at rest", fail: true, want: "at rest", on: search, edit: with(search, map[string]any{"encryptAtRest.enabled": false})},
		{rule: "ENC-008", name: "node to node", on: search},
		{rule: "ENC-008", name: "no node to node", fail: true, want: "node-to-node", on: search, edit: with(search, map[string]any{"nodeToNodeEncryption": deleted{}})},
		{rule: "ENC-009", name: "https tls12", on: search, edit: with(search, map[string]any{"domainEndpointOptions.tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"})},
		{rule: "ENC-009", name: "pfs policy", on: search},
		{rule: "ENC-009", name: "http allowed", fail: true, want: "HTTPS", on: search, edit: with(search, map[string]any{"domainEndpointOptions.enforceHttps": false})},
		{rule: "ENC-009", name: "tls 1.0", fail: true, want: "TLS below 1.2", on: search, edit: with(search, map[string]any{"domainEndpointOptions.tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"})},
		// ENC-010 / ENC-011 (stack rules)
		{rule: "ENC-010", name: "cell buckets"},
		{rule: "ENC-010", name: "bucket without SSE config", fail: true, want: "no SSE-KMS", on: subject{tBucket, "edge-assets"},
			edit: func(p *plantest.Plan) { p.Remove(tSSE, "edge-assets") }},
		{rule: "ENC-010", name: "bucket with SSE-S3", fail: true, want: "AES256", edit: with(subject{tSSE, "edge-assets"},
			map[string]any{"rules.0.applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": "AES256"}})},
		// ENC-010's exception: the origin's access log bucket, SSE-S3 as ELB log delivery requires
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, versioned and TLS-only", on: albLogsSSE},
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, unversioned", fail: true, want: "only with versioning", on: albLogsSSE,
			edit: func(p *plantest.Plan) { p.Remove(tVersioning, albLogs) }},
		{rule: "ENC-010", name: "load balancer log bucket with SSE-S3, plain HTTP allowed", fail: true, want: "aws:SecureTransport", on: albLogsSSE,
			edit: withoutDenyStatements(subject{tBucketPol, albLogs})},
		{rule: "ENC-011", name: "cell buckets"},
		{rule: "ENC-011", name: "no public access block", fail: true, want: "no public access block", on: subject{tBucket, "edge-assets"},
			edit: func(p *plantest.Plan) { p.Remove(tPAB, "edge-assets") }},
		{rule: "ENC-011", name: "partial public access block", fail: true, want: "restrictPublicBuckets",
			edit: with(subject{tPAB, "edge-assets"}, map[string]any{"restrictPublicBuckets": false})},
		// ENC-012
		{rule: "ENC-012", name: "secrets encrypted", on: eks},
		{rule: "ENC-012", name: "no encryption config", fail: true, want: "secrets", on: eks, edit: with(eks, map[string]any{"encryptionConfig": deleted{}})},
		// ENC-013
		{rule: "ENC-013", name: "rotating", on: dataKey},
		{rule: "ENC-013", name: "asymmetric", on: dataKey, edit: with(dataKey, map[string]any{"customerMasterKeySpec": "RSA_2048", "enableKeyRotation": deleted{}, "rotationPeriodInDays": deleted{}})},
		{rule: "ENC-013", name: "not rotating", fail: true, want: "rotate", on: dataKey, edit: with(dataKey, map[string]any{"enableKeyRotation": false})},
		// ENC-014 / ENC-015
		{rule: "ENC-014", name: "cmk", on: subject{tLogGroup, "cluster-control-plane"}},
		{rule: "ENC-014", name: "no cmk", fail: true, want: "customer-managed", on: subject{tLogGroup, "cluster-control-plane"},
			edit: with(subject{tLogGroup, "cluster-control-plane"}, map[string]any{"kmsKeyId": deleted{}})},
		{rule: "ENC-015", name: "cmk", on: subject{tSecret, "database-master"}},
		{rule: "ENC-015", name: "default key", fail: true, want: "customer-managed", on: subject{tSecret, "database-master"},
			edit: with(subject{tSecret, "database-master"}, map[string]any{"kmsKeyId": deleted{}})},
		// ENC-016..018
		{rule: "ENC-016", name: "https viewers", on: cdn},
		{rule: "ENC-016", name: "allow-all default", fail: true, want: "plain HTTP", on: cdn, edit: with(cdn, map[string]any{"defaultCacheBehavior.viewerProtocolPolicy": "allow-all"})},
		{rule: "ENC-016", name: "allow-all ordered", fail: true, want: "orderedCacheBehaviors[0]", on: cdn, edit: with(cdn, map[string]any{"orderedCacheBehaviors.0.viewerProtocolPolicy": "allow-all"})},
		{rule: "ENC-017", name: "tls12", on: cdn},
		{rule: "ENC-017", name: "default certificate", fail: true, want: "default certificate", on: cdn, edit: with(cdn, map[string]any{"viewerCertificate": map[string]any{"cloudfrontDefaultCertificate": true}})},
		{rule: "ENC-017", name: "tls1", fail: true, want: "TLSv1_2016", on: cdn, edit: with(cdn, map[string]any{"viewerCertificate.minimumProtocolVersion": "TLSv1_2016"})},
		{rule: "ENC-018", name: "https origins", on: cdn},
		{rule: "ENC-018", name: "http origin", fail: true, want: "match-viewer", on: cdn, edit: origin(map[string]any{"originProtocolPolicy": "match-viewer"})},
		{rule: "ENC-018", name: "old tls to origin", fail: true, want: "TLSv1.1", on: cdn, edit: origin(map[string]any{"originSslProtocols": []any{"TLSv1.1", "TLSv1.2"}})},

		// LP-001..003
		iamCase("LP-001", "scoped actions", false, "", tPolicy, policy(allow([]any{"s3:GetObject"}, "arn:aws:s3:::b/*"))),
		iamCase("LP-001", "star action", true, `"*"`, tPolicy, policy(allow("*", "arn:aws:s3:::b"))),
		iamCase("LP-001", "service wildcard in role inline policy", true, "s3:*", tRole, policy(allow("s3:*", "arn:aws:s3:::b"))),
		iamCase("LP-001", "not action", true, "NotAction", tRolePol, policy(map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
		iamCase("LP-001", "deny star is fine", false, "", tPolicy, policy(map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"})),
		iamCase("LP-001", "invalid json", true, "not valid JSON", tPolicy, "{not json"),
		iamCase("LP-001", "unknown document", false, "", tPolicy, plantest.Unknown),
		iamCase("LP-002", "reads on star", false, "", tPolicy, policy(allow([]any{"ec2:DescribeInstances", "eks:ListClusters"}, "*"))),
		iamCase("LP-002", "conditioned write on star", false, "", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "autoscaling:SetDesiredCapacity", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"}}})),
		iamCase("LP-002", "service-linked role for one service", false, "", tRolePol, policy(map[string]any{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}})),
		iamCase("LP-002", "write on star with a non-scoping condition", true, "ec2:TerminateInstances", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}})),
		iamCase("LP-002", "write on star", true, "s3:PutObject", tPolicy, policy(allow("s3:PutObject", "*"))),
		iamCase("LP-002", "secret read on star", true, "secretsmanager:GetSecretValue", tRolePol, policy(map[string]any{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/app": "x"}}})),
		iamCase("LP-002", "kms decrypt on star", true, "kms:Decrypt", tPolicy, policy(allow("kms:Decrypt", "*"))),
		// policy documents read as AWS reads them
		iamCase("LP-001", "statement without Effect", true, "no Effect", tPolicy, policy(map[string]any{"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})),
		iamCase("LP-001", "Effect in the wrong case", true, `Effect "allow"`, tRolePol, policy(map[string]any{"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})),
		iamCase("LP-001", "metadata reads by wildcard on star", false, "", tPolicy, policy(allow([]any{"ec2:Describe*", "elasticloadbalancing:Describe*", "eks:List*"}, "*"))),
		iamCase("LP-001", "content reads by wildcard on star", true, "s3:Get*", tPolicy, policy(allow([]any{"ec2:Describe*", "s3:Get*"}, "*"))),
		iamCase("LP-001", "wildcard before the verb on star", true, "ec2:*Instances", tRolePol, policy(allow("ec2:*Instances", "*"))),
		iamCase("LP-001", "describe wildcard of a service holding secrets", true, "secretsmanager:Describe*", tPolicy, policy(allow("secretsmanager:Describe*", "*"))),
		iamCase("LP-001", "wildcard verb on named resources", false, "", tPolicy, policy(allow("s3:Get*", "arn:aws:s3:::b/*"))),
		iamCase("LP-002", "not action on star", true, "NotAction", tPolicy, policy(map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
		iamCase("LP-002", "tag condition matching any value", true, "ec2:TerminateInstances", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
			"Condition": map[string]any{"StringLike": map[string]any{"aws:ResourceTag/team": "*"}}})),
		iamCase("LP-002", "tag condition only if the tag exists", true, "ec2:TerminateInstances", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
			"Condition": map[string]any{"StringEqualsIfExists": map[string]any{"aws:ResourceTag/team": "shop"}}})),
		iamCase("LP-002", "tag condition excluding one value", true, "ec2:TerminateInstances", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
			"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:ResourceTag/team": "payments"}}})),
		iamCase("LP-003", "not action on star", true, "NotAction", tPolicy, policy(map[string]any{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})),
		iamCase("LP-003", "not resource", true, "pass any role", tPolicy, policy(map[string]any{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::123456789012:role/admin"})),
		iamCase("LP-003", "passrole scoped", false, "", tPolicy, policy(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"))),
		iamCase("LP-003", "passrole star", true, "pass any role", tPolicy, policy(allow("iam:PassRole", "*"))),
		iamCase("LP-003", "iam wildcard on star", true, "iam:Pass*", tPolicy, policy(allow([]any{"iam:Pass*"}, []any{"*"}))),
		// LP-004
		{rule: "LP-004", name: "worker policy", on: subject{tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy"}},
		{rule: "LP-004", name: "admin attachment", fail: true, want: "AdministratorAccess", on: subject{tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy"},
			edit: with(subject{tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy"}, map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})},
		{rule: "LP-004", name: "power user managed arn", fail: true, want: "PowerUserAccess", on: appRole,
			edit: with(appRole, map[string]any{"managedPolicyArns": []any{"arn:aws:iam::aws:policy/PowerUserAccess"}})},
		// LP-005
		{rule: "LP-005", name: "service principal", on: subject{tRole, "cluster-cluster"}},
		{rule: "LP-005", name: "exact service account", on: appRole},
		{rule: "LP-005", name: "wildcard principal", fail: true, want: "any principal", on: appRole, edit: with(appRole, map[string]any{
			"assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"AWS": "*"}})})},
		{rule: "LP-005", name: "principal list holding star", fail: true, want: "any principal", on: appRole, edit: with(appRole, map[string]any{
			"assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": []any{"*"}})})},
		{rule: "LP-005", name: "allow with NotPrincipal", fail: true, want: "any principal", on: appRole, edit: with(appRole, map[string]any{
			"assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}})})},
		{rule: "LP-005", name: "irsa without condition", fail: true, want: "any service account", on: appRole,
			edit: trust(func(st map[string]any, _ string) { delete(st, "Condition") })},
		{rule: "LP-005", name: "irsa pattern", fail: true, want: "pattern", on: appRole, edit: trust(func(st map[string]any, host string) {
			st["Condition"] = map[string]any{"StringLike": map[string]any{host + ":sub": "system:serviceaccount:storefront:*"}}
		})},
		{rule: "LP-005", name: "irsa namespace only", fail: true, want: "not one exact service account", on: appRole, edit: trust(func(st map[string]any, host string) {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{host + ":sub": "system:serviceaccount:storefront"}}
		})},
		// LP-006
		{rule: "LP-006", name: "account root and scoped wildcard", on: dataKey, edit: with(dataKey, map[string]any{"policy": policy(
			map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
			map[string]any{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": "123456789012"}}})})},
		{rule: "LP-006", name: "wildcard principal", fail: true, want: "any principal", on: dataKey, edit: with(dataKey, map[string]any{
			"policy": policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:*", "Resource": "*"})})},
		{rule: "LP-006", name: "principal list holding star", fail: true, want: "any principal", on: dataKey, edit: keyPolicy(
			map[string]any{"Effect": "Allow", "Principal": []any{"arn:aws:iam::123456789012:root", "*"}, "Action": "kms:Decrypt", "Resource": "*"})},
		{rule: "LP-006", name: "AWS principal list holding star", fail: true, want: "any principal", on: dataKey, edit: keyPolicy(
			map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": []any{"arn:aws:iam::123456789012:root", "*"}}, "Action": "kms:Decrypt", "Resource": "*"})},
		{rule: "LP-006", name: "allow with NotPrincipal", fail: true, want: "any principal", on: dataKey, edit: keyPolicy(
			map[string]any{"Effect": "Allow", "NotPrincipal": map[string]any{"AWS": "arn:aws:iam::123456789012:role/x"}, "Action": "kms:Decrypt", "Resource": "*"})},
		{rule: "LP-006", name: "statement without Effect", fail: true, want: "no Effect", on: dataKey, edit: keyPolicy(
			map[string]any{"Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"})},
		{rule: "LP-006", name: "wildcard principal pinned to the organization", on: dataKey, edit: keyPolicy(wildcardKeyUse("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"))},
		{rule: "LP-006", name: "wildcard principal pinned to a VPC endpoint", on: dataKey, edit: keyPolicy(wildcardKeyUse("StringEquals", "aws:SourceVpce", "vpce-0123456789abcdef0"))},
		{rule: "LP-006", name: "wildcard principal pinned to a source ARN in the account", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("ArnLike", "aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:*"))},
		{rule: "LP-006", name: "source account only if present", fail: true, want: "any principal", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("StringEqualsIfExists", "aws:SourceAccount", "123456789012"))},
		{rule: "LP-006", name: "source account matching anything", fail: true, want: "any principal", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("StringLike", "aws:SourceAccount", "*"))},
		{rule: "LP-006", name: "source ARN in any account", fail: true, want: "any principal", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:orders"))},
		{rule: "LP-006", name: "caller account excluded rather than pinned", fail: true, want: "any principal", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("StringNotEquals", "kms:CallerAccount", "999999999999"))},
		{rule: "LP-006", name: "source IP does not pin an account", fail: true, want: "any principal", on: dataKey,
			edit: keyPolicy(wildcardKeyUse("IpAddress", "aws:SourceIp", "10.0.0.0/8"))},
		// LP-007
		{rule: "LP-007", name: "cell: 443 from CloudFront on the ALB only"},
		{rule: "LP-007", name: "ssh from world", fail: true, want: "tcp 22-22 to 0.0.0.0/0", on: subject{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh"},
			edit: func(p *plantest.Plan) {
				// a copy of the app tier's egress rule, turned into an ingress rule from anywhere
				r := p.Copy("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "vpc-app-https-out", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh")
				for k, v := range map[string]any{"cidrIpv4": "0.0.0.0/0", "fromPort": 22.0, "toPort": 22.0, "ipProtocol": "tcp"} {
					plantest.SetProp(p.T(), r, k, v)
				}
			}},
		{rule: "LP-007", name: "443 on a non-LB group", fail: true, want: "not attached to a load balancer", on: subject{tSG, "vpc-endpoints"},
			edit: with(subject{tSG, "vpc-endpoints"}, map[string]any{"ingress": []any{map[string]any{"fromPort": 443.0, "toPort": 443.0,
				"protocol": "tcp", "ipv6CidrBlocks": []any{"::/0"}}}})},
		{rule: "LP-007", name: "all traffic rule", fail: true, want: "all traffic", on: subject{"aws:ec2/securityGroupRule:SecurityGroupRule", "all"},
			edit: func(p *plantest.Plan) {
				sg := p.Find(tSG, "vpc-endpoints")
				p.Add(tSG, "vpc-endpoints", "aws:ec2/securityGroupRule:SecurityGroupRule", "all", map[string]any{"type": "ingress",
					"securityGroupId": string(sg.ID), "fromPort": 0.0, "toPort": 0.0, "protocol": "-1", "cidrBlocks": []any{"0.0.0.0/0"}})
			}},
		// LP-012 / LP-013 / LP-014 (the origin's internet-facing load balancer)
		{rule: "LP-012", name: "cell: ALB with a regional web ACL", on: alb},
		{rule: "LP-012", name: "internal ALB without WAF", on: alb, edit: then(removeWAF, with(alb, map[string]any{"internal": true}))},
		{rule: "LP-012", name: "internet-facing ALB without WAF", fail: true, want: "no WAF web ACL association", on: alb, edit: removeWAF},
		{rule: "LP-013", name: "cell: ALB drops invalid headers", on: alb},
		{rule: "LP-013", name: "ALB forwards invalid headers", fail: true, want: "dropInvalidHeaderFields is off", on: alb,
			edit: with(alb, map[string]any{"dropInvalidHeaderFields": deleted{}})}, // the API's default is off
		{rule: "LP-014", name: "cell: ALB logs to its region", on: alb},
		{rule: "LP-014", name: "ALB without access logs", fail: true, want: "writes no access logs", on: alb,
			edit: with(alb, map[string]any{"accessLogs": map[string]any{"bucket": "", "enabled": false}})},
		{rule: "LP-014", name: "ALB logging to another region", fail: true, want: "only to a bucket in the load balancer's region", on: alb,
			edit: func(p *plantest.Plan) { // to the assets replica, a bucket of the DR region
				replica := p.Find(tBucket, "replication-assets-replica")
				p.Set(alb.typ, alb.name, "accessLogs.bucket", string(replica.ID)).Undepend(alb.typ, alb.name, "accessLogs").
					DependOn(alb.typ, alb.name, "accessLogs", replica)
			}},
		// ENC-019 / ENC-020 (the origin's listeners)
		{rule: "ENC-019", name: "TLS 1.3 policy", on: httpsListener},
		{rule: "ENC-019", name: "policy accepting TLS 1.0", fail: true, want: "older than 1.2", on: httpsListener,
			edit: with(httpsListener, map[string]any{"sslPolicy": "ELBSecurityPolicy-2016-08"})},
		{rule: "ENC-019", name: "no policy", fail: true, want: "no sslPolicy", on: httpsListener, edit: with(httpsListener, map[string]any{"sslPolicy": deleted{}})},
		{rule: "ENC-020", name: "HTTP redirects to HTTPS", on: httpListener},
		{rule: "ENC-020", name: "HTTP forwards beside HTTPS", fail: true, want: "does not redirect to HTTPS", on: httpListener, edit: func(p *plantest.Plan) {
			tg := p.Find(tTargetGroup, "origin")
			p.Set(httpListener.typ, httpListener.name, "defaultActions", []any{map[string]any{"type": "forward", "targetGroupArn": tg.Outputs["arn"]}}).
				DependOn(httpListener.typ, httpListener.name, "defaultActions", tg)
		}},
		// LP-008
		{rule: "LP-008", name: "private instance", on: instance},
		{rule: "LP-008", name: "vpc search domain", on: search},
		{rule: "LP-008", name: "public instance", fail: true, want: "publicly accessible", on: instance, edit: with(instance, map[string]any{"publiclyAccessible": true})},
		{rule: "LP-008", name: "public search domain", fail: true, want: "public endpoint", on: search, edit: with(search, map[string]any{"vpcOptions": deleted{}})},
		// LP-009
		{rule: "LP-009", name: "cell: data subnets isolated"},
		{rule: "LP-009", name: "db in public subnets", fail: true, want: "internet gateway", on: db, edit: func(p *plantest.Plan) {
			ids, subnets := publicSubnets(p)
			p.Set("aws:rds/subnetGroup:SubnetGroup", "database", "subnetIds", ids).Undepend("aws:rds/subnetGroup:SubnetGroup", "database", "subnetIds")
			for _, s := range subnets {
				p.DependOn("aws:rds/subnetGroup:SubnetGroup", "database", "subnetIds", p.Find(s.typ, s.name))
			}
		}},
		{rule: "LP-009", name: "cache in default vpc", fail: true, want: "default VPC", on: cache, edit: with(cache, map[string]any{"subnetGroupName": deleted{}})},
		{rule: "LP-009", name: "search in public subnets via ids only", fail: true, want: "internet gateway", on: search, edit: func(p *plantest.Plan) {
			ids, _ := publicSubnets(p)
			p.Set(search.typ, search.name, "vpcOptions.subnetIds", ids[:1]).Undepend(search.typ, search.name, "vpcOptions")
		}},
		// the legacy Elasticsearch type gets the OpenSearch checks
		{rule: "ENC-007", name: "legacy domain encrypted", on: legacy, edit: asLegacy()},
		{rule: "ENC-007", name: "legacy domain not encrypted", fail: true, want: "Elasticsearch domain", on: legacy,
			edit: asLegacy(with(legacy, map[string]any{"encryptAtRest": deleted{}}))},
		{rule: "ENC-008", name: "legacy domain node to node", on: legacy, edit: asLegacy()},
		{rule: "ENC-008", name: "legacy domain without node to node", fail: true, want: "node-to-node", on: legacy,
			edit: asLegacy(with(legacy, map[string]any{"nodeToNodeEncryption.enabled": false}))},
		{rule: "ENC-009", name: "legacy domain https", on: legacy, edit: asLegacy()},
		{rule: "ENC-009", name: "legacy domain tls 1.0", fail: true, want: "TLS below 1.2", on: legacy,
			edit: asLegacy(with(legacy, map[string]any{"domainEndpointOptions.tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}))},
		{rule: "LP-008", name: "legacy domain in a vpc", on: legacy, edit: asLegacy()},
		{rule: "LP-008", name: "legacy domain public", fail: true, want: "public endpoint", on: legacy,
			edit: asLegacy(with(legacy, map[string]any{"vpcOptions": deleted{}}))},
		{rule: "LP-009", name: "legacy domain in public subnets", fail: true, want: "internet gateway", on: legacy, edit: asLegacy(func(p *plantest.Plan) {
			ids, _ := publicSubnets(p)
			p.Set(legacy.typ, legacy.name, "vpcOptions.subnetIds", ids[:1]).Undepend(legacy.typ, legacy.name, "vpcOptions")
		})},
		{rule: "RES-002", name: "legacy domain in us-east-1", fail: true, want: "us-east-1", on: legacy, edit: asLegacy(func(p *plantest.Plan) {
			p.Via(legacy.typ, legacy.name, p.ProviderRef("us-east-1"))
		})},
		// LP-010
		{rule: "LP-010", name: "private endpoint", on: eks},
		{rule: "LP-010", name: "restricted public endpoint", on: eks, edit: with(eks, map[string]any{"vpcConfig.endpointPublicAccess": true, "vpcConfig.publicAccessCidrs": []any{"203.0.113.0/24"}})},
		{rule: "LP-010", name: "default public endpoint", fail: true, want: "0.0.0.0/0", on: eks, edit: with(eks, map[string]any{"vpcConfig.endpointPublicAccess": deleted{}})},
		{rule: "LP-010", name: "explicit world", fail: true, want: "0.0.0.0/0", on: eks, edit: with(eks, map[string]any{"vpcConfig.endpointPublicAccess": true, "vpcConfig.publicAccessCidrs": []any{"0.0.0.0/0"}})},
		// LP-011
		{rule: "LP-011", name: "template requires tokens", on: subject{"aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes"}},
		{rule: "LP-011", name: "AL2023 node group", on: subject{"aws:eks/nodeGroup:NodeGroup", "cluster"}},
		{rule: "LP-011", name: "instance optional tokens", fail: true, want: "IMDSv2", on: subject{"aws:ec2/instance:Instance", "bastion"}, edit: func(p *plantest.Plan) {
			// the stacks run no bare instance: one launched from the nodes' template settings
			lt := p.Find("aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes")
			p.Add(lt.Type.String(), "cluster-nodes", "aws:ec2/instance:Instance", "bastion", map[string]any{"instanceType": "t3.micro",
				"vpcSecurityGroupIds": lt.Inputs["vpcSecurityGroupIds"], "metadataOptions": map[string]any{"httpTokens": "optional"}})
		}},
		{rule: "LP-011", name: "template without options", fail: true, want: "unset", on: subject{"aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes"},
			edit: with(subject{"aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes"}, map[string]any{"metadataOptions": deleted{}})},
		{rule: "LP-011", name: "AL2 node group without template", fail: true, want: "AL2_x86_64", on: subject{"aws:eks/nodeGroup:NodeGroup", "cluster"},
			edit: with(subject{"aws:eks/nodeGroup:NodeGroup", "cluster"}, map[string]any{"amiType": "AL2_x86_64", "launchTemplate": deleted{}})},

		// DEP-001
		{rule: "DEP-001", name: "cell"},
		{rule: "DEP-001", name: "key policy takes the role's ARN output", edit: func(p *plantest.Plan) {
			p.Set(dataKey.typ, dataKey.name, "policy", policy(principal(arnOf(p, appRole)))).
				DependOn(dataKey.typ, dataKey.name, "policy", p.Find(appRole.typ, appRole.name))
		}},
		{rule: "DEP-001", name: "key policy names a role it does not wait for", fail: true, want: `input policy (Statement[0].Principal.AWS) names "storefront"`, on: dataKey,
			edit: func(p *plantest.Plan) {
				p.Set(dataKey.typ, dataKey.name, "policy", policy(principal(arnOf(p, appRole)))).Undepend(dataKey.typ, dataKey.name, "policy")
			}},
		{rule: "DEP-001", name: "access policy spells the ARN of a role not created yet", fail: true, want: "OpenSearch resolves the principals", on: search,
			edit: func(p *plantest.Plan) {
				p.Find(appRole.typ, appRole.name).Outputs["arn"] = plantest.Unknown
				p.Set(search.typ, search.name, "accessPolicies", policy(principal("arn:aws:iam::123456789012:role/prod-eu-storefront")))
			}},
		{rule: "DEP-001", name: "grant to a role it does not wait for", fail: true, want: "input granteePrincipal", on: subject{"aws:kms/grant:Grant", "storefront"},
			edit: func(p *plantest.Plan) {
				// the stacks grant nothing: a grant added next to the data key's alias
				key := p.Find(dataKey.typ, dataKey.name)
				p.Add(tAlias, "keys-data", "aws:kms/grant:Grant", "storefront", map[string]any{"keyId": string(key.ID),
					"granteePrincipal": arnOf(p, appRole), "operations": []any{"Decrypt"}})
				p.DependOn("aws:kms/grant:Grant", "storefront", "keyId", p.Find(dataKey.typ, dataKey.name))
			}},
		{rule: "DEP-001", name: "distribution waits for the log bucket's ACLs"},
		{rule: "DEP-001", name: "distribution before the log bucket's ownership controls", fail: true, want: "without depending on its ownership controls", on: cdn,
			edit: func(p *plantest.Plan) {
				p.DropDependency(cdn.typ, cdn.name, p.Find(tOwner, "edge-logs"))
			}},
		{rule: "DEP-001", name: "log bucket with ACLs disabled", fail: true, want: "BucketOwnerEnforced", on: cdn,
			edit: with(subject{tOwner, "edge-logs"}, map[string]any{"rule.objectOwnership": "BucketOwnerEnforced"})},
		// DEP-002
		{rule: "DEP-002", name: "cell"},
		{rule: "DEP-002", name: "alias takes the key's id output", edit: func(p *plantest.Plan) {
			if len(p.Find(tAlias, "keys-data").PropertyDependencies["targetKeyId"]) == 0 {
				p.T().Fatal("the planned alias does not take its key's id output")
			}
		}},
		{rule: "DEP-002", name: "alias copies the key's id", fail: true, want: `names "keys-data" (aws:kms/key:Key) without depending on it`, on: subject{tAlias, "keys-data"},
			edit: func(p *plantest.Plan) { p.Undepend(tAlias, "keys-data", "targetKeyId") }},
		{rule: "DEP-002", name: "bucket ARN inside a policy document", fail: true, want: `input policy (Statement[0].Resource[0]) names "edge-assets"`, on: appPolicy,
			edit: func(p *plantest.Plan) {
				p.Set(appPolicy.typ, appPolicy.name, "policy", policy(allow("s3:GetObject", []any{arnOf(p, subject{tBucket, "edge-assets"}) + "/*"}))).
					Undepend(appPolicy.typ, appPolicy.name, "policy")
			}},
		{rule: "DEP-002", name: "AWS-managed policy and another stack's ARN", edit: func(p *plantest.Plan) {
			p.Set(tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy", "policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess").
				Undepend(tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy", "policyArn")
			p.Set(appPolicy.typ, appPolicy.name, "policy", policy(allow("kms:Decrypt", "arn:aws:kms:eu-central-1:123456789012:key/from-the-cell"))).
				Undepend(appPolicy.typ, appPolicy.name, "policy")
		}},
		{rule: "DEP-002", name: "output naming what was created from the resource", edit: func(p *plantest.Plan) {
			def := p.Find("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "vpc-default")
			p.Find("aws:ec2/vpc:Vpc", "vpc").Outputs["defaultSecurityGroupId"] = string(def.ID)
		}},
		{rule: "DEP-002", name: "role reports a policy attached to it", edit: func(p *plantest.Plan) {
			pol := p.Add(tRolePol, "storefront", tPolicy, "reader", map[string]any{"name": "reader", "policy": policy(allow("s3:GetObject", "*"))})
			polARN := pol.Outputs["arn"].(string)
			role := p.Find(tRole, "cluster-nodes")
			role.Outputs["managedPolicyArns"] = []any{polARN}
			p.Add(tAttach, "cluster-nodes-AmazonEKSWorkerNodePolicy", tAttach, "cluster-nodes-reader", map[string]any{
				"role": role.Outputs["name"], "policyArn": polARN})
			p.DependOn(tAttach, "cluster-nodes-reader", "role", p.Find(tRole, "cluster-nodes")).
				DependOn(tAttach, "cluster-nodes-reader", "policyArn", p.Find(tPolicy, "reader"))
		}},
		{rule: "DEP-002", name: "child of the resource it names", edit: func(p *plantest.Plan) {
			key := p.Find(dataKey.typ, dataKey.name)
			p.Find(tAlias, "keys-data").Parent = key.URN
			p.Undepend(tAlias, "keys-data", "targetKeyId")
		}},
		// RES-001
		{rule: "RES-001", name: "cell declares eu"},
		{rule: "RES-001", name: "no jurisdiction", fail: true, want: "declares no jurisdiction", edit: func(p *plantest.Plan) {
			delete(p.Root().Outputs, "jurisdiction")
		}},
		{rule: "RES-001", name: "invalid jurisdiction", fail: true, want: "unknown jurisdiction", edit: func(p *plantest.Plan) {
			p.Root().Outputs["jurisdiction"] = "uk"
		}},
		// RES-002
		{rule: "RES-002", name: "cell incl. us-east-1 global services"},
		{rule: "RES-002", name: "log group in us-east-1", fail: true, want: "outside jurisdiction", on: subject{tLogGroup, "cluster-control-plane"},
			edit: func(p *plantest.Plan) { p.Via(tLogGroup, "cluster-control-plane", p.ProviderRef("us-east-1")) }},
		{rule: "RES-002", name: "own region argument", fail: true, want: "ap-northeast-1", on: subject{tBucket, "edge-assets"},
			edit: with(subject{tBucket, "edge-assets"}, map[string]any{"region": "ap-northeast-1"})},
		{rule: "RES-002", name: "regional WAF in us-east-1", fail: true, want: "wafv2", on: subject{"aws:wafv2/webAcl:WebAcl", "edge"},
			edit: with(subject{"aws:wafv2/webAcl:WebAcl", "edge"}, map[string]any{"scope": "REGIONAL"})},
		// RES-003
		{rule: "RES-003", name: "cell logs in eu"},
		{rule: "RES-003", name: "cloudfront logs to us bucket", fail: true, want: "us-east-1", on: cdn,
			edit: with(cdn, map[string]any{"loggingConfig.bucket": "cdn-logs-us-east-1.s3.amazonaws.com"})},
		{rule: "RES-003", name: "waf logs to us-east-1 log group", fail: true, want: "outside jurisdiction",
			edit: with(subject{"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "edge"}, map[string]any{
				"logDestinationConfigs": []any{"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-x"}})},
		{rule: "RES-003", name: "log bucket of unknown region", fail: true, want: "cannot be established", on: cdn,
			edit: with(cdn, map[string]any{"loggingConfig.bucket": "somewhere.s3.amazonaws.com"})},
		// RES-004
		{rule: "RES-004", name: "cell primary in eu"},
		{rule: "RES-004", name: "secondary in us-west-2", fail: true, want: "us-west-2", on: subject{tCluster, "secondary"}, edit: func(p *plantest.Plan) {
			us := usProvider(p, "us-west-2")
			p.Copy(tCluster, "database", "", "secondary")
			p.Via(tCluster, "secondary", us)
		}},
		{rule: "RES-004", name: "global cluster from us source", fail: true, want: "source cluster", on: global,
			edit: with(global, map[string]any{"sourceDbClusterIdentifier": "arn:aws:rds:us-east-1:123456789012:cluster:old"})},
		// RES-005
		{rule: "RES-005", name: "cell replicates to eu-central-1"},
		{rule: "RES-005", name: "replicates to us bucket in stack", fail: true, want: "us-east-1", edit: func(p *plantest.Plan) {
			// the replica bucket and its settings moved to us-east-1
			for _, typ := range []string{tBucket, tPAB, tSSE, "aws:s3/bucketVersioningV2:BucketVersioningV2"} {
				p.Via(typ, "replication-assets-replica", p.ProviderRef("us-east-1"))
			}
			b := p.Find(tBucket, "replication-assets-replica")
			b.Outputs["bucketRegionalDomainName"] = strings.Replace(b.Outputs["bucketRegionalDomainName"].(string), "eu-central-1", "us-east-1", 1)
			b.Outputs["region"] = "us-east-1" // the provider reports the bucket's region
		}},
		{rule: "RES-005", name: "replicates to unlocatable bucket", fail: true, want: "cannot be established",
			edit: with(subject{"aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication-assets"}, map[string]any{
				"rules.0.destination.bucket": "arn:aws:s3:::mystery"})},
		// RES-006 (the cells run no global datastore: a secondary replication group added as a copy)
		{rule: "RES-006", name: "members in eu", edit: func(p *plantest.Plan) {
			p.Copy(tCache, "cache", "", "secondary")
			p.Via(tCache, "secondary", p.ProviderRef("eu-central-1")).Set(tCache, "secondary", "globalReplicationGroupId", "ldgnf-sessions")
		}},
		{rule: "RES-006", name: "member in us", fail: true, want: "us-east-2", on: subject{tCache, "secondary"}, edit: func(p *plantest.Plan) {
			us := usProvider(p, "us-east-2")
			p.Copy(tCache, "cache", "", "secondary")
			p.Via(tCache, "secondary", us).Set(tCache, "secondary", "globalReplicationGroupId", "ldgnf-sessions")
		}},
		// RES-007 (the cells create their DR keys in the DR region: a replica key added next to them)
		{rule: "RES-007", name: "replica key in eu-central-1", edit: func(p *plantest.Plan) {
			p.Add(tKey, "dr-keys-storage", "aws:kms/replicaKey:ReplicaKey", "keys-data-dr", map[string]any{"primaryKeyArn": arnOf(p, dataKey)})
		}},
		{rule: "RES-007", name: "replica key in jp", fail: true, want: "ap-northeast-1", on: subject{"aws:kms/replicaKey:ReplicaKey", "keys-data-jp"}, edit: func(p *plantest.Plan) {
			jp := usProvider(p, "ap-northeast-1")
			p.Add(tKey, "dr-keys-storage", "aws:kms/replicaKey:ReplicaKey", "keys-data-jp", map[string]any{"primaryKeyArn": arnOf(p, dataKey)})
			p.Via("aws:kms/replicaKey:ReplicaKey", "keys-data-jp", jp)
		}},
		// RES-008
		{rule: "RES-008", name: "copy to eu vault"},
		{rule: "RES-008", name: "copy to us vault", fail: true, want: "us-west-2", on: subject{"aws:backup/plan:Plan", "replication"},
			edit: with(subject{"aws:backup/plan:Plan", "replication"}, map[string]any{"rules.0.copyActions": []any{map[string]any{
				"destinationVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"}}})},
		// RES-009
		{rule: "RES-009", name: "eu replicas", edit: with(subject{tSecret, "database-master"}, map[string]any{"replicas.0.region": "eu-central-1"})},
		{rule: "RES-009", name: "dynamodb replica in us", fail: true, want: "us-east-1", on: subject{"aws:dynamodb/table:Table", "sessions"},
			edit: func(p *plantest.Plan) { // the stacks have no table: one added next to the cache's secret
				p.Add(tSecret, "cache-auth", "aws:dynamodb/table:Table", "sessions", map[string]any{"name": "prod-eu-sessions",
					"replicas": []any{map[string]any{"regionName": "us-east-1"}}})
			}},
		// AUD-001 (the trail of components/baseline)
		{rule: "AUD-001", name: "cell with its baseline", on: trail},
		{rule: "AUD-001", name: "no trail", fail: true, want: "has no CloudTrail trail", on: rootStack,
			edit: func(p *plantest.Plan) { p.Remove(trail.typ, trail.name) }},
		{rule: "AUD-001", name: "trail without log file validation", fail: true, want: "enableLogFileValidation off", on: trail,
			edit: with(trail, map[string]any{"enableLogFileValidation": false})},
		// AUD-002 (prod-eu's baseline owns eu-west-1)
		{rule: "AUD-002", name: "region owner with detector and recorder", edit: ownsRegion(true)},
		{rule: "AUD-002", name: "baseline not owning its region", edit: then(ownsRegion(false), // a stack without the region pieces
			func(p *plantest.Plan) {
				for _, s := range []subject{detector, recorderStatus, {tRecorder, "baseline"}, {tDelivery, "baseline"}} {
					p.Remove(s.typ, s.name)
				}
			})},
		{rule: "AUD-002", name: "region owner without a detector", fail: true, want: "lacks an enabled GuardDuty detector", on: rootStack,
			edit: then(ownsRegion(true), func(p *plantest.Plan) { p.Remove(detector.typ, detector.name) })},
		{rule: "AUD-002", name: "region owner with a stopped recorder", fail: true, want: "lacks an enabled AWS Config recorder", on: rootStack,
			edit: then(ownsRegion(true), with(recorderStatus, map[string]any{"isEnabled": false}))},
		// AUD-003
		{rule: "AUD-003", name: "trail and Config into the cell's archive", on: trail},
		{rule: "AUD-003", name: "trail into a us-east-1 bucket", fail: true, want: "us-east-1", on: trail, edit: func(p *plantest.Plan) {
			p.Set(trail.typ, trail.name, "s3BucketName", "audit-archive-us-east-1").Undepend(trail.typ, trail.name, "s3BucketName")
		}},
		{rule: "AUD-003", name: "multi-Region trail", fail: true, want: "multi-Region", on: trail, edit: with(trail, map[string]any{"isMultiRegionTrail": true})},
		{rule: "AUD-003", name: "Security Hub aggregating regions", fail: true, want: "copies findings across regions",
			on: subject{"aws:securityhub/findingAggregator:FindingAggregator", "baseline"}, edit: func(p *plantest.Plan) {
				p.Add("aws:securityhub/account:Account", "baseline", "aws:securityhub/findingAggregator:FindingAggregator", "baseline",
					map[string]any{"linkingMode": "ALL_REGIONS"})
			}},
		// DNS-001
		{rule: "DNS-001", name: "one owner per record set", edit: func(p *plantest.Plan) {
			p.Set(tRecord, "edge-a", "setIdentifier", "primary")
			p.Copy(tRecord, "edge-a", "", "edge-a-secondary")
			p.Set(tRecord, "edge-a-secondary", "setIdentifier", "secondary")
		}},
		{rule: "DNS-001", name: "record set managed twice", fail: true, want: "also managed by edge-validation", on: subject{tRecord, "edge-validation-again"},
			edit: func(p *plantest.Plan) {
				name := p.Find(tRecord, "edge-validation").Inputs["name"].(string)
				p.Copy(tRecord, "edge-validation", "", "edge-validation-again")
				p.Set(tRecord, "edge-validation-again", "name", strings.ToUpper(strings.TrimSuffix(name, ".")))
			}},
		{rule: "DNS-001", name: "record set managed by a sibling stack", fail: true, want: "also managed by stack prod-eu-dr", on: subject{tRecord, "edge-validation"},
			view: func(s *rules.Stack) {
				for k, rs := range rules.RecordKeys(s) {
					if rs[0].Name == "edge-validation" {
						s.RecordOwners = map[string][]string{k: {"prod-eu", "prod-eu-dr"}}
					}
				}
			}},
		// NET-001..003 (more in netflow_test.go and tests/policy/flows_test.go)
		{rule: "NET-001", name: "app reaches postgres"},
		{rule: "NET-001", name: "app cannot reach redis port", fail: true, want: "ingress: no rule admits",
			edit: with(subject{tSG, "cache"}, map[string]any{"ingress": []any{}})},
		{rule: "NET-002", name: "only the data port"},
		{rule: "NET-002", name: "data port forbidden", fail: true, want: "open on tcp/",
			edit: with(subject{tSG, "database"}, map[string]any{"ingress.0.fromPort": 0.0})},
		{rule: "NET-003", name: "declared and resolved"},
		{rule: "NET-003", name: "declarations lost", fail: true, want: "the stack carries none", edit: func(p *plantest.Plan) {
			for i := range p.D.Resources {
				delete(p.D.Resources[i].Outputs, "flows")
			}
		}},
	}
}

func run(t *testing.T, rule *rules.Rule, c fixtureCase) []rules.Violation {
	t.Helper()
	stack := c.stack
	if stack == "" {
		stack = "prod-eu"
	}
	p := plantest.New(t, stack)
	if !c.now.IsZero() {
		p.Now = c.now
	}
	if c.edit != nil {
		c.edit(p)
	}
	if c.on.typ != "" {
		p.Find(c.on.typ, c.on.name)
		if !rule.IsStack() && !rule.AppliesTo(c.on.typ) {
			t.Fatalf("rule %s does not apply to %s", rule.ID, c.on.typ)
		}
	}
	v := p.Views()
	if c.view != nil {
		c.view(v.Stack)
	}
	if rule.IsStack() {
		return rule.CheckStack(v.Stack).Violations
	}
	// a resource rule sees each resource's inputs, as under the engine
	var out []rules.Violation
	for _, r := range v.Inputs {
		if rule.AppliesTo(r.Type) {
			out = append(out, rule.CheckResource(r).Violations...)
		}
	}
	return out
}

func TestRuleFixtures(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			rule := rules.Lookup(c.rule)
			if rule == nil {
				t.Fatalf("unknown rule %s", c.rule)
			}
			vs := run(t, rule, c)
			if !c.fail {
				for _, v := range vs {
					t.Errorf("unexpected violation on %s: %s", v.URN, v.Message)
				}
				return
			}
			if len(vs) == 0 {
				t.Fatalf("expected a violation of %s, got none", c.rule)
			}
			for _, v := range vs {
				if v.Rule != rule {
					t.Errorf("violation attributed to %s, want %s", v.Rule.ID, rule.ID)
				}
				if !strings.Contains(v.Message, c.want) {
					t.Errorf("violation %q does not mention %q", v.Message, c.want)
				}
				if c.on.typ != "" && !strings.HasSuffix(v.URN, c.on.typ+"::"+c.on.name) {
					t.Errorf("violation on %s, want it on %s %s: %s", v.URN, c.on.typ, c.on.name, v.Message)
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
	inputs := func(edit func(p *plantest.Plan)) *rules.Resource {
		p := plantest.New(t, "prod-eu")
		edit(p)
		for _, r := range p.Views().Inputs {
			if r.Type == db.typ && r.Name == db.name {
				return r
			}
		}
		t.Fatal("the plan has no Aurora cluster named database")
		return nil
	}
	r := inputs(with(db, map[string]any{"kmsKeyId": plantest.Unknown}))
	o := rules.Lookup("ENC-001").CheckResource(r)
	if len(o.Violations) != 0 || !strings.Contains(o.NotApplicable, "kmsKeyId") {
		t.Fatalf("unknown kmsKeyId: violations %v, not applicable %q", o.Violations, o.NotApplicable)
	}
	// a known violation is still reported next to an unknown value
	r = inputs(with(db, map[string]any{"kmsKeyId": plantest.Unknown, "storageEncrypted": false}))
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
