package monitoring

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tier is what an alarm watches; it decides the alarm's dimensions and provider.
type Tier string

// The tiers.
const (
	TierDatabase       Tier = "database"
	TierGlobalDatabase Tier = "global-database" // only a global secondary publishes these
	TierCache          Tier = "cache"           // one alarm per node
	TierSearch         Tier = "search"
	TierCloudFront     Tier = "cloudfront"
	TierWAF            Tier = "waf"
	TierLoadBalancer   Tier = "load-balancer"
	TierNodes          Tier = "nodes"
)

// Alarm is one entry of the alarm catalog: a metric named as its service's documentation
// names it, a threshold, and what an on-call engineer does first.
type Alarm struct {
	Key       string
	Tier      Tier
	Namespace string
	Metric    string
	// Statistic is Average, Maximum, Minimum or Sum; Extended a percentile such as "p99".
	Statistic, Extended string
	// Ratio, when set, makes the alarm the metric math 100*Metric/Ratio (both Sums): a share
	// of Ratio in percent.
	Ratio      string
	Comparison string
	Threshold  float64
	// Period is in seconds; the alarm fires when Datapoints of the last Periods breach.
	Period, Periods, Datapoints int
	// Missing is how missing data counts (missing, notBreaching, breaching).
	Missing    string
	Meaning    string
	FirstCheck string
	Doc        string
}

const (
	docAurora      = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html"
	docElastiCache = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html"
	docOpenSearch  = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html"
	docCloudFront  = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html"
	docWAF         = "https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html"
	docALB         = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html"
	docInsights    = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html"

	gt  = "GreaterThanThreshold"
	gte = "GreaterThanOrEqualToThreshold"
	lt  = "LessThanThreshold"
)

// Catalog is every alarm the component can create with the args' thresholds, in a stable
// order. Which ones a stack gets depends on the tiers it passes.
func Catalog(a Args) []Alarm {
	a.withDefaults()
	s := a.Settings
	freeStorageMiB := 0.0
	if a.Search != nil {
		// FreeStorageSpace is per node in MiB; OpenSearch recommends alarming at 25 % of a
		// node's storage.
		freeStorageMiB = float64(a.Search.VolumeSizeGiB) * 1024 * s.SearchFreeStoragePercent / 100
	}
	return []Alarm{
		{Key: "aurora-cpu", Tier: TierDatabase, Namespace: "AWS/RDS", Metric: "CPUUtilization", Statistic: "Maximum",
			Comparison: gt, Threshold: s.CPUPercent, Period: 300, Periods: 3, Datapoints: 3, Missing: "missing",
			Meaning: "an Aurora instance has been CPU-bound for 15 minutes", FirstCheck: "Performance Insights top SQL; a missing index or a reindex job", Doc: docAurora},
		{Key: "aurora-freeable-memory", Tier: TierDatabase, Namespace: "AWS/RDS", Metric: "FreeableMemory", Statistic: "Minimum",
			Comparison: lt, Threshold: s.FreeableMemoryMiB * 1024 * 1024, Period: 300, Periods: 3, Datapoints: 3, Missing: "missing",
			Meaning: "an Aurora instance is short of memory", FirstCheck: "connection count and work_mem-heavy queries in Performance Insights", Doc: docAurora},
		{Key: "aurora-connections", Tier: TierDatabase, Namespace: "AWS/RDS", Metric: "DatabaseConnections", Statistic: "Maximum",
			Comparison: gt, Threshold: s.DatabaseConnections, Period: 300, Periods: 2, Datapoints: 2, Missing: "missing",
			Meaning: "connections approach the instance's max_connections", FirstCheck: "storefront replica count and its pool size (HPA scaled out?)", Doc: docAurora},
		{Key: "aurora-replica-lag", Tier: TierDatabase, Namespace: "AWS/RDS", Metric: "AuroraReplicaLag", Statistic: "Maximum",
			Comparison: gt, Threshold: s.ReplicaLagSeconds * 1000, Period: 60, Periods: 5, Datapoints: 5, Missing: "notBreaching",
			Meaning: "a reader serves data more than the threshold behind the writer", FirstCheck: "write burst on the writer; reader instance CPU", Doc: docAurora},
		{Key: "aurora-global-replication-lag", Tier: TierGlobalDatabase, Namespace: "AWS/RDS", Metric: "AuroraGlobalDBReplicationLag", Statistic: "Maximum",
			Comparison: gt, Threshold: s.ReplicaLagSeconds * 1000, Period: 60, Periods: 5, Datapoints: 5, Missing: "breaching",
			Meaning: "the DR region's copy is behind the primary by more than the threshold: a failover now loses that much (RPO)", FirstCheck: "the primary's write volume and the global cluster's status (aws rds describe-global-clusters)", Doc: docAurora},
		{Key: "cache-engine-cpu", Tier: TierCache, Namespace: "AWS/ElastiCache", Metric: "EngineCPUUtilization", Statistic: "Average",
			Comparison: gt, Threshold: s.CPUPercent, Period: 300, Periods: 3, Datapoints: 3, Missing: "missing",
			Meaning: "the Redis thread of a node is saturated", FirstCheck: "SLOWLOG and command mix (KEYS/large HGETALL); connection churn", Doc: docElastiCache},
		{Key: "cache-memory", Tier: TierCache, Namespace: "AWS/ElastiCache", Metric: "DatabaseMemoryUsagePercentage", Statistic: "Maximum",
			Comparison: gt, Threshold: s.CacheMemoryPercent, Period: 300, Periods: 2, Datapoints: 2, Missing: "missing",
			Meaning: "a node's data approaches maxmemory: evictions follow", FirstCheck: "key count and TTLs of carts and sessions; scale the node type", Doc: docElastiCache},
		{Key: "cache-evictions", Tier: TierCache, Namespace: "AWS/ElastiCache", Metric: "Evictions", Statistic: "Sum",
			Comparison: gt, Threshold: s.CacheEvictions, Period: 60, Periods: 5, Datapoints: 3, Missing: "notBreaching",
			Meaning: "Redis is evicting keys: customers lose carts and sessions", FirstCheck: "cache-memory alarm; keys without TTL", Doc: docElastiCache},
		{Key: "cache-replication-lag", Tier: TierCache, Namespace: "AWS/ElastiCache", Metric: "ReplicationLag", Statistic: "Maximum",
			Comparison: gt, Threshold: s.ReplicaLagSeconds, Period: 60, Periods: 5, Datapoints: 5, Missing: "notBreaching",
			Meaning: "a replica node is behind its primary (only replicas publish it)", FirstCheck: "network bytes out of the primary; engine CPU", Doc: docElastiCache},
		{Key: "search-red", Tier: TierSearch, Namespace: "AWS/ES", Metric: "ClusterStatus.red", Statistic: "Maximum",
			Comparison: gte, Threshold: 1, Period: 60, Periods: 1, Datapoints: 1, Missing: "missing",
			Meaning: "a primary shard is unassigned: searches miss products", FirstCheck: "GET _cluster/allocation/explain; the storefront falls back to PostgreSQL search", Doc: docOpenSearch},
		{Key: "search-yellow", Tier: TierSearch, Namespace: "AWS/ES", Metric: "ClusterStatus.yellow", Statistic: "Maximum",
			Comparison: gte, Threshold: 1, Period: 60, Periods: 5, Datapoints: 5, Missing: "missing",
			Meaning: "a replica shard is unassigned: one more node loss is a red cluster", FirstCheck: "node count and free storage; a blue/green deployment in progress", Doc: docOpenSearch},
		{Key: "search-free-storage", Tier: TierSearch, Namespace: "AWS/ES", Metric: "FreeStorageSpace", Statistic: "Minimum",
			Comparison: lt, Threshold: freeStorageMiB, Period: 60, Periods: 1, Datapoints: 1, Missing: "missing",
			Meaning: "a data node is below a quarter of its storage: indexing blocks at the flood-stage watermark", FirstCheck: "index sizes (_cat/indices); grow volumeSizeGiB", Doc: docOpenSearch},
		{Key: "search-jvm-pressure", Tier: TierSearch, Namespace: "AWS/ES", Metric: "JVMMemoryPressure", Statistic: "Maximum",
			Comparison: gte, Threshold: s.SearchJVMPercent, Period: 60, Periods: 3, Datapoints: 3, Missing: "missing",
			Meaning: "the JVM heap is nearly full: the domain may reject requests or crash", FirstCheck: "expensive aggregations; shard count per node", Doc: docOpenSearch},
		{Key: "cloudfront-5xx", Tier: TierCloudFront, Namespace: "AWS/CloudFront", Metric: "5xxErrorRate", Statistic: "Average",
			Comparison: gt, Threshold: s.CloudFront5xxPercent, Period: 300, Periods: 2, Datapoints: 2, Missing: "notBreaching",
			Meaning: "customers get 5xx answers at the edge (origin failing or unreachable)", FirstCheck: "load-balancer 5xx alarm and origin failover; CloudFront standard logs", Doc: docCloudFront},
		{Key: "waf-blocked-spike", Tier: TierWAF, Namespace: "AWS/WAFV2", Metric: "BlockedRequests", Statistic: "Sum",
			Comparison: gt, Threshold: s.WAFBlockedPerMinute, Period: 60, Periods: 5, Datapoints: 3, Missing: "notBreaching",
			Meaning: "the edge WAF blocks an unusual number of requests: an attack, or a rule blocking customers", FirstCheck: "sampled requests of the web ACL: which rule, which IPs", Doc: docWAF},
		{Key: "alb-5xx-ratio", Tier: TierLoadBalancer, Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Ratio: "RequestCount",
			Comparison: gt, Threshold: s.ErrorRatePercent, Period: 60, Periods: 5, Datapoints: 3, Missing: "notBreaching",
			Meaning: "more than the threshold share of storefront requests fail with 5xx", FirstCheck: "storefront pod logs and the data tier alarms", Doc: docALB},
		{Key: "alb-p99-latency", Tier: TierLoadBalancer, Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Extended: "p99",
			Comparison: gt, Threshold: s.LatencyP99Seconds, Period: 60, Periods: 5, Datapoints: 3, Missing: "notBreaching",
			Meaning: "the slowest 1 % of storefront responses take longer than the threshold", FirstCheck: "database and cache latency; pod CPU throttling", Doc: docALB},
		{Key: "alb-unhealthy-targets", Tier: TierLoadBalancer, Namespace: "AWS/ApplicationELB", Metric: "UnHealthyHostCount", Statistic: "Maximum",
			Comparison: gte, Threshold: 1, Period: 60, Periods: 3, Datapoints: 3, Missing: "notBreaching",
			Meaning: "storefront pods fail the load balancer's health check", FirstCheck: "kubectl get pods; readiness probe failures and their dependency", Doc: docALB},
		{Key: "eks-node-cpu", Tier: TierNodes, Namespace: "ContainerInsights", Metric: "node_cpu_utilization", Statistic: "Average",
			Comparison: gt, Threshold: s.CPUPercent, Period: 300, Periods: 3, Datapoints: 3, Missing: "missing",
			Meaning: "the cluster's nodes are CPU-bound on average: pods throttle and cannot scale out", FirstCheck: "node group max size and pending pods", Doc: docInsights},
		{Key: "eks-failed-nodes", Tier: TierNodes, Namespace: "ContainerInsights", Metric: "cluster_failed_node_count", Statistic: "Maximum",
			Comparison: gte, Threshold: 1, Period: 300, Periods: 2, Datapoints: 2, Missing: "missing",
			Meaning: "a node reports a failing condition (memory, disk or PID pressure, not ready)", FirstCheck: "kubectl describe node; the node group's health issues", Doc: docInsights},
		{Key: "eks-pod-restarts", Tier: TierNodes, Namespace: "ContainerInsights", Metric: "pod_number_of_container_restarts", Statistic: "Maximum",
			Comparison: gt, Threshold: s.PodRestarts, Period: 300, Periods: 1, Datapoints: 1, Missing: "notBreaching",
			Meaning: "storefront containers keep restarting (crash loop or OOM kill)", FirstCheck: "kubectl logs --previous; OOMKilled in pod status", Doc: docInsights},
	}
}

// instance is one alarm to create: a catalog entry and its dimensions.
type instance struct {
	Alarm
	name string // the alarm's key, with the node id for per-node alarms
	dims pulumi.StringMap
	opts []pulumi.ResourceOption
}

// alarms creates the catalog's alarms for the tiers the stack passed.
func (b *builder) alarms() error {
	var all []instance
	for _, al := range Catalog(*b.a) {
		all = append(all, b.instances(al)...)
	}
	for _, in := range all {
		if err := b.alarm(in); err != nil {
			return err
		}
		b.m.Alarms = append(b.m.Alarms, in.name)
		b.widgets = append(b.widgets, widget{alarm: in})
	}
	return nil
}

// instances returns the alarms of one catalog entry: none when the stack lacks its tier.
func (b *builder) instances(al Alarm) []instance {
	a := b.a
	one := func(dims pulumi.StringMap, opts ...pulumi.ResourceOption) []instance {
		return []instance{{Alarm: al, name: al.Key, dims: dims, opts: opts}}
	}
	switch al.Tier {
	case TierDatabase:
		if a.Database != nil && a.Database.Serving {
			return one(pulumi.StringMap{"DBClusterIdentifier": a.Database.ClusterIdentifier})
		}
	case TierGlobalDatabase:
		if a.Database != nil && a.Database.GlobalSecondary {
			return one(pulumi.StringMap{"DBClusterIdentifier": a.Database.ClusterIdentifier})
		}
	case TierCache:
		if a.Cache == nil {
			return nil
		}
		var out []instance
		for i := range a.Cache.Nodes {
			// Redis metrics are per node, dimension CacheClusterId
			// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.html); a
			// cluster-mode-disabled group names its member clusters <group>-001, -002, ...
			// (https://docs.aws.amazon.com/cli/latest/reference/elasticache/create-replication-group.html,
			// MemberClusters in the example output). The plan check compares them with the
			// group's memberClusters.
			node := fmt.Sprintf("%03d", i+1)
			out = append(out, instance{Alarm: al, name: al.Key + "-" + node,
				dims: pulumi.StringMap{"CacheClusterId": pulumi.Sprintf("%s-%s", a.Cache.ReplicationGroupID, node)}})
		}
		return out
	case TierSearch:
		if a.Search != nil {
			// OpenSearch metrics carry the domain and the owning account (ClientId).
			return one(pulumi.StringMap{"DomainName": a.Search.DomainName, "ClientId": pulumi.String(b.account)})
		}
	case TierCloudFront:
		if a.Edge != nil {
			// CloudFront publishes in us-east-1 with Region=Global.
			return one(pulumi.StringMap{"DistributionId": a.Edge.DistributionID, "Region": pulumi.String("Global")},
				pulumi.Provider(a.Edge.GlobalProvider))
		}
	case TierWAF:
		if a.Edge != nil {
			// A CloudFront web ACL's metrics are in us-east-1 without a Region dimension;
			// Rule=ALL is the whole web ACL.
			return one(pulumi.StringMap{"WebACL": a.Edge.WebACLMetricName, "Rule": pulumi.String("ALL")},
				pulumi.Provider(a.Edge.GlobalProvider))
		}
	case TierLoadBalancer:
		if a.LoadBalancer != nil {
			dims := pulumi.StringMap{"LoadBalancer": a.LoadBalancer.ArnSuffix}
			if al.Metric != "HTTPCode_Target_5XX_Count" {
				dims["TargetGroup"] = a.LoadBalancer.TargetGroupArnSuffix
			}
			return one(dims)
		}
	case TierNodes:
		if a.Cluster != nil && a.Cluster.Nodes {
			dims := pulumi.StringMap{"ClusterName": a.Cluster.Name}
			if strings.HasPrefix(al.Metric, "pod_") {
				dims["Namespace"] = pulumi.String(a.Cluster.StorefrontNamespace)
				dims["PodName"] = pulumi.String("storefront")
			}
			return one(dims)
		}
	}
	return nil
}

// alarm creates one alarm publishing to the topic on alarm and on recovery.
func (b *builder) alarm(in instance) error {
	actions := pulumi.Array{b.m.TopicArn}
	if b.remote(in) {
		// An alarm notifies topics of its own region only; one in us-east-1 reaches the
		// stack's topic through EventBridge (forwardEdgeAlarms) and keeps no subscriber
		// addresses outside the jurisdiction.
		actions = nil
	}
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.Sprintf("%s-%s", b.a.Prefix, in.name),
		AlarmDescription:   pulumi.Sprintf("%s. First check: %s. (%s)", in.Meaning, in.FirstCheck, in.Doc),
		ComparisonOperator: pulumi.String(in.Comparison),
		Threshold:          pulumi.Float64(in.Threshold),
		EvaluationPeriods:  pulumi.Int(in.Periods),
		DatapointsToAlarm:  pulumi.Int(in.Datapoints),
		TreatMissingData:   pulumi.String(in.Missing),
		ActionsEnabled:     pulumi.Bool(true),
		AlarmActions:       actions,
		OkActions:          actions,
		Tags:               b.tags(in.name),
	}
	if in.Ratio == "" {
		args.Namespace = pulumi.String(in.Namespace)
		args.MetricName = pulumi.String(in.Metric)
		args.Period = pulumi.Int(in.Period)
		args.Dimensions = in.dims
		if in.Extended != "" {
			args.ExtendedStatistic = pulumi.String(in.Extended)
		} else {
			args.Statistic = pulumi.String(in.Statistic)
		}
	} else {
		// Metric math: the share of in.Ratio that in.Metric is, in percent; a minute without
		// errors reports no HTTPCode_Target_5XX_Count, hence FILL
		// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
		metric := func(id, name string) cloudwatch.MetricAlarmMetricQueryArgs {
			return cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String(in.Namespace), MetricName: pulumi.String(name), Dimensions: in.dims,
				Period: pulumi.Int(in.Period), Stat: pulumi.String("Sum"),
			}}
		}
		args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
			metric("errors", in.Metric),
			metric("requests", in.Ratio),
			cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("ratio"), Label: pulumi.Sprintf("%s %% of %s", in.Metric, in.Ratio),
				Expression: pulumi.String("100 * FILL(errors, 0) / requests"), ReturnData: pulumi.Bool(true)},
		}
	}
	_, err := cloudwatch.NewMetricAlarm(b.ctx, b.name+"-"+in.name, args, b.opts(in.opts...)...)
	return err
}

// remote reports whether an alarm lives outside the stack's region (us-east-1 metrics of a
// cell elsewhere).
func (b *builder) remote(in instance) bool {
	return (in.Tier == TierCloudFront || in.Tier == TierWAF) && b.a.Region != GlobalRegion
}
