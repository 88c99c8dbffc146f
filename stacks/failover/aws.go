package failover

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// RDSAPI is the part of the RDS API the failover uses.
type RDSAPI interface {
	DescribeGlobalClusters(context.Context, *rds.DescribeGlobalClustersInput, ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	DescribeDBClusters(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	RemoveFromGlobalCluster(context.Context, *rds.RemoveFromGlobalClusterInput, ...func(*rds.Options)) (*rds.RemoveFromGlobalClusterOutput, error)
	SwitchoverGlobalCluster(context.Context, *rds.SwitchoverGlobalClusterInput, ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
}

// EKSAPI is the part of the EKS API the failover uses.
type EKSAPI interface {
	DescribeCluster(context.Context, *eks.DescribeClusterInput, ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
	ListNodegroups(context.Context, *eks.ListNodegroupsInput, ...func(*eks.Options)) (*eks.ListNodegroupsOutput, error)
	DescribeNodegroup(context.Context, *eks.DescribeNodegroupInput, ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error)
}

// MetricsAPI reads the replication lag metric.
type MetricsAPI interface {
	GetMetricStatistics(context.Context, *cloudwatch.GetMetricStatisticsInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error)
}

// Clients hands out regional API clients.
type Clients interface {
	RDS(region string) RDSAPI
	EKS(region string) EKSAPI
	Metrics(region string) MetricsAPI
}

// AWSClients builds SDK clients from the default credential chain; AWS_ENDPOINT_URL and
// AWS_PROFILE are honoured by the SDK's loader.
type AWSClients struct{ cfg aws.Config }

// NewAWSClients loads the shared AWS configuration.
func NewAWSClients(ctx context.Context) (*AWSClients, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return &AWSClients{cfg: cfg}, nil
}

// RDS is an RDS client for region.
func (c *AWSClients) RDS(region string) RDSAPI {
	return rds.NewFromConfig(c.cfg, func(o *rds.Options) { o.Region = region })
}

// EKS is an EKS client for region.
func (c *AWSClients) EKS(region string) EKSAPI {
	return eks.NewFromConfig(c.cfg, func(o *eks.Options) { o.Region = region })
}

// Metrics is a CloudWatch client for region.
func (c *AWSClients) Metrics(region string) MetricsAPI {
	return cloudwatch.NewFromConfig(c.cfg, func(o *cloudwatch.Options) { o.Region = region })
}
