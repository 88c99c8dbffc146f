package check_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"globalstack/policies/check"
	"globalstack/policies/plantest"
)

// BenchmarkCheckSynthetic evaluates every rule over synthetic stacks of growing size (copies
// of the planned prod-eu cell, plantest.Synthetic); a flat resources/s across sizes shows
// evaluation is linear in the number of resources.
func BenchmarkCheckSynthetic(b *testing.B) {
	for _, n := range []int{1000, 5000, 10000} {
		d := plantest.Synthetic(b, n)
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				rep, err := check.CheckDeployment("synthetic", d, check.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Findings) != 0 {
					b.Fatalf("synthetic stack has findings: %+v", rep.Findings[0])
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(len(d.Resources)*b.N)/elapsed.Seconds(), "resources/s")
		})
	}
}

// BenchmarkCheckPlan checks every planned stack together, reading the state files, the way
// `make policy` does. It uses $PLAN_DIR, else ../../build/plan when `make plan` has run, else
// the three cells planned here.
func BenchmarkCheckPlan(b *testing.B) {
	dir := os.Getenv("PLAN_DIR")
	if dir == "" {
		dir = "../../build/plan"
	}
	files, err := check.PlanFiles(dir)
	if err == nil && len(files) == 0 {
		dir = plantest.WriteCells(b, b.TempDir(), "prod-us", "prod-eu", "prod-jp")
		files, err = check.PlanFiles(dir)
	}
	if err != nil || len(files) == 0 {
		b.Fatalf("no plan to check: %v %v", files, err)
	}
	b.Logf("checking %d stacks from %s", len(files), dir)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := check.CheckFiles(files, "", check.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/check-all")
}

// TestSyntheticStackIsCompliant guards the benchmark's premise: the synthetic stacks it
// measures must be compliant, or the benchmark would be timing the reporting of findings
// rather than their evaluation. Linearity is measured by BenchmarkCheckSynthetic (make
// policy-bench), not asserted here.
func TestSyntheticStackIsCompliant(t *testing.T) {
	for _, n := range []int{2000, 8000} {
		d := plantest.Synthetic(t, n)
		rep, err := check.CheckDeployment("synthetic", d, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Fatalf("synthetic stack of %d has findings, first: %+v", len(d.Resources), rep.Findings[0])
		}
		if len(d.Resources) < n {
			t.Fatalf("synthetic stack has %d resources, want at least %d", len(d.Resources), n)
		}
	}
}
