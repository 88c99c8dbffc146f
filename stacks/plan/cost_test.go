package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPriceTableIsDatedAndVersioned(t *testing.T) {
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	if p.Version < 1 || len(p.Date) != len("2006-01-02") || p.Currency == "" || p.HoursPerMonth != 730 {
		t.Fatalf("price table header: %+v", p)
	}
	for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-3"} {
		if p.RegionMultiplier[region] == 0 {
			t.Errorf("no multiplier for cell region %s", region)
		}
	}
}

func TestEstimateCountsWhatRuns(t *testing.T) {
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewPlanner(repoRoot).Plan("prod-us")
	if err != nil {
		t.Fatal(err)
	}
	e := p.Estimate(res)
	nat := 0.0
	for _, l := range e.Lines {
		if strings.HasPrefix(l.Item, "NAT gateway") {
			nat += l.Monthly
		}
	}
	a := p.Assumptions
	want := 3 * (p.Hourly["vpc:natGateway"]*730 + a["natProcessedGbPerGateway"]*a["natPerGb"]) // three zones, us-east-1 multiplier 1
	if want == 0 || nat < want-0.01 || nat > want+0.01 {
		t.Fatalf("NAT cost %.2f, want %.2f", nat, want)
	}
	if e.Total <= nat {
		t.Fatalf("total %.2f does not include the other items", e.Total)
	}
	if len(e.Unknown) > 0 {
		t.Fatalf("production stacks use sizes missing from the price table: %v", e.Unknown)
	}
	md := CostSection(p, res, nil)
	if !strings.Contains(md, "Price table version") || !strings.Contains(md, "NAT gateway") {
		t.Fatalf("section:\n%s", md)
	}
}

// TestShieldAdvancedIsPricedWhenAsked: the opt-in protection brings the account's Shield
// Advanced subscription into the estimate; the default plan has neither.
func TestShieldAdvancedIsPricedWhenAsked(t *testing.T) {
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	shield := func(res *Result) float64 {
		sum := 0.0
		for _, l := range p.Estimate(res).Lines {
			if strings.HasPrefix(l.Item, "Shield Advanced") {
				sum += l.Monthly
			}
		}
		return sum
	}
	plain, err := NewPlanner(repoRoot).Plan("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	if got := shield(plain); got != 0 {
		t.Errorf("Shield priced at %.2f without the setting", got)
	}
	res, err := NewPlanner(repoRoot).PlanWith("prod-eu", map[string]string{"globalstack:origin": `{"shieldAdvanced": true}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := shield(res); got != 3000 {
		t.Errorf("Shield Advanced priced at %.2f a month, want the 3000 subscription", got)
	}
	if md := CostSection(p, res, nil); !strings.Contains(md, "Shield Advanced subscription") {
		t.Errorf("summary cost section does not show Shield Advanced:\n%s", md)
	}
}

// Every production stack fits its budget; the same stack with a budget below its estimate is
// refused, the error naming the stack, the estimate and the setting.
func TestPlanOverBudgetIsRefused(t *testing.T) {
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	pl := NewPlanner(repoRoot)
	for _, stack := range []string{"prod-us", "prod-eu", "prod-jp", "prod-us-dr", "prod-eu-dr", "prod-jp-dr"} {
		res, err := pl.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CheckBudget(res, p.Estimate(res)); err != nil {
			t.Errorf("production stack refused: %v", err)
		}
	}
	res, err := NewPlanner(repoRoot).PlanWith("prod-eu", map[string]string{
		"globalstack:monitoring": `{"alertEmails": ["oncall@example.com"], "monthlyBudgetUsd": 1000}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	est := p.Estimate(res)
	err = p.CheckBudget(res, est)
	if err == nil {
		t.Fatalf("prod-eu estimated at %.0f passed a budget of 1000", est.Total)
	}
	for _, want := range []string{"prod-eu", fmt.Sprintf("%.0f", est.Total), "1000", "globalstack:monitoring.monthlyBudgetUsd"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestStalePriceTableWarns(t *testing.T) {
	p := &Prices{Date: "2026-01-01", Source: "https://aws.amazon.com/pricing/"}
	dated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if w := p.StaleWarning(dated.AddDate(0, 0, 180)); w != "" {
		t.Errorf("a table 180 days old warned: %s", w)
	}
	if w := p.StaleWarning(dated.AddDate(0, 0, 181)); !strings.Contains(w, "2026-01-01") || !strings.Contains(w, "181 days") {
		t.Errorf("a table 181 days old: warning %q", w)
	}
	p.Date = "November 2026"
	if w := p.StaleWarning(dated); !strings.Contains(w, "November 2026") {
		t.Errorf("an undated table: warning %q", w)
	}
}
