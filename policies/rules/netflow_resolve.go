package rules

import (
	"fmt"
	"sort"
	"strings"
)

// resolve turns a selector into the ends it stands for.
func (x *netIndex) resolve(sel map[string]any) ([]end, error) {
	for kind, v := range sel {
		switch kind {
		case "internet":
			return []end{{label: "internet", places: []place{{public: true}}}}, nil
		case "prefixList":
			return x.prefixListEnd(v)
		case "pods":
			return x.podsEnd(v)
		case "clusterNodes":
			name, _ := v.(string)
			return x.nodesEnd(name)
		case "resource":
			return x.resourceEnds(v)
		case "vpcEndpoint":
			svc, _ := v.(string)
			return x.endpointEnds(svc)
		case "tier":
			tier, _ := v.(string)
			return x.tierEnd(tier)
		}
		return nil, fmt.Errorf("unknown selector %q", kind)
	}
	return nil, fmt.Errorf("empty selector")
}

func (x *netIndex) prefixListEnd(v any) ([]end, error) {
	m, _ := v.(map[string]any)
	id, _ := m["id"].(string)
	name, _ := m["name"].(string)
	if id == "" || name == "" {
		return nil, fmt.Errorf("prefix list selector %v needs the name and the id the lookup answered", v)
	}
	p := place{public: true, prefixList: id}
	for _, e := range Strings(m["entries"]) {
		if c, ok := parsePrefix(e); ok {
			p.entries = append(p.entries, c)
		}
	}
	return []end{{label: fmt.Sprintf("prefix list %s (%s)", name, id), places: []place{p}}}, nil
}

// subnetPlaces returns the places of subnets given by id.
func (x *netIndex) subnetPlaces(ids []string) ([]place, error) {
	var out []place
	for _, id := range ids {
		sn := x.subnets[id]
		if sn == nil {
			return nil, fmt.Errorf("subnet %s is not in the plan", id)
		}
		c, ok := parsePrefix(str(sn.Props, "cidrBlock"))
		if !ok {
			return nil, fmt.Errorf("subnet %s has no cidrBlock", id)
		}
		out = append(out, place{cidr: c, subnet: sn})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no subnets")
	}
	return out, nil
}

// nodeGroupEnd is where the nodes of one node group are: its subnets, with the groups of
// its launch template (vpcSecurityGroupIds), else the cluster security group EKS attaches.
func (x *netIndex) nodeGroupEnd(ng *Resource) (end, error) {
	places, err := x.subnetPlaces(strList(ng.Props, "subnetIds"))
	if err != nil {
		return end{}, fmt.Errorf("node group %s: %v", ng.Name, err)
	}
	e := end{label: "nodes of " + ng.Name, places: places, filtered: true, urn: ng.URN}
	if lt := str(ng.Props, "launchTemplate.id"); lt != "" {
		for _, t := range x.s.Find(lt, tLaunchTemplate) {
			e.groups = append(e.groups, strList(t.Props, "vpcSecurityGroupIds")...)
		}
	}
	if len(e.groups) == 0 {
		for _, c := range x.s.Find(str(ng.Props, "clusterName"), tEKSCluster) {
			e.groups = append(e.groups, str(c.Props, "vpcConfig.clusterSecurityGroupId"))
		}
	}
	return e, nil
}

func (x *netIndex) nodesEnd(cluster string) ([]end, error) {
	var out []end
	for _, ng := range x.s.OfType(tEKSNodeGroup) {
		if cluster != "" && str(ng.Props, "clusterName") != cluster {
			continue
		}
		e, err := x.nodeGroupEnd(ng)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no node group of cluster %q", cluster)
	}
	return out, nil
}

// podsEnd: with the VPC CNI (no security groups for pods) a pod's address is a secondary
// address of its node's network interfaces, which carry the node's security groups and sit
// in the node's subnets.
// https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html
func (x *netIndex) podsEnd(v any) ([]end, error) {
	m, _ := v.(map[string]any)
	ns, _ := m["namespace"].(string)
	want := map[string]string{}
	lm, _ := m["labels"].(map[string]any)
	for k, v := range lm {
		want[k], _ = v.(string)
	}
	info := &podInfo{namespace: ns, labels: map[string]string{}, ports: map[string]int{}}
	found := false
	for _, w := range x.s.OfType(workloadTypes...) {
		if str(w.Props, "metadata.namespace") != ns {
			continue
		}
		tmpl, _ := w.Props.Get("spec.template")
		tm, _ := tmpl.(map[string]any)
		labels := map[string]string{}
		if l, ok := Props(tm).Get("metadata.labels"); ok {
			for k, v := range l.(map[string]any) {
				labels[k], _ = v.(string)
			}
		}
		if !selects(want, labels) {
			continue
		}
		found = true
		for k, v := range labels {
			info.labels[k] = v
		}
		cs, _ := Props(tm).Get("spec.containers")
		for _, c := range asList(cs) {
			for _, p := range asList(Props(asMap(c))["ports"]) {
				pm := Props(asMap(p))
				if n, ok := num(pm, "containerPort"); ok && str(pm, "name") != "" {
					info.ports[str(pm, "name")] = n
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no workload in namespace %q has pods labelled %s", ns, labelText(lm))
	}
	nodes, err := x.nodesEnd("")
	if err != nil {
		return nil, fmt.Errorf("pods %s/%s run on nodes: %v", ns, labelText(lm), err)
	}
	for i := range nodes {
		nodes[i].label = fmt.Sprintf("pods %s/%s", ns, labelText(lm))
		nodes[i].pod = info
	}
	return nodes, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// selects reports whether labels carry every key/value of want.
func selects(want, labels map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// resourceEnds resolves data stores and other resources placed in subnets with groups.
func (x *netIndex) resourceEnds(v any) ([]end, error) {
	m, _ := v.(map[string]any)
	typ, _ := m["type"].(string)
	name, _ := m["name"].(string)
	var out []end
	for _, r := range x.s.OfType(typ) {
		if name != "" && r.Name != name {
			continue
		}
		e := end{label: shortType(typ) + " " + r.Name, filtered: true, urn: r.URN}
		var subnets []string
		switch typ {
		case tRDSCluster:
			e.groups = strList(r.Props, "vpcSecurityGroupIds")
			for _, g := range x.s.Find(str(r.Props, "dbSubnetGroupName"), tRDSSubnetGroup) {
				subnets = append(subnets, strList(g.Props, "subnetIds")...)
			}
		case tCacheRG:
			e.groups = strList(r.Props, "securityGroupIds")
			for _, g := range x.s.Find(str(r.Props, "subnetGroupName"), tCacheSubnetGroup) {
				subnets = append(subnets, strList(g.Props, "subnetIds")...)
			}
		case tOpenSearch:
			e.groups = strList(r.Props, "vpcOptions.securityGroupIds")
			subnets = strList(r.Props, "vpcOptions.subnetIds")
		case tLB, tALB:
			// A load balancer has a node in each of its subnets, behind its security groups;
			// an internet-facing one has public addresses there
			// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme).
			e.label = "load balancer " + r.Name
			e.groups = strList(r.Props, "securityGroups")
			e.reachable = !boolProp(r.Props, "internal")
			subnets = strList(r.Props, "subnets")
			for _, m := range asList(r.Props["subnetMappings"]) {
				subnets = append(subnets, str(Props(asMap(m)), "subnetId"))
			}
			if len(e.groups) == 0 {
				return nil, fmt.Errorf("%s: no security groups, so ELB gives it the VPC's default group and the plan cannot decide its flows", e.label)
			}
		default:
			e.groups = append(strList(r.Props, "vpcSecurityGroupIds"), strList(r.Props, "securityGroupIds")...)
			subnets = append(strList(r.Props, "subnetIds"), strList(r.Props, "subnetId")...)
		}
		places, err := x.subnetPlaces(subnets)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.label, err)
		}
		e.places = places
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s named %q in the plan", typ, name)
	}
	return out, nil
}

// endpointEnds: an interface endpoint listens in its subnets behind its groups; a gateway
// endpoint is its service's prefix list, reached through the route it adds.
func (x *netIndex) endpointEnds(svc string) ([]end, error) {
	var out []end
	for _, e := range x.s.OfType(tVpcEndpoint) {
		name := str(e.Props, "serviceName")
		if !strings.HasSuffix(name, "."+svc) || strings.Count(strings.TrimSuffix(name, "."+svc), ".") != 2 {
			continue
		}
		label := "vpc endpoint " + svc
		if strings.EqualFold(str(e.Props, "vpcEndpointType"), "Gateway") {
			out = append(out, end{label: label + " (gateway)", urn: e.URN,
				places: []place{{public: true, prefixList: str(e.Props, "prefixListId")}}})
			continue
		}
		places, err := x.subnetPlaces(strList(e.Props, "subnetIds"))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", label, err)
		}
		out = append(out, end{label: label, places: places, groups: strList(e.Props, "securityGroupIds"), filtered: true, urn: e.URN})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no VPC endpoint for %q in the plan", svc)
	}
	return out, nil
}

func (x *netIndex) tierEnd(tier string) ([]end, error) {
	var ids []string
	for _, sn := range x.s.OfType(tSubnet) {
		if str(sn.Props, "tags.tier") == tier {
			ids = append(ids, str(sn.Props, "id"))
		}
	}
	places, err := x.subnetPlaces(ids)
	if err != nil {
		return nil, fmt.Errorf("%s tier: %v", tier, err)
	}
	e := end{label: tier + " tier", places: places, filtered: true}
	for _, g := range x.s.OfType(tSG) {
		if str(g.Props, "tags.tier") == tier {
			e.groups = append(e.groups, str(g.Props, "id"))
			e.urn = g.URN
		}
	}
	if len(e.groups) == 0 {
		return nil, fmt.Errorf("no security group tagged tier=%s", tier)
	}
	return []end{e}, nil
}

// groupsText names security groups for messages.
func (x *netIndex) groupsText(ids []string) string {
	var parts []string
	for _, id := range ids {
		if n := x.groupNames[id]; n != "" {
			parts = append(parts, fmt.Sprintf("%s (%s)", n, id))
		} else {
			parts = append(parts, id+" (not in the plan)")
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
