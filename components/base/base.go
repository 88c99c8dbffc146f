// Package base holds the few helpers every component shares: argument validation that reports
// every problem at once, child resource options, and tag merging.
package base

import (
	"maps"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base/validate"
)

// Problems collects validation errors so a caller sees all of them in one run.
type Problems = validate.Problems

// NewProblems starts a problem list whose messages are prefixed with scope (e.g. "network").
func NewProblems(scope string) *Problems { return validate.NewProblems(scope) }

// Child returns the options for a child of component: parented to it (so it inherits the
// component's providers) plus any extra options.
func Child(component pulumi.Resource, extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(component)}, extra...)
}

// ChildIn is Child with an explicit provider, for children that live in another region
// (the DR region, or us-east-1 for CloudFront-scoped resources).
func ChildIn(component pulumi.Resource, provider pulumi.ProviderResource, extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	opts := Child(component, extra...)
	if provider != nil {
		opts = append(opts, pulumi.Provider(provider))
	}
	return opts
}

// Tags merges base tags with per-resource tags (per-resource values win) into a StringMap.
func Tags(base map[string]string, extra ...string) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range base {
		out[k] = pulumi.String(v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = pulumi.String(extra[i+1])
	}
	return out
}

// CopyTags returns a copy of tags with the given key/value pairs added.
func CopyTags(tags map[string]string, kv ...string) map[string]string {
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// ValidateTags reports a problem for every required tag key that is missing or empty.
func ValidateTags(p *Problems, field string, tags map[string]string, required ...string) {
	for _, k := range required {
		if strings.TrimSpace(tags[k]) == "" {
			p.Addf(field, "tag %q is required", k)
		}
	}
}

// PrivatePrefix parses cidr and checks it is an RFC 1918 IPv4 prefix of at most maxBits
// (i.e. at least as large as a /maxBits).
func PrivatePrefix(cidr string, maxBits int) (netip.Prefix, error) {
	return validate.PrivatePrefix(cidr, maxBits)
}

// ValidatePlacement checks where a data store goes: at least two subnets, the zone of each
// one inside region, a VPC, and the application security group that alone may reach it.
func ValidatePlacement(p *Problems, region string, subnets int, zones []string, vpcSet, appSGSet bool) {
	p.Require(subnets >= 2, "SubnetIDs", "%d subnets given: at least 2, in different zones, are required", subnets)
	p.Require(len(zones) == subnets, "Zones", "%d zones for %d subnets: give the zone of each subnet", len(zones), subnets)
	for _, z := range zones {
		p.Require(strings.HasPrefix(z, region) && len(z) == len(region)+1, "Zones", "%q is not a zone of %s", z, region)
	}
	p.Require(vpcSet, "VpcID", "is required")
	p.Require(appSGSet, "AppSecurityGroupID", "is required: it is the only source admitted")
}
