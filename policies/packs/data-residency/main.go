// Command data-residency is the globalstack data-residency policy pack on its own:
//
//	pulumi preview --policy-pack ./policies/packs/data-residency
package main

import (
	"os"

	"globalstack/policies/analyzer"
	"globalstack/policies/rules"
)

func main() {
	os.Exit(analyzer.Main("globalstack-data-residency", []rules.Pack{rules.DataResidency}, os.Args[1:], os.Stdout, os.Stderr))
}
