// Package settings defines the tunable settings of the Aurora database (the keys of the
// stack's globalstack:database object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import (
	"regexp"
	"strconv"
	"strings"

	"globalstack/components/base/validate"
)

// Settings are the tunable settings of the database: the keys of the stack's
// globalstack:database object. 16.8 is the Aurora PostgreSQL 16 long-term-support minor,
// supported until 2029 (Aurora PostgreSQL release calendar,
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html);
// 16.6 has no standard-support date LIFE-001 could confirm.
type Settings struct {
	InstanceClass string `json:"instanceClass" doc:"provisioned, non-burstable: Aurora global databases refuse db.t* and serverless"`
	Instances     int    `json:"instances" doc:"2-16: the primary region's writer and readers (and a failed-over DR region's)"`
	DRInstances   int    `json:"drInstances" doc:"0-16: the DR region's secondary in pilot light" zero:"0 (headless)"`
	EngineVersion string `json:"engineVersion" doc:"Aurora PostgreSQL <major>.<minor>, 13 or later"`

	BackupRetentionDays              int `json:"backupRetentionDays" doc:"7-35"`
	PerformanceInsightsRetentionDays int `json:"performanceInsightsRetentionDays" doc:"7, a multiple of 31 up to 713, or 731"`
	LogRetentionDays                 int `json:"logRetentionDays" doc:"a retention CloudWatch Logs accepts"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = Settings{InstanceClass: "db.r6g.large", Instances: 3, EngineVersion: "16.8",
		BackupRetentionDays: 14, PerformanceInsightsRetentionDays: 7, LogRetentionDays: 365}
	Dev = Settings{InstanceClass: "db.r6g.large", Instances: 2, EngineVersion: "16.8",
		BackupRetentionDays: 7, PerformanceInsightsRetentionDays: 7, LogRetentionDays: 30}
)

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)$`)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(strings.HasPrefix(s.InstanceClass, "db.") && !strings.HasPrefix(s.InstanceClass, "db.t") && !strings.HasPrefix(s.InstanceClass, "db.serverless"),
		key("instanceClass"), "%q is not a provisioned, non-burstable DB instance class (Aurora global databases need e.g. db.r6g.large)", s.InstanceClass)
	p.Require(s.Instances >= 2 && s.Instances <= 16, key("instances"), "is %d: the primary needs a writer and at least one reader in another zone (at most 16 instances)", s.Instances)
	p.Require(s.DRInstances >= 0 && s.DRInstances <= 16, key("drInstances"), "is %d: use 0 (headless) to 16", s.DRInstances)
	if m := versionRE.FindStringSubmatch(s.EngineVersion); m == nil {
		p.Addf(key("engineVersion"), "%q is not an Aurora PostgreSQL <major>.<minor> version, 13 or later", s.EngineVersion)
	} else if major, _ := strconv.Atoi(m[1]); major < 13 {
		p.Addf(key("engineVersion"), "%q is too old: major version 13 or later is required", s.EngineVersion)
	}
	p.Require(s.BackupRetentionDays >= 7 && s.BackupRetentionDays <= 35, key("backupRetentionDays"), "%d is outside 7-35", s.BackupRetentionDays)
	pi := s.PerformanceInsightsRetentionDays
	p.Require(pi == 7 || (pi%31 == 0 && pi >= 31 && pi <= 713) || pi == 731, key("performanceInsightsRetentionDays"),
		"%d is not a retention Performance Insights offers (7, a multiple of 31 up to 713, or 731)", pi)
	validate.CheckLogRetention(p, key("logRetentionDays"), s.LogRetentionDays)
	return p.Err()
}
