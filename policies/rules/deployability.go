package rules

import "fmt"

func init() {
	register(
		&Rule{
			ID: "NET-001", Name: "required-flows-open", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "Every network flow a component declares as required is open through routes, NACLs, security groups and NetworkPolicies.",
			Remediation: "Open the hop the message names (a security group rule, a route, a NetworkPolicy egress/ingress rule) for exactly that flow.",
			Stack: func(c *Ctx, s *Stack) {
				for _, r := range EvaluateFlows(s) {
					if r.Unresolved == "" && !r.Flow.Forbidden && r.Violation {
						c.FailOn(r.URN, "required flow %s (%s) is blocked: %s", r.Flow.Label(), r.Flow.Why, r.Deciding)
					}
				}
			},
		},
		&Rule{
			ID: "NET-002", Name: "forbidden-flows-closed", Pack: Deployability, Severity: Critical, Level: Mandatory,
			Description: "No network flow a component declares as forbidden is admitted by every firewall on its path (routing alone does not count as closed).",
			Remediation: "Remove the rule the message names, or narrow it to the sources and ports the component declares as required.",
			Stack: func(c *Ctx, s *Stack) {
				for _, r := range EvaluateFlows(s) {
					if r.Unresolved == "" && r.Flow.Forbidden && r.Violation {
						c.FailOn(r.URN, "forbidden flow %s (%s) is open: %s", r.Flow.Label(), r.Flow.Why, r.Deciding)
					}
				}
			},
		},
		&Rule{
			ID: "NET-003", Name: "flow-declarations-resolve", Pack: Deployability, Severity: Medium, Level: Mandatory,
			Description: "A stack built from components that declare network flows carries them (output \"flows\"), and every declared endpoint matches something in the plan.",
			Remediation: "Declare the component's flows with components/base (Flow, Pods, AWSResource, ...) and export them; fix the selector the message names.",
			Stack: func(c *Ctx, s *Stack) {
				x := netIndexOf(s)
				for _, err := range x.flowErrs {
					c.FailOn("", "malformed flow declaration: %v", err)
				}
				if len(x.flows) == 0 && len(x.flowErrs) == 0 {
					for _, r := range s.OfType(flowDeclaringComponents...) {
						c.FailOn(r.URN, "%s %s declares its network flows, but the stack carries none (output \"flows\"), so nothing checks that its tiers can reach each other", r.Type, r.Name)
						break
					}
				}
				for _, r := range EvaluateFlows(s) {
					if r.Unresolved != "" {
						c.FailOn(r.URN, "flow %s (%s) cannot be decided: %s", r.Flow.Label(), r.Flow.Why, r.Unresolved)
					}
				}
			},
		},
	)
}

// FlowVerdict is a short word for a flow's state in tables.
func (r FlowResult) FlowVerdict() string {
	switch {
	case r.Unresolved != "":
		return "unresolved"
	case r.Open && r.Violation:
		return "OPEN (forbidden)"
	case r.Open:
		return "allowed"
	case r.Violation:
		return "BLOCKED (required)"
	}
	return "blocked"
}

// Expectation is "required" or "forbidden".
func (f Flow) Expectation() string {
	if f.Forbidden {
		return "forbidden"
	}
	return "required"
}

// String is a one-line description of the flow.
func (f Flow) String() string { return fmt.Sprintf("%s (%s)", f.Label(), f.Expectation()) }
