// Command audit is the globalstack audit policy pack on its own:
//
//	pulumi preview --policy-pack ./policies/packs/audit
package main

import (
	"os"

	"globalstack/policies/analyzer"
	"globalstack/policies/rules"
)

func main() {
	os.Exit(analyzer.Main("globalstack-audit", []rules.Pack{rules.Audit}, os.Args[1:], os.Stdout, os.Stderr))
}
