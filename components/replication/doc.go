// Package replication copies a cell's durable data into its DR region, inside the same
// jurisdiction, so the pilot-light DR stack has something to serve from:
//
//   - every given S3 bucket is replicated (all objects, delete markers, SSE-KMS objects) into a
//     versioned, private replica bucket in the DR region, encrypted with a storage key of the DR
//     region, through a role that may read only the source and write only the replica;
//   - the account's ECR repositories under ImageRepositoryPrefix are replicated into the DR
//     region (registry replication), so a failover deploys images that are already there;
//   - AWS Backup takes daily backups of the given resources (the Aurora cluster) into a vault in
//     the primary region and copies each recovery point into a vault in the DR region, both
//     encrypted with customer-managed keys.
//
// The cell stack owns these DR-region resources (through the explicit DR provider in Args) so
// replication never waits for the DR stack and the DR stack never reaches into the primary
// region; the DR stack finds them through the cell's outputs.
//
// Defaults: backups daily at 03:00 UTC kept 35 days, DR copies kept 35 days.
//
// Refuses: a DR region outside the primary region's jurisdiction, or equal to it; a missing DR
// provider or DR key; a bucket without name, ARN or key; retention outside 1-3650 days.
package replication
