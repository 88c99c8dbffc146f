// Command drill runs the local DR drill for asynchronous and synchronous replication and prints
// RTO, RPO and replication lag as a table.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"globalstack/tests/drill"
)

func main() {
	modes := flag.String("modes", "async,sync", "comma-separated replication modes to drill: async, sync")
	rate := flag.Float64("rate", 40, "orders per second over all clients")
	clients := flag.Int("clients", 4, "concurrent customers")
	before := flag.Duration("before", 4*time.Second, "steady state before the kill")
	after := flag.Duration("after", 2*time.Second, "orders keep flowing this long after recovery")
	detect := flag.Duration("detect", 0, "failure detection delay between the kill and the promotion")
	stall := flag.Duration("stall", 0, "stop the primary's WAL sender this long before the kill (0: no stall)")
	timeout := flag.Duration("timeout", 90*time.Second, "upper bound for each drill")
	verbose := flag.Bool("v", false, "also print the storefront's warnings")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var storefrontLog io.Writer
	if *verbose {
		storefrontLog = os.Stderr
	}
	var reports []drill.Report
	failed := false
	for _, m := range strings.Split(*modes, ",") {
		rep, err := drill.Run(ctx, drill.Options{
			Mode: drill.Mode(strings.TrimSpace(m)), Rate: *rate, Clients: *clients, BeforeKill: *before, AfterRecovery: *after,
			DetectionDelay: *detect, StallBeforeKill: *stall, Timeout: *timeout, Out: os.Stdout, StorefrontLog: storefrontLog,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAILED:", err)
			failed = true
			continue
		}
		fmt.Printf("(%s drill took %s)\n\n", rep.Mode, rep.Elapsed.Round(100*time.Millisecond))
		reports = append(reports, rep)
	}
	if len(reports) > 0 {
		fmt.Println("DR drill results (kill -9 of the primary, standby promoted, storefront not restarted):")
		drill.WriteTable(os.Stdout, reports)
	}
	if failed {
		os.Exit(1)
	}
}
