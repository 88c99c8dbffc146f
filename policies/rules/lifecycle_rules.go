package rules

import (
	"fmt"
	"time"
)

const (

	// supportWarning is how long before the end of standard support a version is flagged.
	supportWarning = 120 * 24 * time.Hour
	// tableMaxAge is how old the lifecycle table may get before its dates stop counting.
	tableMaxAge = 180 * 24 * time.Hour
)

// versioned is one versioned service in a stack: what runs, at which version, and what the
// lifecycle table says about it (found false when the table does not list it).
type versioned struct {
	r       *Resource
	what    string // "EKS cluster", "Aurora cluster", ...
	input   string // the property holding the version
	engine  string // lifecycle table key: "kubernetes", "aurora-postgresql", "redis", ...
	version string
	support Support
	found   bool
}

func (v versioned) describe() string {
	return fmt.Sprintf("%s %s (%s %q)", v.what, v.r.Name, v.input, v.version)
}

// versionedServices lists the stack's versioned services once per stack; unknown versions
// are left out (they are reported as not applicable by the rules that need them).
func versionedServices(s *Stack) []versioned {
	return s.Memo("lifecycle.versioned", func() any {
		table := EmbeddedLifecycle()
		var out []versioned
		add := func(r *Resource, what, input, engine string) {
			v, ok := r.Props[input].(string)
			if !ok || v == "" {
				return
			}
			x := versioned{r: r, what: what, input: input, engine: engine, version: v}
			if engine == "kubernetes" {
				x.support, x.found = table.KubernetesVersion(v)
			} else {
				x.support, x.found = table.Engine(engine, v)
			}
			out = append(out, x)
		}
		for _, r := range s.OfType(tEKSCluster) {
			add(r, "EKS cluster", "version", "kubernetes")
		}
		for _, r := range s.OfType(tRDSCluster) {
			engine, _ := r.Props["engine"].(string)
			add(r, "RDS cluster", "engineVersion", engine)
		}
		for _, r := range s.OfType(tCacheRG) {
			engine, _ := r.Props["engine"].(string)
			if engine == "" {
				engine = "redis" // the provider's default engine
			}
			add(r, "ElastiCache replication group", "engineVersion", engine)
		}
		for _, r := range s.OfType(tOpenSearch) {
			add(r, "OpenSearch domain", "engineVersion", "opensearch")
		}
		return out
	}).([]versioned)
}

// clusterVersions maps EKS cluster names to their Kubernetes versions (known values only).
func clusterVersions(s *Stack) map[string]string {
	return s.Memo("lifecycle.clusters", func() any {
		out := map[string]string{}
		for _, r := range s.OfType(tEKSCluster) {
			name, _ := r.Props["name"].(string)
			if v, ok := r.Props["version"].(string); ok && name != "" {
				out[name] = v
			}
		}
		return out
	}).(map[string]string)
}

func unknownVersions(c *Ctx, s *Stack) {
	for _, t := range []string{tEKSCluster, tRDSCluster, tCacheRG, tOpenSearch} {
		for _, r := range s.OfType(t) {
			for _, p := range []string{"version", "engineVersion"} {
				if v, ok := r.Props[p]; ok && IsUnknown(v) {
					c.Unknown(r.Name + "." + p)
				}
			}
		}
	}
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// now is the stack's judgement time; a stack checked outside a Checker is judged today.
func now(s *Stack) time.Time {
	if s.Now.IsZero() {
		return time.Now()
	}
	return s.Now
}

// compatibility checks one add-on or chart against the Kubernetes versions it runs on.
func compatibility(c *Ctx, r *Resource, what, name, version string, entry Compatibility, found bool, kubernetes []string) {
	if !found {
		c.FailOn(r.URN, "%s %s: %s version %q is not in the lifecycle table (policies/rules/lifecycle.json), so nothing documents which Kubernetes versions it supports", what, r.Name, name, version)
		return
	}
	for _, k := range kubernetes {
		if !entry.Supports(k) {
			c.FailOn(r.URN, "%s %s: %s %s is documented for Kubernetes %s, not for the cluster's %s (source: %s)", what, r.Name, name, version, entry.Kubernetes, k, entry.Source)
		}
	}
}

func init() {
	register(
		&Rule{
			ID: "LIFE-001", Name: "version-in-standard-support", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "EKS Kubernetes, Aurora, ElastiCache and OpenSearch versions are listed in the lifecycle table and still in standard support.",
			Remediation: "Move to a version in standard support (policies/rules/lifecycle.json lists the dates and their sources), or add the version with its documented dates if the table lacks it.",
			Stack: func(c *Ctx, s *Stack) {
				unknownVersions(c, s)
				for _, v := range versionedServices(s) {
					switch {
					case !v.found:
						c.FailOn(v.r.URN, "%s: version %q is not in the lifecycle table (policies/rules/lifecycle.json), so its support dates are unknown", v.describe(), v.version)
					case !v.support.EndOfStandardSupport.IsZero() && !now(s).Before(v.support.EndOfStandardSupport.Time):
						c.FailOn(v.r.URN, "%s: standard support ended on %s (extended support ends %s; source: %s)",
							v.describe(), v.support.EndOfStandardSupport, v.support.EndOfExtendedSupport, v.support.Source)
					}
				}
			},
		},
		&Rule{
			ID: "LIFE-002", Name: "version-support-ending-soon", Pack: Deployability, Severity: Medium, Level: Advisory,
			Description: "No version leaves standard support within 120 days.",
			Remediation: "Plan the upgrade now: EKS clusters with upgradePolicy STANDARD are upgraded by AWS at the end of standard support, data stores move to paid extended support.",
			Stack: func(c *Ctx, s *Stack) {
				unknownVersions(c, s)
				for _, v := range versionedServices(s) {
					end := v.support.EndOfStandardSupport
					if !v.found || end.IsZero() || !now(s).Before(end.Time) {
						continue
					}
					if left := end.Sub(now(s)); left <= supportWarning {
						c.FailOn(v.r.URN, "%s: standard support ends on %s, in %d days (source: %s)", v.describe(), end, int(left.Hours()/24)+1, v.support.Source)
					}
				}
			},
		},
		&Rule{
			ID: "LIFE-003", Name: "addon-and-chart-documented-for-cluster", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "Every EKS add-on and Helm chart version is in the lifecycle table and documented for the cluster's Kubernetes version.",
			Remediation: "Pin the add-on or chart version the vendor documents for the cluster's Kubernetes version and record it, with its source, in policies/rules/lifecycle.json.",
			Stack: func(c *Ctx, s *Stack) {
				table := EmbeddedLifecycle()
				clusters := clusterVersions(s)
				var all []string
				for _, v := range clusters {
					all = append(all, v)
				}
				for _, r := range s.OfType(tEKSAddon) {
					name, ok1 := c.Str(r, "addonName")
					version, ok2 := c.Str(r, "addonVersion")
					cluster, ok3 := c.Str(r, "clusterName")
					if !ok1 || !ok2 || !ok3 {
						continue
					}
					k, ok := clusters[cluster]
					if !ok {
						c.Unknown(r.Name + ".clusterName")
						continue
					}
					entry, found := table.Addon(name, version)
					compatibility(c, r, "EKS add-on", name, version, entry, found, []string{k})
				}
				for _, r := range s.OfType(tHelmRelease) {
					chart, ok1 := c.Str(r, "chart")
					version, ok2 := c.Str(r, "version")
					if !ok1 || !ok2 {
						continue
					}
					if len(all) == 0 {
						c.Unknown(r.Name + ": no EKS cluster version in this stack")
						continue
					}
					entry, found := table.Chart(chart, version)
					compatibility(c, r, "Helm release", chart, version, entry, found, all)
				}
			},
		},
		&Rule{
			ID: "LIFE-004", Name: "lifecycle-table-current", Pack: Deployability, Severity: Medium, Level: Mandatory,
			Description: "The lifecycle table the version rules judge by was checked against its sources within the last 180 days.",
			Remediation: "Re-read every source URL in policies/rules/lifecycle.json, update the dates and versions, and set \"checked\" to today.",
			Stack: func(c *Ctx, s *Stack) {
				if len(versionedServices(s)) == 0 && len(s.OfType(tEKSAddon)) == 0 && len(s.OfType(tHelmRelease)) == 0 {
					return
				}
				checked := EmbeddedLifecycle().Checked
				if age := now(s).Sub(checked.Time); age > tableMaxAge {
					c.FailOn("", "the lifecycle table (policies/rules/lifecycle.json) was last checked on %s, %d days before %s: its support dates can no longer be trusted",
						checked, int(age.Hours()/24), day(now(s)))
				}
			},
		},
	)
}
