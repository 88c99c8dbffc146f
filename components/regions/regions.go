// Package regions knows which AWS regions exist, which legal jurisdiction each belongs to, and
// which availability zones each offers. Stack validation, components and the policy pack share
// it so that "inside the jurisdiction" means the same thing everywhere.
package regions

import (
	"fmt"
	"slices"
	"sort"
)

// Jurisdiction is the legal area whose data-protection law a cell's user data falls under.
type Jurisdiction string

// The jurisdictions.
const (
	US Jurisdiction = "us" // United States
	EU Jurisdiction = "eu" // European Union (GDPR)
	JP Jurisdiction = "jp" // Japan (APPI)
)

// Global is the region where account-global services live: CloudFront, WAF for CloudFront,
// ACM certificates for CloudFront, IAM and Route 53 are all managed through us-east-1.
const Global = "us-east-1"

// zones lists every commercial AWS region with the availability-zone suffixes it offers.
// ap-northeast-1 has no "b" zone for new accounts; the suffixes follow what AWS exposes.
var zones = map[string][]string{
	"us-east-1":      {"a", "b", "c", "d", "e", "f"},
	"us-east-2":      {"a", "b", "c"},
	"us-west-1":      {"a", "c"},
	"us-west-2":      {"a", "b", "c", "d"},
	"ca-central-1":   {"a", "b", "d"},
	"ca-west-1":      {"a", "b", "c"},
	"sa-east-1":      {"a", "b", "c"},
	"mx-central-1":   {"a", "b", "c"},
	"eu-west-1":      {"a", "b", "c"},
	"eu-west-2":      {"a", "b", "c"},
	"eu-west-3":      {"a", "b", "c"},
	"eu-central-1":   {"a", "b", "c"},
	"eu-central-2":   {"a", "b", "c"},
	"eu-north-1":     {"a", "b", "c"},
	"eu-south-1":     {"a", "b", "c"},
	"eu-south-2":     {"a", "b", "c"},
	"il-central-1":   {"a", "b", "c"},
	"me-south-1":     {"a", "b", "c"},
	"me-central-1":   {"a", "b", "c"},
	"af-south-1":     {"a", "b", "c"},
	"ap-east-1":      {"a", "b", "c"},
	"ap-south-1":     {"a", "b", "c"},
	"ap-south-2":     {"a", "b", "c"},
	"ap-southeast-1": {"a", "b", "c"},
	"ap-southeast-2": {"a", "b", "c"},
	"ap-southeast-3": {"a", "b", "c"},
	"ap-southeast-4": {"a", "b", "c"},
	"ap-southeast-5": {"a", "b", "c"},
	"ap-southeast-7": {"a", "b", "c"},
	"ap-northeast-1": {"a", "c", "d"},
	"ap-northeast-2": {"a", "b", "c", "d"},
	"ap-northeast-3": {"a", "b", "c"},
}

// members maps each jurisdiction to the regions inside it. The UK (eu-west-2) and
// Switzerland (eu-central-2) have adequacy decisions but are not EU member states, so they
// are deliberately outside "eu": a cell that wants them must say so in a new jurisdiction.
var members = map[Jurisdiction][]string{
	US: {"us-east-1", "us-east-2", "us-west-1", "us-west-2"},
	EU: {"eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2"},
	JP: {"ap-northeast-1", "ap-northeast-3"},
}

// Known reports whether region is a commercial AWS region.
func Known(region string) bool {
	_, ok := zones[region]
	return ok
}

// ParseJurisdiction validates a jurisdiction name.
func ParseJurisdiction(s string) (Jurisdiction, error) {
	j := Jurisdiction(s)
	if _, ok := members[j]; !ok {
		return "", fmt.Errorf("unknown jurisdiction %q (want one of %v)", s, All())
	}
	return j, nil
}

// All returns the supported jurisdictions, sorted.
func All() []Jurisdiction {
	out := make([]Jurisdiction, 0, len(members))
	for j := range members {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// Of returns the jurisdiction a region belongs to; ok is false for regions outside every
// supported jurisdiction (and for unknown regions).
func Of(region string) (Jurisdiction, bool) {
	for j, rs := range members {
		if slices.Contains(rs, region) {
			return j, true
		}
	}
	return "", false
}

// Contains reports whether region lies inside jurisdiction j.
func (j Jurisdiction) Contains(region string) bool {
	return slices.Contains(members[j], region)
}

// Regions returns the regions inside jurisdiction j.
func (j Jurisdiction) Regions() []string {
	return slices.Clone(members[j])
}

// Zones returns the full availability-zone names of a region, in order ("eu-west-1a", ...).
func Zones(region string) []string {
	out := make([]string, 0, len(zones[region]))
	for _, s := range zones[region] {
		out = append(out, region+s)
	}
	return out
}
