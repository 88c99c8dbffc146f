package failover

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// memCloud is an in-memory global cluster that models what moto cannot: a switchover that
// stays in progress for a few polls before the writer moves.
type memCloud struct {
	mu          sync.Mutex
	globalID    string
	members     []string // ARNs
	writer      string
	switchingTo string
	pollsLeft   int
	switchCalls []string
	lagMillis   float64
	nodes       int32
}

func (m *memCloud) RDS(string) RDSAPI         { return m }
func (m *memCloud) EKS(string) EKSAPI         { return m }
func (m *memCloud) Metrics(string) MetricsAPI { return m }

func (m *memCloud) DescribeGlobalClusters(_ context.Context, in *rds.DescribeGlobalClustersInput, _ ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if aws.ToString(in.GlobalClusterIdentifier) != m.globalID {
		return nil, &rdstypes.GlobalClusterNotFoundFault{Message: aws.String("not found")}
	}
	g := rdstypes.GlobalCluster{GlobalClusterIdentifier: aws.String(m.globalID)}
	if m.switchingTo != "" {
		if m.pollsLeft == 0 {
			m.writer, m.switchingTo = m.switchingTo, ""
		} else {
			m.pollsLeft--
			g.FailoverState = &rdstypes.FailoverState{Status: rdstypes.FailoverStatusFailingOver, ToDbClusterArn: aws.String(m.switchingTo)}
		}
	}
	for _, a := range m.members {
		g.GlobalClusterMembers = append(g.GlobalClusterMembers, rdstypes.GlobalClusterMember{
			DBClusterArn: aws.String(a), IsWriter: aws.Bool(a == m.writer),
			SynchronizationStatus: rdstypes.GlobalClusterMemberSynchronizationStatusConnected,
		})
	}
	return &rds.DescribeGlobalClustersOutput{GlobalClusters: []rdstypes.GlobalCluster{g}}, nil
}

func (m *memCloud) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	id := aws.ToString(in.DBClusterIdentifier)
	arn := "arn:aws:rds:eu-central-1:123456789012:cluster:" + id
	return &rds.DescribeDBClustersOutput{DBClusters: []rdstypes.DBCluster{{DBClusterIdentifier: aws.String(id), DBClusterArn: aws.String(arn), Status: aws.String("available")}}}, nil
}

func (m *memCloud) RemoveFromGlobalCluster(context.Context, *rds.RemoveFromGlobalClusterInput, ...func(*rds.Options)) (*rds.RemoveFromGlobalClusterOutput, error) {
	return nil, errors.New("a planned failover must not detach the cluster")
}

func (m *memCloud) SwitchoverGlobalCluster(_ context.Context, in *rds.SwitchoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.switchCalls = append(m.switchCalls, aws.ToString(in.GlobalClusterIdentifier)+" -> "+aws.ToString(in.TargetDbClusterIdentifier))
	m.switchingTo, m.pollsLeft = aws.ToString(in.TargetDbClusterIdentifier), 2
	return &rds.SwitchoverGlobalClusterOutput{}, nil
}

func (m *memCloud) DescribeCluster(_ context.Context, in *eks.DescribeClusterInput, _ ...func(*eks.Options)) (*eks.DescribeClusterOutput, error) {
	return &eks.DescribeClusterOutput{Cluster: &ekstypes.Cluster{Name: in.Name, Status: ekstypes.ClusterStatusActive}}, nil
}

func (m *memCloud) ListNodegroups(context.Context, *eks.ListNodegroupsInput, ...func(*eks.Options)) (*eks.ListNodegroupsOutput, error) {
	return &eks.ListNodegroupsOutput{Nodegroups: []string{"apps"}}, nil
}

func (m *memCloud) DescribeNodegroup(context.Context, *eks.DescribeNodegroupInput, ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &eks.DescribeNodegroupOutput{Nodegroup: &ekstypes.Nodegroup{Status: ekstypes.NodegroupStatusActive, ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(m.nodes)}}}, nil
}

func (m *memCloud) GetMetricStatistics(context.Context, *cloudwatch.GetMetricStatisticsInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error) {
	now := time.Now()
	return &cloudwatch.GetMetricStatisticsOutput{Datapoints: []cwtypes.Datapoint{
		{Timestamp: aws.Time(now.Add(-2 * time.Minute)), Maximum: aws.Float64(9000)},
		{Timestamp: aws.Time(now.Add(-time.Minute)), Maximum: aws.Float64(m.lagMillis)},
	}}, nil
}

func euMemCloud(t *testing.T) (*cellFixture, *memCloud) {
	f := newCellFixture(t, "eu", "eu", "eu-west-1", "eu-central-1")
	primary := "arn:aws:rds:eu-west-1:123456789012:cluster:" + f.primaryID
	return f, &memCloud{globalID: f.globalID, members: []string{primary, f.drARN}, writer: primary, lagMillis: 850}
}

func TestPlannedSwitchoverWaitsForTheWriterToMove(t *testing.T) {
	f, cloud := euMemCloud(t)
	runner := &fakeRunner{onUp: func(context.Context) error { cloud.mu.Lock(); cloud.nodes = 3; cloud.mu.Unlock(); return nil }}
	var out syncBuffer
	_, err := Run(context.Background(), Options{
		Root: f.root, Stack: f.dr, Planned: true, Outputs: f.outputs(), Runner: runner, Clients: cloud,
		Out: &out, PollInterval: time.Millisecond, PromoteTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := "eu-global -> " + f.drARN; len(cloud.switchCalls) != 1 || cloud.switchCalls[0] != want {
		t.Errorf("switchover calls %q, want [%q]", cloud.switchCalls, want)
	}
	if cloud.writer != f.drARN || len(cloud.members) != 2 {
		t.Errorf("writer %s members %v: a switchover keeps both clusters and moves the writer", cloud.writer, cloud.members)
	}
	text := out.String()
	for _, s := range []string{"replication lag 850 ms", "waiting: cluster status available, global cluster failing-over", "writer of the global cluster", "aurora: writer is eu-dr-db in eu-central-1"} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
	if got := runner.recorded(); len(got) != 3 || got[0] != "config set failoverMode switchover -s eu-dr" || got[1] != "config set failover true -s eu-dr" || got[2] != "up --yes --skip-preview -s eu-dr" {
		t.Errorf("pulumi calls %q", got)
	}
}

func TestPromotionTimeoutTellsTheOperatorToResume(t *testing.T) {
	f, cloud := euMemCloud(t)
	runner := &fakeRunner{}
	var out syncBuffer
	opts := Options{Root: f.root, Stack: f.dr, Planned: true, Outputs: f.outputs(), Runner: runner, Clients: &stuckSwitch{memCloud: cloud},
		Out: &out, PollInterval: 20 * time.Millisecond, PromoteTimeout: 50 * time.Millisecond}
	_, err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "was not promoted within 50ms") {
		t.Fatalf("want a timeout, got %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "re-run with -resume-from converge") {
		t.Errorf("no resume hint:\n%s", out.String())
	}
	if len(runner.recorded()) != 0 {
		t.Errorf("pulumi ran after the promotion timed out: %q", runner.recorded())
	}
}

// stuckSwitch accepts a switchover that never completes.
type stuckSwitch struct{ *memCloud }

func (s *stuckSwitch) RDS(string) RDSAPI { return s }
func (s *stuckSwitch) SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, o ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error) {
	out, err := s.memCloud.SwitchoverGlobalCluster(ctx, in, o...)
	s.mu.Lock()
	s.pollsLeft = 1 << 30
	s.mu.Unlock()
	return out, err
}

func TestConvergeFailureAndResume(t *testing.T) {
	f, cloud := euMemCloud(t)
	// The cluster was already switched over by an earlier run.
	cloud.writer = f.drARN
	runner := &fakeRunner{fail: map[string]error{"up": errors.New("exit status 255")}}
	var out syncBuffer
	opts := Options{Root: f.root, Stack: f.dr, Planned: true, ResumeFrom: StepConverge, Outputs: f.outputs(), Runner: runner,
		Clients: cloud, Out: &out, PollInterval: time.Millisecond}
	rep, err := Run(context.Background(), opts)
	if err == nil || !strings.HasPrefix(err.Error(), "converge: exit status 255") {
		t.Fatalf("want the converge failure, got %v\n%s", err, out.String())
	}
	if rep.Steps[1].Status != "skipped" || rep.Steps[2].Status != "failed" || rep.Steps[3].Status != "not run" {
		t.Errorf("steps %+v", rep.Steps)
	}
	if len(cloud.switchCalls) != 0 {
		t.Errorf("a resumed run promoted again: %q", cloud.switchCalls)
	}
	if !strings.Contains(out.String(), "failover=true is set in Pulumi.eu-dr.yaml; fix the problem and re-run with -resume-from converge") {
		t.Errorf("no resume hint:\n%s", out.String())
	}

	// Without nodes after `up`, the post-check refuses to call the failover done.
	runner = &fakeRunner{}
	out = syncBuffer{}
	opts.Runner, opts.Out = runner, &out
	if _, err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "has no nodes desired after converge") {
		t.Fatalf("want the node check to fail, got %v\n%s", err, out.String())
	}
	cloud.nodes = 2
	out = syncBuffer{}
	if _, err := Run(context.Background(), opts); err != nil {
		t.Fatalf("resume: %v\n%s", err, out.String())
	}
}

func TestConfirmationMustNameTheStack(t *testing.T) {
	f, cloud := euMemCloud(t)
	runner := &fakeRunner{}
	var out syncBuffer
	_, err := Run(context.Background(), Options{Root: f.root, Stack: f.dr, Outputs: f.outputs(), Runner: runner, Clients: cloud, Out: &out,
		Confirm: func(string) (string, error) { return "yes\n", nil }})
	if err == nil || !strings.Contains(err.Error(), `confirmation "yes" does not match stack "eu-dr"`) {
		t.Fatalf("want a refused confirmation, got %v", err)
	}
	if len(runner.recorded()) != 0 || len(cloud.members) != 2 {
		t.Errorf("something changed without confirmation")
	}
}

// A DR cluster that grants admin only to its creator answers 401 to the on-call engineer:
// preflight refuses such a stack before touching anything, naming the key to set.
func TestPreflightRefusesADRStackWithoutClusterAdmins(t *testing.T) {
	f, cloud := euMemCloud(t)
	path := filepath.Join(f.root, "Pulumi."+f.dr+".yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), `adminRoleArns: ["arn:aws:iam::123456789012:role/oncall"]`, `adminRoleArns: []`, 1)
	if edited == string(raw) {
		t.Fatal("fixture stack has no adminRoleArns to remove")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	runner := &fakeRunner{}
	_, err = Run(context.Background(), Options{Root: f.root, Stack: f.dr, Outputs: f.outputs(), Runner: runner, Clients: cloud, Out: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "globalstack:cluster.adminRoleArns: is empty") {
		t.Fatalf("want preflight to name globalstack:cluster.adminRoleArns, got %v", err)
	}
	if len(runner.recorded()) != 0 || len(cloud.members) != 2 {
		t.Errorf("something changed although preflight failed")
	}
}

func TestPlanOutputsReadsTheRootStackResource(t *testing.T) {
	f := newCellFixture(t, "eu", "eu", "eu-west-1", "eu-central-1")
	outs, err := f.outputs().Outputs(context.Background(), f.dr)
	if err != nil {
		t.Fatal(err)
	}
	if outs["dbClusterArn"] != f.drARN || outs["role"] != "dr" {
		t.Errorf("outputs %v", outs)
	}
	if _, err := f.outputs().Outputs(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), "run `make plan STACK=nope` first") {
		t.Errorf("missing plan: %v", err)
	}
	if _, err := requireStrings(map[string]any{"a": "x", "b": "[secret]", "c": 3}, "src", "a", "b", "c", "d"); err == nil || err.Error() != "src: missing or empty stack outputs: b, c, d" {
		t.Errorf("requireStrings: %v", err)
	}
}

func TestParseStepAndARNRegion(t *testing.T) {
	if s, err := ParseStep("converge"); err != nil || s != StepConverge {
		t.Errorf("ParseStep(converge) = %q, %v", s, err)
	}
	if _, err := ParseStep("promot"); err == nil || !strings.Contains(err.Error(), `"promot" is not a step`) {
		t.Errorf("ParseStep(promot): %v", err)
	}
	if r, err := arnRegion("arn:aws:rds:ap-northeast-3:1:cluster:x"); err != nil || r != "ap-northeast-3" {
		t.Errorf("arnRegion = %q, %v", r, err)
	}
	if _, err := arnRegion("cluster:x"); err == nil {
		t.Error("arnRegion accepted a non-ARN")
	}
}
