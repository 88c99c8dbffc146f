package check

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// RuleInfo describes a rule as it was applied in a report.
type RuleInfo struct {
	ID          string         `json:"id"`
	Policy      string         `json:"policy"`
	Pack        rules.Pack     `json:"pack"`
	Severity    rules.Severity `json:"severity"`
	Level       rules.Level    `json:"level"`
	Description string         `json:"description"`
	Remediation string         `json:"remediation"`
}

// Report is the verdict on one stack.
type Report struct {
	Stack         string            `json:"stack"`
	Source        string            `json:"source,omitempty"` // the state file checked, if any
	Jurisdiction  string            `json:"jurisdiction,omitempty"`
	Resources     int               `json:"resources"`
	Findings      []Finding         `json:"findings"`
	NotApplicable []NotApplicable   `json:"notApplicable,omitempty"`
	WaiversUsed   []*waivers.Waiver `json:"waiversUsed,omitempty"`
	// ExpiredWaivers matched a violation but no longer apply.
	ExpiredWaivers []*waivers.Waiver `json:"expiredWaivers,omitempty"`
	Rules          []RuleInfo        `json:"rules"`
	// PackTime is the time each pack's rules took on this stack (not reported in files).
	PackTime map[rules.Pack]time.Duration `json:"-"`
}

// Counts of the findings of a report.
type Counts struct {
	Mandatory int `json:"mandatory"` // unwaived mandatory violations (these fail the check)
	Advisory  int `json:"advisory"`  // unwaived advisory violations
	Waived    int `json:"waived"`    // violations covered by an unexpired waiver
}

// Counts tallies the findings by effective enforcement level.
func (r Report) Counts() Counts {
	var c Counts
	for _, f := range r.Findings {
		switch {
		case f.Waiver != nil:
			c.Waived++
		case f.Level == rules.Mandatory:
			c.Mandatory++
		case f.Level == rules.Advisory:
			c.Advisory++
		}
	}
	return c
}

// Passed reports whether the stack has no unwaived mandatory violation.
func (r Report) Passed() bool { return r.Counts().Mandatory == 0 }

// CheckDeployment checks one stack export offline, exactly as the analyzer does under the
// engine: resource rules over each resource's inputs, stack rules over the outputs.
func CheckDeployment(stack string, d apitype.DeploymentV3, opts Options) (Report, error) {
	c, err := NewChecker(opts)
	if err != nil {
		return Report{}, err
	}
	if stack == "" {
		stack = pulumifiles.StackName(d)
	}
	v := ViewsOf(stack, d)
	if reg := opts.Config["aws:region"]; reg != "" {
		for _, r := range append(v.Inputs, v.Stack.Resources...) {
			if r.Provider != nil && r.Provider.Type == "pulumi:providers:aws" && r.Provider.Props["region"] == nil {
				r.Provider.Props["region"] = reg
			}
		}
	}
	if len(opts.Regions) > 0 {
		idx := opts.Regions
		v.Stack.External = func(value string) (string, bool) { r, ok := idx[value]; return r, ok }
	}
	v.Stack.RecordOwners = opts.RecordOwners
	src := JurisdictionSources{Override: opts.Jurisdiction, Config: opts.Config["globalstack:jurisdiction"]}
	if root := v.Stack.RootStack(); root != nil {
		src.Output, _ = root.Props["jurisdiction"].(string)
	}
	ResolveJurisdiction(v.Stack, src)
	return c.Run(v), nil
}

// Run evaluates both views of a stack and assembles the report.
func (c *Checker) Run(v Views) Report {
	rep := Report{Stack: v.Stack.Name, Jurisdiction: string(v.Stack.Jurisdiction), PackTime: packTimes{}}
	for _, r := range v.Inputs {
		if !strings.HasPrefix(r.Type, "pulumi:") {
			rep.Resources++
		}
		fs, na := c.checkResource(v.Stack.Name, r, rep.PackTime)
		rep.Findings = append(rep.Findings, fs...)
		rep.NotApplicable = append(rep.NotApplicable, na...)
	}
	fs, na := c.checkStack(v.Stack, rep.PackTime)
	rep.Findings = append(rep.Findings, fs...)
	rep.NotApplicable = append(rep.NotApplicable, na...)
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.Message < b.Message
	})
	seen := map[*waivers.Waiver]bool{}
	for _, f := range rep.Findings {
		if w := f.Waiver; w != nil && !seen[w] {
			seen[w] = true
			rep.WaiversUsed = append(rep.WaiversUsed, w)
		}
		if w := f.ExpiredWaiver; w != nil && f.Waiver == nil && !seen[w] {
			seen[w] = true
			rep.ExpiredWaivers = append(rep.ExpiredWaivers, w)
		}
	}
	for _, r := range c.rules {
		rep.Rules = append(rep.Rules, RuleInfo{ID: r.ID, Policy: r.Name, Pack: r.Pack, Severity: r.Severity,
			Level: c.levels[r.ID], Description: r.Description, Remediation: r.Remediation})
	}
	return rep
}

// CheckFile reads a state file and checks it; the stack name comes from the file's URNs.
func CheckFile(path string, opts Options) (Report, error) {
	d, err := pulumifiles.ReadDeployment(path)
	if err != nil {
		return Report{}, err
	}
	rep, err := CheckDeployment("", d, opts)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", path, err)
	}
	rep.Source = filepath.ToSlash(path)
	return rep, nil
}

func waiverLine(w *waivers.Waiver) string {
	scope := w.Resource
	if w.Stack != "" {
		scope = w.Stack + "/" + scope
	}
	return fmt.Sprintf("%s on %s until %s (approved by %s): %s", w.RuleID(), scope, w.Expires, w.ApprovedBy, w.Reason)
}

// Markdown renders a short verdict section for a stack summary.
func (r Report) Markdown() string {
	var b strings.Builder
	c := r.Counts()
	verdict := "PASS"
	if c.Mandatory > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "## Policy verdict: %s\n\n", verdict)
	j := r.Jurisdiction
	if j == "" {
		j = "none"
	}
	fmt.Fprintf(&b, "Stack `%s`, jurisdiction `%s`, %d resources checked against %d rules.\n\n", r.Stack, j, r.Resources, len(r.Rules))
	fmt.Fprintf(&b, "| mandatory | advisory | waived | not applicable |\n|---|---|---|---|\n| %d | %d | %d | %d |\n\n",
		c.Mandatory, c.Advisory, c.Waived, len(r.NotApplicable))
	if len(r.Findings) > 0 {
		b.WriteString("| level | rule | resource | message |\n|---|---|---|---|\n")
		for _, f := range r.Findings {
			lvl := string(f.Level)
			if f.Waiver != nil {
				lvl = "waived"
			}
			fmt.Fprintf(&b, "| %s | %s %s | `%s` | %s |\n", lvl, f.RuleID, f.Policy, shortURN(f.URN), mdEscape(f.Message))
		}
		b.WriteString("\n")
	}
	if len(r.WaiversUsed) > 0 {
		b.WriteString("Waivers used:\n")
		for _, w := range r.WaiversUsed {
			fmt.Fprintf(&b, "- %s\n", mdEscape(waiverLine(w)))
		}
		b.WriteString("\n")
	}
	if len(r.ExpiredWaivers) > 0 {
		b.WriteString("Expired waivers (no longer applied):\n")
		for _, w := range r.ExpiredWaivers {
			fmt.Fprintf(&b, "- %s\n", mdEscape(waiverLine(w)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// FlowTable renders the network flows a stack declares and their verdicts as a Markdown
// section for summary.md ("" when the stack declares none).
func FlowTable(stack string, d apitype.DeploymentV3) string {
	results := rules.EvaluateFlows(ViewsOf(stack, d).Stack)
	if len(results) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Network flows\n\nDeclared by the components (output `flows`), decided from the plan by the deployability pack (NET-001..NET-003).\n\n")
	b.WriteString("| from | to | port | expected | verdict | deciding rule |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		decided := r.Deciding
		if r.Unresolved != "" {
			decided = r.Unresolved
		}
		fmt.Fprintf(&b, "| %s | %s | %s/%s | %s | %s | %s |\n", mdEscape(rules.SelectorText(r.Flow.From)), mdEscape(rules.SelectorText(r.Flow.To)),
			r.Flow.Protocol, mdEscape(r.Flow.PortText), r.Flow.Expectation(), r.FlowVerdict(), mdEscape(decided))
	}
	return b.String()
}
