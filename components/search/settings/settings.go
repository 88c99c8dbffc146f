// Package settings defines the tunable settings of the OpenSearch domain (the keys of the
// stack's globalstack:search object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import (
	"regexp"
	"strings"

	"globalstack/components/base/validate"
)

// Settings are the tunable settings of the domain: the keys of the stack's globalstack:search
// object.
type Settings struct {
	InstanceType       string `json:"instanceType" doc:"an OpenSearch instance type (<family>.<size>.search)"`
	InstanceCount      int    `json:"instanceCount" doc:"data nodes: a positive multiple of the zones the domain spans (min(azCount, 3))" zero:"one per zone"`
	MasterInstanceType string `json:"masterInstanceType" doc:"the 3 dedicated master nodes"`
	VolumeSizeGiB      int    `json:"volumeSizeGiB" doc:"10-16384, per data node"`
	EngineVersion      string `json:"engineVersion" doc:"OpenSearch_<major>.<minor>"`
	LogRetentionDays   int    `json:"logRetentionDays" doc:"a retention CloudWatch Logs accepts"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack. Their
// InstanceCount is 0: one data node per zone the domain spans.
var (
	Prod = Settings{InstanceType: "r6g.large.search", MasterInstanceType: "m6g.large.search",
		VolumeSizeGiB: 100, EngineVersion: "OpenSearch_2.17", LogRetentionDays: 365}
	Dev = Settings{InstanceType: "t3.medium.search", MasterInstanceType: "t3.medium.search",
		VolumeSizeGiB: 20, EngineVersion: "OpenSearch_2.17", LogRetentionDays: 30}
)

// ZonesUsed is how many zones a domain placed in the given number of zones spans: 3, or 2
// when there are only 2.
func ZonesUsed(zones int) int { return min(zones, 3) }

var versionRE = regexp.MustCompile(`^OpenSearch_\d+\.\d+$`)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey). How InstanceCount fits the zones is checked where they are known
// (ValidateInstanceCount).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	for _, f := range []struct{ key, typ string }{{"instanceType", s.InstanceType}, {"masterInstanceType", s.MasterInstanceType}} {
		p.Require(strings.HasSuffix(f.typ, ".search") && strings.Count(f.typ, ".") == 2, key(f.key), "%q is not an OpenSearch instance type (e.g. r6g.large.search)", f.typ)
	}
	p.Require(s.InstanceCount >= 0, key("instanceCount"), "is %d: it must be positive (0 = one per zone)", s.InstanceCount)
	p.Require(s.VolumeSizeGiB >= 10 && s.VolumeSizeGiB <= 16384, key("volumeSizeGiB"), "%d is outside 10-16384", s.VolumeSizeGiB)
	p.Require(versionRE.MatchString(s.EngineVersion), key("engineVersion"), "%q is not an OpenSearch_<major>.<minor> version", s.EngineVersion)
	validate.CheckLogRetention(p, key("logRetentionDays"), s.LogRetentionDays)
	return p.Err()
}

// ValidateInstanceCount reports an instance count (after defaulting) that is not a positive
// multiple of the zones the domain spans, naming it key: zone awareness needs the same number
// of data nodes in each zone.
func ValidateInstanceCount(p *validate.Problems, key string, count, zonesUsed int) {
	if zonesUsed >= 2 && count >= 0 { // a negative count is reported by Validate
		p.Require(count > 0 && count%zonesUsed == 0, key, "is %d: it must be a positive multiple of the %d zones the domain spans", count, zonesUsed)
	}
}
