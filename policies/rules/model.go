package rules

import (
	"slices"
	"sort"
	"strings"
	"time"

	"globalstack/components/regions"
	"globalstack/internal/pulumifiles"
)

// Unknown marks a property value that is not known yet (a preview of a resource whose inputs
// depend on outputs of resources that do not exist yet). Rules never report a violation that
// rests on an unknown value: the resource is "not applicable" until the value is known.
// It is the value a deployment's unknown sentinel converts to.
type Unknown = pulumifiles.Unknown

// Props are a resource's properties as plain Go values: map[string]any, []any, string,
// float64, bool, nil and Unknown. Secret values are unwrapped to their plaintext when it is
// available and to the string "[secret]" otherwise.
type Props map[string]any

// ProviderRef is the provider a resource is managed through.
type ProviderRef struct {
	URN   string
	Type  string // e.g. pulumi:providers:aws
	Props Props
}

// Resource is one resource as seen by the rules.
type Resource struct {
	URN          string
	Type         string
	Name         string
	Props        Props
	Provider     *ProviderRef
	Parent       string
	Dependencies []string
	// PropertyDependencies maps a top-level property name to the URNs its value came from.
	PropertyDependencies map[string][]string
}

// lookup walks a dotted path ("encryptAtRest.enabled"); numeric segments index lists.
func lookup(v any, path string) (any, bool) {
	cur := v
	for _, seg := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case Props:
			next, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i := 0
			for _, ch := range seg {
				if ch < '0' || ch > '9' {
					return nil, false
				}
				i = i*10 + int(ch-'0')
			}
			if seg == "" || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		case Unknown:
			return Unknown{}, true
		default:
			return nil, false
		}
	}
	return cur, true
}

// Get returns the value at path and whether it is present.
func (p Props) Get(path string) (any, bool) { return lookup(p, path) }

// IsUnknown reports whether v is an unknown value.
func IsUnknown(v any) bool {
	_, ok := v.(Unknown)
	return ok
}

// IsAWS reports whether the resource is an AWS resource (type token in the aws package).
func (r *Resource) IsAWS() bool { return strings.HasPrefix(r.Type, "aws:") }

// EffectiveRegion returns the region a resource lives in: its own region argument when it has
// one, otherwise its provider's region. known is false when that cannot be determined yet.
func (r *Resource) EffectiveRegion() (region string, known bool) {
	if v, ok := r.Props["region"]; ok {
		if IsUnknown(v) {
			return "", false
		}
		if s, ok := v.(string); ok && s != "" {
			return s, true
		}
	}
	if r.Provider == nil || r.Provider.Type != "pulumi:providers:aws" {
		return "", false
	}
	v, ok := r.Provider.Props["region"]
	if !ok || IsUnknown(v) {
		return "", false
	}
	s, _ := v.(string)
	return s, s != ""
}

// Stack is every resource of one stack plus what is known about the stack itself.
type Stack struct {
	Name string
	// Jurisdiction is the stack's jurisdiction; empty when the stack declares none.
	Jurisdiction regions.Jurisdiction
	// JurisdictionProblem explains why Jurisdiction is empty or disputed ("" when fine).
	JurisdictionProblem string
	Resources           []*Resource

	// External resolves the region of a resource in another stack by id, ARN or name
	// (nil when only this stack is known).
	External func(value string) (region string, ok bool)
	// RecordOwners names, per Route 53 record key (RecordKey), every stack checked together
	// that declares that record (nil when only this stack is known).
	RecordOwners map[string][]string

	// Now is the moment the stack is judged at (the checker's clock; waivers use the same).
	Now time.Time

	byURN   map[string]*Resource
	byValue map[string][]*Resource
	byType  map[string][]*Resource
	memo    map[string]any
}

// Memo computes a derived index of the stack once and caches it under key, so that
// cross-resource rules stay linear in the number of resources.
func (s *Stack) Memo(key string, build func() any) any {
	if v, ok := s.memo[key]; ok {
		return v
	}
	if s.memo == nil {
		s.memo = map[string]any{}
	}
	v := build()
	s.memo[key] = v
	return v
}

// identifying properties under which a resource can be referenced by others.
var refKeys = []string{"id", "arn", "name", "bucket", "bucketDomainName", "bucketRegionalDomainName",
	"keyId", "identifier", "clusterIdentifier", "globalClusterIdentifier", "replicationGroupId",
	"globalReplicationGroupId", "domainName", "targetKeyArn"}

// Index builds the lookup tables; call it after Resources is complete.
func (s *Stack) Index() {
	s.byURN = make(map[string]*Resource, len(s.Resources))
	s.byValue = make(map[string][]*Resource, len(s.Resources)*2)
	s.byType = make(map[string][]*Resource)
	for _, r := range s.Resources {
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
		if strings.HasPrefix(r.Type, "pulumi:") {
			continue
		}
		for _, k := range refKeys {
			if v, ok := r.Props[k].(string); ok && v != "" {
				s.byValue[v] = appendUnique(s.byValue[v], r)
			}
		}
	}
}

func appendUnique(list []*Resource, r *Resource) []*Resource {
	for _, x := range list {
		if x == r {
			return list
		}
	}
	return append(list, r)
}

// ByURN returns the resource with that URN.
func (s *Stack) ByURN(urn string) *Resource { return s.byURN[urn] }

// OfType returns the resources of a type token, in stack order.
func (s *Stack) OfType(types ...string) []*Resource {
	if len(types) == 1 {
		return s.byType[types[0]]
	}
	var out []*Resource
	for _, t := range types {
		out = append(out, s.byType[t]...)
	}
	return out
}

// Find returns the resources referenced by a value (an id, ARN or name), restricted to the
// given types when any are given.
func (s *Stack) Find(value string, types ...string) []*Resource {
	var out []*Resource
	for _, r := range s.byValue[value] {
		if len(types) == 0 || slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// Refs returns the resources of the given types that property prop of r refers to: by the
// values it holds (ids, ARNs, names) and by its recorded property dependencies (which still
// name the referenced resources while their ids are unknown during a preview).
func (s *Stack) Refs(r *Resource, prop string, types ...string) []*Resource {
	var out []*Resource
	v, _ := r.Props.Get(prop)
	for _, str := range Strings(v) {
		for _, x := range s.Find(str, types...) {
			out = appendUnique(out, x)
		}
	}
	top := prop
	if i := strings.IndexByte(prop, '.'); i >= 0 {
		top = prop[:i]
	}
	for _, urn := range r.PropertyDependencies[top] {
		if x := s.byURN[urn]; x != nil && (len(types) == 0 || slices.Contains(types, x.Type)) {
			out = appendUnique(out, x)
		}
	}
	return out
}

// Strings flattens a string or list of strings (other values are skipped).
func Strings(v any) []string {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}

// HasUnknown reports whether v is or contains an unknown value.
func HasUnknown(v any) bool {
	switch t := v.(type) {
	case Unknown:
		return true
	case []any:
		for _, e := range t {
			if HasUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if HasUnknown(e) {
				return true
			}
		}
	case Props:
		for _, e := range t {
			if HasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// RootStack returns the root pulumi:pulumi:Stack resource, or nil.
func (s *Stack) RootStack() *Resource {
	for _, r := range s.byType[tStack] {
		if r.Parent == "" {
			return r
		}
	}
	return nil
}

// RegionOfARN extracts the region field of an ARN ("" for global ARNs such as S3 or IAM).
func RegionOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// RegionInName finds a known AWS region spelled inside a name ("assets-eu-central-1-replica"),
// preferring the longest match.
func RegionInName(name string) string {
	best := ""
	for _, r := range allRegions {
		if strings.Contains(name, r) && len(r) > len(best) {
			best = r
		}
	}
	return best
}

var allRegions = func() []string {
	var out []string
	for _, j := range regions.All() {
		out = append(out, j.Regions()...)
	}
	// regions outside every jurisdiction are still regions: a name spelling one of them must
	// be recognised so that it is reported as outside rather than unknown.
	for _, r := range []string{"ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1", "eu-west-2",
		"eu-central-2", "il-central-1", "me-south-1", "me-central-1", "af-south-1", "ap-east-1",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
		"ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-2"} {
		if regions.Known(r) {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}()
