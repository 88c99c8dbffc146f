package check_test

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

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

// cpuTime is the CPU time this process has used (user + system), which unlike wall time does
// not grow when other processes compete for the machine.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSyntheticStackIsCompliantAndLinear guards the benchmark's premise: the synthetic stack
// is clean, and quadrupling it does not much more than quadruple the work. CPU time is
// measured, both sizes are interleaved and the best of several runs is kept, so that load
// from other processes does not decide the outcome.
func TestSyntheticStackIsCompliantAndLinear(t *testing.T) {
	type size struct {
		d    apitype.DeploymentV3
		n    int
		best time.Duration
	}
	sizes := []*size{}
	for _, n := range []int{2000, 8000} {
		s := fixture.Synthetic(n)
		sizes = append(sizes, &size{d: s.Deployment(), n: s.Len(), best: time.Hour})
	}
	for round := 0; round < 5; round++ {
		for _, sz := range sizes {
			runtime.GC()
			start := cpuTime(t)
			rep, err := check.CheckDeployment("synthetic", sz.d, check.Options{})
			if el := cpuTime(t) - start; el < sz.best {
				sz.best = el
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 0 {
				t.Fatalf("synthetic stack of %d has findings, first: %+v", sz.n, rep.Findings[0])
			}
		}
	}
	small, large := sizes[0], sizes[1]
	perSmall := float64(small.best) / float64(small.n)
	perLarge := float64(large.best) / float64(large.n)
	t.Logf("%d resources: %v; %d resources: %v (%.1f µs vs %.1f µs per resource)", small.n, small.best, large.n, large.best, perSmall/1e3, perLarge/1e3)
	if perLarge > 4*perSmall {
		t.Errorf("evaluation is not linear: %.1f µs/resource at %d vs %.1f at %d", perLarge/1e3, large.n, perSmall/1e3, small.n)
	}
}
