// Command deployability is the globalstack deployability policy pack on its own:
//
//	pulumi preview --policy-pack ./policies/packs/deployability
package main

import (
	"os"

	"globalstack/policies/analyzer"
	"globalstack/policies/rules"
)

func main() {
	os.Exit(analyzer.Main("globalstack-deployability", []rules.Pack{rules.Deployability}, os.Args[1:], os.Stdout, os.Stderr))
}
