// Command stacks is the Pulumi program of the globalstack project (see Pulumi.yaml).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/stacks/program"
)

func main() { pulumi.Run(program.Run) }
