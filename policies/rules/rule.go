// Package rules holds the security rules of the policy pack. Every rule is a pure function over
// one resource (type, properties, provider, parent) or over a whole stack; nothing here does I/O.
package rules

import (
	"fmt"
	"slices"
	"sort"
)

// Level is an enforcement level.
type Level string

// The enforcement levels.
const (
	Advisory  Level = "advisory"
	Mandatory Level = "mandatory"
	Disabled  Level = "disabled"
)

// ParseLevel validates an enforcement level name.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Advisory, Mandatory, Disabled:
		return l, nil
	}
	return "", fmt.Errorf("unknown enforcement level %q (want advisory, mandatory or disabled)", s)
}

// Severity ranks how bad a violation is.
type Severity string

// The severities, lowest first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Pack groups rules that can be run on their own.
type Pack string

// The packs.
const (
	Encryption     Pack = "encryption"
	LeastPrivilege Pack = "least-privilege"
	DataResidency  Pack = "data-residency"
	// Deployability holds what the cloud must accept and wire for a deploy to work: network
	// flows, ordering of references, supported versions, controllers the cluster runs.
	Deployability Pack = "deployability"
	// Audit holds what a security reviewer expects of every stack: an audit trail, threat
	// detection and configuration recording, with their logs inside the jurisdiction.
	Audit Pack = "audit"
)

// Packs lists every pack in a stable order.
var Packs = []Pack{Encryption, LeastPrivilege, DataResidency, Deployability, Audit}

// ParsePack validates a pack name.
func ParsePack(s string) (Pack, error) {
	for _, p := range Packs {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown policy pack %q (want one of %v)", s, Packs)
}

// Rule is one policy.
type Rule struct {
	ID          string // stable identifier used in reports and waivers, e.g. ENC-001
	Name        string // policy name shown by the Pulumi engine, e.g. aurora-storage-cmk
	Pack        Pack
	Severity    Severity
	Level       Level // default enforcement level
	Description string
	Remediation string

	// Types restricts a resource rule to these type tokens.
	Types []string
	// Resource checks one resource (a resource rule).
	Resource func(c *Ctx, r *Resource)
	// Stack checks a whole stack (a stack rule).
	Stack func(c *Ctx, s *Stack)
}

// IsStack reports whether the rule runs over the whole stack.
func (rule *Rule) IsStack() bool { return rule.Stack != nil }

// AppliesTo reports whether a resource rule inspects resources of type t.
func (rule *Rule) AppliesTo(t string) bool {
	return rule.Resource != nil && slices.Contains(rule.Types, t)
}

// Violation is one finding of one rule.
type Violation struct {
	Rule    *Rule
	URN     string // the offending resource ("" for the stack as a whole)
	Message string
}

// Ctx collects the outcome of evaluating one rule.
type Ctx struct {
	rule       *Rule
	urn        string
	violations []Violation
	unknowns   []string
}

// Fail records a violation on the resource under evaluation (resource rules).
func (c *Ctx) Fail(format string, args ...any) {
	c.violations = append(c.violations, Violation{Rule: c.rule, URN: c.urn, Message: fmt.Sprintf(format, args...)})
}

// FailOn records a violation on a given resource (stack rules; "" means the stack itself).
func (c *Ctx) FailOn(urn string, format string, args ...any) {
	c.violations = append(c.violations, Violation{Rule: c.rule, URN: urn, Message: fmt.Sprintf(format, args...)})
}

// Unknown notes that a value the rule needs is not known yet.
func (c *Ctx) Unknown(what string) { c.unknowns = append(c.unknowns, what) }

// Outcome is the result of one rule over one resource or stack.
type Outcome struct {
	Violations []Violation
	// NotApplicable is set when the rule could not decide because values are unknown.
	NotApplicable string
}

// CheckResource runs a resource rule over r. A rule that did not apply to r's type returns
// an empty outcome.
func (rule *Rule) CheckResource(r *Resource) Outcome {
	if !rule.AppliesTo(r.Type) {
		return Outcome{}
	}
	c := &Ctx{rule: rule, urn: r.URN}
	rule.Resource(c, r)
	return c.outcome()
}

// CheckStack runs a stack rule over s.
func (rule *Rule) CheckStack(s *Stack) Outcome {
	if rule.Stack == nil {
		return Outcome{}
	}
	c := &Ctx{rule: rule}
	rule.Stack(c, s)
	return c.outcome()
}

func (c *Ctx) outcome() Outcome {
	o := Outcome{Violations: c.violations}
	if len(c.violations) == 0 && len(c.unknowns) > 0 {
		sort.Strings(c.unknowns)
		o.NotApplicable = "unknown until apply: " + joinUnique(c.unknowns)
	}
	return o
}

func joinUnique(list []string) string {
	out := ""
	prev := ""
	for i, s := range list {
		if i > 0 && s == prev {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += s
		prev = s
	}
	return out
}

// registry of every rule, in ID order.
var registry []*Rule

func register(rs ...*Rule) {
	registry = append(registry, rs...)
	sort.Slice(registry, func(i, j int) bool { return registry[i].ID < registry[j].ID })
}

// All returns every rule, ordered by ID.
func All() []*Rule { return append([]*Rule(nil), registry...) }

// InPacks returns the rules of the given packs (every rule when none is given).
func InPacks(packs ...Pack) []*Rule {
	if len(packs) == 0 {
		return All()
	}
	var out []*Rule
	for _, r := range registry {
		for _, p := range packs {
			if r.Pack == p {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// Lookup finds a rule by ID or by policy name.
func Lookup(idOrName string) *Rule {
	for _, r := range registry {
		if r.ID == idOrName || r.Name == idOrName {
			return r
		}
	}
	return nil
}
