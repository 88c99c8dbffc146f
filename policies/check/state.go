package check

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/rules"
)

func props(m map[string]any) rules.Props { return rules.Props(pulumifiles.PlainMap(m)) }

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

// RegionIndex maps the ids, ARNs and names of the AWS resources of several deployments to
// their regions, so that a stack's replication targets in a sibling stack (its DR stack) can
// be located.
func RegionIndex(deps ...apitype.DeploymentV3) map[string]string {
	idx := map[string]string{}
	for _, d := range deps {
		v := ViewsOf(pulumifiles.StackName(d), d)
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
		name := pulumifiles.StackName(d)
		for k := range rules.RecordKeys(ViewsOf(name, d).Stack) {
			idx[k] = append(idx[k], name)
		}
	}
	return idx
}
