package main

import (
	"fmt"

	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// summaryExtras returns the extra summary.md sections for a planned stack (cost, and for a
// DR stack the cost of failover mode) and a short verdict for the progress line.
func summaryExtras(p *plan.Planner, prices *plan.Prices, res *plan.Result) ([]string, string, error) {
	var failover *plan.Result
	if res.Config[config.Key("role")] == string(config.RoleDR) && res.Config[config.Key("failover")] != "true" {
		var err error
		failover, err = p.PlanWith(res.Stack, map[string]string{config.Key("failover"): "true"})
		if err != nil {
			return nil, "", fmt.Errorf("planning failover mode: %w", err)
		}
	}
	est := prices.Estimate(res)
	return []string{plan.CostSection(prices, res, failover)}, fmt.Sprintf("%s %6.0f/mo", prices.Currency, est.Total), nil
}
