package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"globalstack/policies/check"
	"globalstack/policies/plantest"
	"globalstack/policies/rules"
)

// The ordering rules must be silent on every planned stack, advisory findings included: the
// program passes outputs, not copies of ids, and orders what the cloud resolves eagerly.
func TestOrderingRulesQuietOnThePlan(t *testing.T) {
	files := planFiles(t)
	require.Len(t, files, 9, "every production stack, its DR stack and the DR stack's failover mode")
	for _, f := range files {
		rep, err := check.CheckFile(f, check.Options{Packs: []rules.Pack{rules.Deployability}})
		require.NoError(t, err)
		for _, fd := range rep.Findings {
			if strings.HasPrefix(fd.RuleID, "DEP-") {
				t.Errorf("%s: %s %s on %s: %s", rep.Stack, fd.RuleID, fd.Level, fd.URN, fd.Message)
			}
		}
	}
}

// without removes urn from a resource's dependencies and property dependencies.
func without(r *apitype.ResourceV3, urn resource.URN) {
	r.Dependencies = slices.DeleteFunc(r.Dependencies, func(u resource.URN) bool { return u == urn })
	for k, us := range r.PropertyDependencies {
		r.PropertyDependencies[k] = slices.DeleteFunc(us, func(u resource.URN) bool { return u == urn })
	}
}

// storefrontRole is the storefront's IAM role in a planned cell.
func storefrontRole(t *testing.T, d apitype.DeploymentV3) *apitype.ResourceV3 {
	t.Helper()
	for _, r := range plantest.OfType(d, "aws:iam/role:Role") {
		if strings.HasSuffix(string(r.URN), "globalstack:storefront:Storefront$aws:iam/role:Role::storefront") {
			return r
		}
	}
	t.Fatal("no storefront role in the plan")
	return nil
}

// inlineRoleIntoDataKeyPolicy adds a statement naming the storefront role to the policy of the
// cell's data key, as a copied ARN: the key is created long before the role.
func inlineRoleIntoDataKeyPolicy(t *testing.T, d apitype.DeploymentV3) string {
	t.Helper()
	arn := storefrontRole(t, d).Outputs["arn"].(string)
	for _, k := range plantest.OfType(d, "aws:kms/key:Key") {
		if !strings.HasSuffix(plantest.Name(k), "-data") {
			continue
		}
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(k.Inputs["policy"].(string)), &doc))
		doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Sid": "StorefrontDecrypts", "Effect": "Allow",
			"Principal": map[string]any{"AWS": arn}, "Action": "kms:Decrypt", "Resource": "*"})
		raw, err := json.Marshal(doc)
		require.NoError(t, err)
		plantest.SetProp(t, k, "policy", string(raw))
		return plantest.Name(k)
	}
	t.Fatal("no data key in the plan")
	return ""
}

func TestOrderingMutationsOfAPlannedStackAreCaught(t *testing.T) {
	const stack = "prod-eu"
	base := loadPlanned(t, stack)
	baseline := findings(t, stack, base)
	cases := []struct {
		name   string
		mutate func(t *testing.T, d apitype.DeploymentV3) string
	}{
		{"search access policy no longer waits for the role", func(t *testing.T, d apitype.DeploymentV3) string {
			p := plantest.OfType(d, "aws:opensearch/domainPolicy:DomainPolicy")
			require.Len(t, p, 1)
			without(p[0], storefrontRole(t, d).URN)
			return "DEP-001 " + plantest.Name(p[0])
		}},
		{"role ARN inlined into a key policy", func(t *testing.T, d apitype.DeploymentV3) string {
			return "DEP-001 " + inlineRoleIntoDataKeyPolicy(t, d)
		}},
		{"distribution no longer waits for the log bucket's ownership controls", func(t *testing.T, d apitype.DeploymentV3) string {
			dist := plantest.OfType(d, "aws:cloudfront/distribution:Distribution")
			require.Len(t, dist, 1)
			removed := 0
			for _, oc := range plantest.OfType(d, "aws:s3/bucketOwnershipControls:BucketOwnershipControls") {
				if slices.Contains(dist[0].Dependencies, oc.URN) {
					without(dist[0], oc.URN)
					removed++
				}
			}
			require.Equal(t, 1, removed, "the distribution must depend on exactly the log bucket's ownership controls")
			return "DEP-001 " + plantest.Name(dist[0])
		}},
		{"dropped dependency of a key alias", func(t *testing.T, d apitype.DeploymentV3) string {
			a := plantest.OfType(d, "aws:kms/alias:Alias")
			require.NotEmpty(t, a)
			for _, k := range plantest.OfType(d, "aws:kms/key:Key") {
				if k.Outputs["keyId"] == a[0].Outputs["targetKeyId"] || k.Outputs["arn"] == a[0].Outputs["targetKeyId"] {
					without(a[0], k.URN)
					return "DEP-002 " + plantest.Name(a[0])
				}
			}
			t.Fatalf("alias %s targets no key of the plan", plantest.Name(a[0]))
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plantest.Clone(t, base)
			want := c.mutate(t, d)
			got := findings(t, stack, d)
			added := newFindings(baseline, got)
			require.Equal(t, []string{want}, added)
		})
	}
}

// `make policy POLICY_FILES=<edited state.json>` fails on a mandatory ordering violation: the
// checker exits 1, which make reports with its own status 2 ("2 if make encountered any errors",
// GNU make manual, "Running make").
func TestMakePolicyFailsOnAnEditedPlan(t *testing.T) {
	d := plantest.Clone(t, loadPlanned(t, "prod-eu"))
	key := inlineRoleIntoDataKeyPolicy(t, d)
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	data, err := json.MarshalIndent(apitype.UntypedDeployment{Version: 3, Deployment: raw}, "", "  ")
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "prod-eu", "state.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(state), 0o755))
	require.NoError(t, os.WriteFile(state, data, 0o644))

	out, code := run(t, repoRoot, nil, "make", "--no-print-directory", "policy", "POLICY_FILES="+state)
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "MANDATORY DEP-001")
	require.Contains(t, out, key)
	require.Contains(t, out, "Statement[")

	out, code = run(t, repoRoot, nil, "go", "run", "./policies/cmd/policy-check", state)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "FAIL: 1 stacks, 1 mandatory")
}
