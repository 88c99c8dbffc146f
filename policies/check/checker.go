// Package check evaluates the policy rules over stacks: offline over `pulumi stack export`
// deployments, and for the analyzer over what the Pulumi engine sends. It applies enforcement
// levels and waivers and renders reports (text, JSON, SARIF 2.1.0, Markdown).
package check

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"globalstack/components/regions"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// Options configure a Checker.
type Options struct {
	// Packs selects rule packs; empty means all of them.
	Packs []rules.Pack
	// Levels overrides enforcement levels by rule ID, policy name, or "all".
	Levels map[string]rules.Level
	// Waivers are the reviewed exemptions (nil for none).
	Waivers *waivers.File
	// Now is the time waivers and version lifecycles are judged against (zero means time.Now()).
	Now time.Time
	// Jurisdiction overrides the jurisdiction found in stack config or outputs.
	Jurisdiction string
	// Config is the stack's configuration ("globalstack:jurisdiction", "aws:region", ...).
	Config map[string]string
	// Regions resolves resources of other stacks (id, ARN or name -> region); see RegionIndex.
	Regions map[string]string
	// RecordOwners maps Route 53 record keys to the stacks declaring them; see RecordOwners.
	RecordOwners map[string][]string
}

// Checker holds the selected rules with their effective levels.
type Checker struct {
	rules   []*rules.Rule
	levels  map[string]rules.Level // rule ID -> level
	waivers *waivers.File
	now     time.Time
}

// NewChecker validates the options and selects the rules.
func NewChecker(opts Options) (*Checker, error) {
	c := &Checker{rules: rules.InPacks(opts.Packs...), levels: map[string]rules.Level{}, waivers: opts.Waivers, now: opts.Now}
	if c.now.IsZero() {
		c.now = time.Now()
	}
	for _, r := range c.rules {
		c.levels[r.ID] = r.Level
	}
	if l, ok := opts.Levels["all"]; ok {
		for id := range c.levels {
			c.levels[id] = l
		}
	}
	keys := make([]string, 0, len(opts.Levels))
	for k := range opts.Levels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "all" {
			continue
		}
		if err := c.SetLevel(k, opts.Levels[k]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// SetLevel overrides the enforcement level of one rule (by ID or policy name).
func (c *Checker) SetLevel(idOrName string, l rules.Level) error {
	r := rules.Lookup(idOrName)
	if r == nil {
		return fmt.Errorf("enforcement override names unknown rule %q", idOrName)
	}
	if _, err := rules.ParseLevel(string(l)); err != nil {
		return fmt.Errorf("enforcement override for %q: %w", idOrName, err)
	}
	if _, selected := c.levels[r.ID]; selected {
		c.levels[r.ID] = l
	}
	return nil
}

// Rules returns the selected rules (disabled ones included).
func (c *Checker) Rules() []*rules.Rule { return c.rules }

// Level returns a rule's effective enforcement level.
func (c *Checker) Level(r *rules.Rule) rules.Level { return c.levels[r.ID] }

// Finding is one violation with its effective level and any waiver that covers it.
type Finding struct {
	RuleID       string         `json:"ruleId"`
	Policy       string         `json:"policy"`
	Pack         rules.Pack     `json:"pack"`
	Severity     rules.Severity `json:"severity"`
	Level        rules.Level    `json:"level"`
	Stack        string         `json:"stack"`
	URN          string         `json:"urn"`
	ResourceType string         `json:"resourceType,omitempty"`
	ResourceName string         `json:"resourceName,omitempty"`
	Message      string         `json:"message"`
	Remediation  string         `json:"remediation"`
	// Waiver is the unexpired waiver that exempts this finding (nil when it counts).
	Waiver *waivers.Waiver `json:"waiver,omitempty"`
	// ExpiredWaiver is a matching waiver that has expired.
	ExpiredWaiver *waivers.Waiver `json:"expiredWaiver,omitempty"`
}

// Blocking reports whether the finding is an unwaived mandatory violation.
func (f Finding) Blocking() bool { return f.Level == rules.Mandatory && f.Waiver == nil }

// NotApplicable records a rule that could not decide because values were unknown.
type NotApplicable struct {
	RuleID string `json:"ruleId"`
	URN    string `json:"urn,omitempty"`
	Reason string `json:"reason"`
}

func (c *Checker) finding(stack string, v rules.Violation, s *rules.Stack, r *rules.Resource) Finding {
	f := Finding{
		RuleID: v.Rule.ID, Policy: v.Rule.Name, Pack: v.Rule.Pack, Severity: v.Rule.Severity,
		Level: c.levels[v.Rule.ID], Stack: stack, URN: v.URN, Message: v.Message, Remediation: v.Rule.Remediation,
	}
	if r == nil && s != nil {
		r = s.ByURN(v.URN)
	}
	if r != nil {
		f.ResourceType, f.ResourceName = r.Type, r.Name
	}
	f.Waiver, f.ExpiredWaiver = c.waivers.Find(v.Rule.ID, stack, v.URN, c.now)
	return f
}

// CheckResource runs the resource rules over one resource.
func (c *Checker) CheckResource(stack string, r *rules.Resource) ([]Finding, []NotApplicable) {
	return c.checkResource(stack, r, nil)
}

// CheckStack runs the stack rules over a whole stack.
func (c *Checker) CheckStack(s *rules.Stack) ([]Finding, []NotApplicable) {
	return c.checkStack(s, nil)
}

// packTimes adds up the time spent in each pack's rules (nil: not measured).
type packTimes map[rules.Pack]time.Duration

func (t packTimes) since(p rules.Pack, start time.Time) {
	if t != nil {
		t[p] += time.Since(start)
	}
}

func (c *Checker) checkResource(stack string, r *rules.Resource, times packTimes) ([]Finding, []NotApplicable) {
	var fs []Finding
	var na []NotApplicable
	for _, rule := range c.rules {
		if c.levels[rule.ID] == rules.Disabled || !rule.AppliesTo(r.Type) {
			continue
		}
		start := time.Now()
		o := rule.CheckResource(r)
		times.since(rule.Pack, start)
		for _, v := range o.Violations {
			fs = append(fs, c.finding(stack, v, nil, r))
		}
		if o.NotApplicable != "" {
			na = append(na, NotApplicable{RuleID: rule.ID, URN: r.URN, Reason: o.NotApplicable})
		}
	}
	return fs, na
}

func (c *Checker) checkStack(s *rules.Stack, times packTimes) ([]Finding, []NotApplicable) {
	if s.Now.IsZero() {
		s.Now = c.now
	}
	var fs []Finding
	var na []NotApplicable
	for _, rule := range c.rules {
		if c.levels[rule.ID] == rules.Disabled || !rule.IsStack() {
			continue
		}
		start := time.Now()
		o := rule.CheckStack(s)
		times.since(rule.Pack, start)
		for _, v := range o.Violations {
			if v.URN == "" {
				if root := s.RootStack(); root != nil {
					v.URN = root.URN
				}
			}
			fs = append(fs, c.finding(s.Name, v, s, nil))
		}
		if o.NotApplicable != "" {
			na = append(na, NotApplicable{RuleID: rule.ID, Reason: o.NotApplicable})
		}
	}
	return fs, na
}

// JurisdictionSources are the sources of a jurisdiction, strongest first.
type JurisdictionSources struct {
	Override string // explicit (policy configuration)
	Config   string // stack config globalstack:jurisdiction
	Output   string // root stack output "jurisdiction"
}

// ResolveJurisdiction applies the sources to s: the first one set wins; an invalid value or
// a config/output disagreement is recorded as a problem (reported by RES-001).
func ResolveJurisdiction(s *rules.Stack, src JurisdictionSources) {
	for _, cand := range []struct{ v, from string }{
		{src.Override, "policy configuration"},
		{src.Config, "stack config globalstack:jurisdiction"},
		{src.Output, "stack output jurisdiction"},
	} {
		if cand.v == "" {
			continue
		}
		j, err := regions.ParseJurisdiction(cand.v)
		if err != nil {
			s.JurisdictionProblem = fmt.Sprintf("%s: %v", cand.from, err)
			return
		}
		s.Jurisdiction = j
		break
	}
	if src.Config != "" && src.Output != "" && src.Config != src.Output {
		s.JurisdictionProblem = fmt.Sprintf("stack config globalstack:jurisdiction is %q but the stack output jurisdiction is %q", src.Config, src.Output)
	}
}

// shortURN renders a URN as <type>::<name> for humans.
func shortURN(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) >= 4 {
		t := parts[2]
		if i := strings.LastIndex(t, "$"); i >= 0 {
			t = t[i+1:]
		}
		return t + "::" + strings.Join(parts[3:], "::")
	}
	return urn
}
