// Package policy checks the policy pack end to end: `make policy` over freshly planned stacks,
// and the real Pulumi CLI (`pulumi policy analyze`) loading the pack both as an executable and
// as a `runtime: go` directory.
//
// TestMain plans every stack into a temporary directory with `make plan` first, so the suite
// always judges the current program. The engine tests need the CLI built by `make pulumi`
// (bin/pulumi); they skip, saying so, only when it is absent.
package policy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gruntwork-io/terratest/modules/logger"
	"github.com/gruntwork-io/terratest/modules/shell"
	"github.com/stretchr/testify/require"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
	"globalstack/policies/plantest"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

const repoRoot = "../.."

var (
	planDir     string // every stack, planned by TestMain
	productions = []string{"prod-us", "prod-eu", "prod-jp"}
)

// badStack writes the bad stack (plantest.Bad: documented edits of the planned prod-eu) and
// its waiver file, and returns their paths.
func badStack(t *testing.T) (state, waivers string) {
	return plantest.WriteBad(t, t.TempDir())
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "policy-plan-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command("make", "--no-print-directory", "plan", "PLAN_DIR="+dir)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "make plan failed: %v\n%s", err, out)
		os.Exit(1)
	}
	planDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func planFiles(t *testing.T) []string {
	files, err := check.PlanFiles(planDir)
	require.NoError(t, err)
	for _, s := range productions {
		require.FileExists(t, filepath.Join(planDir, s, "state.json"), "make plan did not write %s", s)
	}
	return files
}

// TestProductionStacksHaveNoMandatoryViolations checks every planned stack offline with the
// reviewed waivers, exactly as `make policy` does.
func TestProductionStacksHaveNoMandatoryViolations(t *testing.T) {
	w, err := waivers.Reviewed()
	require.NoError(t, err)
	reports, err := check.CheckFiles(planFiles(t), repoRoot, check.Options{Waivers: w})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range reports {
		seen[r.Stack] = true
		require.NotEmpty(t, r.Jurisdiction, "%s: no jurisdiction", r.Stack)
		require.Greater(t, r.Resources, 0, r.Stack)
		for _, f := range r.Findings {
			if f.Blocking() {
				t.Errorf("%s: mandatory %s %s on %s: %s", r.Stack, f.RuleID, f.Policy, f.URN, f.Message)
			}
		}
	}
	for _, s := range productions {
		require.True(t, seen[s], "stack %s not checked", s)
	}
}

func run(t *testing.T, dir string, env map[string]string, name string, args ...string) (stdout string, code int) {
	t.Helper()
	out, _, err := shell.RunCommandContextAndGetStdOutErrE(t, t.Context(), &shell.Command{Command: name, Args: args, WorkingDir: dir, Env: env, Logger: logger.Discard})
	if err != nil {
		code, cerr := shell.GetExitCodeForRunCommandError(err)
		require.NoError(t, cerr, "%s %v", name, args)
		return out, code
	}
	return out, 0
}

func TestMakePolicyFormats(t *testing.T) {
	text, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "PLAN_DIR="+planDir)
	require.Equal(t, 0, code, text)
	require.Contains(t, text, "PASS: ")
	for _, s := range productions {
		require.Contains(t, text, "== "+s+" (jurisdiction ")
	}

	js, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "PLAN_DIR="+planDir, "FORMAT=json")
	require.Equal(t, 0, code, js)
	var doc struct {
		Passed bool
		Stacks []struct{ Stack string }
	}
	require.NoError(t, json.Unmarshal([]byte(js), &doc), js)
	require.True(t, doc.Passed)
	require.GreaterOrEqual(t, len(doc.Stacks), len(productions))

	report := filepath.Join(t.TempDir(), "policy.sarif")
	out, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "PLAN_DIR="+planDir, "FORMAT=sarif", "POLICY_REPORT="+report)
	require.Equal(t, 0, code, out)
	raw, err := os.ReadFile(report)
	require.NoError(t, err)
	var sarif struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &sarif))
	require.Equal(t, "2.1.0", sarif.Version)
	require.Len(t, sarif.Runs[0].Tool.Driver.Rules, len(rules.All()))
}

// TestPolicyCheckFailsOnTheBadStack runs the offline command over the bad stack.
func TestPolicyCheckFailsOnTheBadStack(t *testing.T) {
	badState, badWaivers := badStack(t)
	out, code := run(t, repoRoot, nil, "go", "run", "./policies/cmd/policy-check", "-format", "json",
		"-waivers", badWaivers, badState)
	require.Equal(t, 1, code, out)
	var doc struct {
		Passed bool
		Stacks []struct {
			Findings []struct {
				RuleID       string
				ResourceName string
				Waiver       *struct{ Rule string }
			}
			ExpiredWaivers []struct{ Rule string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.False(t, doc.Passed)
	var got, want []string
	for _, f := range doc.Stacks[0].Findings {
		got = append(got, fmt.Sprintf("%s %s %v", f.RuleID, f.ResourceName, f.Waiver != nil))
	}
	for _, e := range plantest.BadExpected {
		want = append(want, fmt.Sprintf("%s %s %v", e.Rule, e.Resource, e.Waived))
	}
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
	require.Len(t, doc.Stacks[0].ExpiredWaivers, 1)
}

// engine returns the Pulumi CLI, skipping the test when it has not been built.
func engine(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(repoRoot, "bin", "pulumi"))
	require.NoError(t, err)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("bin/pulumi is absent: run `make pulumi` to build the official CLI (%v)", err)
	}
	return p
}

// buildPack builds the pack (or a single-pack variant) into a temporary directory.
func buildPack(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "globalstack-policy")
	out, code := run(t, repoRoot, nil, "go", "build", "-o", bin, pkg)
	require.Equal(t, 0, code, out)
	return bin
}

type event struct {
	PolicyEvent *struct {
		ResourceURN      string `json:"resourceUrn"`
		PolicyName       string `json:"policyName"`
		PolicyPackName   string `json:"policyPackName"`
		EnforcementLevel string `json:"enforcementLevel"`
	} `json:"policyEvent"`
}

// analyze runs `pulumi policy analyze --json` and returns "<level> <policy> <resource name>" per
// violation, and the exit code.
func analyze(t *testing.T, pulumi, state, pack string, env map[string]string) ([]string, int) {
	t.Helper()
	e := map[string]string{"PULUMI_HOME": t.TempDir(), "PULUMI_SKIP_UPDATE_CHECK": "true"}
	for k, v := range env {
		e[k] = v
	}
	abs, err := filepath.Abs(state)
	require.NoError(t, err)
	out, code := run(t, repoRoot, e, pulumi, "policy", "analyze", "--json", "--file", abs, "--policy-pack", pack)
	var got []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev event
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.PolicyEvent == nil {
			continue
		}
		p := ev.PolicyEvent
		name := p.ResourceURN[strings.LastIndex(p.ResourceURN, "::")+2:]
		got = append(got, p.EnforcementLevel+" "+p.PolicyName+" "+name)
	}
	sort.Strings(got)
	return got, code
}

func expectedBad(packs ...rules.Pack) []string {
	var want []string
	for _, e := range plantest.BadExpected {
		r := rules.Lookup(e.Rule)
		if len(packs) > 0 && r.Pack != packs[0] {
			continue
		}
		lvl := "mandatory"
		if e.Waived {
			lvl = "advisory"
		}
		want = append(want, lvl+" "+r.Name+" "+e.Resource)
	}
	sort.Strings(want)
	return want
}

func TestEngineProductionStacksPass(t *testing.T) {
	pulumi := engine(t)
	pack := buildPack(t, "./policies")
	for _, f := range planFiles(t) {
		got, code := analyze(t, pulumi, f, pack, nil)
		require.Equal(t, 0, code, "%s: %v", f, got)
		for _, g := range got {
			require.False(t, strings.HasPrefix(g, "mandatory"), "%s: %s", f, g)
		}
	}
}

func TestEngineBadStackFails(t *testing.T) {
	pulumi := engine(t)
	pack := buildPack(t, "./policies")
	badState, badWaivers := badStack(t)
	got, code := analyze(t, pulumi, badState, pack, map[string]string{"GLOBALSTACK_POLICY_WAIVERS": badWaivers})
	require.Equal(t, 1, code, "%v", got)
	require.Equal(t, expectedBad(), got)
}

// TestEngineRuntimeGoDirectory loads a pack from its directory (PulumiPolicy.yaml, runtime: go)
// through the pulumi-analyzer-policy-go shim on $PATH.
func TestEngineRuntimeGoDirectory(t *testing.T) {
	pulumi := engine(t)
	binDir := t.TempDir()
	out, code := run(t, repoRoot, nil, "go", "build", "-o", filepath.Join(binDir, "pulumi-analyzer-policy-go"), "./policies/cmd/pulumi-analyzer-policy-go")
	require.Equal(t, 0, code, out)
	env := map[string]string{"PATH": binDir + string(os.PathListSeparator) + os.Getenv("PATH")}
	packDir, err := filepath.Abs(filepath.Join(repoRoot, "policies", "packs", "data-residency"))
	require.NoError(t, err)
	badState, _ := badStack(t)
	got, code := analyze(t, pulumi, badState, packDir, env)
	require.Equal(t, 1, code, "%v", got)
	require.Equal(t, expectedBad(rules.DataResidency), got)

	all, err := filepath.Abs(filepath.Join(repoRoot, "policies"))
	require.NoError(t, err)
	got, code = analyze(t, pulumi, filepath.Join(planDir, "prod-eu", "state.json"), all, env)
	require.Equal(t, 0, code, "%v", got)
}

// TestEnginePolicyConfig: a stack export without a jurisdiction fails RES-001 under the engine,
// and the standard --policy-pack-config file supplies the jurisdiction and overrides levels.
func TestEnginePolicyConfig(t *testing.T) {
	pulumi := engine(t)
	pack := buildPack(t, "./policies")
	// the planned prod-eu without its jurisdiction output
	p := plantest.Edit(t, "prod-eu", loadPlanned(t, "prod-eu"))
	delete(p.Root().Outputs, "jurisdiction")
	state := filepath.Join(t.TempDir(), "state.json")
	p.Write(state)

	got, code := analyze(t, pulumi, state, pack, nil)
	require.Equal(t, 1, code, "%v", got)
	require.Equal(t, []string{"mandatory stack-jurisdiction-declared globalstack-prod-eu"}, got)

	cfg := filepath.Join(t.TempDir(), "policy-config.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"stack-jurisdiction-declared": {"enforcementLevel": "mandatory", "jurisdiction": "eu"}}`), 0o644))
	out, code := run(t, repoRoot, map[string]string{"PULUMI_HOME": t.TempDir(), "PULUMI_SKIP_UPDATE_CHECK": "true"},
		pulumi, "policy", "analyze", "--file", state, "--policy-pack", pack, "--policy-pack-config", cfg)
	require.Equal(t, 0, code, out)

	// the wrong jurisdiction moves every regional resource outside it
	require.NoError(t, os.WriteFile(cfg, []byte(`{"stack-jurisdiction-declared": {"jurisdiction": "jp"}, "resource-region-in-jurisdiction": "advisory"}`), 0o644))
	out, code = run(t, repoRoot, map[string]string{"PULUMI_HOME": t.TempDir(), "PULUMI_SKIP_UPDATE_CHECK": "true"},
		pulumi, "policy", "analyze", "--file", state, "--policy-pack", pack, "--policy-pack-config", cfg)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "[advisory]")
	require.Contains(t, out, `outside jurisdiction "jp"`)
}

// TestEngineAndOfflineAgreeOnThePlan compares, stack by stack, what the engine reports with
// the pack and what the offline checker reports for the same state (both with the reviewed
// waivers and the stack alone, as the engine sees it).
func TestEngineAndOfflineAgreeOnThePlan(t *testing.T) {
	pulumi := engine(t)
	pack := buildPack(t, "./policies")
	w, err := waivers.Reviewed()
	require.NoError(t, err)
	for _, f := range planFiles(t) {
		d, err := pulumifiles.ReadDeployment(f)
		require.NoError(t, err)
		rep, err := check.CheckDeployment("", d, check.Options{Waivers: w})
		require.NoError(t, err)
		var want []string
		seen := map[string]bool{}
		for _, fd := range rep.Findings {
			lvl := string(fd.Level)
			if fd.Waiver != nil {
				lvl = "advisory"
			}
			k := lvl + " " + fd.Policy + " " + fd.URN[strings.LastIndex(fd.URN, "::")+2:]
			if !seen[k] { // the engine display keeps one line per policy and resource
				seen[k] = true
				want = append(want, k)
			}
		}
		sort.Strings(want)
		got, code := analyze(t, pulumi, f, pack, nil)
		require.Equal(t, 0, code, "%s: the engine must load the pack and pass the production plan", f)
		var gotUnique []string
		for i, g := range got {
			if i == 0 || g != got[i-1] {
				gotUnique = append(gotUnique, g)
			}
		}
		require.Equal(t, want, gotUnique, f)
	}
}
