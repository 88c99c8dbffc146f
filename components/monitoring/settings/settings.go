// Package settings defines the tunable settings of the monitoring component (the keys of the
// stack's globalstack:monitoring object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import (
	"net/mail"

	"globalstack/components/base/validate"
)

// Settings are the tunable settings of a stack's alerting: who is paged and the thresholds of
// the CloudWatch alarms. The storefront's Prometheus alerts (SLO burn rates, order drop,
// payment failures) are code in the rules file the component uploads.
type Settings struct {
	AlertEmails []string `json:"alertEmails" doc:"addresses subscribed to the alert topic (each confirms once); at least one" zero:"none: the stack file must list them"`
	// ErrorRatePercent and LatencyP99Seconds are the source documents' "error rate above 5 %"
	// and "latency above 2 s".
	ErrorRatePercent  float64 `json:"errorRatePercent" doc:"load balancer 5xx share of requests that alarms, percent"`
	LatencyP99Seconds float64 `json:"latencyP99Seconds" doc:"target response time p99 that alarms, seconds"`
	CPUPercent        float64 `json:"cpuPercent" doc:"Aurora, ElastiCache engine and EKS node CPU that alarms, percent"`
	// FreeableMemoryMiB is the Aurora instance memory floor.
	FreeableMemoryMiB   float64 `json:"freeableMemoryMiB" doc:"Aurora freeable memory floor, MiB"`
	DatabaseConnections float64 `json:"databaseConnections" doc:"Aurora connections that alarm"`
	ReplicaLagSeconds   float64 `json:"replicaLagSeconds" doc:"Aurora replica, global database and ElastiCache replication lag that alarms, seconds"`
	CacheMemoryPercent  float64 `json:"cacheMemoryPercent" doc:"ElastiCache DatabaseMemoryUsagePercentage that alarms"`
	// CacheEvictions is per minute per node: the cache holds sessions and carts, so evictions
	// lose them.
	CacheEvictions           float64 `json:"cacheEvictions" doc:"ElastiCache evictions per minute per node that alarm"`
	SearchJVMPercent         float64 `json:"searchJvmPercent" doc:"OpenSearch JVMMemoryPressure that alarms, percent"`
	SearchFreeStoragePercent float64 `json:"searchFreeStoragePercent" doc:"OpenSearch free storage floor, percent of a data node's volume"`
	// WAFBlockedPerMinute is the blocked-request rate that counts as a spike (an attack or a
	// rule blocking real customers).
	WAFBlockedPerMinute  float64 `json:"wafBlockedPerMinute" doc:"WAF blocked requests per minute that alarm"`
	CloudFront5xxPercent float64 `json:"cloudfront5xxPercent" doc:"CloudFront 5xxErrorRate that alarms, percent"`
	PodRestarts          float64 `json:"podRestarts" doc:"storefront container restarts in 5 minutes that alarm"`
	// MonthlyBudgetUSD is the stack's monthly cost budget: an AWS Budgets budget alerts the
	// topic as spend nears it, and the offline plan refuses a stack whose estimate exceeds it.
	MonthlyBudgetUSD float64 `json:"monthlyBudgetUsd" doc:"monthly cost budget, USD: the plan fails above it and AWS Budgets alerts at 80 % actual and 100 % forecast" zero:"no budget"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack. The
// CloudWatch thresholds follow the services' recommended alarms
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best-Practice-Alarms.html,
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html).
var (
	Prod = Settings{
		ErrorRatePercent: 5, LatencyP99Seconds: 2, CPUPercent: 80, FreeableMemoryMiB: 1024,
		DatabaseConnections: 1000, ReplicaLagSeconds: 5, CacheMemoryPercent: 80, CacheEvictions: 100,
		SearchJVMPercent: 95, SearchFreeStoragePercent: 25, WAFBlockedPerMinute: 1000,
		CloudFront5xxPercent: 5, PodRestarts: 3,
	}
	Dev = Settings{
		ErrorRatePercent: 5, LatencyP99Seconds: 2, CPUPercent: 90, FreeableMemoryMiB: 256,
		DatabaseConnections: 200, ReplicaLagSeconds: 30, CacheMemoryPercent: 90, CacheEvictions: 100,
		SearchJVMPercent: 95, SearchFreeStoragePercent: 25, WAFBlockedPerMinute: 1000,
		CloudFront5xxPercent: 10, PodRestarts: 5,
	}
)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(len(s.AlertEmails) > 0, key("alertEmails"), "is empty: name at least one address the stack's alerts page")
	seen := map[string]bool{}
	for _, e := range s.AlertEmails {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e {
			p.Addf(key("alertEmails"), "%q is not a bare e-mail address (name@example.com)", e)
			continue
		}
		p.Require(!seen[e], key("alertEmails"), "%q is listed twice", e)
		seen[e] = true
	}
	percent := func(k string, v float64) {
		p.Require(v > 0 && v <= 100, key(k), "is %g: a percentage in (0, 100]", v)
	}
	percent("errorRatePercent", s.ErrorRatePercent)
	percent("cpuPercent", s.CPUPercent)
	percent("cacheMemoryPercent", s.CacheMemoryPercent)
	percent("searchJvmPercent", s.SearchJVMPercent)
	percent("searchFreeStoragePercent", s.SearchFreeStoragePercent)
	percent("cloudfront5xxPercent", s.CloudFront5xxPercent)
	positive := func(k string, v float64) { p.Require(v > 0, key(k), "is %g: must be positive", v) }
	positive("latencyP99Seconds", s.LatencyP99Seconds)
	positive("freeableMemoryMiB", s.FreeableMemoryMiB)
	positive("databaseConnections", s.DatabaseConnections)
	positive("replicaLagSeconds", s.ReplicaLagSeconds)
	positive("cacheEvictions", s.CacheEvictions)
	positive("wafBlockedPerMinute", s.WAFBlockedPerMinute)
	positive("podRestarts", s.PodRestarts)
	p.Require(s.MonthlyBudgetUSD >= 0, key("monthlyBudgetUsd"), "is %g: a budget in USD, or 0 for none", s.MonthlyBudgetUSD)
	return p.Err()
}
