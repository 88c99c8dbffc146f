// Package settings defines the tunable settings of the ElastiCache replication group (the keys
// of the stack's globalstack:cache object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import (
	"regexp"
	"strings"

	"globalstack/components/base/validate"
)

// Settings are the tunable settings of the cache: the keys of the stack's globalstack:cache
// object.
type Settings struct {
	NodeType              string `json:"nodeType" doc:"an ElastiCache node type"`
	Nodes                 int    `json:"nodes" doc:"2-6: one primary, the rest replicas in other zones (automatic failover)"`
	EngineVersion         string `json:"engineVersion" doc:"Redis 6.x or 7.x"`
	SnapshotRetentionDays int    `json:"snapshotRetentionDays" doc:"1-35: daily snapshots are always on"`
	LogRetentionDays      int    `json:"logRetentionDays" doc:"a retention CloudWatch Logs accepts"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = Settings{NodeType: "cache.r7g.large", Nodes: 3, EngineVersion: "7.1", SnapshotRetentionDays: 7, LogRetentionDays: 365}
	Dev  = Settings{NodeType: "cache.t4g.small", Nodes: 2, EngineVersion: "7.1", SnapshotRetentionDays: 1, LogRetentionDays: 30}
)

var versionRE = regexp.MustCompile(`^[67]\.\d+$`)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(strings.HasPrefix(s.NodeType, "cache.") && len(s.NodeType) > len("cache."), key("nodeType"), "%q is not an ElastiCache node type (e.g. cache.r7g.large)", s.NodeType)
	p.Require(s.Nodes >= 2 && s.Nodes <= 6, key("nodes"), "is %d: automatic failover needs at least 2 nodes and a shard holds at most 6", s.Nodes)
	p.Require(versionRE.MatchString(s.EngineVersion), key("engineVersion"), "%q is not a Redis 6.x or 7.x version", s.EngineVersion)
	p.Require(s.SnapshotRetentionDays >= 1 && s.SnapshotRetentionDays <= 35, key("snapshotRetentionDays"), "%d is outside 1-35: daily snapshots are always on", s.SnapshotRetentionDays)
	validate.CheckLogRetention(p, key("logRetentionDays"), s.LogRetentionDays)
	return p.Err()
}
