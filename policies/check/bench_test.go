package check_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"globalstack/policies/check"
	"globalstack/policies/fixture"
)

// BenchmarkCheckSynthetic evaluates every rule over synthetic stacks of growing size; a flat
// resources/s across sizes shows evaluation is linear in the number of resources.
func BenchmarkCheckSynthetic(b *testing.B) {
	for _, n := range []int{1000, 5000, 10000} {
		s := fixture.Synthetic(n)
		d := s.Deployment()
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
			b.ReportMetric(float64(s.Len()*b.N)/elapsed.Seconds(), "resources/s")
		})
	}
}

// BenchmarkCheckPlan checks every stack of the compliant fixture plan together, reading the
// state files, the way `make policy` does.
// It uses $PLAN_DIR, else ../../build/plan when `make plan` has run, else the fixture cells.
func BenchmarkCheckPlan(b *testing.B) {
	dir := os.Getenv("PLAN_DIR")
	if dir == "" {
		dir = "../../build/plan"
	}
	files, err := check.PlanFiles(dir)
	if err == nil && len(files) == 0 {
		dir = "../testdata/cells"
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

// TestSyntheticStackIsCompliantAndLinear guards the benchmark's premise: the synthetic stack
// is clean, and quadrupling it does not much more than quadruple the work. CPU time is
// measured, both sizes are interleaved and the best of several runs is kept, so that load
// from other processes does not decide the outcome.
// The synthetic stacks the benchmark measures must be compliant, or the benchmark would be
// timing the reporting of findings rather than their evaluation. Linearity is measured by
// BenchmarkCheckSynthetic (make policy-bench), not asserted here.
func TestSyntheticStackIsCompliant(t *testing.T) {
	for _, n := range []int{2000, 8000} {
		s := fixture.Synthetic(n)
		rep, err := check.CheckDeployment("synthetic", s.Deployment(), check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Fatalf("synthetic stack of %d has findings, first: %+v", s.Len(), rep.Findings[0])
		}
		if s.Len() < n {
			t.Fatalf("synthetic stack has %d resources, want at least %d", s.Len(), n)
		}
	}
}
