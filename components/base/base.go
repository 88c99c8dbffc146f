// Package base holds the few helpers every component shares: argument validation that reports
// every problem at once, child resource options, and tag merging.
package base

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Problems collects validation errors so a caller sees all of them in one run.
type Problems struct {
	scope string
	errs  []error
}

// NewProblems starts a problem list whose messages are prefixed with scope (e.g. "network");
// an empty scope adds no prefix (Settings.Validate, whose caller adds its own).
func NewProblems(scope string) *Problems { return &Problems{scope: scope} }

// Addf records a problem with the named field.
func (p *Problems) Addf(field, format string, args ...any) {
	p.add(fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// Add records every problem of err (one per joined error), prefixed with the scope.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			p.Add(e)
		}
		return
	}
	p.add(err)
}

func (p *Problems) add(err error) {
	if p.scope != "" {
		err = fmt.Errorf("%s: %w", p.scope, err)
	}
	p.errs = append(p.errs, err)
}

// Require records a problem when cond is false.
func (p *Problems) Require(cond bool, field, format string, args ...any) {
	if !cond {
		p.Addf(field, format, args...)
	}
}

// Err returns nil when there were no problems, or all of them joined.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

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
	pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block", cidr)
	}
	if !pfx.Addr().Is4() || !pfx.Addr().IsPrivate() {
		return netip.Prefix{}, fmt.Errorf("%q is not a private (RFC 1918) IPv4 range", cidr)
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", cidr, pfx.Masked())
	}
	if pfx.Bits() > maxBits {
		return netip.Prefix{}, fmt.Errorf("%q is too small: need /%d or larger", cidr, maxBits)
	}
	if pfx.Bits() < 16 {
		return netip.Prefix{}, fmt.Errorf("%q is too large: a VPC can be at most a /16", cidr)
	}
	return pfx, nil
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
