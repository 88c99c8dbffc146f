package rules

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// matchMode says how a rule's range must relate to a place: a required flow needs every
// address of the place admitted (all); a forbidden flow is open when any address is (any).
type matchMode bool

const (
	matchAll matchMode = true
	matchAny matchMode = false
)

// admits reports whether range c admits place p under mode m.
func (m matchMode) admits(c netip.Prefix, p place) bool {
	switch {
	case !p.public:
		if m == matchAll {
			return within(p.cidr, c)
		}
		return c.Overlaps(p.cidr)
	case len(p.entries) > 0:
		for _, e := range p.entries {
			in := within(e, c)
			if m == matchAll && !in {
				return false
			}
			if m == matchAny && c.Overlaps(e) {
				return true
			}
		}
		return m == matchAll
	case m == matchAll:
		return c.Bits() == 0
	}
	return touchesInternet(c)
}

// hop is one control on the path of a flow and what it admits for one pair of places.
type hop struct {
	name   string
	urn    string
	ports  portSet
	via    string // the rules that admit
	filter bool   // a firewall (security group, NACL, NetworkPolicy), not routing
}

// FlowResult is the verdict on one declared flow.
type FlowResult struct {
	Flow Flow
	// Open tells whether the flow can happen; Violation whether that contradicts the
	// declaration (or the declaration could not be resolved).
	Open, Violation bool
	// Deciding names the hop (and rule) that decides the verdict.
	Deciding string
	URN      string
	// Unresolved explains a selector that matches nothing in the plan.
	Unresolved string
}

// EvaluateFlows decides every flow the stack declares (computed once per stack).
func EvaluateFlows(s *Stack) []FlowResult {
	return s.Memo("netflow-results", func() any {
		x := netIndexOf(s)
		out := make([]FlowResult, 0, len(x.flows))
		for _, f := range x.flows {
			out = append(out, x.evaluate(f))
		}
		return out
	}).([]FlowResult)
}

func (x *netIndex) evaluate(f Flow) FlowResult {
	res := FlowResult{Flow: f, URN: f.Declarer}
	srcs, err := x.resolve(f.From)
	if err == nil {
		var dsts []end
		if dsts, err = x.resolve(f.To); err == nil {
			return x.decide(res, srcs, dsts)
		}
	}
	res.Unresolved, res.Violation = err.Error(), true
	return res
}

// decide walks every pair of places: a required flow must be open for all of them, a
// forbidden one closed for all of them.
func (x *netIndex) decide(res FlowResult, srcs, dsts []end) FlowResult {
	f := res.Flow
	mode := matchAll
	if f.Forbidden {
		mode = matchAny
	}
	var firstClosed string
	var closedURN string
	for _, src := range srcs {
		for _, dst := range dsts {
			for _, sp := range src.places {
				for _, dp := range dst.places {
					hops := x.path(src, dst, sp, dp, f.Protocol, mode)
					pair := fmt.Sprintf("%s (%s) -> %s (%s)", src.label, sp, dst.label, dp)
					if !f.Forbidden {
						admitted := f.Ports
						for _, h := range hops {
							next := admitted.intersect(h.ports)
							if !next.covers(f.Ports) {
								res.Deciding = fmt.Sprintf("%s: no rule admits %s on %s/%s", h.name, pair, f.Protocol, f.Ports.minus(next))
								res.URN = pick(h.urn, dst.urn, f.Declarer)
								res.Violation = true
								return res
							}
							admitted = next
						}
						if res.Deciding == "" {
							res.Deciding = lastFilterVia(hops)
						}
						continue
					}
					open := f.Ports
					var vias []string
					closing := hop{}
					for _, h := range hops {
						if !h.filter {
							continue
						}
						open = open.intersect(h.ports)
						if len(open) == 0 {
							closing = h
							break
						}
						vias = append(vias, h.via)
					}
					if len(open) > 0 {
						res.Open, res.Violation = true, true
						note := ""
						for _, h := range hops {
							if !h.filter && len(h.ports) == 0 {
								note = fmt.Sprintf(" (only %s stands in the way, and routes are not a firewall)", h.name)
							}
						}
						res.Deciding = fmt.Sprintf("%s is open on %s/%s: %s%s", pair, f.Protocol, open, strings.Join(vias, "; "), note)
						res.URN = pick(lastFilterURN(hops), dst.urn, f.Declarer)
						return res
					}
					if firstClosed == "" {
						firstClosed = fmt.Sprintf("%s: admits nothing of %s/%s for %s", closing.name, f.Protocol, f.PortText, pair)
						closedURN = closing.urn
					}
				}
			}
		}
	}
	if f.Forbidden {
		res.Deciding, res.URN = firstClosed, pick(closedURN, f.Declarer)
		return res
	}
	res.Open = true
	return res
}

func pick(urns ...string) string {
	for _, u := range urns {
		if u != "" {
			return u
		}
	}
	return ""
}

// lastFilterVia names what admits an open flow last: the destination's rule, else the
// route (default NACLs decide nothing).
func lastFilterVia(hops []hop) string {
	for i := len(hops) - 1; i >= 0; i-- {
		if h := hops[i]; h.via != "" && !strings.HasPrefix(h.name, "default network ACL") {
			return h.via
		}
	}
	return "no filter on the path"
}

func lastFilterURN(hops []hop) string {
	for i := len(hops) - 1; i >= 0; i-- {
		if hops[i].filter && hops[i].urn != "" {
			return hops[i].urn
		}
	}
	return ""
}

// path lists the controls between two places, in the order a packet meets them.
func (x *netIndex) path(src, dst end, sp, dp place, proto string, m matchMode) []hop {
	var hops []hop
	if src.pod != nil {
		hops = append(hops, x.policyHop(src, false, dst, dp, proto, m))
	}
	if src.filtered {
		hops = append(hops, x.groupHop(src, false, dst, dp, proto, m))
	}
	sameSubnet := sp.subnet != nil && sp.subnet == dp.subnet
	if sp.subnet != nil && !sameSubnet {
		hops = append(hops, x.naclHop(sp.subnet, true, dp, proto, m))
	}
	hops = append(hops, x.routeHop(dst, sp, dp))
	if dp.subnet != nil && !sameSubnet {
		hops = append(hops, x.naclHop(dp.subnet, false, sp, proto, m))
	}
	if dst.filtered {
		hops = append(hops, x.groupHop(dst, true, src, sp, proto, m))
	}
	if dst.pod != nil {
		hops = append(hops, x.policyHop(dst, true, src, sp, proto, m))
	}
	return hops
}

// groupHop: the union of the rules of every group of e in one direction that admit the peer.
func (x *netIndex) groupHop(e end, ingress bool, peer end, pp place, proto string, m matchMode) hop {
	dir := "egress"
	if ingress {
		dir = "ingress"
	}
	h := hop{name: fmt.Sprintf("security groups %s %s", x.groupsText(e.groups), dir), filter: true}
	if len(e.groups) == 1 {
		h.name = fmt.Sprintf("security group %s %s", x.groupsText(e.groups), dir)
		h.urn = x.groupURN[e.groups[0]]
	}
	var vias []string
	for _, g := range e.groups {
		for _, r := range x.rules[g] {
			if r.ingress != ingress || (r.protocol != "all" && r.protocol != proto) || !ruleAdmits(r, peer, pp, m) {
				continue
			}
			h.ports = h.ports.union(r.ports)
			vias = append(vias, fmt.Sprintf("%s %s %s", x.groupNames[g], r.text, r.ports))
			if h.urn == "" {
				h.urn = r.urn
			}
		}
	}
	if len(vias) > 0 {
		h.urn = ruleURN(x, e.groups, ingress, peer, pp, proto, m, h.urn)
	}
	h.via = strings.Join(vias, ", ")
	return h
}

// ruleURN prefers the resource of an admitting rule declared on its own.
func ruleURN(x *netIndex, groups []string, ingress bool, peer end, pp place, proto string, m matchMode, fallback string) string {
	for _, g := range groups {
		for _, r := range x.rules[g] {
			if r.ingress == ingress && (r.protocol == "all" || r.protocol == proto) && ruleAdmits(r, peer, pp, m) && r.urn != "" {
				return r.urn
			}
		}
	}
	return fallback
}

func ruleAdmits(r sgRule, peer end, pp place, m matchMode) bool {
	for _, g := range r.groups {
		for _, pg := range peer.groups {
			if g == pg {
				return true
			}
		}
	}
	for _, l := range r.lists {
		if pp.prefixList != "" && l == pp.prefixList {
			return true
		}
	}
	for _, c := range r.cidrs {
		if m.admits(c, pp) {
			return true
		}
	}
	return false
}

// naclHop evaluates the network ACL of a subnet (the default ACL admits everything). Only
// the packet's direction is checked, not the return traffic's ephemeral ports.
func (x *netIndex) naclHop(subnet *Resource, egress bool, peer place, proto string, m matchMode) hop {
	dir := "ingress"
	if egress {
		dir = "egress"
	}
	n := x.nacl[str(subnet.Props, "id")]
	if n == nil {
		return hop{name: "default network ACL of " + subnet.Name, ports: allPorts, via: "default network ACL", filter: true}
	}
	h := hop{name: fmt.Sprintf("network ACL %s %s", n.Name, dir), urn: n.URN, filter: true}
	remaining := allPorts
	for _, r := range x.naclRules[str(n.Props, "id")] {
		if r.egress != egress || (r.proto != "all" && r.proto != proto) {
			continue
		}
		if r.allow && m.admits(r.cidr, peer) {
			h.ports = h.ports.union(remaining.intersect(r.ports))
			if h.via == "" {
				h.via = fmt.Sprintf("network ACL %s %s", n.Name, r.text)
			}
			remaining = remaining.minus(r.ports)
		} else if !r.allow && (!m).admits(r.cidr, peer) {
			remaining = remaining.minus(r.ports)
		}
	}
	return h
}

// routeHop decides whether a packet finds a way: inside the VPC the local route; out of it a
// route in the source subnet's table; in from the internet an internet gateway route in the
// destination subnet's table and a public address.
func (x *netIndex) routeHop(dst end, sp, dp place) hop {
	switch {
	case sp.public && dp.public:
		return hop{name: "the internet", ports: allPorts, via: "outside the VPC"}
	case sp.public:
		table := x.tableOf(dp.subnet)
		h := hop{name: "route table of subnet " + dp.subnet.Name, urn: x.tableURN[table]}
		if !dst.reachable {
			h.name = dst.label + " (no public address)"
			return h
		}
		for _, r := range x.routes[table] {
			if strings.HasPrefix(r.target, "igw-") && r.dest.IsValid() && r.dest.Bits() == 0 {
				h.ports, h.via = allPorts, "0.0.0.0/0 via "+r.target
				return h
			}
		}
		h.name += " (no internet gateway route)"
		return h
	}
	vpcID := str(sp.subnet.Props, "vpcId")
	table := x.tableOf(sp.subnet)
	h := hop{name: "route table of subnet " + sp.subnet.Name, urn: x.tableURN[table]}
	if !dp.public {
		if within(dp.cidr, x.vpcCIDR[vpcID]) {
			h.ports, h.via = allPorts, "local route"
			return h
		}
		for _, r := range x.routes[table] {
			if r.dest.IsValid() && within(dp.cidr, r.dest) {
				h.ports, h.via = allPorts, r.dest.String()+" via "+r.target
				return h
			}
		}
		return h
	}
	for _, r := range x.routes[table] {
		if (dp.prefixList != "" && r.prefixList == dp.prefixList) || (r.dest.IsValid() && r.dest.Bits() == 0 && r.target != "") {
			h.ports, h.via = allPorts, fmt.Sprintf("route table of subnet %s: route to %s via %s", sp.subnet.Name, dp, r.target)
			return h
		}
	}
	h.name += fmt.Sprintf(" (no route to %s)", dp)
	return h
}

func (x *netIndex) tableOf(subnet *Resource) string {
	if t := x.routeTable[str(subnet.Props, "id")]; t != "" {
		return t
	}
	return x.mainTable[str(subnet.Props, "vpcId")]
}

// policyHop applies the NetworkPolicies selecting pod end e in one direction: a pod no
// policy selects (for that direction) is unrestricted; otherwise the union of the rules of
// the selecting policies admits.
func (x *netIndex) policyHop(e end, ingress bool, peer end, pp place, proto string, m matchMode) hop {
	dir, key := "egress", "egress"
	if ingress {
		dir, key = "ingress", "ingress"
	}
	h := hop{filter: true}
	if !x.policiesOn {
		h.name, h.ports, h.via = "NetworkPolicies", allPorts, x.policiesNote
		return h
	}
	var names []string
	for _, np := range x.policies {
		ns := str(np.Props, "metadata.namespace")
		if ns != e.pod.namespace || !selectorMatches(asMap(np.Props["spec"])["podSelector"], e.pod.labels) {
			continue
		}
		spec := Props(asMap(np.Props["spec"]))
		types := strList(spec, "policyTypes")
		if len(types) == 0 {
			types = []string{"Ingress"}
			if _, ok := spec["egress"]; ok {
				types = append(types, "Egress")
			}
		}
		applies := false
		for _, t := range types {
			applies = applies || strings.EqualFold(t, dir)
		}
		if !applies {
			continue
		}
		name := ns + "/" + str(np.Props, "metadata.name")
		names = append(names, name)
		if h.urn == "" {
			h.urn = np.URN
		}
		for i, rule := range asList(spec[key]) {
			rm := Props(asMap(rule))
			peers := "to"
			if ingress {
				peers = "from"
			}
			if !x.peersMatch(asList(rm[peers]), ns, peer, pp, m) {
				continue
			}
			target := e
			if !ingress {
				target = peer
			}
			ports := rulePorts(asList(rm["ports"]), proto, target.pod)
			if len(ports) > 0 {
				h.ports = h.ports.union(ports)
				if h.via == "" {
					h.via = fmt.Sprintf("NetworkPolicy %s %s rule %d", name, dir, i)
				}
			}
		}
	}
	if len(names) == 0 {
		h.name, h.ports, h.via = "no NetworkPolicy selects "+e.label+" for "+dir, allPorts, "no NetworkPolicy selects the pods"
		return h
	}
	sort.Strings(names)
	h.name = fmt.Sprintf("NetworkPolicy %s %s", strings.Join(names, ", "), dir)
	return h
}

func (x *netIndex) peersMatch(peers []any, ns string, peer end, pp place, m matchMode) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		pm := asMap(p)
		if b := asMap(pm["ipBlock"]); b != nil {
			c, ok := parsePrefix(fmt.Sprint(b["cidr"]))
			if !ok || !m.admits(c, pp) {
				continue
			}
			excluded := false
			for _, ex := range Strings(b["except"]) {
				if e, ok := parsePrefix(ex); ok && (!m).admits(e, pp) {
					excluded = true
				}
			}
			if !excluded {
				return true
			}
			continue
		}
		if peer.pod == nil {
			continue
		}
		nsSel, hasNS := pm["namespaceSelector"]
		if hasNS {
			labels := x.namespaces[peer.pod.namespace]
			if labels == nil {
				labels = map[string]string{"kubernetes.io/metadata.name": peer.pod.namespace}
			}
			if !selectorMatches(nsSel, labels) {
				continue
			}
		} else if peer.pod.namespace != ns {
			continue
		}
		if podSel, ok := pm["podSelector"]; ok && !selectorMatches(podSel, peer.pod.labels) {
			continue
		}
		return true
	}
	return false
}

// rulePorts is what a NetworkPolicy rule's ports admit for proto; a named port resolves
// against the pod the traffic goes to.
func rulePorts(ports []any, proto string, target *podInfo) portSet {
	if len(ports) == 0 {
		return allPorts
	}
	var out portSet
	for _, p := range ports {
		pm := Props(asMap(p))
		pr := str(pm, "protocol")
		if pr == "" {
			pr = "TCP"
		}
		if !strings.EqualFold(pr, proto) {
			continue
		}
		v, ok := pm["port"]
		if !ok {
			out = out.union(allPorts)
			continue
		}
		port := -1
		switch t := v.(type) {
		case float64:
			port = int(t)
		case string:
			if target != nil {
				if n, ok := target.ports[t]; ok {
					port = n
				}
			}
		}
		if port < 0 {
			continue
		}
		hi := port
		if e, ok := num(pm, "endPort"); ok && e > port {
			hi = e
		}
		out = out.union(span(port, hi))
	}
	return out
}

// selectorMatches evaluates a Kubernetes label selector (matchLabels and matchExpressions);
// an empty selector selects everything.
func selectorMatches(sel any, labels map[string]string) bool {
	m := asMap(sel)
	for k, v := range asMap(m["matchLabels"]) {
		if labels[k] != fmt.Sprint(v) {
			return false
		}
	}
	for _, e := range asList(m["matchExpressions"]) {
		em := asMap(e)
		key := fmt.Sprint(em["key"])
		val, has := labels[key]
		in := false
		for _, v := range Strings(em["values"]) {
			in = in || v == val
		}
		switch em["operator"] {
		case "In":
			if !has || !in {
				return false
			}
		case "NotIn":
			if has && in {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		}
	}
	return true
}
