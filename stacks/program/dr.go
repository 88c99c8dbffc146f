package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/stacks/config"
)

// buildDR builds the pilot-light copy of a cell in its DR region. Everything it owns lives in
// the DR region so that it can be operated while the primary region is down.
func buildDR(ctx *pulumi.Context, c *config.Cell, out Outputs) error {
	_, err := buildRegionBase(ctx, c, out)
	return err
}
