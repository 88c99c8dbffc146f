package main

import "globalstack/stacks/plan"

// summaryExtras returns the extra summary.md sections for a planned stack and a one-word
// verdict for the progress line.
func summaryExtras(res *plan.Result) ([]string, string) {
	return nil, ""
}
