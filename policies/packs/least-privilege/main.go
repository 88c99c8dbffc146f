// Command least-privilege is the globalstack least-privilege policy pack on its own:
//
//	pulumi preview --policy-pack ./policies/packs/least-privilege
package main

import (
	"os"

	"globalstack/policies/analyzer"
	"globalstack/policies/rules"
)

func main() {
	os.Exit(analyzer.Main("globalstack-least-privilege", []rules.Pack{rules.LeastPrivilege}, os.Args[1:], os.Stdout, os.Stderr))
}
