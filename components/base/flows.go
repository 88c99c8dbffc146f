package base

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A component declares the network flows it needs (Required) and the ones that must never
// exist (Forbidden). Each component registers its declarations as its "flows" output and
// the program exports all of them as the stack output "flows", so they travel inside the
// state; the deployability pack (policies/rules, NET-*) decides every declared flow from
// what the plan declares: security groups, routes, NACLs, endpoints, NetworkPolicies.

// FlowsOutput is the name of the output that carries flow declarations.
const FlowsOutput = "flows"

// Endpoint selects one end of a flow; the evaluator resolves it against the plan.
type Endpoint map[string]any

// Pods selects the pods of the workloads in namespace whose pod template carries labels.
func Pods(namespace string, labels map[string]string) Endpoint {
	l := map[string]any{}
	for k, v := range labels {
		l[k] = v
	}
	return Endpoint{"pods": map[string]any{"namespace": namespace, "labels": l}}
}

// ClusterNodes selects the nodes of every node group of the EKS cluster named cluster.
func ClusterNodes(cluster string) Endpoint { return Endpoint{"clusterNodes": cluster} }

// AWSResource selects the resources of type typ (a Pulumi type token) named name (the last
// URN segment; "" for every resource of the type).
func AWSResource(typ, name string) Endpoint {
	return Endpoint{"resource": map[string]any{"type": typ, "name": name}}
}

// VpcEndpoint selects the VPC endpoints of an AWS service ("sts", "ecr.api", "s3").
func VpcEndpoint(service string) Endpoint { return Endpoint{"vpcEndpoint": service} }

// Internet is any public address.
func Internet() Endpoint { return Endpoint{"internet": true} }

// Tier is a host in the subnets tagged tier=<tier> carrying the security groups tagged the
// same way (the network's application tier).
func Tier(tier string) Endpoint { return Endpoint{"tier": tier} }

// PrefixList is an AWS-managed prefix list, with the id, weight and entries the lookup
// answered (data sources leave nothing else in state).
func PrefixList(name, id string, maxEntries int, entries []string) Endpoint {
	e := make([]any, len(entries))
	for i, c := range entries {
		e[i] = c
	}
	return Endpoint{"prefixList": map[string]any{"name": name, "id": id, "maxEntries": maxEntries, "entries": e}}
}

// Flow is one declared flow. Port names one port; Ports ("from-to") a range, minus Except.
type Flow struct {
	From, To  Endpoint
	Port      int
	Ports     string
	Except    []int
	Protocol  string // "tcp" (default) or "udp"
	Forbidden bool
	Why       string
}

// Value is the flow as a plain output value.
func (f Flow) Value() map[string]any {
	v := map[string]any{
		"from": map[string]any(f.From), "to": map[string]any(f.To), "why": f.Why,
		"protocol": "tcp", "expect": "required",
	}
	if f.Protocol != "" {
		v["protocol"] = f.Protocol
	}
	if f.Forbidden {
		v["expect"] = "forbidden"
	}
	if f.Ports != "" {
		v["ports"] = f.Ports
	} else {
		v["port"] = f.Port
	}
	if len(f.Except) > 0 {
		ex := make([]any, len(f.Except))
		for i, p := range f.Except {
			ex[i] = p
		}
		v["except"] = ex
	}
	return v
}

// FlowsValue turns declarations into an output value.
func FlowsValue(flows []Flow) pulumi.Input {
	out := make([]any, len(flows))
	for i, f := range flows {
		out[i] = f.Value()
	}
	return pulumi.Any(out)
}

// DataStoreFlows declares what a data store (selected by store) admits: the application
// tier on port only, and nothing from the internet.
func DataStoreFlows(store Endpoint, port int, what string) []Flow {
	return []Flow{
		ForbidAllBut(Tier("app"), store, port, "the application tier reaches "+what+" on its data port only"),
		{From: Internet(), To: store, Ports: "0-65535", Forbidden: true, Why: what + " is never reachable from the internet"},
	}
}

// ForbidAllBut declares that from may reach to on no TCP port but allowed.
func ForbidAllBut(from, to Endpoint, allowed int, why string) Flow {
	return Flow{From: from, To: to, Ports: "0-65535", Except: []int{allowed}, Forbidden: true,
		Why: fmt.Sprintf("%s (only port %d is needed)", why, allowed)}
}
