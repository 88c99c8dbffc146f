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
func summaryExtras(p *plan.Planner, prices *plan.Prices, res *plan.Result) ([]string, plan.DiagramOptions, string, error) {
	var diagram plan.DiagramOptions
	opts, err := check.ProjectOptions(p.Root, res.Stack)
	if err != nil {
		return nil, diagram, "", fmt.Errorf("policy options: %w", err)
	}
	dep := res.Deployment(time.Now())
	report, err := check.CheckDeployment(res.Stack, dep, opts)
	if err != nil {
		return nil, diagram, "", fmt.Errorf("policy check: %w", err)
	}
	var failover *plan.Result
	if res.Config[config.Key("role")] == string(config.RoleDR) && res.Config[config.Key("failover")] != "true" {
		failover, err = p.PlanWith(res.Stack, map[string]string{config.Key("failover"): "true"})
		if err != nil {
			return nil, diagram, "", fmt.Errorf("planning failover mode: %w", err)
		}
	}
	est := prices.Estimate(res)
	diagram.Notes = map[string]string{res.Config["aws:region"]: fmt.Sprintf("%s %.0f/mo", prices.Currency, est.Total)}
	if failover != nil {
		diagram.Notes[res.Config["aws:region"]] = fmt.Sprintf("pilot light %s %.0f/mo, failover %.0f/mo",
			prices.Currency, est.Total, prices.Estimate(failover).Total)
		// Draw the cell's primary side next to the DR side.
		if peer, err := p.Plan(res.Config[config.Key("primaryStack")]); err == nil {
			diagram.Peer = peer
			diagram.Notes[peer.Config["aws:region"]] = fmt.Sprintf("%s %.0f/mo", prices.Currency, prices.Estimate(peer).Total)
		}
	}
	counts := report.Counts()
	verdict := "policy PASS"
	if !report.Passed() {
		verdict = fmt.Sprintf("policy FAIL (%d mandatory)", counts.Mandatory)
	}
	return []string{report.Markdown(), check.FlowTable(res.Stack, dep), plan.CostSection(prices, res, failover)}, diagram,
		fmt.Sprintf("%-28s %s %6.0f/mo", verdict, prices.Currency, est.Total), nil
}
