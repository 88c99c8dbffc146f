// Package monitoring is the alerting of one stack: a KMS-encrypted SNS topic that pages the
// stack's on-call addresses, EventBridge rules routing high and critical GuardDuty and
// Security Hub findings to it, CloudWatch alarms on every tier the stack runs (Aurora,
// ElastiCache, OpenSearch, the edge's CloudFront and WAF, the storefront's load balancer,
// the EKS nodes through Container Insights) and a CloudWatch dashboard of the same metrics.
//
// Defaults: thresholds from settings.Prod (the source documents' 5 % errors and 2 s p99, the
// services' recommended alarms); every alarm notifies on ALARM and on OK; the topic's key is
// its own, rotated yearly. Alarms on us-east-1 metrics (CloudFront, WAF) notify a second
// topic in us-east-1 with the same subscribers, since an alarm notifies topics of its region.
//
// Refuses: a stack without an alert address, thresholds outside their range, a tier without
// the identifiers its metrics' dimensions need.
package monitoring
