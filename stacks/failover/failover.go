// Package failover turns a cell's pilot-light DR stack into the serving region: it checks the
// DR stack is healthy, promotes its Aurora cluster out of the global cluster (or switches the
// global cluster over to it when the primary region is still healthy), then sets the stack's
// `failover` flag and runs `pulumi up` so the rest of the stack converges. Every step prints
// what it did and, on failure, what to run next; a dry run only reads.
package failover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"globalstack/internal/pulumifiles"
	"globalstack/stacks/config"
)

// Step names a stage of the failover; -resume-from takes one.
type Step string

// The stages, in the order they run.
const (
	StepPreflight Step = "preflight"
	StepPromote   Step = "promote"
	StepConverge  Step = "converge"
	StepPostcheck Step = "postcheck"
)

// Steps lists the stages in order.
var Steps = []Step{StepPreflight, StepPromote, StepConverge, StepPostcheck}

// ParseStep validates a step name.
func ParseStep(s string) (Step, error) {
	for _, st := range Steps {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, len(Steps))
	for i, st := range Steps {
		names[i] = string(st)
	}
	return "", fmt.Errorf("%q is not a step (want one of %s)", s, strings.Join(names, ", "))
}

func (s Step) index() int {
	for i, st := range Steps {
		if st == s {
			return i
		}
	}
	return 0
}

// Defaults for the promotion wait. A headless secondary usually detaches in 1-5 minutes; a
// switchover takes a few minutes more.
const (
	DefaultPromoteTimeout = 20 * time.Minute
	DefaultPollInterval   = 10 * time.Second
)

// Options configures one failover.
type Options struct {
	Root       string // project directory holding Pulumi.<stack>.yaml
	Stack      string // the DR stack, e.g. prod-eu-dr
	Planned    bool   // switch over with no data loss; the primary region must be healthy
	DryRun     bool   // read and print, change nothing
	ResumeFrom Step   // skip the mutating steps before this one

	Outputs OutputsSource
	Runner  Runner
	Clients Clients
	Out     io.Writer

	// Confirm is asked once preflight passed and returns what the operator typed; the run
	// continues only if it is the stack name. Nil means confirmed (-yes).
	Confirm func(prompt string) (string, error)

	PromoteTimeout time.Duration
	PollInterval   time.Duration
}

// StepResult is one line of the timing table.
type StepResult struct {
	Step    Step
	Status  string // ok, failed, skipped, dry-run, not run
	Elapsed time.Duration
}

// Report summarises a run.
type Report struct {
	Steps []StepResult
	Total time.Duration
}

// Target is what preflight resolved about the cell.
type Target struct {
	Stack, PrimaryStack         string
	PrimaryRegion, DRRegion     string
	GlobalClusterID             string
	PrimaryClusterID            string
	DRClusterID, DRClusterARN   string
	EKSCluster                  string
	Jurisdiction                string
	ReplicationLag              string
	PrimaryWriterARN            string // writer of the global cluster at preflight, if any
	DryRunHealthProblem         error  // health problem tolerated only because of -dry-run
	promoteRequested, configSet bool
}

type run struct {
	opts   Options
	t      *Target
	report Report
	start  time.Time
	// stepStart is when the current step began, for progress lines.
	stepStart time.Time
}

// Run performs the failover and returns the timing report, also on failure.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.PromoteTimeout <= 0 {
		opts.PromoteTimeout = DefaultPromoteTimeout
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.ResumeFrom == "" {
		opts.ResumeFrom = StepPreflight
	}
	switch {
	case opts.Stack == "":
		return nil, errors.New("no stack given: pass the DR stack, e.g. -stack prod-eu-dr")
	case opts.Outputs == nil, opts.Runner == nil, opts.Clients == nil:
		return nil, errors.New("failover options need an outputs source, a pulumi runner and AWS clients")
	}
	r := &run{opts: opts, start: time.Now()}
	err := r.all(ctx)
	r.report.Total = time.Since(r.start)
	r.printTable()
	return &r.report, err
}

func (r *run) all(ctx context.Context) error {
	mode := "unplanned (primary region down): detach the DR cluster from the global cluster"
	if r.opts.Planned {
		mode = "planned (primary region healthy): switch the global cluster over to the DR cluster, no data loss"
	}
	dry := ""
	if r.opts.DryRun {
		dry = " [DRY RUN: nothing will be changed]"
	}
	r.printf("failover of stack %s, %s%s\n", r.opts.Stack, mode, dry)

	steps := []struct {
		step Step
		fn   func(context.Context) error
		next func(error) string
	}{
		{StepPreflight, r.preflight, r.preflightNext},
		{StepPromote, r.promote, r.promoteNext},
		{StepConverge, r.converge, r.convergeNext},
		{StepPostcheck, r.postcheck, r.postcheckNext},
	}
	for i, s := range steps {
		if i > 0 && i < r.opts.ResumeFrom.index() {
			r.printf("\n[%d/%d] %s: skipped (resuming from %s)\n", i+1, len(steps), s.step, r.opts.ResumeFrom)
			r.report.Steps = append(r.report.Steps, StepResult{Step: s.step, Status: "skipped"})
			continue
		}
		r.printf("\n[%d/%d] %s\n", i+1, len(steps), s.step)
		r.stepStart = time.Now()
		err := s.fn(ctx)
		elapsed := time.Since(r.stepStart)
		if err != nil {
			r.report.Steps = append(r.report.Steps, StepResult{Step: s.step, Status: "failed", Elapsed: elapsed})
			for _, rest := range steps[i+1:] {
				r.report.Steps = append(r.report.Steps, StepResult{Step: rest.step, Status: "not run"})
			}
			r.printf("[%d/%d] %s FAILED after %s: %v\n", i+1, len(steps), s.step, round(elapsed), err)
			r.printf("next: %s\n", s.next(err))
			return fmt.Errorf("%s: %w", s.step, err)
		}
		status := "ok"
		if r.opts.DryRun && s.step != StepPreflight {
			status = "dry-run"
		}
		r.report.Steps = append(r.report.Steps, StepResult{Step: s.step, Status: status, Elapsed: elapsed})
		r.printf("[%d/%d] %s %s (%s)\n", i+1, len(steps), s.step, status, round(elapsed))

		if s.step == StepPreflight && !r.opts.DryRun && r.opts.Confirm != nil {
			if err := r.confirm(); err != nil {
				for _, rest := range steps[i+1:] {
					r.report.Steps = append(r.report.Steps, StepResult{Step: rest.step, Status: "not run"})
				}
				r.printf("next: nothing was changed; re-run and confirm, or pass -yes\n")
				return err
			}
		}
	}
	if r.opts.DryRun {
		if r.t != nil && r.t.DryRunHealthProblem != nil {
			return fmt.Errorf("dry run: preflight health check failed, a real run would stop before changing anything: %w", r.t.DryRunHealthProblem)
		}
		r.printf("\ndry run complete: nothing was changed\n")
		return nil
	}
	r.printf("\nfailover complete: %s now serves from %s\n", r.t.Stack, r.t.DRRegion)
	return nil
}

func (r *run) confirm() error {
	prompt := fmt.Sprintf("\nAbout to fail cell %s (%s) over to %s (%s). Type the stack name %q to continue: ",
		r.t.PrimaryStack, r.t.PrimaryRegion, r.t.Stack, r.t.DRRegion, r.t.Stack)
	got, err := r.opts.Confirm(prompt)
	if err != nil {
		return fmt.Errorf("reading confirmation: %w (pass -yes to run without a prompt)", err)
	}
	if strings.TrimSpace(got) != r.t.Stack {
		return fmt.Errorf("confirmation %q does not match stack %q: nothing was changed", strings.TrimSpace(got), r.t.Stack)
	}
	return nil
}

func (r *run) printf(format string, args ...any) { fmt.Fprintf(r.opts.Out, format, args...) }

// progress prints a line inside a step with the time since the step began.
func (r *run) progress(format string, args ...any) {
	fmt.Fprintf(r.opts.Out, "  [+%s] %s\n", round(time.Since(r.stepStart)), fmt.Sprintf(format, args...))
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func (r *run) printTable() {
	r.printf("\n")
	w := tabwriter.NewWriter(r.opts.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STEP\tSTATUS\tELAPSED")
	for _, s := range r.report.Steps {
		el := "-"
		if s.Status != "skipped" && s.Status != "not run" {
			el = round(s.Elapsed).String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Step, s.Status, el)
	}
	fmt.Fprintf(w, "total\t\t%s\n", round(r.report.Total))
	w.Flush()
}

// resolve checks the DR stack's config and both stacks' outputs; it needs no AWS access.
func (r *run) resolve(ctx context.Context) (*Target, error) {
	o := r.opts
	raw, err := pulumifiles.LoadConfig(o.Root, config.Project, o.Stack)
	if err != nil {
		return nil, err
	}
	cell, err := config.Parse(o.Stack, config.Map(raw))
	if err != nil {
		return nil, err
	}
	if cell.Role != config.RoleDR {
		return nil, fmt.Errorf("stack %s has role %q: failover runs against the cell's DR stack (role %q), e.g. -stack %s-dr",
			o.Stack, cell.Role, config.RoleDR, o.Stack)
	}
	if !cell.Jurisdiction.Contains(cell.DRRegion) {
		return nil, fmt.Errorf("stack %s: DR region %s is outside jurisdiction %s", o.Stack, cell.DRRegion, cell.Jurisdiction)
	}
	t := &Target{
		Stack:         o.Stack,
		PrimaryStack:  pulumifiles.PrimaryStack(config.Project, o.Stack, raw),
		PrimaryRegion: cell.PrimaryRegion,
		DRRegion:      cell.DRRegion,
		Jurisdiction:  string(cell.Jurisdiction),
	}
	if t.PrimaryStack == t.Stack {
		return nil, fmt.Errorf("stack %s: cannot tell its cell stack; set globalstack:primaryStack or name it <cell>-dr", o.Stack)
	}
	r.progress("config: %s is a valid DR stack of cell %s, jurisdiction %s, %s -> %s",
		t.Stack, t.PrimaryStack, t.Jurisdiction, t.PrimaryRegion, t.DRRegion)

	drSrc := o.Outputs.Describe(t.Stack)
	drOuts, err := o.Outputs.Outputs(ctx, t.Stack)
	if err != nil {
		return nil, err
	}
	dr, err := requireStrings(drOuts, drSrc, "globalClusterId", "dbClusterId", "dbClusterArn", "clusterName", "region", "role")
	if err != nil {
		return nil, err
	}
	prSrc := o.Outputs.Describe(t.PrimaryStack)
	prOuts, err := o.Outputs.Outputs(ctx, t.PrimaryStack)
	if err != nil {
		return nil, err
	}
	pr, err := requireStrings(prOuts, prSrc, "globalClusterId", "dbClusterId", "region")
	if err != nil {
		return nil, err
	}
	t.GlobalClusterID = dr["globalClusterId"]
	t.DRClusterID = dr["dbClusterId"]
	t.DRClusterARN = dr["dbClusterArn"]
	t.EKSCluster = dr["clusterName"]
	t.PrimaryClusterID = pr["dbClusterId"]

	var problems []error
	if dr["role"] != string(config.RoleDR) {
		problems = append(problems, fmt.Errorf("%s: output role is %q, want %q", drSrc, dr["role"], config.RoleDR))
	}
	if dr["region"] != t.DRRegion {
		problems = append(problems, fmt.Errorf("%s: output region is %q but the stack config says the DR region is %q", drSrc, dr["region"], t.DRRegion))
	}
	if reg, err := arnRegion(t.DRClusterARN); err != nil {
		problems = append(problems, fmt.Errorf("%s: output dbClusterArn: %w", drSrc, err))
	} else if reg != t.DRRegion {
		problems = append(problems, fmt.Errorf("%s: output dbClusterArn %s is in %s, not in the DR region %s", drSrc, t.DRClusterARN, reg, t.DRRegion))
	}
	if pr["region"] != t.PrimaryRegion {
		problems = append(problems, fmt.Errorf("%s: output region is %q but the DR stack config says the primary region is %q", prSrc, pr["region"], t.PrimaryRegion))
	}
	if pr["globalClusterId"] != t.GlobalClusterID {
		problems = append(problems, fmt.Errorf("output globalClusterId differs: %q in %s, %q in %s", pr["globalClusterId"], prSrc, t.GlobalClusterID, drSrc))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	r.progress("outputs: global cluster %s, primary cluster %s (%s), DR cluster %s (%s), EKS cluster %s",
		t.GlobalClusterID, t.PrimaryClusterID, t.PrimaryRegion, t.DRClusterID, t.DRRegion, t.EKSCluster)
	return t, nil
}

func (r *run) preflight(ctx context.Context) error {
	t, err := r.resolve(ctx)
	if err != nil {
		return err
	}
	r.t = t
	if err := r.health(ctx); err != nil {
		if !r.opts.DryRun {
			return err
		}
		// A dry run still lists every step so the operator sees the whole plan.
		t.DryRunHealthProblem = err
		r.progress("HEALTH CHECK FAILED (a real run stops here): %v", err)
	}
	return nil
}

func (r *run) preflightNext(error) string {
	return "nothing was changed; fix the problem above and re-run the same command"
}

func (r *run) promoteNext(error) string {
	t := r.t
	check := fmt.Sprintf("aws rds describe-global-clusters --region %s --global-cluster-identifier %s", t.DRRegion, t.GlobalClusterID)
	if !r.t.promoteRequested {
		return fmt.Sprintf("the Aurora promotion was not accepted, nothing was changed; check `%s` and re-run the same command", check)
	}
	return fmt.Sprintf("the Aurora promotion was requested but did not finish in time; watch `%s`, and once %s is available and no longer a secondary re-run with -resume-from converge", check, t.DRClusterID)
}

func (r *run) convergeNext(error) string {
	up := r.opts.Runner.Command([]string{"up", "--yes", "--skip-preview", "-s", r.t.Stack})
	aurora := "Aurora is promoted in " + r.t.DRRegion
	if !r.t.configSet {
		return fmt.Sprintf("%s, but failover=true is not set yet; fix the problem and re-run with -resume-from converge", aurora)
	}
	return fmt.Sprintf("%s and failover=true is set in Pulumi.%s.yaml; fix the problem and re-run with -resume-from converge (or run `%s`)", aurora, r.t.Stack, up)
}

func (r *run) postcheckNext(error) string {
	return fmt.Sprintf("the stack has converged but the check above failed; inspect the resources in %s, fix them (usually `%s`), then re-run with -resume-from postcheck",
		r.t.DRRegion, r.opts.Runner.Command([]string{"up", "--yes", "-s", r.t.Stack}))
}

func (r *run) converge(ctx context.Context) error {
	t := r.t
	// failoverMode tells the program whether the DR cluster left the global cluster
	// (detach) or became its writer (switchover), so `up` keeps it that way.
	mode := "detach"
	if r.opts.Planned {
		mode = "switchover"
	}
	cmds := [][]string{
		{"config", "set", "failoverMode", mode, "-s", t.Stack},
		{"config", "set", "failover", "true", "-s", t.Stack},
		{"up", "--yes", "--skip-preview", "-s", t.Stack},
	}
	for i, args := range cmds {
		if r.opts.DryRun {
			r.progress("would run: %s", r.opts.Runner.Command(args))
			continue
		}
		r.progress("running: %s", r.opts.Runner.Command(args))
		if err := r.opts.Runner.Run(ctx, args, r.opts.Out, r.opts.Out); err != nil {
			return err
		}
		if i == 1 {
			t.configSet = true
		}
		r.progress("done: %s", r.opts.Runner.Command(args))
	}
	return nil
}
