package config

import (
	"regexp"
	"slices"
	"strings"
)

// DataTier configures the data stores of a cell. Each store is one object config key
// (globalstack:database, globalstack:cache, globalstack:search); a field left out takes the
// default of the stack's sizing, an unknown field is an error.
type DataTier struct {
	Database DatabaseConfig
	Cache    CacheConfig
	Search   SearchConfig
}

// DatabaseConfig sizes the Aurora PostgreSQL global database.
type DatabaseConfig struct {
	InstanceClass                    string `json:"instanceClass"`
	Instances                        int    `json:"instances"` // primary region: writer + readers
	EngineVersion                    string `json:"engineVersion"`
	BackupRetentionDays              int    `json:"backupRetentionDays"`
	PerformanceInsightsRetentionDays int    `json:"performanceInsightsRetentionDays"`
	LogRetentionDays                 int    `json:"logRetentionDays"`
	DRInstances                      int    `json:"drInstances"` // DR region secondary; 0 = headless
}

// CacheConfig sizes the ElastiCache Redis replication group.
type CacheConfig struct {
	NodeType              string `json:"nodeType"`
	Nodes                 int    `json:"nodes"`
	EngineVersion         string `json:"engineVersion"`
	SnapshotRetentionDays int    `json:"snapshotRetentionDays"`
	LogRetentionDays      int    `json:"logRetentionDays"`
}

// SearchConfig sizes the OpenSearch domain.
type SearchConfig struct {
	InstanceType       string `json:"instanceType"`
	InstanceCount      int    `json:"instanceCount"` // data nodes; a multiple of the zones used
	MasterInstanceType string `json:"masterInstanceType"`
	VolumeSizeGiB      int    `json:"volumeSizeGiB"`
	EngineVersion      string `json:"engineVersion"`
	LogRetentionDays   int    `json:"logRetentionDays"`
}

// SearchZones is how many zones the OpenSearch domain spans in a cell of azCount zones.
func SearchZones(azCount int) int { return min(azCount, 3) }

// dataDefaults returns the data tier defaults of a sizing (documented in the components'
// doc.go files and the README).
func dataDefaults(s Sizing, azCount int) DataTier {
	zones := SearchZones(azCount)
	if s == SizingDev {
		return DataTier{
			Database: DatabaseConfig{InstanceClass: "db.r6g.large", Instances: 2, EngineVersion: "16.8",
				BackupRetentionDays: 7, PerformanceInsightsRetentionDays: 7, LogRetentionDays: 30},
			Cache: CacheConfig{NodeType: "cache.t4g.small", Nodes: 2, EngineVersion: "7.1",
				SnapshotRetentionDays: 1, LogRetentionDays: 30},
			Search: SearchConfig{InstanceType: "t3.medium.search", InstanceCount: zones, MasterInstanceType: "t3.medium.search",
				VolumeSizeGiB: 20, EngineVersion: "OpenSearch_2.17", LogRetentionDays: 30},
		}
	}
	return DataTier{
		Database: DatabaseConfig{InstanceClass: "db.r6g.large", Instances: 3, EngineVersion: "16.8",
			BackupRetentionDays: 14, PerformanceInsightsRetentionDays: 7, LogRetentionDays: 365},
		Cache: CacheConfig{NodeType: "cache.r7g.large", Nodes: 3, EngineVersion: "7.1",
			SnapshotRetentionDays: 7, LogRetentionDays: 365},
		Search: SearchConfig{InstanceType: "r6g.large.search", InstanceCount: zones, MasterInstanceType: "m6g.large.search",
			VolumeSizeGiB: 100, EngineVersion: "OpenSearch_2.17", LogRetentionDays: 365},
	}
}

var (
	auroraVersionRE     = regexp.MustCompile(`^(1[3-9]|[2-9]\d)\.\d+$`)
	redisVersionRE      = regexp.MustCompile(`^[67]\.\d+$`)
	opensearchVersionRE = regexp.MustCompile(`^OpenSearch_\d+\.\d+$`)
)

// loadData reads the data tier sections over the sizing's defaults and validates them.
func (r *reader) loadData(c *Cell) {
	c.DataTier = dataDefaults(c.Sizing, c.Network.AZCount)
	r.Section("database", &c.Database)
	r.Section("cache", &c.Cache)
	r.Section("search", &c.Search)

	d := c.Database
	if !strings.HasPrefix(d.InstanceClass, "db.") || strings.HasPrefix(d.InstanceClass, "db.t") || strings.HasPrefix(d.InstanceClass, "db.serverless") {
		r.p.Addf(Key("database.instanceClass"), "%q is not a provisioned, non-burstable class: Aurora global databases need e.g. db.r6g.large", d.InstanceClass)
	}
	if d.Instances < 2 || d.Instances > 16 {
		r.p.Addf(Key("database.instances"), "is %d: the primary needs a writer and at least one reader (at most 16 instances)", d.Instances)
	}
	if d.DRInstances < 0 || d.DRInstances > 16 {
		r.p.Addf(Key("database.drInstances"), "is %d: use 0 (headless) to 16", d.DRInstances)
	}
	if !auroraVersionRE.MatchString(d.EngineVersion) {
		r.p.Addf(Key("database.engineVersion"), "%q is not an Aurora PostgreSQL <major>.<minor> version, 13 or later", d.EngineVersion)
	}
	if d.BackupRetentionDays < 7 || d.BackupRetentionDays > 35 {
		r.p.Addf(Key("database.backupRetentionDays"), "%d is outside 7-35", d.BackupRetentionDays)
	}
	if pi := d.PerformanceInsightsRetentionDays; !(pi == 7 || pi == 731 || (pi >= 31 && pi <= 713 && pi%31 == 0)) {
		r.p.Addf(Key("database.performanceInsightsRetentionDays"), "%d is not offered (7, a multiple of 31 up to 713, or 731)", pi)
	}
	r.logRetention("database.logRetentionDays", d.LogRetentionDays)

	k := c.Cache
	if !strings.HasPrefix(k.NodeType, "cache.") || len(k.NodeType) == len("cache.") {
		r.p.Addf(Key("cache.nodeType"), "%q is not an ElastiCache node type (e.g. cache.r7g.large)", k.NodeType)
	}
	if k.Nodes < 2 || k.Nodes > 6 {
		r.p.Addf(Key("cache.nodes"), "is %d: automatic failover needs 2 to 6 nodes", k.Nodes)
	}
	if !redisVersionRE.MatchString(k.EngineVersion) {
		r.p.Addf(Key("cache.engineVersion"), "%q is not a Redis 6.x or 7.x version", k.EngineVersion)
	}
	if k.SnapshotRetentionDays < 1 || k.SnapshotRetentionDays > 35 {
		r.p.Addf(Key("cache.snapshotRetentionDays"), "%d is outside 1-35: daily snapshots are always on", k.SnapshotRetentionDays)
	}
	r.logRetention("cache.logRetentionDays", k.LogRetentionDays)

	s := c.Search
	for _, f := range []struct{ key, typ string }{{"search.instanceType", s.InstanceType}, {"search.masterInstanceType", s.MasterInstanceType}} {
		if !strings.HasSuffix(f.typ, ".search") || strings.Count(f.typ, ".") != 2 {
			r.p.Addf(Key(f.key), "%q is not an OpenSearch instance type (e.g. r6g.large.search)", f.typ)
		}
	}
	if z := SearchZones(c.Network.AZCount); z >= 2 && (s.InstanceCount <= 0 || s.InstanceCount%z != 0) {
		r.p.Addf(Key("search.instanceCount"), "is %d: it must be a positive multiple of the %d zones the domain spans", s.InstanceCount, z)
	}
	if s.VolumeSizeGiB < 10 || s.VolumeSizeGiB > 16384 {
		r.p.Addf(Key("search.volumeSizeGiB"), "%d is outside 10-16384", s.VolumeSizeGiB)
	}
	if !opensearchVersionRE.MatchString(s.EngineVersion) {
		r.p.Addf(Key("search.engineVersion"), "%q is not an OpenSearch_<major>.<minor> version", s.EngineVersion)
	}
	r.logRetention("search.logRetentionDays", s.LogRetentionDays)
}

func (r *reader) logRetention(key string, days int) {
	if !slices.Contains(validRetention, days) {
		r.p.Addf(Key(key), "%d is not a retention CloudWatch Logs accepts (%v)", days, validRetention)
	}
}
