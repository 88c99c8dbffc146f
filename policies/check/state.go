package check

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/policies/rules"
)

// Signatures the engine uses inside serialized property values.
const (
	sigKey          = "4dabf18193072939515e22adb298388d"
	secretSig       = "1b47061264138c4ac30d75fd1eb44270"
	resourceRefSig  = "5cf8f73096256a8f31e491e813e4eb8e"
	unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
)

// PlainValue converts a serialized state value into the plain values the rules read:
// secrets are unwrapped (or become "[secret]" when encrypted), resource references become
// their id (or URN), and the unknown sentinel becomes rules.Unknown.
func PlainValue(v any) any {
	switch t := v.(type) {
	case string:
		if t == unknownSentinel {
			return rules.Unknown{}
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = PlainValue(e)
		}
		return out
	case map[string]any:
		switch t[sigKey] {
		case secretSig:
			if pt, ok := t["plaintext"].(string); ok {
				var inner any
				if err := json.Unmarshal([]byte(pt), &inner); err == nil {
					return PlainValue(inner)
				}
			}
			if val, ok := t["value"]; ok {
				return PlainValue(val)
			}
			return "[secret]"
		case resourceRefSig:
			if id, ok := t["id"].(string); ok && id != "" {
				return PlainValue(id)
			}
			urn, _ := t["urn"].(string)
			return urn
		}
		return plainMap(t)
	}
	return v
}

func plainMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		if strings.HasPrefix(k, "__") { // engine-internal keys are not sent to analyzers
			continue
		}
		out[k] = PlainValue(e)
	}
	return out
}

func props(m map[string]any) rules.Props { return rules.Props(plainMap(m)) }

// Views is one stack as the engine presents it: every resource with its inputs (what
// per-resource policies see) and with its outputs (what stack policies see).
type Views struct {
	Inputs []*rules.Resource
	Stack  *rules.Stack
}

// ViewsOf builds both views of a deployment.
func ViewsOf(stack string, d apitype.DeploymentV3) Views {
	providers := map[string]*apitype.ResourceV3{}
	for i := range d.Resources {
		r := &d.Resources[i]
		if strings.HasPrefix(string(r.Type), "pulumi:providers:") && !r.Delete {
			providers[string(r.URN)] = r
		}
	}
	v := Views{Stack: &rules.Stack{Name: stack}}
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.Delete {
			continue
		}
		var prov *rules.ProviderRef
		if r.Provider != "" {
			purn := r.Provider
			if j := strings.LastIndex(purn, "::"); j >= 0 {
				purn = purn[:j]
			}
			if p := providers[purn]; p != nil {
				prov = &rules.ProviderRef{URN: purn, Type: string(p.Type), Props: props(p.Inputs)}
			}
		}
		deps := make([]string, len(r.Dependencies))
		for j, d := range r.Dependencies {
			deps[j] = string(d)
		}
		pdeps := map[string][]string{}
		for k, us := range r.PropertyDependencies {
			for _, u := range us {
				pdeps[string(k)] = append(pdeps[string(k)], string(u))
			}
		}
		base := rules.Resource{
			URN: string(r.URN), Type: string(r.Type), Name: urnName(string(r.URN)), Provider: prov,
			Parent: string(r.Parent), Dependencies: deps, PropertyDependencies: pdeps,
		}
		in, out := base, base
		in.Props = props(r.Inputs)
		out.Props = props(r.Outputs)
		v.Inputs = append(v.Inputs, &in)
		v.Stack.Resources = append(v.Stack.Resources, &out)
	}
	v.Stack.Index()
	return v
}

// urnName is the name part of a URN.
func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// StackNameOf returns the stack name encoded in a deployment's URNs.
func StackNameOf(d apitype.DeploymentV3) string {
	for _, r := range d.Resources {
		parts := strings.SplitN(strings.TrimPrefix(string(r.URN), "urn:pulumi:"), "::", 2)
		if len(parts) == 2 && parts[0] != "" {
			return parts[0]
		}
	}
	return ""
}

// ReadDeployment reads a `pulumi stack export` file (an untyped deployment of version 3).
func ReadDeployment(path string) (apitype.DeploymentV3, error) {
	var d apitype.DeploymentV3
	data, err := os.ReadFile(path)
	if err != nil {
		return d, fmt.Errorf("reading deployment: %w", err)
	}
	var u apitype.UntypedDeployment
	if err := json.Unmarshal(data, &u); err != nil {
		return d, fmt.Errorf("%s: not a stack export: %w", path, err)
	}
	if u.Version != 3 {
		return d, fmt.Errorf("%s: deployment version %d is not supported (want 3)", path, u.Version)
	}
	if err := json.Unmarshal(u.Deployment, &d); err != nil {
		return d, fmt.Errorf("%s: deployment: %w", path, err)
	}
	return d, nil
}

// RegionIndex maps the ids, ARNs and names of the AWS resources of several deployments to
// their regions, so that a stack's replication targets in a sibling stack (its DR stack) can
// be located.
func RegionIndex(deps ...apitype.DeploymentV3) map[string]string {
	idx := map[string]string{}
	for _, d := range deps {
		v := ViewsOf(StackNameOf(d), d)
		for _, r := range v.Stack.Resources {
			if !r.IsAWS() {
				continue
			}
			reg, ok := r.EffectiveRegion()
			if !ok {
				continue
			}
			for _, k := range []string{"id", "arn", "name", "bucket", "bucketDomainName", "bucketRegionalDomainName",
				"clusterIdentifier", "replicationGroupId", "keyId"} {
				if s, ok := r.Props[k].(string); ok && s != "" {
					idx[s] = reg
				}
			}
		}
	}
	return idx
}

// RecordOwners indexes which stacks declare each Route 53 record (rules.RecordKey), so that
// stacks checked together see a record another stack also manages.
func RecordOwners(deps ...apitype.DeploymentV3) map[string][]string {
	idx := map[string][]string{}
	for _, d := range deps {
		name := StackNameOf(d)
		for k := range rules.RecordKeys(ViewsOf(name, d).Stack) {
			idx[k] = append(idx[k], name)
		}
	}
	return idx
}
