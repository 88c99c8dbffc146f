// Package plan runs the stacks' real program under the mock cloud, offline, and writes what
// each stack would create: a deployment export (state.json), a summary and a diagram.
package plan

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"globalstack/internal/mockcloud"
	"globalstack/internal/pulumifiles"
	"globalstack/stacks/config"
	"globalstack/stacks/program"
)

// Result is one planned stack.
type Result struct {
	Stack string
	// Mode names a what-if plan of the stack ("failover"); it is written under
	// <dir>/<stack>/<mode>/ next to the stack's own plan. Empty for the stack as configured.
	Mode    string
	Config  map[string]string
	Cloud   *mockcloud.Cloud
	Outputs map[string]any  // resolved stack outputs
	Secret  map[string]bool // outputs marked secret

	// EngineVersion is the Pulumi version the deployment records: the linked Pulumi SDK's.
	EngineVersion string
}

// Planner plans stacks from the config files under Root, remembering each result so a DR
// stack can read its cell's outputs the way a stack reference would.
type Planner struct {
	Root string

	mu   sync.Mutex
	done map[string]*Result
}

// NewPlanner returns a planner for the stack files under root.
func NewPlanner(root string) *Planner {
	return &Planner{Root: root, done: map[string]*Result{}}
}

// Plan runs one stack's program under the mock cloud.
func (p *Planner) Plan(stack string) (*Result, error) {
	return p.PlanWith(stack, nil)
}

// PlanWith plans a stack with config overrides ("globalstack:failover" -> "true"), for
// what-if plans such as a DR stack in failover mode. Only plans without overrides are
// remembered as the stack's outputs.
func (p *Planner) PlanWith(stack string, overrides map[string]string) (*Result, error) {
	cfg, err := pulumifiles.LoadConfig(p.Root, config.Project, stack)
	if err != nil {
		return nil, err
	}
	for k, v := range overrides {
		cfg[k] = v
	}
	engine, err := mockcloud.EngineVersion()
	if err != nil {
		return nil, err
	}
	cloud := mockcloud.New(config.Project, stack)
	if cfg[config.Key("role")] == string(config.RoleDR) {
		primary := pulumifiles.PrimaryStack(config.Project, stack, cfg)
		res, err := p.result(primary)
		if err != nil {
			return nil, fmt.Errorf("stack %s reads the outputs of %s, which failed to plan: %w", stack, primary, err)
		}
		cloud.SetStackOutputs(primary, res.Outputs)
	}

	var outs program.Outputs
	err = cloud.Run(func(ctx *pulumi.Context) error {
		var err error
		outs, err = program.Build(ctx)
		if err != nil {
			return err
		}
		for k, v := range outs {
			ctx.Export(k, v)
		}
		return nil
	}, cfg)
	if err != nil {
		return nil, err
	}

	res := &Result{Stack: stack, Config: cfg, Cloud: cloud, EngineVersion: engine, Outputs: map[string]any{}, Secret: map[string]bool{}}
	for k, v := range outs {
		// The run has finished, so every output is resolved; this only reads it.
		r, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(v))
		if err != nil {
			return nil, fmt.Errorf("stack %s: output %s: %w", stack, k, err)
		}
		res.Outputs[k] = r.Value
		res.Secret[k] = r.Secret
	}
	if len(overrides) == 0 {
		p.mu.Lock()
		p.done[stack] = res
		p.mu.Unlock()
	}
	return res, nil
}

// result returns an earlier plan of stack, planning it now if needed.
func (p *Planner) result(stack string) (*Result, error) {
	p.mu.Lock()
	res, ok := p.done[stack]
	p.mu.Unlock()
	if ok {
		return res, nil
	}
	return p.Plan(stack)
}
