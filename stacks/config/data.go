package config

import (
	cache "globalstack/components/cache/settings"
	database "globalstack/components/database/settings"
	search "globalstack/components/search/settings"
)

// DataTier configures the data stores of a cell. Each store is one object config key
// (globalstack:database, globalstack:cache, globalstack:search) decoded into the component's
// Settings (its settings package): a field left out takes the preset of the stack's sizing, an unknown field is an
// error.
type DataTier struct {
	Database DatabaseConfig
	Cache    CacheConfig
	Search   SearchConfig
}

// DatabaseConfig is globalstack:database, defined, preset and validated by its settings package.
type DatabaseConfig = database.Settings

// CacheConfig is globalstack:cache, defined, preset and validated by its settings package.
type CacheConfig = cache.Settings

// SearchConfig is globalstack:search, defined, preset and validated by its settings package.
type SearchConfig = search.Settings

// SearchZones is how many zones the OpenSearch domain spans in a cell of azCount zones.
func SearchZones(azCount int) int { return search.ZonesUsed(azCount) }

// dataPresets returns the data tier presets of a sizing.
func dataPresets(s Sizing) DataTier {
	if s == SizingDev {
		return DataTier{Database: database.Dev, Cache: cache.Dev, Search: search.Dev}
	}
	return DataTier{Database: database.Prod, Cache: cache.Prod, Search: search.Prod}
}

// loadData reads the data tier sections over the sizing's presets and validates them.
func (r *reader) loadData(c *Cell) {
	c.DataTier = dataPresets(c.Sizing)
	// The domain runs one data node per zone it spans unless the stack says otherwise.
	c.Search.InstanceCount = SearchZones(c.Network.AZCount)
	r.Section("database", &c.Database)
	r.Section("cache", &c.Cache)
	r.Section("search", &c.Search)

	r.p.Add(c.Database.Validate(Key("database")))
	r.p.Add(c.Cache.Validate(Key("cache")))
	r.p.Add(c.Search.Validate(Key("search")))
	search.ValidateInstanceCount(r.p, Key("search.instanceCount"), c.Search.InstanceCount, SearchZones(c.Network.AZCount))
}
