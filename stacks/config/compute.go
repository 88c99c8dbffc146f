package config

// ComputeTier configures the cluster, the storefront workload and the edge of a cell.
type ComputeTier struct{}

// loadCompute reads the compute and edge sections.
func (r *reader) loadCompute(c *Cell) {}
