// Package database creates the Aurora PostgreSQL Global Database of a cell: in the primary
// region the global cluster and its writable regional cluster, in the DR region a secondary
// cluster that joins the same global cluster.
//
// Modes (Args.Mode):
//   - Primary (the default): creates the global cluster "<Identifier>-global" and the regional
//     cluster "<Identifier>-<region>" with Instances instances (one writer, the rest readers,
//     spread round-robin over Zones). The master credentials are a 40-character password from
//     pulumi-random, kept in a Secrets Manager secret "<Identifier>/database/master" encrypted
//     with SecretsKeyArn; the password only ever appears as a Pulumi secret.
//   - Secondary: joins GlobalClusterIdentifier from SourceRegion with Instances instances;
//     0 instances is the headless pilot light (storage replicated, no compute until failover).
//     It is created through the explicit Provider of the DR region, encrypted with that
//     region's KmsKeyArn, and takes its credentials from the global cluster (no secret here).
//     Promoted (set at failover, after the cluster was detached from the global cluster) drops
//     the global cluster from its arguments so it stays a standalone writer.
//   - A Primary may replicate its credentials secret into the DR region (SecretReplicaRegion,
//     encrypted with SecretReplicaKeyArn, a key of that region) so a promoted secondary is
//     reachable while the primary region is down; the replica must stay in the jurisdiction.
//
// Always on, in both modes: storage encrypted with the given customer-managed key, IAM
// database authentication, deletion protection, Performance Insights encrypted with the same
// key, PostgreSQL logs exported to a CloudWatch log group "/aws/rds/cluster/<id>/postgresql"
// created beforehand (so RDS never creates it unencrypted) and encrypted with LogsKeyArn, a
// cluster parameter group forcing TLS (rds.force_ssl=1, TLS 1.2 minimum) and logging
// connections, schema changes (log_statement=ddl) and statements slower than a second,
// Enhanced Monitoring every 60 s through a role of its own (AmazonRDSEnhancedMonitoringRole),
// instances not publicly accessible and
// placed in the given (isolated) subnets, and a security group admitting TCP 5432 only from
// AppSecurityGroupID, with no egress.
//
// Defaults: DatabaseName "storefront", MasterUsername "storefront_admin"; backups
// 03:00-04:00 UTC, maintenance Sunday 04:30-05:30 UTC; a final snapshot "<cluster>-final"
// when the primary cluster is deleted.
//
// Refuses: an unknown mode or region; an identifier that RDS would reject; a primary with
// fewer than 2 instances (no Multi-AZ) or a secondary with a negative count; more than 16
// instances; a burstable (db.t*) or non-db class, which Aurora global databases do not
// support; an engine version that is not "<major>.<minor>" with major 13 or later; backup
// retention outside 7-35 days; a Performance Insights retention AWS does not offer; a log
// retention CloudWatch does not accept; fewer than 2 subnets or a zone list that does not
// match them; a missing VPC, application security group or key; a secondary without its
// provider, global cluster identifier or a source region different from its own; a primary
// given a global cluster to join.
//
// Settings (the keys of globalstack:database, their limits and the Prod and Dev presets) are
// defined, preset and validated once, by package database/settings (which imports no SDK, so the
// stack configuration and the DR failover tool read it alone); the README's table is generated
// from them (make docs). A zero field of Args.Settings takes the Prod preset.
//
// A Primary runs Settings.Instances instances; a Secondary DRInstances (0 = headless) until it
// serves as the writer (Serving, or Promoted), then Instances.
package database
