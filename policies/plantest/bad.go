package plantest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Expected is one violation the bad stack must produce.
type Expected struct {
	Rule     string // rule ID
	Resource string // resource name (the last URN segment)
	Waived   bool   // covered by an unexpired waiver in BadWaivers
}

// BadExpected lists every violation of Bad(), and nothing else.
var BadExpected = []Expected{
	{Rule: "AUD-001", Resource: "globalstack-bad-eu"},
	{Rule: "ENC-004", Resource: "cache"},
	{Rule: "ENC-005", Resource: "cache"},
	{Rule: "ENC-006", Resource: "cache"},
	{Rule: "DNS-001", Resource: "origin-cert-validation-again"},
	{Rule: "ENC-014", Resource: "cluster-control-plane", Waived: true},
	{Rule: "LP-001", Resource: "wildcard"},
	{Rule: "LP-002", Resource: "wildcard"},
	{Rule: "LP-003", Resource: "wildcard"},
	{Rule: "LP-008", Resource: "database-1"},
	{Rule: "LP-009", Resource: "database"},
	{Rule: "LP-009", Resource: "database-us"},
	{Rule: "LP-010", Resource: "cluster"},
	{Rule: "NET-001", Resource: "storefront"},
	{Rule: "RES-002", Resource: "database-us"},
	{Rule: "RES-004", Resource: "database-us"},
	{Rule: "RES-005", Resource: "replication-assets"},
}

// BadWaivers is the waiver file that goes with Bad(): one expired waiver (the EKS endpoint
// stays a violation) and one current waiver (the control-plane log group).
const BadWaivers = `waivers:
  - rule: LP-010
    stack: bad-eu
    resource: cluster
    reason: Temporary public API endpoint during the VPN migration.
    expires: "2024-01-31"
    approvedBy: security-review@example.com
  - rule: log-group-cmk
    stack: bad-eu
    resource: aws:cloudwatch/logGroup:LogGroup::cluster-control-plane
    reason: Control-plane logs hold no customer data; CMK rollout tracked in SEC-142.
    expires: "2099-12-31"
    approvedBy: security-review@example.com
`

// Bad is the planned prod-eu stack, renamed bad-eu, with these edits, each breaking what
// a mandatory rule of every pack guards:
//
//   - the baseline's CloudTrail trail gone, so the stack's API activity goes unrecorded
//     (AUD-001);
//   - the Redis replication group "cache" without encryption at rest, in transit or AUTH
//     (ENC-004, ENC-005, ENC-006);
//   - the origin certificate's validation record managed a second time (DNS-001);
//   - the EKS control-plane log group without its CMK (ENC-014, waived in BadWaivers);
//   - an inline role policy "wildcard" allowing every action on every resource (LP-001..003);
//   - Aurora instance "database-1" publicly accessible (LP-008);
//   - the Aurora subnet group on the public subnets (LP-009 on the cluster; the pods'
//     NetworkPolicy admits the data subnets only, so the storefront loses its database:
//     NET-001 on the storefront);
//   - the EKS API endpoint public (LP-010; its waiver in BadWaivers has expired);
//   - a copy of the Aurora cluster, "database-us", joining the global cluster from us-west-2
//     (RES-002, RES-004; it keeps the cluster's subnet group, hence LP-009 too);
//   - the assets bucket replicated to a bucket in us-east-1 (RES-005).
func Bad(t testing.TB) *Plan {
	t.Helper()
	p := New(t, "prod-eu")
	const (
		cache  = "aws:elasticache/replicationGroup:ReplicationGroup"
		record = "aws:route53/record:Record"
		logs   = "aws:cloudwatch/logGroup:LogGroup"
		aurora = "aws:rds/cluster:Cluster"
		subnet = "aws:ec2/subnet:Subnet"
	)
	p.Remove("aws:cloudtrail/trail:Trail", "baseline")
	p.Set(cache, "cache", "atRestEncryptionEnabled", false).
		Set(cache, "cache", "transitEncryptionEnabled", false).
		Delete(cache, "cache", "transitEncryptionMode").
		Delete(cache, "cache", "authToken")
	p.Copy(record, "origin-cert-validation", "", "origin-cert-validation-again")
	p.Delete(logs, "cluster-control-plane", "kmsKeyId")
	wildcard := p.Copy("aws:iam/rolePolicy:RolePolicy", "storefront", "", "wildcard")
	SetProp(t, wildcard, "policy", JSON(map[string]any{"Version": "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}))
	p.Set("aws:rds/clusterInstance:ClusterInstance", "database-1", "publiclyAccessible", true)

	var ids []any
	var urns []resource.URN
	for _, az := range []string{"a", "b", "c"} {
		s := p.Find(subnet, "vpc-public-eu-west-1"+az)
		ids, urns = append(ids, string(s.ID)), append(urns, s.URN)
	}
	p.Set("aws:rds/subnetGroup:SubnetGroup", "database", "subnetIds", ids)
	p.Find("aws:rds/subnetGroup:SubnetGroup", "database").PropertyDependencies["subnetIds"] = urns

	p.Set("aws:eks/cluster:Cluster", "cluster", "vpcConfig.endpointPublicAccess", true)
	us := p.AddProvider("dr-region", "us", "us-west-2")
	p.Copy(aurora, "database", "", "database-us")
	p.Via(aurora, "database-us", us)
	p.Set("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication-assets", "rules.0.destination.bucket",
		"arn:aws:s3:::globalstack-bad-eu-replica-us-east-1")
	return p.RenameStack("bad-eu")
}

// WriteBad writes the bad stack's export and its waiver file under dir and returns their
// paths.
func WriteBad(t testing.TB, dir string) (state, waivers string) {
	t.Helper()
	state = filepath.Join(dir, "bad-eu", "state.json")
	Bad(t).Write(state)
	waivers = filepath.Join(dir, "waivers.yaml")
	if err := os.WriteFile(waivers, []byte(BadWaivers), 0o644); err != nil {
		t.Fatal(err)
	}
	return state, waivers
}

// WriteCells writes the planned exports of stacks as dir/<stack>/state.json, the layout
// `make plan` writes, and returns dir.
func WriteCells(t testing.TB, dir string, stacks ...string) string {
	t.Helper()
	for _, s := range stacks {
		New(t, s).Write(filepath.Join(dir, s, "state.json"))
	}
	return dir
}
