package config

// DataTier configures the data stores of a cell.
type DataTier struct{}

// loadData reads the data tier sections.
func (r *reader) loadData(c *Cell) {}
