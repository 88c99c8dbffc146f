package plan

import (
	"fmt"
	"sort"
	"strings"

	"globalstack/components/regions"
	"globalstack/internal/mockcloud"
)

// node is one box of the architecture diagram: a kind of resource in one place, with a count.
type node struct {
	id, label string
	place     string // region, or "" for global/edge nodes
	tier      string // subnet tier the node sits in ("" = regional service outside the VPC)
	count     int
}

// kinds maps resource types to diagram boxes. Types not listed are summarized, not drawn,
// so the diagram stays readable as the stack grows.
var kinds = map[string]struct{ id, label, tier string }{
	"aws:cloudfront/distribution:Distribution":          {"cdn", "CloudFront distribution", ""},
	"aws:wafv2/webAcl:WebAcl":                           {"waf", "WAF web ACL", ""},
	"aws:route53/record:Record":                         {"dns", "Route 53 records", ""},
	"aws:acm/certificate:Certificate":                   {"cert", "ACM certificates", ""},
	"aws:s3/bucketV2:BucketV2":                          {"s3", "S3 buckets", ""},
	"aws:s3/bucket:Bucket":                              {"s3", "S3 buckets", ""},
	"aws:ec2/natGateway:NatGateway":                     {"nat", "NAT gateways", "public"},
	"aws:lb/loadBalancer:LoadBalancer":                  {"alb", "Application Load Balancer", "public"},
	"aws:eks/cluster:Cluster":                           {"eks", "EKS control plane", "app"},
	"aws:eks/nodeGroup:NodeGroup":                       {"nodes", "EKS managed node groups", "app"},
	"kubernetes:apps/v1:Deployment":                     {"pods", "storefront pods", "app"},
	"aws:rds/globalCluster:GlobalCluster":               {"global", "Aurora global cluster", ""},
	"aws:rds/cluster:Cluster":                           {"aurora", "Aurora PostgreSQL cluster", "data"},
	"aws:rds/clusterInstance:ClusterInstance":           {"aurorainst", "Aurora instances", "data"},
	"aws:elasticache/replicationGroup:ReplicationGroup": {"redis", "ElastiCache Redis", "data"},
	"aws:opensearch/domain:Domain":                      {"search", "OpenSearch domain", "data"},
	"aws:kms/key:Key":                                   {"kms", "KMS keys", ""},
	"aws:secretsmanager/secret:Secret":                  {"secrets", "Secrets Manager secrets", ""},
	"aws:cloudwatch/logGroup:LogGroup":                  {"logs", "CloudWatch log groups", ""},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                   {"vpce", "VPC endpoints", "app"},
	"aws:ecr/repository:Repository":                     {"ecr", "ECR repositories", ""},
	"aws:backup/vault:Vault":                            {"vault", "AWS Backup vault", ""},
}

// flows are the request and data paths drawn between boxes that exist.
var flows = []struct {
	from, to, label string
	cross           bool // from the primary region to the DR region
}{
	{"users", "dns", "DNS", false},
	{"users", "cdn", "HTTPS", false},
	{"waf", "cdn", "filters", false},
	{"cdn", "s3", "/static/*", false},
	{"cdn", "alb", "/api/* over HTTPS", false},
	{"alb", "pods", "", false},
	{"pods", "aurora", "5432 TLS", false},
	{"pods", "redis", "6379 TLS", false},
	{"pods", "search", "443", false},
	{"aurorainst", "aurora", "", false},
	{"nodes", "pods", "runs", false},
	{"global", "aurora", "replicates", false},
	{"s3", "s3", "replicates", true},
	{"vault", "vault", "copies backups", true},
	{"ecr", "ecr", "replicates images", true},
	{"cdn", "alb", "failover origin (reads)", true},
}

// DiagramOptions adds context to a stack's diagram.
type DiagramOptions struct {
	// Peer is the other half of the cell (the primary stack of a DR stack), drawn side by
	// side so both regions of the cell are in one picture.
	Peer *Result
	// Notes are appended to region titles, e.g. the monthly cost of the stack owning it.
	Notes map[string]string
}

// Diagram renders a Mermaid flowchart of the stack: one subgraph per region, the VPC tiers
// inside it, global services outside, and the request path between them.
func (r *Result) Diagram(opts DiagramOptions) string {
	nodes := map[string]*node{} // key: place|id
	vpcs := map[string]string{} // region -> CIDR
	subnets := map[string]map[string]int{}
	results := []*Result{r}
	if opts.Peer != nil {
		results = append(results, opts.Peer)
	}
	var all []mockcloud.Resource
	owner := map[string]string{} // region -> stack whose VPC it is
	for _, res := range results {
		for _, m := range res.Cloud.Resources() {
			if m.Type == "aws:ec2/vpc:Vpc" {
				owner[m.Region] = res.Stack
			}
			if strings.HasPrefix(m.Type, "kubernetes:") {
				m.Region = res.stackRegion()
			}
			all = append(all, m)
		}
	}
	for _, m := range all {
		if m.Type == "aws:ec2/vpc:Vpc" {
			vpcs[m.Region] = m.Str("cidrBlock")
		}
		if m.Type == "aws:ec2/subnet:Subnet" {
			if subnets[m.Region] == nil {
				subnets[m.Region] = map[string]int{}
			}
			subnets[m.Region][m.Tags()["tier"]]++
		}
		k, ok := kinds[m.Type]
		if !ok {
			continue
		}
		place := m.Region
		if k.id == "cdn" || k.id == "waf" || k.id == "dns" || k.id == "cert" || k.id == "global" {
			place = "" // global services
		}
		key := place + "|" + k.id
		n := nodes[key]
		if n == nil {
			n = &node{id: k.id, label: k.label, place: place, tier: k.tier}
			nodes[key] = n
		}
		n.count += instances(m)
	}

	var b strings.Builder
	b.WriteString("%% Generated by `make plan` from the resource graph of stack " + r.Stack + "\n")
	b.WriteString("flowchart LR\n")
	b.WriteString("  users([Users])\n")
	if hasPlace(nodes, "") {
		b.WriteString("  subgraph edge[\"Global services (edge managed from us-east-1)\"]\n")
		writeNodes(&b, nodes, "", "", "    ")
		b.WriteString("  end\n")
	}
	places := map[string]bool{}
	for _, n := range nodes {
		if n.place != "" {
			places[n.place] = true
		}
	}
	for region := range vpcs {
		places[region] = true
	}
	for _, region := range sortedKeys(places) {
		j, _ := regions.Of(region)
		role := "primary"
		if region == fmt.Sprint(r.Outputs["drRegion"]) {
			role = "DR"
		}
		title := fmt.Sprintf("%s: %s region, jurisdiction %s", region, role, j)
		if stack := owner[region]; stack != "" {
			title += ", stack " + stack
		}
		if note := opts.Notes[region]; note != "" {
			title += ", " + note
		}
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", mermaidID(region), title)
		writeNodes(&b, nodes, region, "", "    ")
		if cidr, ok := vpcs[region]; ok {
			fmt.Fprintf(&b, "    subgraph %s_vpc[\"VPC %s\"]\n", mermaidID(region), cidr)
			for _, tier := range []string{"public", "app", "data"} {
				fmt.Fprintf(&b, "      subgraph %s_%s[\"%s subnets x%d\"]\n", mermaidID(region), tier, tier, subnets[region][tier])
				if !writeNodes(&b, nodes, region, tier, "        ") {
					fmt.Fprintf(&b, "        %s_%s_empty[\" \"]:::empty\n", mermaidID(region), tier)
				}
				b.WriteString("      end\n")
			}
			b.WriteString("    end\n")
		}
		b.WriteString("  end\n")
	}
	primary := fmt.Sprint(r.Outputs["primaryRegion"])
	dr := fmt.Sprint(r.Outputs["drRegion"])
	for _, f := range flows {
		froms, tos := find(nodes, f.from), find(nodes, f.to)
		if f.from == "users" {
			froms = []string{"users"}
		}
		if !f.cross && (f.to == "s3" || f.from == "cdn") {
			tos = onlyIn(tos, primary, f.to)
		}
		if f.cross {
			froms, tos = onlyIn(froms, primary, f.from), onlyIn(tos, dr, f.to)
		}
		for _, a := range froms {
			for _, z := range tos {
				if !f.cross && !sameRegion(a, z) {
					continue
				}
				if f.label != "" {
					fmt.Fprintf(&b, "  %s -->|%s| %s\n", a, f.label, z)
				} else {
					fmt.Fprintf(&b, "  %s --> %s\n", a, z)
				}
			}
		}
	}
	b.WriteString("  classDef empty fill:none,stroke:none\n")
	return b.String()
}

// stackRegion is the region this stack deploys into.
func (r *Result) stackRegion() string { return fmt.Sprint(r.Outputs["region"]) }

// instances is how many running things a resource stands for in the diagram.
func instances(m mockcloud.Resource) int {
	switch m.Type {
	case "aws:eks/nodeGroup:NodeGroup":
		return int(m.Num("scalingConfig.desiredSize"))
	case "kubernetes:apps/v1:Deployment":
		return int(m.Num("spec.replicas"))
	case "aws:elasticache/replicationGroup:ReplicationGroup":
		return int(m.Num("numCacheClusters"))
	case "aws:opensearch/domain:Domain":
		return int(m.Num("clusterConfig.instanceCount"))
	}
	return 1
}

func hasPlace(nodes map[string]*node, place string) bool {
	for _, n := range nodes {
		if n.place == place {
			return true
		}
	}
	return false
}

func writeNodes(b *strings.Builder, nodes map[string]*node, place, tier, indent string) bool {
	var list []*node
	for _, n := range nodes {
		if n.place == place && (place == "" || n.tier == tier) {
			list = append(list, n)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	for _, n := range list {
		label := n.label
		if n.count != 1 {
			label = fmt.Sprintf("%s x%d", label, n.count)
		}
		fmt.Fprintf(b, "%s%s[\"%s\"]\n", indent, nodeID(n), label)
	}
	return len(list) > 0
}

func nodeID(n *node) string {
	if n.place == "" {
		return n.id
	}
	return mermaidID(n.place) + "_" + n.id
}

func find(nodes map[string]*node, id string) []string {
	var out []string
	for _, n := range nodes {
		if n.id == id {
			out = append(out, nodeID(n))
		}
	}
	sort.Strings(out)
	return out
}

// sameRegion reports whether two node ids sit in the same region or one of them is global.
func sameRegion(a, b string) bool {
	ra, _, okA := strings.Cut(a, "_")
	rb, _, okB := strings.Cut(b, "_")
	if !okA || !okB || a == "users" || b == "users" {
		return true
	}
	// Region ids look like eu_west_1_x; compare the three region parts.
	return regionPart(a) == regionPart(b) || ra == "" || rb == ""
}

func regionPart(id string) string {
	parts := strings.SplitN(id, "_", 4)
	if len(parts) < 4 {
		return ""
	}
	return strings.Join(parts[:3], "_")
}

// onlyIn keeps the node ids of kind id placed in region.
func onlyIn(ids []string, region, id string) []string {
	var out []string
	for _, n := range ids {
		if n == id || n == mermaidID(region)+"_"+id { // global nodes have no region
			out = append(out, n)
		}
	}
	return out
}

func mermaidID(s string) string { return strings.ReplaceAll(s, "-", "_") }
