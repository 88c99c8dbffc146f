// Package cache creates the ElastiCache for Redis replication group of one region of a cell:
// one shard with a primary and replicas spread over the zones.
//
// Always on: Multi-AZ with automatic failover; encryption at rest with the given
// customer-managed key; in-transit encryption (TLS) in "required" mode; an AUTH token of 64
// characters from pulumi-random, kept in a Secrets Manager secret "<Identifier>/cache/auth"
// encrypted with SecretsKeyArn and only ever handled as a Pulumi secret; daily snapshots
// (02:00-03:00 UTC) kept SnapshotRetentionDays and a final snapshot on deletion; slow log and
// engine log delivered as JSON to CloudWatch log groups "/globalstack/<Identifier>/redis/..."
// encrypted with LogsKeyArn; placement in the given isolated subnets; a security group that
// admits TCP 6379 only from AppSecurityGroupID and has no egress.
//
// Defaults: maintenance Sunday 05:00-06:00 UTC.
//
// Refuses: an unknown region; an identifier ElastiCache would reject (1-40 lowercase letters,
// digits and single hyphens, starting with a letter); fewer than 2 or more than 6 nodes; a
// node type that is not "cache.*"; an engine version that is not 6.x or 7.x; snapshot
// retention outside 1-35 days (0 would turn snapshots off); a log retention CloudWatch does
// not accept; fewer than 2 subnets or a zone list that does not match them; a missing VPC,
// application security group or key.
//
// Settings (the keys of globalstack:cache, their limits and the Prod and Dev presets) are
// defined, preset and validated once, by package cache/settings (which imports no SDK, so the
// stack configuration and the DR failover tool read it alone); the README's table is generated
// from them (make docs). A zero field of Args.Settings takes the Prod preset.
package cache
