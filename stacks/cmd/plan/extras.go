package main

import (
	"fmt"
	"time"

	"globalstack/policies/check"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// summaryExtras returns the extra summary.md sections of a planned stack (policy verdicts;
// cost, and for a DR stack the cost of failover mode) and a short verdict for the progress line.
func summaryExtras(p *plan.Planner, prices *plan.Prices, res *plan.Result) ([]string, string, error) {
	opts, err := check.ProjectOptions(p.Root, res.Stack)
	if err != nil {
		return nil, "", fmt.Errorf("policy options: %w", err)
	}
	report, err := check.CheckDeployment(res.Stack, res.Deployment(time.Now()), opts)
	if err != nil {
		return nil, "", fmt.Errorf("policy check: %w", err)
	}
	var failover *plan.Result
	if res.Config[config.Key("role")] == string(config.RoleDR) && res.Config[config.Key("failover")] != "true" {
		failover, err = p.PlanWith(res.Stack, map[string]string{config.Key("failover"): "true"})
		if err != nil {
			return nil, "", fmt.Errorf("planning failover mode: %w", err)
		}
	}
	est := prices.Estimate(res)
	counts := report.Counts()
	verdict := "policy PASS"
	if !report.Passed() {
		verdict = fmt.Sprintf("policy FAIL (%d mandatory)", counts.Mandatory)
	}
	return []string{report.Markdown(), plan.CostSection(prices, res, failover)},
		fmt.Sprintf("%-28s %s %6.0f/mo", verdict, prices.Currency, est.Total), nil
}
