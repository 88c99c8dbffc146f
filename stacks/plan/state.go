package plan

import (
	"sort"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"globalstack/internal/mockcloud"
	"globalstack/internal/pulumifiles"
	"globalstack/stacks/config"
)

// Deployment converts a plan into the `pulumi stack export` format (version 3): the root
// stack resource with the outputs, then every resource in registration order, which is a
// valid dependency order because a resource registers only after its inputs resolved.
func (r *Result) Deployment(now time.Time) apitype.DeploymentV3 {
	root := string(pulumifiles.RootURN(config.Project, r.Stack))
	outputs := map[string]any{}
	for k, v := range r.Outputs {
		if r.Secret[k] {
			outputs[k] = pulumifiles.Secret(pulumifiles.Redacted)
		} else {
			outputs[k] = v
		}
	}
	res := []apitype.ResourceV3{{
		URN:     resource.URN(root),
		Custom:  false,
		Type:    resource.RootStackType,
		Outputs: outputs,
	}}
	for _, m := range r.Cloud.Resources() {
		res = append(res, resourceV3(m, root))
	}
	return apitype.DeploymentV3{
		Manifest:  pulumifiles.NewManifest(now, r.EngineVersion),
		Resources: res,
	}
}

// StateJSON renders the deployment as `pulumi stack export` would.
func (r *Result) StateJSON(now time.Time) ([]byte, error) {
	return pulumifiles.EncodeDeployment(r.Deployment(now))
}

func resourceV3(m mockcloud.Resource, root string) apitype.ResourceV3 {
	parent := m.Parent
	if parent == "" && m.Type != string(resource.RootStackType) && !isProvider(m.Type) {
		parent = root
	}
	out := apitype.ResourceV3{
		URN:      resource.URN(m.URN),
		Custom:   m.Custom,
		ID:       resource.ID(m.ID),
		Type:     tokens.Type(m.Type),
		Inputs:   pulumifiles.EncodeProperties(m.Inputs),
		Outputs:  pulumifiles.EncodeProperties(m.Outputs),
		Parent:   resource.URN(parent),
		Provider: m.Provider,
	}
	for _, d := range m.Dependencies {
		out.Dependencies = append(out.Dependencies, resource.URN(d))
	}
	if len(m.PropDeps) > 0 {
		out.PropertyDependencies = map[resource.PropertyKey][]resource.URN{}
		keys := make([]string, 0, len(m.PropDeps))
		for k := range m.PropDeps {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var urns []resource.URN
			for _, u := range m.PropDeps[k] {
				urns = append(urns, resource.URN(u))
			}
			out.PropertyDependencies[resource.PropertyKey(k)] = urns
		}
	}
	return out
}

func isProvider(typ string) bool { return len(typ) > 17 && typ[:17] == "pulumi:providers:" }
