package check_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"globalstack/policies/check"
	"globalstack/policies/plantest"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// testNow is the date the waivers of the bad stack are judged against.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// cells writes the planned cells, one per jurisdiction, the way `make plan` lays them out.
func cells(t *testing.T) string {
	return plantest.WriteCells(t, t.TempDir(), "prod-us", "prod-eu", "prod-jp")
}

// bad writes the bad stack (plantest.Bad: edits of the planned prod-eu) and its waivers.
func bad(t *testing.T) (state, waiverFile string) {
	return plantest.WriteBad(t, t.TempDir())
}

func TestCompliantCellsPass(t *testing.T) {
	files, err := check.PlanFiles(cells(t))
	if err != nil || len(files) != 3 {
		t.Fatalf("cells: %v %v", files, err)
	}
	reports, err := check.CheckFiles(files, "", check.Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.Resources < 80 {
			t.Errorf("%s: only %d resources checked", r.Stack, r.Resources)
		}
		if r.Jurisdiction == "" {
			t.Errorf("%s: jurisdiction not found in stack outputs", r.Stack)
		}
		for _, f := range r.Findings {
			t.Errorf("%s: unexpected %s on %s: %s", r.Stack, f.RuleID, f.URN, f.Message)
		}
	}
	if !reports.Passed() {
		t.Error("compliant cells did not pass")
	}
}

type key struct {
	rule, resource string
	waived         bool
}

func TestBadStackFindsExactlyTheExpectedViolations(t *testing.T) {
	state, wfile := bad(t)
	w, err := waivers.Load(wfile)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.CheckFile(state, check.Options{Waivers: w, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]int{}
	for _, f := range rep.Findings {
		got[key{f.RuleID, f.ResourceName, f.Waiver != nil}]++
	}
	want := map[key]bool{}
	for _, e := range plantest.BadExpected {
		want[key{e.Rule, e.Resource, e.Waived}] = true
		if got[key{e.Rule, e.Resource, e.Waived}] == 0 {
			t.Errorf("expected violation not found: %s on %s (waived=%v)", e.Rule, e.Resource, e.Waived)
		}
	}
	for k, n := range got {
		if !want[k] {
			for _, f := range rep.Findings {
				if f.RuleID == k.rule && f.ResourceName == k.resource {
					t.Errorf("unexpected violation (%d): %s on %s: %s", n, k.rule, k.resource, f.Message)
				}
			}
		}
	}
	c := rep.Counts()
	if c.Waived != 1 || c.Mandatory != len(plantest.BadExpected)-1 || rep.Passed() {
		t.Errorf("counts %+v, passed %v", c, rep.Passed())
	}
	if len(rep.WaiversUsed) != 1 || rep.WaiversUsed[0].RuleID() != "ENC-014" {
		t.Errorf("waivers used: %+v", rep.WaiversUsed)
	}
	if len(rep.ExpiredWaivers) != 1 || rep.ExpiredWaivers[0].RuleID() != "LP-010" {
		t.Errorf("expired waivers: %+v", rep.ExpiredWaivers)
	}
	md := rep.Markdown()
	for _, s := range []string{"Policy verdict: FAIL", "LP-010", "Waivers used", "SEC-142", "Expired waivers", "2024-01-31"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

func TestPacksRunSeparately(t *testing.T) {
	d := plantest.Bad(t).D
	all := map[string]bool{}
	for _, p := range rules.Packs {
		rep, err := check.CheckDeployment("", d, check.Options{Packs: []rules.Pack{p}, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) == 0 {
			t.Errorf("pack %s found nothing in the bad stack", p)
		}
		for _, f := range rep.Findings {
			if f.Pack != p {
				t.Errorf("pack %s reported %s from pack %s", p, f.RuleID, f.Pack)
			}
			all[f.RuleID+f.URN+f.Message] = true
		}
	}
	rep, _ := check.CheckDeployment("", d, check.Options{Now: testNow})
	if len(rep.Findings) != len(all) {
		t.Errorf("packs together found %d findings, separately %d", len(rep.Findings), len(all))
	}
}

func TestEnforcementOverrides(t *testing.T) {
	d := plantest.Bad(t).D
	rep, err := check.CheckDeployment("", d, check.Options{Now: testNow, Levels: map[string]rules.Level{"all": rules.Advisory}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed() || rep.Counts().Advisory == 0 {
		t.Errorf("all advisory: counts %+v", rep.Counts())
	}
	rep, err = check.CheckDeployment("", d, check.Options{Now: testNow, Levels: map[string]rules.Level{
		"all": rules.Disabled, "iam-no-wildcard-action": rules.Mandatory}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].RuleID != "LP-001" {
		t.Errorf("only LP-001 enabled: %+v", rep.Findings)
	}
	if _, err := check.NewChecker(check.Options{Levels: map[string]rules.Level{"no-such-rule": rules.Advisory}}); err == nil || !strings.Contains(err.Error(), "no-such-rule") {
		t.Errorf("unknown rule override: %v", err)
	}
}

func TestMissingJurisdictionIsAViolation(t *testing.T) {
	p := plantest.New(t, "prod-eu")
	delete(p.Root().Outputs, "jurisdiction")
	p.RenameStack("prod-xx")
	rep, err := check.CheckDeployment("prod-xx", p.D, check.Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].RuleID != "RES-001" || rep.Findings[0].URN != string(p.Root().URN) {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	// stack config supplies it
	rep, _ = check.CheckDeployment("prod-xx", p.D, check.Options{Now: testNow, Config: map[string]string{"globalstack:jurisdiction": "eu"}})
	if len(rep.Findings) != 0 {
		t.Fatalf("with config: %+v", rep.Findings)
	}
	// config and outputs disagree
	p.Root().Outputs["jurisdiction"] = "us"
	rep, _ = check.CheckDeployment("prod-xx", p.D, check.Options{Now: testNow, Config: map[string]string{"globalstack:jurisdiction": "eu"}})
	if len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Message, `"eu" but the stack output jurisdiction is "us"`) {
		t.Fatalf("disagreement: %+v", rep.Findings)
	}
}

func TestRenderers(t *testing.T) {
	state, wfile := bad(t)
	w, _ := waivers.Load(wfile)
	bad, err := check.CheckFile(state, check.Options{Waivers: w, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	good, err := check.CheckFile(filepath.Join(cells(t), "prod-eu", "state.json"), check.Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	rs := check.Reports{good, bad}

	var text bytes.Buffer
	if err := rs.Render(&text, "text"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"== prod-eu (jurisdiction eu", "MANDATORY", "WAIVED", "waiver expired:",
		fmt.Sprintf("FAIL: 2 stacks, %d mandatory, 0 advisory, 1 waived", len(plantest.BadExpected)-1)} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, text.String())
		}
	}

	var js bytes.Buffer
	if err := rs.Render(&js, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Passed bool
		Stacks []struct {
			Stack    string
			Findings []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Passed || len(doc.Stacks) != 2 || len(doc.Stacks[1].Findings) != len(plantest.BadExpected) {
		t.Errorf("json: %+v", doc)
	}

	var sarif bytes.Buffer
	if err := rs.Render(&sarif, "sarif"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID                   string
						DefaultConfiguration struct{ Level string }
						Properties           map[string]any
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("sarif header: %s %s %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(rules.All()) {
		t.Errorf("sarif rules: %d, want %d", len(run.Tool.Driver.Rules), len(rules.All()))
	}
	suppressed := 0
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", r.RuleIndex, r.RuleID)
		}
		if r.Level != "error" {
			t.Errorf("%s level %s", r.RuleID, r.Level)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != filepath.ToSlash(state) || r.Locations[0].PhysicalLocation.Region.StartLine != 1 {
			t.Errorf("%s location %+v", r.RuleID, r.Locations)
		}
		if len(r.Suppressions) > 0 {
			suppressed++
		}
	}
	if len(run.Results) != len(plantest.BadExpected) || suppressed != 1 {
		t.Errorf("sarif results %d (suppressed %d)", len(run.Results), suppressed)
	}
	if err := rs.Render(&bytes.Buffer{}, "xml"); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestLoadPolicyConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.json")
	if err := os.WriteFile(p, []byte(`{"all": "advisory", "LP-001": "mandatory", "stack-jurisdiction-declared": {"enforcementLevel": "mandatory", "jurisdiction": "jp"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	pc, err := check.LoadPolicyConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for k := range pc.Levels {
		keys = append(keys, k+"="+string(pc.Levels[k]))
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "LP-001=mandatory,all=advisory,stack-jurisdiction-declared=mandatory" || pc.Jurisdiction != "jp" {
		t.Errorf("got %v %q", keys, pc.Jurisdiction)
	}
	if err := os.WriteFile(p, []byte(`{"not-a-policy": "advisory"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := check.LoadPolicyConfig(p); err == nil || !strings.Contains(err.Error(), "not-a-policy") {
		t.Errorf("bad policy name: %v", err)
	}
}

func TestProjectOptionsReadStackConfigAndWaivers(t *testing.T) {
	opts, err := check.ProjectOptions("../..", "prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Config["globalstack:jurisdiction"] != "eu" || opts.Config["aws:region"] != "eu-west-1" {
		t.Errorf("config: %v", opts.Config)
	}
	if opts.Waivers == nil {
		t.Error("reviewed waivers not loaded")
	}
	if _, err := check.StackConfig(t.TempDir(), "none"); err != nil {
		t.Errorf("missing stack file: %v", err)
	}
}

func TestWaiverFileErrorsNameTheEntry(t *testing.T) {
	_, err := waivers.Parse([]byte("waivers:\n  - rule: NOPE-1\n    resource: x\n    expires: tomorrow\n"), "w.yaml")
	if err == nil {
		t.Fatal("invalid waiver accepted")
	}
	for _, s := range []string{`w.yaml: waivers[0]: rule "NOPE-1"`, "reason is required", "approvedBy is required", `expires "tomorrow"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	if _, err := waivers.Parse([]byte("waiverz: []\n"), "w.yaml"); err == nil {
		t.Error("unknown top-level key accepted")
	}
	w, err := waivers.Parse([]byte(plantest.BadWaivers), "bad")
	if err != nil {
		t.Fatal(err)
	}
	// the expiry date is the last day the waiver applies
	last := w.Waivers[0]
	if last.Expired(time.Date(2024, 1, 31, 23, 59, 0, 0, time.UTC)) || !last.Expired(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("expiry is not end of the expires day (UTC)")
	}
}
