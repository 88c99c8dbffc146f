// Package config loads a stack's configuration into one typed struct and validates all of it
// before the program registers a single resource. Every problem is reported at once, each
// naming its config key, so a bad stack file never produces a half-built stack.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"globalstack/components/base/validate"
	"globalstack/components/regions"
	"globalstack/internal/pulumifiles"
)

// Project is the Pulumi project name and the namespace of every config key.
const Project = "globalstack"

// Role says which half of a cell a stack builds.
type Role string

// The stack roles.
const (
	RoleCell Role = "cell" // the primary region of a cell, plus its global edge
	RoleDR   Role = "dr"   // the pilot-light copy of a cell in its DR region
)

// Sizing picks default sizes: prod for the production cells, dev for a cheap trial `pulumi up`.
type Sizing string

// The sizings.
const (
	SizingProd Sizing = "prod"
	SizingDev  Sizing = "dev"
)

// Failover modes (globalstack:failoverMode).
const (
	FailoverDetach     = "detach"
	FailoverSwitchover = "switchover"
)

// RequiredTags must be present on every stack; they end up on every taggable resource.
var RequiredTags = []string{"owner", "cost-center", "data-classification"}

// Cell is the validated configuration of one stack.
type Cell struct {
	Stack        string
	Role         Role
	Jurisdiction regions.Jurisdiction
	// PrimaryRegion and DRRegion are the two regions of the cell, both inside Jurisdiction.
	PrimaryRegion string
	DRRegion      string
	Sizing        Sizing
	Domain        string // optional; enables ACM + Route 53 records
	Tags          map[string]string
	Network       Network
	// Failover is set on a DR stack to turn the pilot light into the serving region.
	Failover bool
	// FailoverMode says how the DR database became the writer: FailoverDetach (removed from
	// the global cluster, the primary region being down) or FailoverSwitchover (a planned
	// switchover: it is the global cluster's writer and stays a member).
	FailoverMode string
	// PrimaryStack is the cell a stack belongs to: the stack itself for a cell; for a DR
	// stack globalstack:primaryStack, default the stack name without "-dr". Its outputs
	// identify the global cluster to join, and its name the cell's databases.
	PrimaryStack string

	DataTier    // data.go: database, cache, search
	ComputeTier // compute.go: cluster, storefront, edge
	// Baseline is globalstack:baseline (baseline.go); AccountIDs is aws:allowedAccountIds,
	// the account(s) the stack deploys into (empty when the stack file does not say).
	Baseline   BaselineConfig
	AccountIDs []string
}

// Network configures the VPC of each region of the cell.
type Network struct {
	PrimaryCIDR          string // globalstack:vpcCidr
	DRCIDR               string // globalstack:drVpcCidr
	AZCount              int    // globalstack:azCount
	SingleNatGateway     bool   // globalstack:singleNatGateway
	FlowLogRetentionDays int    // globalstack:flowLogRetentionDays
	// Zones optionally names the zones of the stack's region (globalstack:zones): zone
	// letters map to different physical zones in every account, and some services skip some
	// zones (EKS in use1-az3), so an account may need to choose. Default: the first AZCount.
	Zones []string
}

// StackZones returns the zones the stack's region uses.
func (c *Cell) StackZones() []string {
	if len(c.Network.Zones) > 0 {
		return c.Network.Zones
	}
	return regions.Zones(c.Region())[:c.Network.AZCount]
}

// Region returns the region this stack deploys into.
func (c *Cell) Region() string {
	if c.Role == RoleDR {
		return c.DRRegion
	}
	return c.PrimaryRegion
}

// VpcCIDR returns the VPC range of the region this stack deploys into.
func (c *Cell) VpcCIDR() string {
	if c.Role == RoleDR {
		return c.Network.DRCIDR
	}
	return c.Network.PrimaryCIDR
}

// Source is where raw config values come from: the Pulumi context in a real run,
// a map in tests and in the offline planner. Keys are fully qualified ("globalstack:azCount").
type Source interface {
	Get(key string) (string, bool)
}

// Map is a Source backed by a map.
type Map map[string]string

// Get returns the value of key and whether it is set.
func (m Map) Get(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

// Key qualifies a project config key.
func Key(name string) string { return Project + ":" + name }

// Parse reads and validates the configuration of stack from src.
func Parse(stack string, src Source) (*Cell, error) {
	r := &reader{src: src, p: validate.NewProblems("config")}
	c := &Cell{Stack: stack}

	c.Role = Role(r.optional("role", string(RoleCell)))
	if c.Role != RoleCell && c.Role != RoleDR {
		r.p.Addf(Key("role"), "%q is not a role (want %q or %q)", c.Role, RoleCell, RoleDR)
	}
	c.Sizing = Sizing(r.optional("sizing", string(SizingProd)))
	if c.Sizing != SizingProd && c.Sizing != SizingDev {
		r.p.Addf(Key("sizing"), "%q is not a sizing (want %q or %q)", c.Sizing, SizingProd, SizingDev)
	}

	if j := r.required("jurisdiction"); j != "" {
		parsed, err := regions.ParseJurisdiction(j)
		if err != nil {
			r.p.Addf(Key("jurisdiction"), "%v", err)
		}
		c.Jurisdiction = parsed
	}
	c.PrimaryRegion = r.region("primaryRegion", c.Jurisdiction)
	c.DRRegion = r.region("drRegion", c.Jurisdiction)
	if c.PrimaryRegion != "" && c.PrimaryRegion == c.DRRegion {
		r.p.Addf(Key("drRegion"), "must differ from primaryRegion %q: a DR copy in the same region survives nothing", c.PrimaryRegion)
	}

	// The default provider's region must be the region this stack owns, or resources
	// without an explicit provider would land somewhere else.
	if want := c.Region(); want != "" {
		if got, ok := src.Get("aws:region"); !ok || got == "" {
			r.p.Addf("aws:region", "is required and must be %q for a %s stack", want, c.Role)
		} else if got != want {
			r.p.Addf("aws:region", "is %q but a %s stack deploys into %q", got, c.Role, want)
		}
	}

	c.Domain = strings.TrimSpace(r.optional("domain", ""))
	if c.Domain != "" && (!strings.Contains(c.Domain, ".") || strings.ContainsAny(c.Domain, " /:")) {
		r.p.Addf(Key("domain"), "%q is not a DNS name", c.Domain)
	}

	c.Tags = map[string]string{}
	if raw := r.required("tags"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.Tags); err != nil {
			r.p.Addf(Key("tags"), "must be a map of strings: %v", err)
		} else {
			for _, k := range RequiredTags {
				if strings.TrimSpace(c.Tags[k]) == "" {
					r.p.Addf(Key("tags."+k), "is required")
				}
			}
		}
	}

	c.Network = Network{
		PrimaryCIDR:          r.required("vpcCidr"),
		DRCIDR:               r.required("drVpcCidr"),
		AZCount:              r.integer("azCount", 3),
		SingleNatGateway:     r.boolean("singleNatGateway", c.Sizing == SizingDev),
		FlowLogRetentionDays: r.integer("flowLogRetentionDays", 365),
	}
	if raw := r.optional("zones", ""); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.Network.Zones); err != nil {
			r.p.Addf(Key("zones"), "must be a list of zone names: %v", err)
		}
	}
	r.validateNetwork(c)
	c.Failover = r.boolean("failover", false)
	if c.Failover && c.Role != RoleDR {
		r.p.Addf(Key("failover"), "only a dr stack can fail over")
	}
	c.FailoverMode = r.optional("failoverMode", FailoverDetach)
	if c.FailoverMode != FailoverDetach && c.FailoverMode != FailoverSwitchover {
		r.p.Addf(Key("failoverMode"), "%q is not a failover mode (want %q or %q)", c.FailoverMode, FailoverDetach, FailoverSwitchover)
	}
	c.PrimaryStack = stack
	if c.Role == RoleDR {
		c.PrimaryStack = pulumifiles.PrimaryStackRef(stack, r.optional(pulumifiles.PrimaryStackKey, ""))
		if c.PrimaryStack == stack {
			r.p.Addf(Key("primaryStack"), "is required for a dr stack whose name does not end in -dr")
		}
	}

	r.loadData(c)
	r.loadCompute(c)
	r.loadBaseline(c)

	if err := r.p.Err(); err != nil {
		return nil, fmt.Errorf("stack %s has invalid configuration:\n%w", stack, err)
	}
	return c, nil
}

func (r *reader) validateNetwork(c *Cell) {
	n := c.Network
	var prefixes []netip.Prefix
	for key, cidr := range map[string]string{"vpcCidr": n.PrimaryCIDR, "drVpcCidr": n.DRCIDR} {
		if cidr == "" {
			continue
		}
		pfx, err := validate.PrivatePrefix(cidr, 20)
		if err != nil {
			r.p.Addf(Key(key), "%v", err)
			continue
		}
		prefixes = append(prefixes, pfx)
	}
	if len(prefixes) == 2 && prefixes[0].Overlaps(prefixes[1]) {
		r.p.Addf(Key("drVpcCidr"), "%s overlaps vpcCidr %s: the two regions must be routable to each other", n.DRCIDR, n.PrimaryCIDR)
	}
	if n.AZCount < 2 {
		r.p.Addf(Key("azCount"), "is %d: at least 2 availability zones are needed for Multi-AZ data stores", n.AZCount)
	}
	for key, region := range map[string]string{"primaryRegion": c.PrimaryRegion, "drRegion": c.DRRegion} {
		if region != "" && n.AZCount > len(regions.Zones(region)) {
			r.p.Addf(Key("azCount"), "is %d but %s (%s) has only %d zones", n.AZCount, region, key, len(regions.Zones(region)))
		}
	}
	if len(n.Zones) > 0 {
		region := c.Region()
		known := regions.Zones(region)
		seen := map[string]bool{}
		for _, z := range n.Zones {
			if !slices.Contains(known, z) {
				r.p.Addf(Key("zones"), "%q is not a zone of %s (%s)", z, region, strings.Join(known, ", "))
			}
			if seen[z] {
				r.p.Addf(Key("zones"), "%q is listed twice", z)
			}
			seen[z] = true
		}
		if len(n.Zones) != n.AZCount {
			r.p.Addf(Key("zones"), "lists %d zones but azCount is %d", len(n.Zones), n.AZCount)
		}
	}
	if n.AZCount > 6 {
		r.p.Addf(Key("azCount"), "is %d: at most 6 zones fit the subnet plan", n.AZCount)
	}
	validate.CheckLogRetention(r.p, Key("flowLogRetentionDays"), n.FlowLogRetentionDays)
}

// reader reads typed values and records a problem per bad key.
type reader struct {
	src Source
	p   *validate.Problems
}

func (r *reader) optional(name, def string) string {
	if v, ok := r.src.Get(Key(name)); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) required(name string) string {
	v := r.optional(name, "")
	if v == "" {
		r.p.Addf(Key(name), "is required")
	}
	return v
}

func (r *reader) integer(name string, def int) int {
	v := r.optional(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.p.Addf(Key(name), "%q is not an integer", v)
		return def
	}
	return n
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.optional(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.p.Addf(Key(name), "%q is not true or false", v)
		return def
	}
	return b
}

// region reads a required region key and checks it exists and lies inside j.
func (r *reader) region(name string, j regions.Jurisdiction) string {
	v := r.required(name)
	switch {
	case v == "":
	case !regions.Known(v):
		r.p.Addf(Key(name), "%q is not an AWS region", v)
	case j != "" && !j.Contains(v):
		r.p.Addf(Key(name), "%q is outside jurisdiction %q (allowed: %s)", v, j, strings.Join(j.Regions(), ", "))
	}
	return v
}

// Section decodes the JSON object at key name into dst (which holds the defaults), rejecting
// unknown fields so a typo is an error rather than a silently ignored setting.
func (r *reader) Section(name string, dst any) {
	raw, ok := r.src.Get(Key(name))
	if !ok || strings.TrimSpace(raw) == "" {
		return
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			r.p.Addf(Key(name), "is not a JSON/YAML object: %v", err)
			return
		}
		r.p.Addf(Key(name), "%v", err)
	}
}
