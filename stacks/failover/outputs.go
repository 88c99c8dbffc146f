package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"globalstack/internal/pulumifiles"
)

// OutputsSource returns the outputs of a stack as plain values.
type OutputsSource interface {
	Outputs(ctx context.Context, stack string) (map[string]any, error)
	// Describe names the source in messages, so an operator knows where a bad value came from.
	Describe(stack string) string
}

// PlanOutputs reads outputs from the offline plan (build/plan/<stack>/state.json): the
// outputs of the root pulumi:pulumi:Stack resource.
type PlanOutputs struct{ Dir string }

func (p PlanOutputs) statePath(stack string) string {
	return filepath.Join(p.Dir, stack, "state.json")
}

// Describe names the state file the outputs come from.
func (p PlanOutputs) Describe(stack string) string { return p.statePath(stack) }

// Outputs are the root stack resource's outputs in the planned state.
func (p PlanOutputs) Outputs(_ context.Context, stack string) (map[string]any, error) {
	path := p.statePath(stack)
	d, err := pulumifiles.ReadDeployment(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("outputs of %s: %w (run `make plan STACK=%s` first, or use -outputs-from pulumi)", stack, err, stack)
	}
	if err != nil {
		return nil, err
	}
	outs, ok := pulumifiles.StackOutputs(d)
	if !ok {
		return nil, fmt.Errorf("%s: no pulumi:pulumi:Stack resource, so no stack outputs", path)
	}
	// As `pulumi stack output --show-secrets=false` shows them, so both sources agree.
	return pulumifiles.PlainOutputs(outs), nil
}

// PulumiOutputs reads outputs with `pulumi stack output --json --show-secrets=false`.
type PulumiOutputs struct{ Runner Runner }

// Describe is the command the outputs come from.
func (p PulumiOutputs) Describe(stack string) string {
	return "pulumi stack output -s " + stack
}

// Outputs runs `pulumi stack output` for stack.
func (p PulumiOutputs) Outputs(ctx context.Context, stack string) (map[string]any, error) {
	var stdout, stderr bytes.Buffer
	err := p.Runner.Run(ctx, []string{"stack", "output", "--json", "--show-secrets=false", "-s", stack}, &stdout, &stderr)
	if err != nil {
		return nil, fmt.Errorf("outputs of %s: %w: %s", stack, err, strings.TrimSpace(stderr.String()))
	}
	out := map[string]any{}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("outputs of %s: `pulumi stack output --json` printed something that is not a JSON object: %w", stack, err)
	}
	return out, nil
}

// requireStrings picks the named string outputs, reporting every missing or empty one at once.
func requireStrings(outs map[string]any, source string, keys ...string) (map[string]string, error) {
	got := map[string]string{}
	var missing []string
	for _, k := range keys {
		s, ok := outs[k].(string)
		if !ok || strings.TrimSpace(s) == "" || s == pulumifiles.Redacted {
			missing = append(missing, k)
			continue
		}
		got[k] = s
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%s: missing or empty stack outputs: %s", source, strings.Join(missing, ", "))
	}
	return got, nil
}

// arnRegion returns the region field of an ARN ("arn:aws:rds:eu-central-1:123:cluster:x").
func arnRegion(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[3] == "" {
		return "", fmt.Errorf("%q is not a regional ARN", arn)
	}
	return parts[3], nil
}
