package plan

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"globalstack/internal/mockcloud"
)

//go:embed prices.json
var pricesJSON []byte

// Prices is the dated, versioned price table the estimate is computed from.
type Prices struct {
	Version          int                `json:"version"`
	Date             string             `json:"date"`
	Currency         string             `json:"currency"`
	Source           string             `json:"source"`
	HoursPerMonth    float64            `json:"hoursPerMonth"`
	RegionMultiplier map[string]float64 `json:"regionMultiplier"`
	Hourly           map[string]float64 `json:"hourly"`
	Monthly          map[string]float64 `json:"monthly"`
	PerGBMonth       map[string]float64 `json:"perGbMonth"`
	// PerUnit are usage prices (per event, item, check, GB, vCPU-month) of the security
	// baseline; the usage they are multiplied by is in Assumptions.
	PerUnit     map[string]float64 `json:"perUnit"`
	Assumptions map[string]float64 `json:"assumptions"`
}

// LoadPrices parses the embedded price table.
func LoadPrices() (*Prices, error) {
	var p Prices
	if err := json.Unmarshal(pricesJSON, &p); err != nil {
		return nil, fmt.Errorf("prices.json: %w", err)
	}
	return &p, nil
}

// CostLine is one item of an estimate.
type CostLine struct {
	Item    string
	Region  string
	Monthly float64
}

// Estimate is the monthly cost of a planned stack.
type Estimate struct {
	Lines []CostLine
	Total float64
	// Baseline is the part of Total the security baseline costs (items prefixed BaselineItem).
	Baseline float64
	Unknown  []string // priced items whose size has no entry in the table
}

// Estimate prices the running things of a plan: instances, nodes, storage, NAT, load
// balancers, CloudFront and WAF. Things that cost nothing idle (subnets, roles) are free.
func (p *Prices) Estimate(r *Result) Estimate {
	var e Estimate
	hours := p.HoursPerMonth
	a := p.Assumptions
	add := func(item, region string, monthly float64) {
		if monthly <= 0 {
			return
		}
		m := p.RegionMultiplier[region]
		if m == 0 {
			m = 1
		}
		e.Lines = append(e.Lines, CostLine{Item: item, Region: region, Monthly: monthly * m})
	}
	hourly := func(key string) (float64, bool) {
		v, ok := p.Hourly[key]
		if !ok {
			e.Unknown = append(e.Unknown, key)
		}
		return v, ok
	}
	for _, m := range r.Cloud.Resources() {
		region := m.Region
		switch m.Type {
		case "aws:rds/clusterInstance:ClusterInstance":
			if v, ok := hourly("rds:" + m.Str("instanceClass")); ok {
				add("Aurora instance "+m.Str("instanceClass"), region, v*hours)
			}
		case "aws:rds/cluster:Cluster":
			add("Aurora storage (assumed GB)", region, a["auroraStorageGb"]*p.PerGBMonth["aurora:storage"])
		case "aws:elasticache/replicationGroup:ReplicationGroup":
			nodes := m.Num("numCacheClusters")
			if nodes == 0 {
				nodes = max(m.Num("numNodeGroups"), 1) * (m.Num("replicasPerNodeGroup") + 1)
			}
			if v, ok := hourly("elasticache:" + m.Str("nodeType")); ok {
				add(fmt.Sprintf("ElastiCache %gx %s", nodes, m.Str("nodeType")), region, nodes*v*hours)
			}
		case "aws:opensearch/domain:Domain":
			n := m.Num("clusterConfig.instanceCount")
			if v, ok := hourly("opensearch:" + m.Str("clusterConfig.instanceType")); ok {
				add(fmt.Sprintf("OpenSearch %gx %s", n, m.Str("clusterConfig.instanceType")), region, n*v*hours)
			}
			if m.Bool("clusterConfig.dedicatedMasterEnabled") {
				mn := m.Num("clusterConfig.dedicatedMasterCount")
				if v, ok := hourly("opensearch:" + m.Str("clusterConfig.dedicatedMasterType")); ok {
					add(fmt.Sprintf("OpenSearch masters %gx %s", mn, m.Str("clusterConfig.dedicatedMasterType")), region, mn*v*hours)
				}
			}
			add("OpenSearch storage", region, n*m.Num("ebsOptions.volumeSize")*p.PerGBMonth["opensearch:gp3"])
		case "aws:eks/cluster:Cluster":
			add("EKS control plane", region, p.Hourly["eks:cluster"]*hours)
		case "aws:eks/nodeGroup:NodeGroup":
			n := m.Num("scalingConfig.desiredSize")
			types := m.Strs("instanceTypes")
			if n > 0 && len(types) > 0 {
				if v, ok := hourly("ec2:" + types[0]); ok {
					add(fmt.Sprintf("EKS nodes %gx %s", n, types[0]), region, n*v*hours)
				}
				add("EKS node volumes", region, n*a["nodeRootVolumeGb"]*p.PerGBMonth["ebs:gp3"])
			}
		case "aws:ec2/natGateway:NatGateway":
			add("NAT gateway (+assumed traffic)", region, p.Hourly["vpc:natGateway"]*hours+a["natProcessedGbPerGateway"]*a["natPerGb"])
		case "aws:ec2/vpcEndpoint:VpcEndpoint":
			if m.Str("vpcEndpointType") == "Interface" {
				add("VPC interface endpoint", region, float64(m.Len("subnetIds"))*p.Hourly["vpc:interfaceEndpointPerAz"]*hours)
			}
		case "aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer":
			add("Application Load Balancer (+assumed LCUs)", region, (p.Hourly["elb:alb"]+a["albLcus"]*p.Hourly["elb:albLcu"])*hours)
		case "aws:shield/protection:Protection":
			// The subscription is per organization; a stack that asks for a protection
			// needs it, so its estimate carries it (https://aws.amazon.com/shield/pricing/).
			add("Shield Advanced subscription (+data transfer out, not estimated)", "global", p.Monthly["shield:advancedSubscription"])
		case "aws:cloudfront/distribution:Distribution":
			add("CloudFront (assumed traffic)", "global", a["cloudfrontTransferGb"]*a["cloudfrontPerGb"]+a["cloudfrontRequestsMillions"]*a["cloudfrontPerMillionRequests"])
		case "aws:wafv2/webAcl:WebAcl":
			where := "global"
			if m.Str("scope") == "REGIONAL" {
				where = region
			}
			add(fmt.Sprintf("WAF web ACL, %d rules (+assumed requests)", m.Len("rules")), where,
				p.Monthly["wafv2:webAcl"]+float64(m.Len("rules"))*p.Monthly["wafv2:rule"]+a["wafRequestsMillions"]*a["wafPerMillionRequests"])
		case "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey":
			add("KMS key", region, p.Monthly["kms:key"])
		case "aws:secretsmanager/secret:Secret":
			add("Secrets Manager secret", region, p.Monthly["secretsmanager:secret"])
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			add("S3 bucket (assumed GB)", region, a["s3StorageGbPerBucket"]*p.PerGBMonth["s3:standard"])
		case "aws:cloudwatch/metricAlarm:MetricAlarm":
			// Standard-resolution alarms are billed per metric they evaluate: one, or each
			// metric of a metric-math expression (https://aws.amazon.com/cloudwatch/pricing/).
			metrics := 1.0
			if n := m.Len("metricQueries"); n > 0 {
				metrics = float64(n - 1)
			}
			item := "CloudWatch alarm"
			if strings.Contains(m.Parent, "globalstack:baseline:Baseline::") {
				item = BaselineItem + item // the CIS alarms count as the baseline's
			}
			add(item, region, metrics*p.Monthly["cloudwatch:alarmMetric"])
		case "aws:cloudwatch/dashboard:Dashboard":
			add("CloudWatch dashboard", "global", p.Monthly["cloudwatch:dashboard"])
		case "aws:route53/healthCheck:HealthCheck":
			add("Route 53 health check", "global", p.Monthly["route53:healthCheck"])
		case "aws:amp/workspace:Workspace":
			// Amazon Managed Service for Prometheus bills samples ingested (first tier), storage
			// and query samples processed (https://aws.amazon.com/prometheus/pricing/); the
			// samples are the assumed active series scraped at the collector's interval.
			samples10M := a["ampActiveSeries"] * a["ampScrapesPerMinute"] * 60 * hours / 1e7
			add("Managed Prometheus workspace (assumed series, storage, queries)", region,
				samples10M*p.PerUnit["amp:ingestedSamplesPer10M"]+a["ampStorageGb"]*p.PerGBMonth["amp:storage"]+
					a["ampQuerySamplesBillions"]*p.PerUnit["amp:querySamplesPerBillion"])
		case "aws:amp/scraper:Scraper":
			// A managed collector bills per hour and per sample collected (same page).
			samples10M := a["ampActiveSeries"] * a["ampScrapesPerMinute"] * 60 * hours / 1e7
			add("Managed Prometheus collector (+assumed samples)", region, p.Hourly["amp:collector"]*hours+samples10M*p.PerUnit["amp:collectedSamplesPer10M"])
		case "aws:ecr/repository:Repository":
			add("ECR repository (assumed GB)", region, a["ecrStorageGb"]*p.PerGBMonth["ecr:storage"])
		default:
			p.baseline(m, add)
		}
	}
	for _, l := range e.Lines {
		e.Total += l.Monthly
		if strings.HasPrefix(l.Item, BaselineItem) {
			e.Baseline += l.Monthly
		}
	}
	return e
}

// BaselineItem prefixes the cost lines of the security baseline.
const BaselineItem = "Security baseline: "

// baseline prices the security baseline's usage-billed pieces from the per-unit prices and
// the assumed monthly usage of the table (the first copy of management events, Access
// Analyzer's account analyzer and EBS encryption are free).
func (p *Prices) baseline(m mockcloud.Resource, add func(item, region string, monthly float64)) {
	u, a, region := p.PerUnit, p.Assumptions, m.Region
	switch m.Type {
	case "aws:cloudtrail/trail:Trail":
		if m.Len("advancedEventSelectors") > 1 {
			add(BaselineItem+"CloudTrail S3 data events (assumed)", region, a["trailDataEvents100k"]*u["cloudtrail:dataEventsPer100k"])
		}
		add(BaselineItem+"trail copy in CloudWatch Logs (assumed GB)", region, a["trailLogIngestedGb"]*u["cloudwatchlogs:ingestedGb"])
	case "aws:cfg/recorder:Recorder":
		add(BaselineItem+"AWS Config items and rule evaluations (assumed)", region,
			a["configItemsPerMonth"]*u["config:configurationItem"]+a["configRuleEvaluationsPerMonth"]*u["config:ruleEvaluation"])
	case "aws:guardduty/detector:Detector":
		add(BaselineItem+"GuardDuty (assumed events, logs, vCPUs)", region,
			a["guardDutyCloudTrailEventsMillions"]*u["guardduty:cloudtrailEventsPerMillion"]+
				a["guardDutyFlowAndDnsGb"]*u["guardduty:flowAndDnsLogsGb"]+
				a["guardDutyS3DataEventsMillions"]*u["guardduty:s3DataEventsPerMillion"]+
				a["guardDutyRuntimeVcpus"]*u["guardduty:runtimeVcpuMonth"])
	case "aws:securityhub/account:Account":
		add(BaselineItem+"Security Hub checks (assumed)", region, a["securityHubChecksPerMonth"]*u["securityhub:check"])
	case "aws:inspector2/enabler:Enabler":
		add(BaselineItem+"Inspector ECR images and EC2 instances (assumed)", region,
			a["inspectorImagesPerMonth"]*u["inspector:ecrImageInitialScan"]+a["inspectorInstances"]*u["inspector:ec2InstanceMonth"])
	}
}

// Markdown renders an estimate, grouping equal items.
func (e Estimate) Markdown(title string, p *Prices) string {
	type key struct{ item, region string }
	sum := map[key]float64{}
	count := map[key]int{}
	for _, l := range e.Lines {
		k := key{l.Item, l.Region}
		sum[k] += l.Monthly
		count[k]++
	}
	keys := make([]key, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return sum[keys[i]] > sum[keys[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s %.0f / month\n\n| item | region | count | monthly |\n|---|---|---:|---:|\n", title, p.Currency, e.Total)
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f |\n", k.item, k.region, count[k], sum[k])
	}
	if e.Baseline > 0 {
		fmt.Fprintf(&b, "\nSecurity baseline (the items so marked; its audit key and log-archive bucket are in the KMS and S3 lines): %s %.0f / month.\n", p.Currency, e.Baseline)
	}
	if len(e.Unknown) > 0 {
		fmt.Fprintf(&b, "\nNot priced (add to prices.json): %s\n", strings.Join(dedupe(e.Unknown), ", "))
	}
	return b.String()
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// CostSection is the summary.md section for a stack: its estimate, and for a DR stack also
// the estimate of the same stack in failover mode, so the pilot-light saving is visible.
func CostSection(p *Prices, res *Result, failover *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Estimated monthly cost\n\nPrice table version %d of %s (%s). %.0f hours a month; traffic-dependent items use the assumptions in the table.\n\n",
		p.Version, p.Date, p.Source, p.HoursPerMonth)
	e := p.Estimate(res)
	title := "As planned"
	if failover != nil {
		title = "Pilot light (as planned)"
	}
	b.WriteString(e.Markdown(title, p))
	if failover != nil {
		f := p.Estimate(failover)
		b.WriteString("\n" + f.Markdown("Same stack in failover mode (globalstack:failover=true)", p))
		if f.Total > 0 {
			fmt.Fprintf(&b, "\nPilot light costs %.0f%% of failover mode: %s %.0f a month saved while the primary region serves.\n",
				100*e.Total/f.Total, p.Currency, f.Total-e.Total)
		}
	}
	return b.String()
}

// BudgetType is the AWS Budgets budget the monitoring component creates from
// globalstack:monitoring.monthlyBudgetUsd.
const BudgetType = "aws:budgets/budget:Budget"

// CheckBudget refuses a plan whose estimate exceeds the monthly budget it deploys (a stack
// without a budget passes).
func (p *Prices) CheckBudget(r *Result, e Estimate) error {
	for _, m := range r.Cloud.Resources() {
		if m.Type != BudgetType {
			continue
		}
		limit, err := strconv.ParseFloat(m.Str("limitAmount"), 64)
		if err != nil {
			return fmt.Errorf("%s: budget %s has limitAmount %q: %w", r.Stack, m.Name, m.Str("limitAmount"), err)
		}
		if e.Total > limit {
			return fmt.Errorf("%s: estimated %s %.0f/mo exceeds the budget of %s %.0f (globalstack:monitoring.monthlyBudgetUsd)",
				r.Stack, p.Currency, e.Total, p.Currency, limit)
		}
	}
	return nil
}

// MaxPriceAge is how old the price table may be before the plan warns that it is stale.
const MaxPriceAge = 180 * 24 * time.Hour

// StaleWarning returns a warning when the price table's date is more than MaxPriceAge before
// now, or is not a date; "" otherwise.
func (p *Prices) StaleWarning(now time.Time) string {
	d, err := time.Parse(time.DateOnly, p.Date)
	if err != nil {
		return fmt.Sprintf("prices.json: date %q is not YYYY-MM-DD: the price table cannot be dated", p.Date)
	}
	if age := now.Sub(d); age > MaxPriceAge {
		return fmt.Sprintf("prices.json is dated %s, %d days ago (more than %d): refresh the prices from %s",
			p.Date, int(age.Hours()/24), int(MaxPriceAge.Hours()/24), p.Source)
	}
	return ""
}
