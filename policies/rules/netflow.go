package rules

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// The network flow check. Components declare the flows they need and the flows that must
// never exist (components/base/flows.go); the declarations travel in the state as the root
// stack's "flows" output and as each component's "flows" output. This file resolves the
// declared endpoints against the plan; netflow_eval.go decides each flow hop by hop.

const (
	flowsOutput  = "flows"
	eksClusterSG = "EKS cluster security group"
)

// flowDeclaringComponents are the components that declare flows (components/base.Flow): a
// stack holding one of them without declarations lost them.
var flowDeclaringComponents = []string{"globalstack:database:Database", "globalstack:cache:Cache",
	"globalstack:search:Search", "globalstack:cluster:Cluster", "globalstack:origin:Origin", "globalstack:storefront:Storefront"}

// workloadTypes hold a pod template under spec.template.
var workloadTypes = []string{tK8sDeployment, "kubernetes:apps/v1:StatefulSet",
	"kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job"}

// Flow is one declared flow, as read from the state.
type Flow struct {
	From, To  map[string]any
	Ports     portSet
	PortText  string
	Protocol  string // tcp or udp
	Forbidden bool
	Why       string
	Declarer  string // URN of the resource whose output carried it
}

// Label names the flow in messages and the summary table.
func (f Flow) Label() string {
	return fmt.Sprintf("%s -> %s %s/%s", SelectorText(f.From), SelectorText(f.To), f.Protocol, f.PortText)
}

// parseFlow validates one declaration.
func parseFlow(v any, declarer string) (Flow, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Flow{}, fmt.Errorf("a flow declaration is %T, not an object", v)
	}
	f := Flow{Declarer: declarer, Protocol: "tcp"}
	f.From, _ = m["from"].(map[string]any)
	f.To, _ = m["to"].(map[string]any)
	if len(f.From) != 1 || len(f.To) != 1 {
		return f, fmt.Errorf("flow %v: from and to must each hold exactly one selector", m)
	}
	f.Why, _ = m["why"].(string)
	if p, ok := m["protocol"].(string); ok && p != "" {
		f.Protocol = strings.ToLower(p)
	}
	if f.Protocol != "tcp" && f.Protocol != "udp" {
		return f, fmt.Errorf("flow %s: protocol %q is not tcp or udp", f.Label(), f.Protocol)
	}
	switch e, _ := m["expect"].(string); e {
	case "required":
	case "forbidden":
		f.Forbidden = true
	default:
		return f, fmt.Errorf("flow %v: expect %q is not required or forbidden", m, e)
	}
	if r, ok := m["ports"].(string); ok && r != "" {
		lo, hi, found := strings.Cut(r, "-")
		var a, b int
		if _, err := fmt.Sscanf(lo+" "+hi, "%d %d", &a, &b); !found || err != nil || a < 0 || b > 65535 || a > b {
			return f, fmt.Errorf("flow %v: ports %q is not a range like 0-65535", m, r)
		}
		f.Ports, f.PortText = span(a, b), r
	} else {
		p, ok := portNumber(m["port"])
		if !ok {
			return f, fmt.Errorf("flow %v: port %v is not a port number", m, m["port"])
		}
		f.Ports, f.PortText = span(p, p), fmt.Sprint(p)
	}
	if ex, ok := m["except"].([]any); ok {
		var except portSet
		var txt []string
		for _, e := range ex {
			p, ok := portNumber(e)
			if !ok {
				return f, fmt.Errorf("flow %v: except %v is not a port number", m, e)
			}
			except = except.union(span(p, p))
			txt = append(txt, fmt.Sprint(p))
		}
		f.Ports = f.Ports.minus(except)
		f.PortText += " except " + strings.Join(txt, ",")
	}
	return f, nil
}

// portNumber reads a port from a state value (a JSON number, or an int in memory).
func portNumber(v any) (int, bool) {
	var p float64
	switch t := v.(type) {
	case float64:
		p = t
	case int:
		p = float64(t)
	case int64:
		p = float64(t)
	default:
		return 0, false
	}
	if p < 0 || p > 65535 || p != float64(int(p)) {
		return 0, false
	}
	return int(p), true
}

// SelectorText names a flow endpoint selector for people.
func SelectorText(sel map[string]any) string {
	for k, v := range sel {
		switch k {
		case "internet":
			return "internet"
		case "pods":
			m, _ := v.(map[string]any)
			return fmt.Sprintf("pods %v/%s", m["namespace"], labelText(m["labels"]))
		case "clusterNodes":
			return fmt.Sprintf("nodes of %v", v)
		case "resource":
			m, _ := v.(map[string]any)
			if n, _ := m["name"].(string); n != "" {
				return fmt.Sprintf("%s %s", shortType(fmt.Sprint(m["type"])), n)
			}
			return shortType(fmt.Sprint(m["type"]))
		case "vpcEndpoint":
			return fmt.Sprintf("vpc endpoint %v", v)
		case "tier":
			return fmt.Sprintf("%v tier", v)
		case "prefixList":
			m, _ := v.(map[string]any)
			return fmt.Sprintf("prefix list %v", m["name"])
		}
		return fmt.Sprintf("%s %v", k, v)
	}
	return "nothing"
}

func labelText(v any) string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// shortType turns tRDSCluster into "rds Cluster".
func shortType(t string) string {
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return t
	}
	mod, _, _ := strings.Cut(parts[1], "/")
	return mod + " " + parts[2]
}

// declaredFlows reads every declaration of the stack, once per distinct flow.
func declaredFlows(s *Stack) ([]Flow, []error) {
	var flows []Flow
	var errs []error
	seen := map[string]bool{}
	for _, r := range s.Resources {
		if r.Type != tStack && (strings.HasPrefix(r.Type, "aws:") || strings.HasPrefix(r.Type, "kubernetes:")) {
			continue
		}
		list, ok := r.Props[flowsOutput].([]any)
		if !ok {
			continue
		}
		for _, v := range list {
			key, _ := json.Marshal(v)
			if seen[string(key)] {
				continue
			}
			seen[string(key)] = true
			f, err := parseFlow(v, r.URN)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			flows = append(flows, f)
		}
	}
	return flows, errs
}

// place is one address range an end of a flow sends from or listens on.
type place struct {
	cidr       netip.Prefix // in the VPC (valid unless public)
	public     bool         // an internet address
	prefixList string       // the managed prefix list (public) this place stands for
	entries    []netip.Prefix
	subnet     *Resource // the subnet (routes, NACLs); nil for public places
}

func (p place) String() string {
	switch {
	case p.prefixList != "":
		return p.prefixList
	case p.public:
		return "0.0.0.0/0"
	}
	return p.cidr.String()
}

// end is one resolved end of a flow.
type end struct {
	label     string
	places    []place
	groups    []string // security groups; nil when none filters this end (internet)
	filtered  bool     // the end carries security groups
	pod       *podInfo // the end is a set of pods (NetworkPolicies apply)
	reachable bool     // has a public address (internet-facing load balancer)
	urn       string   // the resource a finding is reported on
}

type podInfo struct {
	namespace string
	labels    map[string]string
	ports     map[string]int // named container ports
}

// sgRule is one permission of a security group.
type sgRule struct {
	group    string
	ingress  bool
	protocol string // tcp, udp, all
	ports    portSet
	cidrs    []netip.Prefix
	groups   []string
	lists    []string
	text     string
	urn      string
}

type route struct {
	dest       netip.Prefix
	prefixList string
	target     string
}

type naclRule struct {
	number  int
	egress  bool
	allow   bool
	proto   string
	ports   portSet
	cidr    netip.Prefix
	text    string
	network *Resource
}

// netIndex is the plan's network, indexed once per stack.
type netIndex struct {
	s            *Stack
	groupNames   map[string]string // id -> display name
	groupURN     map[string]string
	rules        map[string][]sgRule // group id -> rules
	subnets      map[string]*Resource
	vpcCIDR      map[string]netip.Prefix // vpc id -> range
	routeTable   map[string]string       // subnet id -> route table id
	mainTable    map[string]string       // vpc id -> main route table id
	routes       map[string][]route      // route table id -> routes
	tableURN     map[string]string
	nacl         map[string]*Resource // subnet id -> NACL
	naclRules    map[string][]naclRule
	namespaces   map[string]map[string]string
	policies     []*Resource
	policiesOn   bool   // the cluster enforces NetworkPolicies
	policiesNote string // why they are (not) enforced
	flows        []Flow
	flowErrs     []error
}

func netIndexOf(s *Stack) *netIndex {
	return s.Memo("netflow", func() any { return buildNetIndex(s) }).(*netIndex)
}

func str(p Props, path string) string {
	v, _ := p.Get(path)
	s, _ := v.(string)
	return s
}

func num(p Props, path string) (int, bool) {
	v, _ := p.Get(path)
	f, ok := v.(float64)
	return int(f), ok
}

func strList(p Props, path string) []string {
	v, _ := p.Get(path)
	return Strings(v)
}

func buildNetIndex(s *Stack) *netIndex {
	x := &netIndex{s: s, groupNames: map[string]string{}, groupURN: map[string]string{}, rules: map[string][]sgRule{},
		subnets: map[string]*Resource{}, vpcCIDR: map[string]netip.Prefix{}, routeTable: map[string]string{},
		mainTable: map[string]string{}, routes: map[string][]route{}, tableURN: map[string]string{}, nacl: map[string]*Resource{},
		naclRules: map[string][]naclRule{}, namespaces: map[string]map[string]string{}}
	x.flows, x.flowErrs = declaredFlows(s)
	for _, v := range s.OfType(tVpc) {
		if p, ok := parsePrefix(str(v.Props, "cidrBlock")); ok {
			x.vpcCIDR[str(v.Props, "id")] = p
		}
		if mt := str(v.Props, "mainRouteTableId"); mt != "" {
			x.mainTable[str(v.Props, "id")] = mt
		}
	}
	for _, sn := range s.OfType(tSubnet) {
		x.subnets[str(sn.Props, "id")] = sn
	}
	x.indexGroups()
	x.indexRoutes()
	x.indexNACLs()
	x.indexKubernetes()
	return x
}

func groupName(r *Resource) string {
	if n := str(r.Props, "tags.Name"); n != "" {
		return n
	}
	return r.Name
}

// ruleFromMap reads an inline rule (securityGroup ingress/egress) or an aws:ec2 rule.
func ruleFromMap(group string, ingress bool, m Props, urn, what string) sgRule {
	r := sgRule{group: group, ingress: ingress, urn: urn}
	from, _ := num(m, "fromPort")
	to, _ := num(m, "toPort")
	r.protocol, r.ports = protocolPorts(str(m, "protocol"), from, to)
	for _, c := range strList(m, "cidrBlocks") {
		if p, ok := parsePrefix(c); ok {
			r.cidrs = append(r.cidrs, p)
		}
	}
	r.lists = strList(m, "prefixListIds")
	r.groups = append(strList(m, "securityGroups"), strList(m, "sourceSecurityGroupId")...)
	if b, _ := m["self"].(bool); b {
		r.groups = append(r.groups, group)
	}
	r.text = what
	if d := str(m, "description"); d != "" {
		r.text += fmt.Sprintf(" %q", d)
	}
	return r
}

// protocolPorts normalizes an EC2 protocol and port range ("-1" means every protocol and port).
func protocolPorts(proto string, from, to int) (string, portSet) {
	switch strings.ToLower(proto) {
	case "-1", "all":
		return "all", allPorts
	case "tcp", "6":
		return "tcp", span(from, to)
	case "udp", "17":
		return "udp", span(from, to)
	}
	return strings.ToLower(proto), nil
}

func (x *netIndex) addRule(r sgRule) { x.rules[r.group] = append(x.rules[r.group], r) }

func (x *netIndex) indexGroups() {
	s := x.s
	for _, g := range s.OfType(tSG) {
		id := str(g.Props, "id")
		x.groupNames[id], x.groupURN[id] = groupName(g), g.URN
		for _, dir := range []string{"ingress", "egress"} {
			l, _ := g.Props[dir].([]any)
			for i, e := range l {
				m, _ := e.(map[string]any)
				x.addRule(ruleFromMap(id, dir == "ingress", Props(m), g.URN, fmt.Sprintf("inline %s rule %d", dir, i)))
			}
		}
	}
	for _, r := range s.OfType(tSGRule) {
		g := str(r.Props, "securityGroupId")
		x.addRule(ruleFromMap(g, str(r.Props, "type") == "ingress", r.Props, r.URN, "rule "+r.Name))
	}
	for _, typ := range []string{tSGIngress, tSGEgress} {
		for _, r := range s.OfType(typ) {
			p := r.Props
			from, _ := num(p, "fromPort")
			to, _ := num(p, "toPort")
			rule := sgRule{group: str(p, "securityGroupId"), ingress: typ == tSGIngress, urn: r.URN, text: "rule " + r.Name}
			rule.protocol, rule.ports = protocolPorts(str(p, "ipProtocol"), from, to)
			if c, ok := parsePrefix(str(p, "cidrIpv4")); ok {
				rule.cidrs = append(rule.cidrs, c)
			}
			if v := str(p, "prefixListId"); v != "" {
				rule.lists = append(rule.lists, v)
			}
			if v := str(p, "referencedSecurityGroupId"); v != "" {
				rule.groups = append(rule.groups, v)
			}
			x.addRule(rule)
		}
	}
	// EKS creates the cluster security group: inbound everything from itself, outbound
	// everything to 0.0.0.0/0.
	// https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html
	for _, c := range s.OfType(tEKSCluster) {
		id := str(c.Props, "vpcConfig.clusterSecurityGroupId")
		if id == "" || x.groupNames[id] != "" {
			continue
		}
		x.groupNames[id], x.groupURN[id] = eksClusterSG+" of "+str(c.Props, "name"), c.URN
		x.addRule(sgRule{group: id, ingress: true, protocol: "all", ports: allPorts, groups: []string{id}, urn: c.URN, text: "EKS default: all from itself"})
		x.addRule(sgRule{group: id, protocol: "all", ports: allPorts, cidrs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, urn: c.URN, text: "EKS default: all to 0.0.0.0/0"})
	}
}

func (x *netIndex) indexRoutes() {
	s := x.s
	for _, t := range s.OfType(tRouteTable) {
		id := str(t.Props, "id")
		x.tableURN[id] = t.URN
		l, _ := t.Props["routes"].([]any)
		for _, e := range l {
			m := Props(e.(map[string]any))
			x.addRoute(id, m)
		}
	}
	for _, r := range s.OfType(tRoute) {
		x.addRoute(str(r.Props, "routeTableId"), r.Props)
	}
	for _, a := range s.OfType(tRTAssoc) {
		if sn := str(a.Props, "subnetId"); sn != "" {
			x.routeTable[sn] = str(a.Props, "routeTableId")
		}
	}
	// A gateway endpoint adds a route to its service's prefix list in each table it names.
	for _, e := range s.OfType(tVpcEndpoint) {
		if !strings.EqualFold(str(e.Props, "vpcEndpointType"), "Gateway") {
			continue
		}
		for _, t := range strList(e.Props, "routeTableIds") {
			x.routes[t] = append(x.routes[t], route{prefixList: str(e.Props, "prefixListId"), target: str(e.Props, "id")})
		}
	}
}

func (x *netIndex) addRoute(table string, m Props) {
	rt := route{prefixList: str(m, "destinationPrefixListId")}
	if p, ok := parsePrefix(str(m, "destinationCidrBlock")); ok {
		rt.dest = p
	} else if p, ok := parsePrefix(str(m, "cidrBlock")); ok {
		rt.dest = p
	}
	for _, k := range []string{"gatewayId", "natGatewayId", "transitGatewayId", "vpcPeeringConnectionId", "vpcEndpointId", "networkInterfaceId"} {
		if v := str(m, k); v != "" {
			rt.target = v
		}
	}
	x.routes[table] = append(x.routes[table], rt)
}

func (x *netIndex) indexNACLs() {
	s := x.s
	for _, n := range s.OfType(tNACL) {
		id := str(n.Props, "id")
		for _, sn := range strList(n.Props, "subnetIds") {
			x.nacl[sn] = n
		}
		for _, dir := range []string{"ingress", "egress"} {
			l, _ := n.Props[dir].([]any)
			for _, e := range l {
				m := Props(e.(map[string]any))
				x.addNACLRule(id, n, dir == "egress", m, "ruleNo", "action", "cidrBlock")
			}
		}
	}
	for _, a := range s.OfType(tNACLAssoc) {
		for _, n := range s.Find(str(a.Props, "networkAclId"), tNACL) {
			x.nacl[str(a.Props, "subnetId")] = n
		}
	}
	for _, r := range s.OfType(tNACLRule) {
		id := str(r.Props, "networkAclId")
		var network *Resource
		if ns := s.Find(id, tNACL); len(ns) > 0 {
			network = ns[0]
		}
		egress, _ := r.Props["egress"].(bool)
		x.addNACLRule(id, network, egress, r.Props, "ruleNumber", "ruleAction", "cidrBlock")
	}
	for id := range x.naclRules {
		rs := x.naclRules[id]
		sort.Slice(rs, func(i, j int) bool { return rs[i].number < rs[j].number })
	}
}

func (x *netIndex) addNACLRule(id string, n *Resource, egress bool, m Props, numberKey, actionKey, cidrKey string) {
	no, _ := num(m, numberKey)
	from, _ := num(m, "fromPort")
	to, _ := num(m, "toPort")
	r := naclRule{number: no, egress: egress, allow: strings.EqualFold(str(m, actionKey), "allow"), network: n}
	r.proto, r.ports = protocolPorts(str(m, "protocol"), from, to)
	if r.proto == "tcp" || r.proto == "udp" {
		if from == 0 && to == 0 {
			r.ports = allPorts
		}
	}
	r.cidr, _ = parsePrefix(str(m, cidrKey))
	r.text = fmt.Sprintf("rule %d (%s %s %s)", no, str(m, actionKey), r.cidr, r.proto)
	x.naclRules[id] = append(x.naclRules[id], r)
}

func (x *netIndex) indexKubernetes() {
	s := x.s
	for _, n := range s.OfType(tK8sNamespace) {
		name := str(n.Props, "metadata.name")
		labels := map[string]string{"kubernetes.io/metadata.name": name}
		if m, ok := n.Props["metadata"].(map[string]any); ok {
			if l, ok := m["labels"].(map[string]any); ok {
				for k, v := range l {
					labels[k], _ = v.(string)
				}
			}
		}
		x.namespaces[name] = labels
	}
	x.policies = s.OfType(tK8sNetPolicy)
	// The VPC CNI enforces NetworkPolicies only when its add-on turns enableNetworkPolicy on.
	// https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
	x.policiesNote = "no VPC CNI add-on with enableNetworkPolicy in the plan: NetworkPolicies are not enforced"
	for _, a := range s.OfType(tEKSAddon) {
		if str(a.Props, "addonName") != "vpc-cni" {
			continue
		}
		var cfg map[string]any
		if json.Unmarshal([]byte(str(a.Props, "configurationValues")), &cfg) == nil && fmt.Sprint(cfg["enableNetworkPolicy"]) == "true" {
			x.policiesOn, x.policiesNote = true, ""
		}
	}
}

// boolProp reads a boolean at path; absent is false.
func boolProp(p Props, path string) bool {
	v, _ := p.Get(path)
	b, _ := v.(bool)
	return b
}
