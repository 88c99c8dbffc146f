package failover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// startMoto runs moto_server on a free loopback port for the test and points the AWS SDK at it.
func startMoto(t *testing.T) *AWSClients {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server is not installed (pip install 'moto[server]'); the failover tests need it: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting moto_server: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			if raw, err := os.ReadFile(logPath); err == nil && len(raw) > 0 {
				tail := string(raw)
				if len(tail) > 4000 {
					tail = tail[len(tail)-4000:]
				}
				t.Logf("moto_server log (tail):\n%s", tail)
			}
		}
	})

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s: %v", endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)

	clients, err := NewAWSClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

// seed creates the cell in moto: a global cluster with the primary cluster in the primary
// region and a headless secondary in the DR region, plus the DR EKS cluster and a node group
// scaled to zero.
func seed(t *testing.T, c *AWSClients, f *cellFixture, drInGlobal bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.RDS(f.primaryRegion).(*rds.Client).CreateGlobalCluster(ctx, &rds.CreateGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(f.globalID),
		Engine:                  aws.String("aurora-postgresql"),
		EngineVersion:           aws.String("15.4"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RDS(f.primaryRegion).(*rds.Client).CreateDBCluster(ctx, &rds.CreateDBClusterInput{
		DBClusterIdentifier:     aws.String(f.primaryID),
		Engine:                  aws.String("aurora-postgresql"),
		EngineVersion:           aws.String("15.4"),
		GlobalClusterIdentifier: aws.String(f.globalID),
		MasterUsername:          aws.String("storefront"),
		MasterUserPassword:      aws.String("not-a-real-password"),
	}); err != nil {
		t.Fatal(err)
	}
	in := &rds.CreateDBClusterInput{
		DBClusterIdentifier: aws.String(f.drID),
		Engine:              aws.String("aurora-postgresql"),
		EngineVersion:       aws.String("15.4"),
	}
	if drInGlobal {
		in.GlobalClusterIdentifier = aws.String(f.globalID)
	} else {
		in.MasterUsername = aws.String("storefront")
		in.MasterUserPassword = aws.String("not-a-real-password")
	}
	if _, err := c.RDS(f.drRegion).(*rds.Client).CreateDBCluster(ctx, in); err != nil {
		t.Fatal(err)
	}
	e := c.EKS(f.drRegion).(*eks.Client)
	if _, err := e.CreateCluster(ctx, &eks.CreateClusterInput{
		Name:               aws.String(f.eksName),
		RoleArn:            aws.String("arn:aws:iam::123456789012:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateNodegroup(ctx, &eks.CreateNodegroupInput{
		ClusterName:   aws.String(f.eksName),
		NodegroupName: aws.String("apps"),
		NodeRole:      aws.String("arn:aws:iam::123456789012:role/nodes"),
		Subnets:       []string{"subnet-1", "subnet-2"},
		ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(0), MaxSize: aws.Int32(6), DesiredSize: aws.Int32(0)},
	}); err != nil {
		t.Fatal(err)
	}
}

// scaleNodes is what `pulumi up` with failover=true does to the node group.
func scaleNodes(c *AWSClients, f *cellFixture) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.EKS(f.drRegion).(*eks.Client).UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{
			ClusterName:   aws.String(f.eksName),
			NodegroupName: aws.String("apps"),
			ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(2), MaxSize: aws.Int32(6), DesiredSize: aws.Int32(3)},
		})
		return err
	}
}

// members lists the ARNs in the global cluster and which one is the writer.
func members(t *testing.T, c *AWSClients, f *cellFixture) (arns []string, writer string) {
	t.Helper()
	out, err := c.RDS(f.drRegion).DescribeGlobalClusters(context.Background(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(f.globalID)})
	if err != nil {
		t.Fatal(err)
	}
	// moto ignores the identifier filter and lists every global cluster.
	var found *rdstypes.GlobalCluster
	for i := range out.GlobalClusters {
		if aws.ToString(out.GlobalClusters[i].GlobalClusterIdentifier) == f.globalID {
			found = &out.GlobalClusters[i]
		}
	}
	if found == nil {
		t.Fatalf("no global cluster %s", f.globalID)
	}
	for _, m := range found.GlobalClusterMembers {
		arns = append(arns, aws.ToString(m.DBClusterArn))
		if aws.ToBool(m.IsWriter) {
			writer = aws.ToString(m.DBClusterArn)
		}
	}
	return arns, writer
}

func motoOptions(f *cellFixture, c *AWSClients, runner *fakeRunner, out *syncBuffer) Options {
	return Options{
		Root:           f.root,
		Stack:          f.dr,
		Outputs:        f.outputs(),
		Runner:         runner,
		Clients:        c,
		Out:            out,
		PromoteTimeout: 20 * time.Second,
		PollInterval:   200 * time.Millisecond,
	}
}

// moto keeps global clusters in its us-east-1 backend and RemoveFromGlobalCluster only finds
// the member cluster in the backend of the region it is called in, so the end-to-end
// detach runs on a us cell mirrored to us-west-2 -> us-east-1 (same jurisdiction).
func TestUnplannedFailoverAgainstMoto(t *testing.T) {
	c := startMoto(t)
	f := newCellFixture(t, "mirror", "us", "us-west-2", "us-east-1")
	seed(t, c, f, true)
	primaryARN := fmt.Sprintf("arn:aws:rds:%s:123456789012:cluster:%s", f.primaryRegion, f.primaryID)
	if arns, writer := members(t, c, f); !slices.Contains(arns, f.drARN) || writer != primaryARN {
		t.Fatalf("seed: members %v writer %s", arns, writer)
	}

	runner := &fakeRunner{onUp: scaleNodes(c, f)}
	var out syncBuffer
	var prompted string
	opts := motoOptions(f, c, runner, &out)
	opts.Confirm = func(p string) (string, error) { prompted = p; return f.dr + "\n", nil }
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("failover failed: %v\n%s", err, out.String())
	}

	t.Logf("transcript:\n%s", out.String())
	if !strings.Contains(prompted, f.dr) {
		t.Errorf("confirmation prompt does not name the stack: %q", prompted)
	}
	arns, writer := members(t, c, f)
	if slices.Contains(arns, f.drARN) {
		t.Errorf("DR cluster is still a member of the global cluster: %v", arns)
	}
	if writer != primaryARN || !slices.Contains(arns, primaryARN) {
		t.Errorf("the old primary should be left untouched in the global cluster: members %v writer %s", arns, writer)
	}
	want := []string{"config set failoverMode detach -s mirror-dr", "config set failover true -s mirror-dr", "up --yes --skip-preview -s mirror-dr"}
	if got := runner.recorded(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("pulumi calls = %q, want %q", got, want)
	}
	var statuses []string
	for _, s := range rep.Steps {
		statuses = append(statuses, string(s.Step)+"="+s.Status)
	}
	if got := strings.Join(statuses, " "); got != "preflight=ok promote=ok converge=ok postcheck=ok" {
		t.Errorf("steps: %s", got)
	}
	text := out.String()
	for _, s := range []string{
		"config: mirror-dr is a valid DR stack of cell mirror",
		"aurora: writer " + primaryARN,
		"replication lag unavailable",
		"eks: cluster mirror-dr-eks is ACTIVE",
		"calling rds:RemoveFromGlobalCluster(GlobalClusterIdentifier=mirror-global, DbClusterIdentifier=" + f.drARN + ") in us-east-1",
		"aurora: mirror-dr-db is promoted",
		"fake pulumi up --yes --skip-preview -s mirror-dr",
		"aurora: writer is mirror-dr-db in us-east-1",
		"eks: node group apps desires 3 nodes",
		"STEP", "total",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
}

// The EU cell runs with its real regions; a dry run must pass preflight and change nothing.
func TestDryRunAgainstMotoChangesNothing(t *testing.T) {
	c := startMoto(t)
	f := newCellFixture(t, "eu", "eu", "eu-west-1", "eu-central-1")
	seed(t, c, f, true)
	runner := &fakeRunner{}
	var out syncBuffer
	opts := motoOptions(f, c, runner, &out)
	opts.DryRun = true
	opts.Confirm = func(string) (string, error) { return "", errors.New("a dry run must not ask") }
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("dry run failed: %v\n%s", err, out.String())
	}
	if arns, _ := members(t, c, f); !slices.Contains(arns, f.drARN) {
		t.Errorf("dry run detached the DR cluster: members %v", arns)
	}
	if got := runner.recorded(); len(got) != 0 {
		t.Errorf("dry run ran pulumi: %q", got)
	}
	if rep.Steps[0].Status != "ok" || rep.Steps[1].Status != "dry-run" || rep.Steps[3].Status != "dry-run" {
		t.Errorf("steps: %+v", rep.Steps)
	}
	for _, s := range []string{
		"would call rds:RemoveFromGlobalCluster(GlobalClusterIdentifier=eu-global, DbClusterIdentifier=" + f.drARN + ") in eu-central-1",
		"would run: pulumi config set failover true -s eu-dr",
		"would run: pulumi up --yes --skip-preview -s eu-dr",
		"dry run complete",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

// Each broken precondition must stop the run in preflight, before any mutation.
func TestPreflightFailuresAgainstMoto(t *testing.T) {
	c := startMoto(t)
	cases := []struct {
		name       string
		drInGlobal bool
		edit       func(*cellFixture) // breaks the fixture after seeding
		stack      func(*cellFixture) string
		want       string
	}{
		{
			name: "dr cluster not a member", drInGlobal: false,
			want: "is not a member of global cluster",
		},
		{
			name: "cell stack instead of dr stack", drInGlobal: true,
			stack: func(f *cellFixture) string { return f.cell },
			want:  `has role "cell": failover runs against the cell's DR stack`,
		},
		{
			name: "dr outputs in the wrong region", drInGlobal: true,
			edit: func(f *cellFixture) {
				f.drOutputs["region"] = f.primaryRegion
				f.drOutputs["dbClusterArn"] = strings.Replace(f.drARN, f.drRegion, f.primaryRegion, 1)
			},
			want: "output region is \"us-west-2\" but the stack config says the DR region is \"us-east-1\"",
		},
		{
			name: "global cluster ids differ", drInGlobal: true,
			edit: func(f *cellFixture) { f.cellOutput["globalClusterId"] = "other-global" },
			want: "output globalClusterId differs",
		},
		{
			name: "missing dr outputs", drInGlobal: true,
			edit: func(f *cellFixture) { delete(f.drOutputs, "dbClusterArn"); delete(f.drOutputs, "clusterName") },
			want: "missing or empty stack outputs: clusterName, dbClusterArn",
		},
		{
			name: "eks cluster missing", drInGlobal: true,
			edit: func(f *cellFixture) { f.drOutputs["clusterName"] = "no-such-cluster" },
			want: "describing EKS cluster no-such-cluster in us-east-1",
		},
		{
			name: "resume from converge before promotion", drInGlobal: true,
			want: "resuming from converge needs a promoted DR cluster",
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newCellFixture(t, fmt.Sprintf("c%d", i), "us", "us-west-2", "us-east-1")
			seed(t, c, f, tc.drInGlobal)
			if tc.edit != nil {
				tc.edit(f)
				f.writeOutputs(t)
			}
			before, beforeWriter := members(t, c, f)
			runner := &fakeRunner{}
			var out syncBuffer
			opts := motoOptions(f, c, runner, &out)
			if tc.stack != nil {
				opts.Stack = tc.stack(f)
			}
			if strings.HasPrefix(tc.name, "resume") {
				opts.ResumeFrom = StepConverge
			}
			rep, err := Run(context.Background(), opts)
			if err == nil {
				t.Fatalf("want an error containing %q, got success:\n%s", tc.want, out.String())
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "preflight: ") {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if rep.Steps[0].Status != "failed" || rep.Steps[1].Status != "not run" {
				t.Errorf("steps: %+v", rep.Steps)
			}
			if !strings.Contains(out.String(), "next: nothing was changed") {
				t.Errorf("output lacks the next-step hint:\n%s", out.String())
			}
			after, afterWriter := members(t, c, f)
			if strings.Join(before, ",") != strings.Join(after, ",") || beforeWriter != afterWriter {
				t.Errorf("global cluster changed: %v/%s -> %v/%s", before, beforeWriter, after, afterWriter)
			}
			if got := runner.recorded(); len(got) != 0 {
				t.Errorf("pulumi ran after a failed preflight: %q", got)
			}
		})
	}
}

// moto 5.2 does not implement SwitchoverGlobalCluster (it answers 500). The planned path is
// exercised against an in-memory RDS in failover_test.go; here it must at least stop cleanly
// when the promotion call fails: nothing converged, and a hint that nothing changed.
func TestPlannedSwitchoverRefusedByMotoStopsBeforeConverge(t *testing.T) {
	c := startMoto(t)
	f := newCellFixture(t, "mirror", "us", "us-west-2", "us-east-1")
	seed(t, c, f, true)
	runner := &fakeRunner{onUp: scaleNodes(c, f)}
	var out syncBuffer
	opts := motoOptions(f, c, runner, &out)
	opts.Planned = true
	_, err := Run(context.Background(), opts)
	if err == nil {
		// If a newer moto implements switchover, the run must have made the DR cluster the writer.
		if _, writer := members(t, c, f); writer != f.drARN {
			t.Fatalf("planned failover reported success but the writer is %s:\n%s", writer, out.String())
		}
		return
	}
	if !strings.HasPrefix(err.Error(), "promote: SwitchoverGlobalCluster") {
		t.Fatalf("error %q should come from the promote step's SwitchoverGlobalCluster call\n%s", err, out.String())
	}
	if got := runner.recorded(); len(got) != 0 {
		t.Errorf("pulumi ran after a failed promotion: %q", got)
	}
	if !strings.Contains(out.String(), "next: the Aurora promotion was not accepted, nothing was changed") {
		t.Errorf("output lacks the next-step hint:\n%s", out.String())
	}
	if arns, _ := members(t, c, f); !slices.Contains(arns, f.drARN) {
		t.Errorf("DR cluster left the global cluster: %v", arns)
	}
}
