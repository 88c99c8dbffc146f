package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
	"globalstack/policies/plantest"
)

// copyRecord appends a copy of a Route 53 record to d under another name, the way a second
// resource (in this stack or another) would manage the same record set.
func copyRecord(d *apitype.DeploymentV3, rec apitype.ResourceV3, stack, newName string) string {
	raw, _ := json.Marshal(rec)
	var cp apitype.ResourceV3
	_ = json.Unmarshal(raw, &cp)
	u := string(rec.URN)
	u = u[:strings.LastIndex(u, "::")+2] + newName
	// Re-home the URN into the target stack ("urn:pulumi:<stack>::...").
	parts := strings.SplitN(u, "::", 2)
	cp.URN = resource.URN("urn:pulumi:" + stack + "::" + parts[1])
	cp.Parent = ""
	d.Resources = append(d.Resources, cp)
	return newName
}

func validationRecord(t *testing.T, d apitype.DeploymentV3) apitype.ResourceV3 {
	t.Helper()
	for _, r := range plantest.OfType(d, "aws:route53/record:Record") {
		if strings.Contains(plantest.Name(r), "validation") {
			return *r
		}
	}
	t.Fatal("the planned cell has no ACM validation record")
	return apitype.ResourceV3{}
}

func TestRecordManagedTwiceInOneStack(t *testing.T) {
	d := plantest.Clone(t, loadPlanned(t, "prod-eu"))
	before := findings(t, "prod-eu", d)
	copyRecord(&d, validationRecord(t, d), "prod-eu", "validation-again")
	after := findings(t, "prod-eu", d)
	require.False(t, before["DNS-001 validation-again"])
	require.True(t, after["DNS-001 validation-again"], "findings: %v", after)
}

// TestRecordManagedByCellAndDR is the defect this rule was written for: the DR stack's
// failover mode managing the cell's ACM validation record. Checked together, as make policy
// checks every planned stack, the record is reported in both stacks and the check fails.
func TestRecordManagedByCellAndDR(t *testing.T) {
	cell := loadPlanned(t, "prod-eu")
	drPath := filepath.Join(planDir, "prod-eu-dr", "failover", "state.json")
	dr, err := pulumifiles.ReadDeployment(drPath)
	require.NoError(t, err, "make plan writes the failover mode of every DR stack")

	dir := t.TempDir()
	write := func(stack string, d apitype.DeploymentV3) string {
		p := filepath.Join(dir, stack, "state.json")
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		raw, err := json.Marshal(apitype.UntypedDeployment{Version: 3, Deployment: mustRaw(t, d)})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, raw, 0o644))
		return p
	}
	files := []string{write("prod-eu", cell), write("prod-eu-dr", dr)}
	reps, err := check.CheckFiles(files, repoRoot, check.Options{})
	require.NoError(t, err)
	for _, rep := range reps {
		for _, f := range rep.Findings {
			require.NotEqual(t, "DNS-001", f.RuleID, "the planned cell and DR stack share a record: %s", f.Message)
		}
	}

	copyRecord(&dr, validationRecord(t, cell), "prod-eu-dr", "origin-cert-validation-1")
	files[1] = write("prod-eu-dr", dr)
	reps, err = check.CheckFiles(files, repoRoot, check.Options{})
	require.NoError(t, err)
	hit := map[string]bool{}
	for _, rep := range reps {
		for _, f := range rep.Findings {
			if f.RuleID == "DNS-001" {
				hit[rep.Stack] = true
				require.Contains(t, f.Message, "also managed by stack")
			}
		}
	}
	require.Equal(t, map[string]bool{"prod-eu": true, "prod-eu-dr": true}, hit)

	// The same edited exports fail `make policy` (the checker exits 1, so make exits 2).
	out, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "POLICY_FILES="+strings.Join(files, " "))
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "DNS-001")
}

func mustRaw(t *testing.T, d apitype.DeploymentV3) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	return raw
}
