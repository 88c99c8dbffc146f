package config

import (
	"net/netip"
	"regexp"
	"strings"

	"globalstack/components/base"
	"globalstack/components/cluster/eksversion"
	"globalstack/components/edge"
	storefront "globalstack/components/storefront/settings"
)

// ComputeTier configures the cluster, the storefront workload and the edge of a cell. Each is
// one object config key (globalstack:cluster, globalstack:storefront, globalstack:edge); a
// field left out takes the default of the stack's sizing, an unknown field is an error.
type ComputeTier struct {
	Cluster    ClusterConfig
	Storefront StorefrontConfig
	Edge       EdgeConfig
}

// ClusterConfig sizes the EKS cluster.
type ClusterConfig struct {
	Version           string   `json:"version"`
	InstanceTypes     []string `json:"instanceTypes"`
	NodeMin           int      `json:"nodeMin"`
	NodeDesired       int      `json:"nodeDesired"`
	NodeMax           int      `json:"nodeMax"`
	DiskSizeGiB       int      `json:"diskSizeGiB"`
	LogRetentionDays  int      `json:"logRetentionDays"`
	PublicAccessCIDRs []string `json:"publicAccessCidrs"` // empty: private endpoint only
	AdminRoleArns     []string `json:"adminRoleArns"`
}

// StorefrontConfig is globalstack:storefront, defined, preset and validated by its component.
type StorefrontConfig = storefront.Settings

// EdgeConfig configures CloudFront and WAF; the edge component defines, presets and
// validates it.
type EdgeConfig = edge.Settings

// DefaultImageTag is the storefront tag deployed when a stack names none.
const DefaultImageTag = storefront.DefaultImageTag

// computePresets returns the compute tier defaults of a sizing (documented in the README).
func computePresets(s Sizing) ComputeTier {
	if s == SizingDev {
		return ComputeTier{
			Cluster: ClusterConfig{Version: eksversion.Default, InstanceTypes: []string{"t3.large"}, NodeMin: 2, NodeDesired: 2, NodeMax: 4,
				DiskSizeGiB: 30, LogRetentionDays: 30},
			Storefront: storefront.Dev,
			Edge:       edge.Dev,
		}
	}
	return ComputeTier{
		Cluster: ClusterConfig{Version: eksversion.Default, InstanceTypes: []string{"m6i.large", "m6a.large"}, NodeMin: 3, NodeDesired: 3, NodeMax: 12,
			DiskSizeGiB: 50, LogRetentionDays: 365},
		Storefront: storefront.Prod,
		Edge:       edge.Prod,
	}
}

var (
	roleArnRE  = regexp.MustCompile(`^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)
	instanceRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// loadCompute reads the compute and edge sections.
func (r *reader) loadCompute(c *Cell) {
	c.ComputeTier = computePresets(c.Sizing)
	r.Section("cluster", &c.Cluster)
	r.Section("storefront", &c.Storefront)
	r.Section("edge", &c.Edge)
	r.validateCluster(c.Cluster, c.Role)
	r.p.Add(c.Storefront.Validate(Key("storefront")))
	r.p.Add(c.Edge.Validate(Key("edge")))
}

func (r *reader) validateCluster(k ClusterConfig, role Role) {
	if _, ok := eksversion.PinnedAddons[k.Version]; !ok {
		r.p.Addf(Key("cluster.version"), "%q has no pinned add-on versions (supported: %s)", k.Version, strings.Join(eksversion.Supported(), ", "))
	}
	if len(k.InstanceTypes) == 0 {
		r.p.Addf(Key("cluster.instanceTypes"), "at least one instance type is required")
	}
	for _, t := range k.InstanceTypes {
		if !instanceRE.MatchString(t) {
			r.p.Addf(Key("cluster.instanceTypes"), "%q is not an EC2 instance type", t)
		}
	}
	if k.NodeMax < 1 {
		r.p.Addf(Key("cluster.nodeMax"), "is %d: must be at least 1", k.NodeMax)
	}
	if k.NodeMin < 0 || k.NodeMin > k.NodeDesired || k.NodeDesired > k.NodeMax {
		r.p.Addf(Key("cluster.nodeDesired"), "need nodeMin (%d) <= nodeDesired (%d) <= nodeMax (%d)", k.NodeMin, k.NodeDesired, k.NodeMax)
	}
	if role == RoleCell && k.NodeMin < 2 {
		r.p.Addf(Key("cluster.nodeMin"), "is %d: a serving cell needs at least 2 nodes to survive a zone", k.NodeMin)
	}
	if k.DiskSizeGiB < 20 {
		r.p.Addf(Key("cluster.diskSizeGiB"), "is %d: at least 20", k.DiskSizeGiB)
	}
	r.computeRetention("cluster.logRetentionDays", k.LogRetentionDays)
	for _, cidr := range k.PublicAccessCIDRs {
		pfx, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil:
			r.p.Addf(Key("cluster.publicAccessCidrs"), "%q is not a CIDR block", cidr)
		case pfx.Bits() == 0:
			r.p.Addf(Key("cluster.publicAccessCidrs"), "%q would open the API endpoint to the internet", cidr)
		case pfx.Masked() != pfx:
			r.p.Addf(Key("cluster.publicAccessCidrs"), "%q has host bits set", cidr)
		}
	}
	// Access entries grant cluster access; without one the cluster answers 401 to everyone but
	// the identity that created it, which at failover is rarely the on-call engineer.
	if len(k.AdminRoleArns) == 0 {
		r.p.Addf(Key("cluster.adminRoleArns"), "is empty: list at least one IAM role that administers the %s cluster (the on-call role that runs make failover), or only the identity that created it can reach it", role)
	}
	for _, a := range k.AdminRoleArns {
		if !roleArnRE.MatchString(a) {
			r.p.Addf(Key("cluster.adminRoleArns"), "%q is not an IAM role or user ARN", a)
		}
	}
}

func (r *reader) computeRetention(name string, days int) {
	base.CheckLogRetention(r.p, Key(name), days)
}
