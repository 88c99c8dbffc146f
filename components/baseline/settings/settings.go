// Package settings defines the tunable settings of the security baseline (the keys of the
// stack's globalstack:baseline object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the AWS SDK.
package settings

import "globalstack/components/base/validate"

// Settings are the tunable settings of the security baseline.
//
// Ownership: several stacks may share an AWS account. The pieces AWS allows once per account
// (IAM password policy, the account's S3 public access block) are created by the one stack
// whose Account is true; the pieces AWS allows once per account and region (GuardDuty
// detector, Security Hub, the Config recorder and delivery channel, Inspector, the Access
// Analyzer, EBS encryption by default) by the one stack of that region whose Region is true.
// Every stack has its own trail, log archive and CIS alarms; the alarms page through the
// stack's alert topic (globalstack:monitoring.alertEmails). `make plan` refuses
// two stacks of one account (aws:allowedAccountIds) that own the same piece.
type Settings struct {
	Account bool `json:"account" doc:"this stack owns the account-wide pieces (IAM password policy, account S3 public access block); exactly one stack per account" zero:"false"`
	Region  bool `json:"region" doc:"this stack owns its region's once-per-region pieces (GuardDuty, Security Hub, Config recorder, Inspector, Access Analyzer, EBS encryption by default); one stack per account and region"`
	// ArchiveColdAfterDays moves trail and Config logs to S3 Glacier Flexible Retrieval.
	ArchiveColdAfterDays int `json:"archiveColdAfterDays" doc:"days before audit logs move to S3 Glacier Flexible Retrieval, at least 30"`
	// ArchiveRetentionDays expires audit logs; Glacier bills at least 90 days per object.
	ArchiveRetentionDays int `json:"archiveRetentionDays" doc:"days audit logs are kept, at least archiveColdAfterDays + 90"`
	// TrailLogRetentionDays is the retention of the trail's CloudWatch Logs group (the copy
	// the metric filters read; the archive keeps the originals).
	TrailLogRetentionDays int `json:"trailLogRetentionDays" doc:"retention of the trail's CloudWatch Logs copy (a retention CloudWatch Logs accepts)"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack. A trial
// stack is alone in its account, so it owns everything; a production stack owns its region
// and leaves the account-wide pieces to the stack its file names.
var (
	Prod = Settings{Region: true, ArchiveColdAfterDays: 90, ArchiveRetentionDays: 2557, TrailLogRetentionDays: 365}
	Dev  = Settings{Account: true, Region: true, ArchiveColdAfterDays: 30, ArchiveRetentionDays: 365, TrailLogRetentionDays: 30}
)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(s.ArchiveColdAfterDays >= 30, key("archiveColdAfterDays"), "is %d: keep audit logs in S3 Standard at least 30 days", s.ArchiveColdAfterDays)
	// S3 Glacier Flexible Retrieval has a 90-day minimum storage duration
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
	p.Require(s.ArchiveRetentionDays >= s.ArchiveColdAfterDays+90, key("archiveRetentionDays"),
		"is %d: audit logs stay in Glacier at least 90 days after archiveColdAfterDays (%d)", s.ArchiveRetentionDays, s.ArchiveColdAfterDays)
	validate.CheckLogRetention(p, key("trailLogRetentionDays"), s.TrailLogRetentionDays)
	return p.Err()
}
