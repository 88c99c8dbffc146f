// Command failover fails a cell over to its pilot-light DR stack. See stacks/failover/RUNBOOK.md.
//
//	go run ./stacks/cmd/failover -stack prod-eu-dr [-planned] [-dry-run] [-yes] [-outputs-from plan|pulumi]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"globalstack/stacks/failover"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("failover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "the DR stack to fail over to, e.g. prod-eu-dr (required)")
	planned := fs.Bool("planned", false, "planned switchover with no data loss; only while the primary region is healthy")
	dryRun := fs.Bool("dry-run", false, "run the read-only checks and print every step without changing anything")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	outputsFrom := fs.String("outputs-from", "pulumi", `where stack outputs come from: "pulumi" (pulumi stack output) or "plan" (build/plan/<stack>/state.json)`)
	resumeFrom := fs.String("resume-from", "preflight", "start at this step after a failed run: preflight, promote, converge or postcheck")
	root := fs.String("root", ".", "project directory holding Pulumi.<stack>.yaml")
	planDir := fs.String("plan-dir", "", "offline plan directory for -outputs-from plan (default <root>/build/plan)")
	pulumiBin := fs.String("pulumi", "", "pulumi binary (default <root>/bin/pulumi if present, else pulumi from PATH)")
	timeout := fs.Duration("promote-timeout", failover.DefaultPromoteTimeout, "how long to wait for the Aurora promotion")
	poll := fs.Duration("poll", failover.DefaultPollInterval, "how often to poll while waiting")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: failover -stack <dr-stack> [-planned] [-dry-run] [-yes] [-outputs-from pulumi|plan] [-resume-from step]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "failover: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected arguments %q: flags only", fs.Args())
	}
	if *stack == "" {
		return usage("-stack is required, e.g. -stack prod-eu-dr")
	}
	step, err := failover.ParseStep(*resumeFrom)
	if err != nil {
		return usage("-resume-from: %v", err)
	}
	if *timeout <= 0 || *poll <= 0 {
		return usage("-promote-timeout and -poll must be positive")
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return usage("-root %q: %v", *root, err)
	}

	bin := *pulumiBin
	if bin == "" {
		bin = failover.PulumiBinary(absRoot)
	}
	runner := failover.ExecRunner{Binary: bin, Dir: absRoot}
	var outputs failover.OutputsSource
	switch *outputsFrom {
	case "pulumi":
		outputs = failover.PulumiOutputs{Runner: runner}
	case "plan":
		dir := *planDir
		if dir == "" {
			dir = filepath.Join(absRoot, "build", "plan")
		}
		outputs = failover.PlanOutputs{Dir: dir}
	default:
		return usage("-outputs-from %q: want \"pulumi\" or \"plan\"", *outputsFrom)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	clients, err := failover.NewAWSClients(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "failover: %v\n", err)
		return 1
	}
	opts := failover.Options{
		Root:           absRoot,
		Stack:          *stack,
		Planned:        *planned,
		DryRun:         *dryRun,
		ResumeFrom:     step,
		Outputs:        outputs,
		Runner:         runner,
		Clients:        clients,
		Out:            stdout,
		PromoteTimeout: *timeout,
		PollInterval:   *poll,
	}
	if !*yes {
		in := bufio.NewReader(stdin)
		opts.Confirm = func(prompt string) (string, error) {
			fmt.Fprint(stdout, prompt)
			line, err := in.ReadString('\n')
			if err != nil && line == "" {
				return "", err
			}
			return line, nil
		}
	}
	if _, err := failover.Run(ctx, opts); err != nil {
		fmt.Fprintf(stderr, "failover: %v\n", err)
		return 1
	}
	return 0
}
