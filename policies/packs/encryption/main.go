// Command encryption is the globalstack encryption policy pack on its own:
//
//	pulumi preview --policy-pack ./policies/packs/encryption
package main

import (
	"os"

	"globalstack/policies/analyzer"
	"globalstack/policies/rules"
)

func main() {
	os.Exit(analyzer.Main("globalstack-encryption", []rules.Pack{rules.Encryption}, os.Args[1:], os.Stdout, os.Stderr))
}
