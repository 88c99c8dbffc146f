package failover

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cellFixture writes a cell stack and its DR stack into a temporary project directory, and
// their outputs into build/plan the way the offline planner does.
type cellFixture struct {
	root                  string
	cell, dr              string
	jurisdiction          string
	primaryRegion         string
	drRegion              string
	globalID              string
	primaryID, drID       string
	drARN, eksName        string
	drOutputs, cellOutput map[string]any
}

func newCellFixture(t *testing.T, name, jurisdiction, primaryRegion, drRegion string) *cellFixture {
	t.Helper()
	f := &cellFixture{
		root:          t.TempDir(),
		cell:          name,
		dr:            name + "-dr",
		jurisdiction:  jurisdiction,
		primaryRegion: primaryRegion,
		drRegion:      drRegion,
		globalID:      name + "-global",
		primaryID:     name + "-db",
		drID:          name + "-dr-db",
		eksName:       name + "-dr-eks",
	}
	f.drARN = fmt.Sprintf("arn:aws:rds:%s:123456789012:cluster:%s", drRegion, f.drID)
	f.cellOutput = map[string]any{
		"globalClusterId": f.globalID, "dbClusterId": f.primaryID, "region": primaryRegion, "role": "cell",
	}
	f.drOutputs = map[string]any{
		"globalClusterId": f.globalID, "dbClusterId": f.drID, "dbClusterArn": f.drARN,
		"clusterName": f.eksName, "region": drRegion, "role": "dr",
	}
	f.writeStack(t, f.cell, "cell", primaryRegion)
	f.writeStack(t, f.dr, "dr", drRegion)
	f.writeOutputs(t)
	return f
}

func (f *cellFixture) writeStack(t *testing.T, stack, role, region string) {
	t.Helper()
	yaml := fmt.Sprintf(`config:
  aws:region: %s
  globalstack:role: %s
  globalstack:jurisdiction: %s
  globalstack:primaryRegion: %s
  globalstack:drRegion: %s
  globalstack:vpcCidr: 10.40.0.0/16
  globalstack:drVpcCidr: 10.41.0.0/16
  globalstack:azCount: "3"
  globalstack:sizing: dev
  globalstack:tags:
    owner: platform
    cost-center: cc-test
    data-classification: confidential
  globalstack:cluster:
    adminRoleArns: ["arn:aws:iam::123456789012:role/oncall"]
  globalstack:monitoring:
    alertEmails: ["oncall@example.com"]
`, region, role, f.jurisdiction, f.primaryRegion, f.drRegion)
	if err := os.WriteFile(filepath.Join(f.root, "Pulumi."+stack+".yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeOutputs stores both stacks' outputs as the root resource of a deployment export.
func (f *cellFixture) writeOutputs(t *testing.T) {
	t.Helper()
	for stack, outs := range map[string]map[string]any{f.cell: f.cellOutput, f.dr: f.drOutputs} {
		doc := map[string]any{
			"version": 3,
			"deployment": map[string]any{
				"manifest": map[string]any{"version": "v3.255.0"},
				"resources": []any{
					map[string]any{
						"urn":     "urn:pulumi:" + stack + "::globalstack::pulumi:pulumi:Stack::globalstack-" + stack,
						"custom":  false,
						"type":    "pulumi:pulumi:Stack",
						"outputs": outs,
					},
					map[string]any{"urn": "urn:pulumi:" + stack + "::globalstack::aws:rds/cluster:Cluster::db", "custom": true, "type": "aws:rds/cluster:Cluster"},
				},
			},
		}
		raw, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(f.root, "build", "plan", stack)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "state.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *cellFixture) outputs() PlanOutputs {
	return PlanOutputs{Dir: filepath.Join(f.root, "build", "plan")}
}

// fakeRunner records pulumi calls; onUp stands in for what `pulumi up` changes in the cloud.
type fakeRunner struct {
	mu    sync.Mutex
	calls [][]string
	onUp  func(ctx context.Context) error
	fail  map[string]error // by first argument
}

func (r *fakeRunner) Run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string(nil), args...))
	r.mu.Unlock()
	fmt.Fprintf(stdout, "fake pulumi %s\n", strings.Join(args, " "))
	if err := r.fail[args[0]]; err != nil {
		return err
	}
	if args[0] == "up" && r.onUp != nil {
		return r.onUp(ctx)
	}
	return nil
}

func (r *fakeRunner) Command(args []string) string { return "pulumi " + strings.Join(args, " ") }

func (r *fakeRunner) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

// syncBuffer collects progress output written from the run.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
