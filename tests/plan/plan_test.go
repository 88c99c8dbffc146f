// Package plan checks `make plan` end to end, as a user runs it from the repository root.
package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gruntwork-io/terratest/modules/shell"
	"github.com/stretchr/testify/require"
)

const repoRoot = "../.."

var cells = []string{"prod-eu", "prod-jp", "prod-us"}

func makePlan(t *testing.T, out string, args ...string) (string, error) {
	return shell.RunCommandContextAndGetOutputE(t, t.Context(), &shell.Command{
		Command:    "make",
		Args:       append([]string{"--no-print-directory", "plan", "PLAN_DIR=" + out}, args...),
		WorkingDir: repoRoot,
	})
}

func TestMakePlanWritesEveryStack(t *testing.T) {
	out := t.TempDir()
	log, err := makePlan(t, out)
	require.NoError(t, err, log)
	require.Contains(t, log, "make plan took")
	stacks, _ := filepath.Glob(filepath.Join(repoRoot, "Pulumi.*.yaml"))
	require.GreaterOrEqual(t, len(stacks), len(cells))
	for _, f := range stacks {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		dir := filepath.Join(out, stack)
		var export struct {
			Version    int `json:"version"`
			Deployment struct {
				Resources []struct {
					Type    string         `json:"type"`
					Outputs map[string]any `json:"outputs"`
				} `json:"resources"`
			} `json:"deployment"`
		}
		raw, err := os.ReadFile(filepath.Join(dir, "state.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &export), stack)
		require.Equal(t, 3, export.Version)
		require.Greater(t, len(export.Deployment.Resources), 50, stack)
		require.Equal(t, "pulumi:pulumi:Stack", export.Deployment.Resources[0].Type)

		summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
		require.NoError(t, err)
		require.Contains(t, string(summary), "## Resources by type")
		require.Contains(t, string(summary), "## Resources by region")
		require.Contains(t, string(summary), "## Stack outputs")

		diagram, err := os.ReadFile(filepath.Join(dir, "diagram.mmd"))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(strings.SplitN(string(diagram), "\n", 2)[1], "flowchart"), stack)
		require.Contains(t, string(diagram), "data subnets")
	}
}

func TestMakePlanOneStack(t *testing.T) {
	out := t.TempDir()
	log, err := makePlan(t, out, "STACK=prod-eu")
	require.NoError(t, err, log)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "prod-eu", entries[0].Name())
}

func TestMakePlanFailsOnUnknownStack(t *testing.T) {
	log, err := makePlan(t, t.TempDir(), "STACK=prod-mars")
	require.Error(t, err)
	require.Contains(t, log, `unknown stack "prod-mars"`)
}
