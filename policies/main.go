// Command policies is the globalstack policy pack: encryption, least-privilege and
// data-residency rules served to the Pulumi engine over the analyzer protocol.
//
//	pulumi preview --policy-pack ./policies
//	pulumi policy analyze --file build/plan/prod-eu/state.json --policy-pack ./policies
//
// The packs/ directories hold the same rules split into one pack each.
package main

import (
	"os"

	"globalstack/policies/analyzer"
)

func main() {
	os.Exit(analyzer.Main("globalstack", nil, os.Args[1:], os.Stdout, os.Stderr))
}
