// Package program is the Pulumi program of every stack: it validates the stack's config and
// then builds either a region cell or its pilot-light DR copy from the components.
package program

import (
	"fmt"
	"reflect"

	"globalstack/stacks/config"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Outputs are the stack outputs a build produces.
type Outputs map[string]pulumi.Input

// Run is the pulumi.RunFunc of the project.
func Run(ctx *pulumi.Context) error {
	outs, err := Build(ctx)
	if err != nil {
		return err
	}
	for k, v := range outs {
		ctx.Export(k, v)
	}
	return nil
}

// Build validates config and builds the stack, returning its outputs. Nothing is registered
// when the config is invalid.
func Build(ctx *pulumi.Context) (Outputs, error) {
	cell, err := config.Parse(ctx.Stack(), contextSource{ctx})
	if err != nil {
		return nil, err
	}
	out := Outputs{
		"jurisdiction":  pulumi.String(string(cell.Jurisdiction)),
		"role":          pulumi.String(string(cell.Role)),
		"region":        pulumi.String(cell.Region()),
		"primaryRegion": pulumi.String(cell.PrimaryRegion),
		"drRegion":      pulumi.String(cell.DRRegion),
	}
	build := buildCell
	if cell.Role == config.RoleDR {
		build = buildDR
	}
	if err := build(ctx, cell, out); err != nil {
		return nil, err
	}
	for k, v := range out {
		if unset(v) {
			return nil, fmt.Errorf("stack output %s was never set", k)
		}
	}
	return out, nil
}

// unset reports whether v is the zero value of an Output type (a field a component leaves
// empty in some mode), which the engine could not resolve.
func unset(v pulumi.Input) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return false
	}
	f := rv.FieldByName("OutputState")
	return f.IsValid() && f.Kind() == reflect.Pointer && f.IsNil()
}

// contextSource reads config from the Pulumi context.
type contextSource struct{ ctx *pulumi.Context }

func (s contextSource) Get(key string) (string, bool) { return s.ctx.GetConfig(key) }
