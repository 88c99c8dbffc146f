package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/components/regions"
	"globalstack/internal/pulumifiles"
)

const repoRoot = "../.."

var cells = []string{"prod-eu", "prod-jp", "prod-us"}

// The exported state must load as a deployment and be in an order the engine accepts:
// every parent, provider and dependency appears before the resource that names it.
func TestStateIsAValidOrderedDeployment(t *testing.T) {
	p := NewPlanner(repoRoot)
	for _, stack := range cells {
		res, err := p.Plan(stack)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		raw, err := res.StateJSON(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var u apitype.UntypedDeployment
		if err := json.Unmarshal(raw, &u); err != nil || u.Version != 3 {
			t.Fatalf("%s: not a v3 export: %v", stack, err)
		}
		var d apitype.DeploymentV3
		if err := json.Unmarshal(u.Deployment, &d); err != nil {
			t.Fatal(err)
		}
		if d.Resources[0].Type != "pulumi:pulumi:Stack" || d.Resources[0].Outputs["jurisdiction"] == nil {
			t.Fatalf("%s: first resource must be the stack with a jurisdiction output: %+v", stack, d.Resources[0])
		}
		seen := map[string]bool{}
		providerRegion := map[string]any{}
		ids := map[string]string{}
		for _, r := range d.Resources {
			if r.Parent != "" && !seen[string(r.Parent)] {
				t.Errorf("%s: %s appears before its parent %s", stack, r.URN, r.Parent)
			}
			for _, dep := range r.Dependencies {
				if !seen[string(dep)] {
					t.Errorf("%s: %s appears before its dependency %s", stack, r.URN, dep)
				}
			}
			if strings.HasPrefix(string(r.Type), "pulumi:providers:aws") {
				providerRegion[string(r.URN)+"::"+string(r.ID)] = r.Inputs["region"]
			}
			if strings.HasPrefix(string(r.Type), "aws:") {
				region, ok := providerRegion[r.Provider].(string)
				if !ok || !regions.Known(region) {
					t.Errorf("%s: %s has provider %q without a known region", stack, r.URN, r.Provider)
				}
			}
			if r.Custom && r.ID != "" && strings.HasPrefix(string(r.Type), "aws:") {
				if other, dup := ids[string(r.Type)+"/"+string(r.ID)]; dup {
					t.Errorf("%s: %s and %s share id %s", stack, r.URN, other, r.ID)
				}
				ids[string(r.Type)+"/"+string(r.ID)] = string(r.URN)
			}
			seen[string(r.URN)] = true
		}
	}
}

func TestWriteProducesTheThreeFiles(t *testing.T) {
	res, err := NewPlanner(repoRoot).Plan("prod-jp")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := res.Write(dir, time.Now(), DiagramOptions{}, "## Extra\n\nsection"); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, "prod-jp", SummaryFile))
	for _, want := range []string{"# Plan of stack `prod-jp`", "jurisdiction: `jp`", "| ap-northeast-1 |", "`aws:ec2/vpc:Vpc` | 1 |", "## Stack outputs", "## Extra"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	diagram, _ := os.ReadFile(filepath.Join(dir, "prod-jp", DiagramFile))
	for _, want := range []string{"flowchart LR", "ap-northeast-1: primary region, jurisdiction jp", "VPC 10.30.0.0/16", "public subnets x3", "app subnets x3", "data subnets x3", "NAT gateways x3"} {
		if !strings.Contains(string(diagram), want) {
			t.Errorf("diagram lacks %q:\n%s", want, diagram)
		}
	}
	if strings.Contains(string(diagram), "urn:pulumi") {
		t.Error("the diagram should describe the architecture, not list URNs")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "prod-jp"))
	if len(entries) != 3 {
		t.Errorf("want exactly 3 files (no temporaries left), got %d", len(entries))
	}
}

func TestInvalidStackFailsWithItsKey(t *testing.T) {
	dir := t.TempDir()
	raw, _ := os.ReadFile(pulumifiles.StackFile(repoRoot, "prod-eu"))
	bad := strings.Replace(string(raw), "globalstack:drRegion: eu-central-1", "globalstack:drRegion: us-east-1", 1)
	if err := os.WriteFile(pulumifiles.StackFile(dir, "bad-eu"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewPlanner(dir).Plan("bad-eu")
	if err == nil || !strings.Contains(err.Error(), `globalstack:drRegion: "us-east-1" is outside jurisdiction "eu"`) {
		t.Fatalf("got %v", err)
	}
}
