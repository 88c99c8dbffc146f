// Command plan synthesizes every stack offline: it runs the real Pulumi program of each stack
// under the mock cloud with that stack's config file and writes build/plan/<stack>/
// {state.json,summary.md,diagram.mmd}. A stack with invalid config is reported and skipped;
// the others are still planned, and the exit status is 1, as it is when a stack (or the failover
// mode of a DR stack) has a mandatory policy violation.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"globalstack/internal/pulumifiles"
	"globalstack/stacks/plan"
)

func main() {
	root := flag.String("root", ".", "directory holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	out := flag.String("out", filepath.Join("build", "plan"), "directory to write the plans into")
	only := flag.String("stack", "", "comma-separated stacks to plan (default: every Pulumi.<stack>.yaml)")
	flag.Parse()
	os.Exit(run(*root, *out, *only))
}

func run(root, out, only string) int {
	start := time.Now()
	stacks, err := pulumifiles.Stacks(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		return 2
	}
	if only != "" {
		stacks = nil
		for _, s := range strings.Split(only, ",") {
			if s = strings.TrimSpace(s); s != "" {
				if _, err := os.Stat(pulumifiles.StackFile(root, s)); err != nil {
					fmt.Fprintf(os.Stderr, "plan: unknown stack %q: %s does not exist\n", s, pulumifiles.StackFile(root, s))
					return 2
				}
				stacks = append(stacks, s)
			}
		}
	}
	if len(stacks) == 0 {
		fmt.Fprintln(os.Stderr, "plan: no stacks found under", root)
		return 2
	}

	if !checkOwnership(root) {
		return 1
	}
	prices, err := plan.LoadPrices()
	if err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		return 2
	}
	if w := prices.StaleWarning(time.Now()); w != "" {
		fmt.Println("cost: warning:", w)
	}
	planner := plan.NewPlanner(root)
	failed, refused := 0, 0 // stacks that did not plan; stacks with a mandatory violation
	var deployability time.Duration
	checked := 0
	for i, stack := range stacks {
		t := time.Now()
		fmt.Printf("[%d/%d] %-12s ", i+1, len(stacks), stack)
		res, err := planner.Plan(stack)
		if err != nil {
			failed++
			fmt.Printf("FAILED\n%v\n", indent(err.Error()))
			continue
		}
		own, failover, verdict, err := summaryExtras(planner, prices, res)
		if err != nil {
			failed++
			fmt.Printf("FAILED\n%v\n", indent(err.Error()))
			continue
		}
		deployability += own.deployability
		checked++
		if failover != nil {
			deployability += failover.deployability
			checked++
		}
		if err := write(out, own, failover); err != nil {
			failed++
			fmt.Printf("FAILED writing: %v\n", err)
			continue
		}
		overBudget := prices.CheckBudget(res, prices.Estimate(res))
		if !strings.HasPrefix(verdict, "policy PASS ") || overBudget != nil {
			refused++
		}
		fmt.Printf("%4d resources  %s  %6.2fs  -> %s\n", len(res.Cloud.Resources())+1, verdict, time.Since(t).Seconds(), filepath.Join(out, stack))
		if overBudget != nil {
			fmt.Fprintln(os.Stderr, "plan: over budget:", overBudget)
		}
	}
	fmt.Printf("planned %d of %d stacks in %.1fs\n", len(stacks)-failed, len(stacks), time.Since(start).Seconds())
	fmt.Printf("deployability checks (flows, dependencies, versions, cluster prerequisites, DNS) took %.1f ms over %d plans\n",
		float64(deployability.Microseconds())/1000, checked)
	if refused > 0 {
		fmt.Printf("%d stacks have mandatory policy violations or exceed their budget: see their summary.md or run make policy\n", refused)
	}
	if failed+refused > 0 {
		return 1
	}
	return 0
}

// checkOwnership cross-checks the security baseline's ownership over every stack file of
// root (not only those planned: a clash with an unplanned stack is a clash), printing
// warnings; it reports whether planning may go on.
func checkOwnership(root string) bool {
	all, err := pulumifiles.Stacks(root)
	if err == nil {
		var owners []plan.StackOwnership
		if owners, err = plan.Ownership(root, all); err == nil {
			errs, warnings := plan.CheckOwnership(owners)
			for _, w := range warnings {
				fmt.Println("baseline: warning:", w)
			}
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, "plan: baseline:", e)
			}
			return len(errs) == 0
		}
	}
	// A stack with invalid config is reported when it is planned; the others still plan.
	fmt.Println("baseline: ownership not cross-checked:", indent(err.Error()))
	return true
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// write writes a stack's plan and, for a DR stack, its failover-mode plan beside it.
func write(out string, own planned, failover *planned) error {
	if err := own.res.Write(out, time.Now(), own.diagram, own.extras...); err != nil {
		return err
	}
	if failover == nil {
		return nil
	}
	return failover.res.Write(out, time.Now(), failover.diagram, failover.extras...)
}
