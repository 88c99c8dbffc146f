package plan

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"globalstack/internal/mockcloud"
	"globalstack/stacks/config"
)

// secretSig and the constants below are the markers of the Pulumi state format.
const (
	sigKey         = "4dabf18193072939515e22adb298388d"
	secretSig      = "1b47061264138c4ac30d75fd1eb44270"
	resourceRefSig = "5cf8f73096256a8f31e491e813e4eb8e"
	unknownValue   = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	// Redacted stands for every secret value: the plan never writes one.
	Redacted = "[secret]"
)

// RootURN is the URN of a stack's root resource.
func RootURN(stack string) string {
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(config.Project), "", resource.RootStackType, config.Project+"-"+stack))
}

// Deployment converts a plan into the `pulumi stack export` format (version 3): the root
// stack resource with the outputs, then every resource in registration order, which is a
// valid dependency order because a resource registers only after its inputs resolved.
func (r *Result) Deployment(now time.Time) apitype.DeploymentV3 {
	root := RootURN(r.Stack)
	outputs := map[string]any{}
	for k, v := range r.Outputs {
		if r.Secret[k] {
			outputs[k] = secret(Redacted)
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
		Manifest: apitype.ManifestV1{
			Time:    now.UTC(),
			Magic:   fmt.Sprintf("%x", sha256.Sum256([]byte(r.EngineVersion))),
			Version: r.EngineVersion,
		},
		Resources: res,
	}
}

// StateJSON renders the deployment as `pulumi stack export` would.
func (r *Result) StateJSON(now time.Time) ([]byte, error) {
	d := r.Deployment(now)
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(apitype.UntypedDeployment{Version: 3, Deployment: raw}, "", "  ")
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
		Inputs:   encodeMap(m.Inputs),
		Outputs:  encodeMap(m.Outputs),
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

func encodeMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = encode(v)
	}
	return out
}

// encode turns a property value into its state-file JSON form; secrets are redacted.
func encode(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = encode(e)
		}
		return out
	case v.IsObject():
		return encodeMap(v.ObjectValue())
	case v.IsSecret():
		return secret(Redacted)
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		out := map[string]any{sigKey: resourceRefSig, "urn": string(ref.URN), "packageVersion": ref.PackageVersion}
		if id, ok := ref.IDString(); ok {
			out["id"] = id
		}
		return out
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return secret(Redacted)
		}
		if !o.Known {
			return unknownValue
		}
		return encode(o.Element)
	case v.IsComputed():
		return unknownValue
	}
	return fmt.Sprint(v.V)
}

// secret is the export form of a secret shown in plain text (as `--show-secrets` writes it).
func secret(plain string) map[string]any {
	b, _ := json.Marshal(plain)
	return map[string]any{sigKey: secretSig, "plaintext": string(b)}
}
