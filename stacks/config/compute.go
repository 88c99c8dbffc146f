package config

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"globalstack/components/base"
	"globalstack/components/cluster/eksversion"
	"globalstack/components/edge"
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

// StorefrontConfig configures the storefront workload.
type StorefrontConfig struct {
	// Image is a full pinned reference; when empty the image is
	// <account>.dkr.ecr.<region>.amazonaws.com/<Repository>:<ImageTag>.
	Image              string            `json:"image"`
	Repository         string            `json:"repository"`
	ImageTag           string            `json:"imageTag"`
	Replicas           int               `json:"replicas"`
	MaxReplicas        int               `json:"maxReplicas"`
	CPUTargetPercent   int               `json:"cpuTargetPercent"`
	CPURequest         string            `json:"cpuRequest"`
	MemoryRequest      string            `json:"memoryRequest"`
	CPULimit           string            `json:"cpuLimit"`
	MemoryLimit        string            `json:"memoryLimit"`
	LogLevel           string            `json:"logLevel"`
	CORSAllowedOrigins []string          `json:"corsAllowedOrigins"`
	PGSSLMode          string            `json:"pgSslMode"`
	Env                map[string]string `json:"env"`
}

// EdgeConfig configures CloudFront and WAF; the edge component defines, presets and
// validates it.
type EdgeConfig = edge.Settings

// DefaultImageTag is the storefront tag deployed when a stack names none: the first release
// pushed by the procedure in the README.
const DefaultImageTag = "1.0.0"

// computePresets returns the compute tier defaults of a sizing (documented in the README).
func computePresets(s Sizing) ComputeTier {
	if s == SizingDev {
		return ComputeTier{
			Cluster: ClusterConfig{Version: eksversion.Default, InstanceTypes: []string{"t3.large"}, NodeMin: 2, NodeDesired: 2, NodeMax: 4,
				DiskSizeGiB: 30, LogRetentionDays: 30},
			Storefront: StorefrontConfig{Repository: "globalstack/storefront", ImageTag: DefaultImageTag, Replicas: 2, MaxReplicas: 4,
				CPUTargetPercent: 70, CPURequest: "100m", MemoryRequest: "128Mi", CPULimit: "500m", MemoryLimit: "256Mi",
				LogLevel: "debug", PGSSLMode: "require"},
			Edge: edge.Dev,
		}
	}
	return ComputeTier{
		Cluster: ClusterConfig{Version: eksversion.Default, InstanceTypes: []string{"m6i.large", "m6a.large"}, NodeMin: 3, NodeDesired: 3, NodeMax: 12,
			DiskSizeGiB: 50, LogRetentionDays: 365},
		Storefront: StorefrontConfig{Repository: "globalstack/storefront", ImageTag: DefaultImageTag, Replicas: 3, MaxReplicas: 12,
			CPUTargetPercent: 70, CPURequest: "250m", MemoryRequest: "256Mi", CPULimit: "1", MemoryLimit: "512Mi",
			LogLevel: "info", PGSSLMode: "require"},
		Edge: edge.Prod,
	}
}

var (
	quantityRE   = regexp.MustCompile(`^\d+(\.\d+)?(m|Mi|Gi|Ki)?$`)
	imageTagRE   = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	repositoryRE = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*$`)
	roleArnRE    = regexp.MustCompile(`^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)
	instanceRE   = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	logLevels    = []string{"debug", "info", "warn", "error"}
)

// loadCompute reads the compute and edge sections.
func (r *reader) loadCompute(c *Cell) {
	c.ComputeTier = computePresets(c.Sizing)
	r.Section("cluster", &c.Cluster)
	r.Section("storefront", &c.Storefront)
	r.Section("edge", &c.Edge)
	r.validateCluster(c.Cluster, c.Role)
	r.validateStorefront(c.Storefront)
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

func (r *reader) validateStorefront(s StorefrontConfig) {
	if s.Image != "" {
		if strings.HasSuffix(s.Image, ":latest") || (!strings.Contains(s.Image, "@sha256:") && !strings.Contains(s.Image[strings.LastIndex(s.Image, "/")+1:], ":")) {
			r.p.Addf(Key("storefront.image"), "%q must be pinned to a tag (not latest) or a sha256 digest", s.Image)
		}
	} else {
		if !repositoryRE.MatchString(s.Repository) {
			r.p.Addf(Key("storefront.repository"), "%q is not an ECR repository name", s.Repository)
		}
		if !imageTagRE.MatchString(s.ImageTag) || s.ImageTag == "latest" {
			r.p.Addf(Key("storefront.imageTag"), "%q must be a pinned tag (not latest)", s.ImageTag)
		}
	}
	if s.Replicas < 1 || s.Replicas > s.MaxReplicas {
		r.p.Addf(Key("storefront.replicas"), "need 1 <= replicas (%d) <= maxReplicas (%d)", s.Replicas, s.MaxReplicas)
	}
	if s.CPUTargetPercent < 1 || s.CPUTargetPercent > 100 {
		r.p.Addf(Key("storefront.cpuTargetPercent"), "%d is outside 1-100", s.CPUTargetPercent)
	}
	for key, q := range map[string]string{"cpuRequest": s.CPURequest, "memoryRequest": s.MemoryRequest, "cpuLimit": s.CPULimit, "memoryLimit": s.MemoryLimit} {
		if !quantityRE.MatchString(q) {
			r.p.Addf(Key("storefront."+key), "%q is not a Kubernetes quantity", q)
		}
	}
	if !slices.Contains(logLevels, s.LogLevel) {
		r.p.Addf(Key("storefront.logLevel"), "%q is not one of %v", s.LogLevel, logLevels)
	}
	if s.PGSSLMode != "require" && s.PGSSLMode != "verify-full" {
		r.p.Addf(Key("storefront.pgSslMode"), "%q: must be require or verify-full", s.PGSSLMode)
	}
	for _, o := range s.CORSAllowedOrigins {
		if !strings.HasPrefix(o, "https://") {
			r.p.Addf(Key("storefront.corsAllowedOrigins"), "%q must be an https:// origin", o)
		}
	}
	for k := range s.Env {
		if secretEnv[k] {
			r.p.Addf(Key("storefront.env."+k), "is a secret: it comes from Secrets Manager, never from stack config")
		}
	}
}

// secretEnv are the storefront variables that carry secrets.
var secretEnv = map[string]bool{"PGPASSWORD": true, "REDIS_PASSWORD": true, "TOKEN_SECRET": true, "OPENSEARCH_PASSWORD": true, "DATABASE_URL": true}

func (r *reader) computeRetention(name string, days int) {
	base.CheckLogRetention(r.p, Key(name), days)
}
