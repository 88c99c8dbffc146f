// Command policy-check checks planned stacks against the globalstack policies without cloud
// credentials:
//
//	go run ./policies/cmd/policy-check [-format text|json|sarif] [-packs encryption,...]
//	    [-plan build/plan] [-root .] [-waivers file|none]
//	    [-config policy-config.json] [-o report.sarif] [state.json ...]
//
// With no files it checks every build/plan/<stack>/state.json. It exits 1 when any stack has
// an unwaived mandatory violation and 2 on bad input.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"globalstack/policies/check"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", envOr("FORMAT", "text"), "output format: text, json or sarif (default from $FORMAT)")
	packs := fs.String("packs", envOr("PACKS", ""), "comma-separated packs to run (encryption, least-privilege, data-residency); empty = all")
	planDir := fs.String("plan", "build/plan", "directory holding <stack>/state.json files")
	root := fs.String("root", ".", "directory holding the Pulumi.<stack>.yaml files")
	waiverPath := fs.String("waivers", "", "waiver file; default: the reviewed "+waivers.ReviewedPath+" built into the pack; \"none\" for no waivers")
	configPath := fs.String("config", "", "policy pack config JSON (same format as pulumi --policy-pack-config)")
	outPath := fs.String("o", "", "write the report to this file instead of stdout")
	today := fs.String("today", "", "judge waiver expiry as of this date (YYYY-MM-DD); default today")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "policy-check: %v\n", err)
		return 2
	}

	opts := check.Options{}
	for _, p := range strings.Split(*packs, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pk, err := rules.ParsePack(p)
		if err != nil {
			return fail(err)
		}
		opts.Packs = append(opts.Packs, pk)
	}
	switch *waiverPath {
	case "none":
	case "":
		w, err := waivers.Reviewed()
		if err != nil {
			return fail(err)
		}
		opts.Waivers = w
	default:
		w, err := waivers.Load(*waiverPath)
		if err != nil {
			return fail(err)
		}
		opts.Waivers = w
	}
	if *configPath != "" {
		pc, err := check.LoadPolicyConfig(*configPath)
		if err != nil {
			return fail(err)
		}
		opts.Levels, opts.Jurisdiction = pc.Levels, pc.Jurisdiction
	}
	if *today != "" {
		t, err := time.Parse(waivers.DateLayout, *today)
		if err != nil {
			return fail(fmt.Errorf("-today %q is not a YYYY-MM-DD date", *today))
		}
		opts.Now = t
	}

	files := fs.Args()
	if len(files) == 0 {
		var err error
		files, err = check.PlanFiles(*planDir)
		if err != nil {
			return fail(err)
		}
		if len(files) == 0 {
			return fail(fmt.Errorf("no %s/<stack>/state.json files: run `make plan` first", *planDir))
		}
	}
	reports, err := check.CheckFiles(files, *root, opts)
	if err != nil {
		return fail(err)
	}
	out := stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		out = f
	}
	if err := reports.Render(out, *format); err != nil {
		return fail(err)
	}
	if !reports.Passed() {
		return 1
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
