// Package baseline is the security baseline of a stack: what a security reviewer expects of
// every account and region the shop runs in, kept inside the stack's jurisdiction.
//
// Every stack (cell and DR stack, pilot light included, since detection must be on before a
// failover) gets, in its own region:
//   - a single-region CloudTrail trail with log file validation, management events and the
//     object-level (data) events of the stack's buckets, encrypted with the stack's audit key,
//     delivered to a log-archive bucket of the region (versioned, deletes denied, lifecycle to
//     Glacier, public access blocked, TLS only) and to an encrypted CloudWatch Logs group;
//   - CIS metric filters and alarms on that group (root use, IAM policy changes, console
//     sign-in without MFA, KMS key disable or deletion, security group, trail, Config and
//     bucket policy changes), publishing to the stack's alert topic (components/monitoring).
//
// The stack that owns its region (Settings.Region) also creates the once-per-region pieces:
// GuardDuty with its protection features, Security Hub with the AWS Foundational Security Best
// Practices and CIS standards (no cross-region aggregation), the AWS Config recorder, delivery
// channel into the log archive and managed rules, Inspector for ECR and EC2, an account
// Access Analyzer, EBS encryption by default. The stack that owns the account
// (Settings.Account) creates the IAM password policy and the account's S3 public access block.
package baseline
