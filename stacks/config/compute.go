package config

import (
	"slices"

	cluster "globalstack/components/cluster/settings"
	edge "globalstack/components/edge/settings"
	origin "globalstack/components/origin/settings"
	storefront "globalstack/components/storefront/settings"
)

// ComputeTier configures the cluster, the regional origin (load balancer and its WAF), the
// storefront workload and the edge of a cell. Each is one object config key
// (globalstack:cluster, globalstack:origin, globalstack:storefront, globalstack:edge); a
// field left out takes the default of the stack's sizing, an unknown field is an error.
type ComputeTier struct {
	Cluster    ClusterConfig
	Origin     OriginConfig
	Storefront StorefrontConfig
	Edge       EdgeConfig
}

// OriginConfig is globalstack:origin, defined, preset and validated by its settings package.
type OriginConfig = origin.Settings

// ClusterConfig is globalstack:cluster, defined, preset and validated by its settings package.
type ClusterConfig = cluster.Settings

// StorefrontConfig is globalstack:storefront, defined, preset and validated by its settings package.
type StorefrontConfig = storefront.Settings

// EdgeConfig configures CloudFront and WAF; the edge component defines, presets and
// validates it.
type EdgeConfig = edge.Settings

// DefaultImageTag is the storefront tag deployed when a stack names none.
const DefaultImageTag = storefront.DefaultImageTag

// computePresets returns the compute tier defaults of a sizing (documented in the README).
// The cluster's slices are copied: decoding a stack file reuses a slice's backing array, which
// must not be the preset's.
func computePresets(s Sizing) ComputeTier {
	if s == SizingDev {
		return ComputeTier{
			Cluster:    clusterPreset(cluster.Dev),
			Origin:     origin.Dev,
			Storefront: storefront.Dev,
			Edge:       edge.Dev,
		}
	}
	return ComputeTier{
		Cluster:    clusterPreset(cluster.Prod),
		Origin:     origin.Prod,
		Storefront: storefront.Prod,
		Edge:       edge.Prod,
	}
}

func clusterPreset(k ClusterConfig) ClusterConfig {
	k.InstanceTypes = slices.Clone(k.InstanceTypes)
	return k
}

// loadCompute reads the compute and edge sections.
func (r *reader) loadCompute(c *Cell) {
	c.ComputeTier = computePresets(c.Sizing)
	r.Section("cluster", &c.Cluster)
	r.Section("origin", &c.Origin)
	r.Section("storefront", &c.Storefront)
	r.Section("edge", &c.Edge)
	r.validateCluster(c.Cluster, c.Role)
	r.p.Add(c.Origin.Validate(Key("origin")))
	r.p.Add(c.Storefront.Validate(Key("storefront")))
	r.p.Add(c.Edge.Validate(Key("edge")))
}

// validateCluster checks the cluster settings, then what depends on the stack's role: a
// serving cell's node floor, and administrators every stack must name (the DR stack's most of
// all), in an error that names the role.
func (r *reader) validateCluster(k ClusterConfig, role Role) {
	r.p.Add(k.Validate(Key("cluster")))
	if role == RoleCell && k.NodeMin < 2 {
		r.p.Addf(Key("cluster.nodeMin"), "is %d: a serving cell needs at least 2 nodes to survive a zone", k.NodeMin)
	}
	// Access entries grant cluster access; without one the cluster answers 401 to everyone but
	// the identity that created it, which at failover is rarely the on-call engineer.
	if len(k.AdminRoleArns) == 0 {
		r.p.Addf(Key("cluster.adminRoleArns"), "is empty: list at least one IAM role that administers the %s cluster (the on-call role that runs make failover), or only the identity that created it can reach it", role)
	}
}
