package main

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/policies/check"
	"globalstack/policies/rules"
	"globalstack/stacks/config"
	"globalstack/stacks/plan"
)

// FailoverMode is the what-if plan of a DR stack with globalstack:failover set: what an
// outage deploys is planned and checked like any stack, in <stack>/failover/.
const FailoverMode = "failover"

// planned is one stack's plan with what goes into its files.
type planned struct {
	res     *plan.Result
	extras  []string
	diagram plan.DiagramOptions
	// deployability is the time the deployability pack took on this plan.
	deployability time.Duration
}

// summaryExtras checks a planned stack and returns what its files hold (policy verdicts;
// cost, and for a DR stack the cost of failover mode), the failover-mode plan of a DR stack
// (nil otherwise) and a short verdict for the progress line.
func summaryExtras(p *plan.Planner, prices *plan.Prices, res *plan.Result) (planned, *planned, string, error) {
	out := planned{res: res}
	opts, err := check.ProjectOptions(p.Root, res.Stack)
	if err != nil {
		return out, nil, "", fmt.Errorf("policy options: %w", err)
	}
	var failover, peer *plan.Result
	deployments := []apitype.DeploymentV3{res.Deployment(time.Now())}
	if res.Config[config.Key("role")] == string(config.RoleDR) && res.Config[config.Key("failover")] != "true" {
		failover, err = p.PlanWith(res.Stack, map[string]string{config.Key("failover"): "true"})
		if err != nil {
			return out, nil, "", fmt.Errorf("planning failover mode: %w", err)
		}
		failover.Mode = FailoverMode
		// The cell was planned first (the DR stack reads its outputs).
		if peer, err = p.Plan(res.Config[config.Key("primaryStack")]); err == nil {
			deployments = append(deployments, failover.Deployment(time.Now()), peer.Deployment(time.Now()))
		} else {
			peer = nil
			deployments = append(deployments, failover.Deployment(time.Now()))
		}
	}
	// A DR stack shares DNS with its cell: records both would manage are found here.
	opts.RecordOwners = check.RecordOwners(deployments...)
	report, err := check.CheckDeployment(res.Stack, deployments[0], opts)
	if err != nil {
		return out, nil, "", fmt.Errorf("policy check: %w", err)
	}
	out.deployability = report.PackTime[rules.Deployability]
	est := prices.Estimate(res)
	out.diagram.Notes = map[string]string{res.Config["aws:region"]: fmt.Sprintf("%s %.0f/mo", prices.Currency, est.Total)}
	counts := report.Counts()
	verdict := "policy PASS"
	if !report.Passed() {
		verdict = fmt.Sprintf("policy FAIL (%d mandatory)", counts.Mandatory)
	}
	out.extras = []string{report.Markdown(), check.FlowTable(res.Stack, deployments[0]), plan.CostSection(prices, res, failover)}
	if failover == nil {
		return out, nil, fmt.Sprintf("%-28s %s %6.0f/mo", verdict, prices.Currency, est.Total), nil
	}
	fo := &planned{res: failover}
	foReport, err := check.CheckDeployment(res.Stack, deployments[1], opts)
	if err != nil {
		return out, nil, "", fmt.Errorf("policy check of failover mode: %w", err)
	}
	fo.deployability = foReport.PackTime[rules.Deployability]
	foEst := prices.Estimate(failover)
	fo.extras = []string{foReport.Markdown(), check.FlowTable(res.Stack, deployments[1]), plan.CostSection(prices, failover, nil)}
	fo.diagram.Notes = map[string]string{res.Config["aws:region"]: fmt.Sprintf("failover %s %.0f/mo", prices.Currency, foEst.Total)}
	out.diagram.Notes[res.Config["aws:region"]] = fmt.Sprintf("pilot light %s %.0f/mo, failover %.0f/mo",
		prices.Currency, est.Total, foEst.Total)
	if peer != nil {
		// Draw the cell's primary side next to the DR side.
		out.diagram.Peer, fo.diagram.Peer = peer, peer
		note := fmt.Sprintf("%s %.0f/mo", prices.Currency, prices.Estimate(peer).Total)
		out.diagram.Notes[peer.Config["aws:region"]] = note
		fo.diagram.Notes[peer.Config["aws:region"]] = note
	}
	if !foReport.Passed() {
		verdict += fmt.Sprintf(", failover FAIL (%d)", foReport.Counts().Mandatory)
		if report.Passed() {
			verdict = fmt.Sprintf("policy FAIL (failover %d)", foReport.Counts().Mandatory)
		}
	}
	return out, fo, fmt.Sprintf("%-28s %s %6.0f/mo", verdict, prices.Currency, est.Total), nil
}
