package mockcloud

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// synthFunc fills type-specific outputs into out and returns the physical id.
// phys is the physical name the provider would give the resource.
type synthFunc func(r *Resource, phys string, out resource.PropertyMap) string

// models lists the synthesizer tables by the type-token prefix they cover: an AWS service's
// table is in aws_<module>.go ("aws:rds/" in aws_rds.go); Kubernetes' and random's are in
// kubernetes.go and random.go. A table holds only types under its prefix (TestModelTables).
var models = map[string]map[string]synthFunc{
	"aws:accessanalyzer/": accessAnalyzerModels,
	"aws:acm/":            acmModels,
	"aws:amp/":            ampModels,
	"aws:backup/":         backupModels,
	"aws:budgets/":        budgetsModels,
	"aws:cfg/":            cfgModels,
	"aws:cloudfront/":     cloudFrontModels,
	"aws:cloudtrail/":     cloudTrailModels,
	"aws:cloudwatch/":     cloudWatchModels,
	"aws:ec2/":            ec2Models,
	"aws:ebs/":            ebsModels,
	"aws:ecr/":            ecrModels,
	"aws:eks/":            eksModels,
	"aws:elasticache/":    elastiCacheModels,
	"aws:guardduty/":      guardDutyModels,
	"aws:iam/":            iamModels,
	"aws:inspector2/":     inspector2Models,
	"aws:kms/":            kmsModels,
	"aws:lb/":             lbModels,
	"aws:opensearch/":     openSearchModels,
	"aws:rds/":            rdsModels,
	"aws:route53/":        route53Models,
	"aws:s3/":             s3Models,
	"aws:secretsmanager/": secretsManagerModels,
	"aws:securityhub/":    securityHubModels,
	"aws:shield/":         shieldModels,
	"aws:sns/":            snsModels,
	"aws:vpc/":            vpcModels,
	"aws:wafv2/":          wafModels,
	"kubernetes:":         kubernetesModels,
	"random:":             randomModels,
}

// synthesizers is every modelled type's synthesizer, gathered from models.
var synthesizers = gather(models)

func gather(tables map[string]map[string]synthFunc) map[string]synthFunc {
	all := map[string]synthFunc{}
	for prefix, table := range tables {
		for typ, fn := range table {
			if _, dup := all[typ]; dup {
				panic(fmt.Sprintf("mockcloud: two synthesizers for %s (one in the %q table)", typ, prefix))
			}
			all[typ] = fn
		}
	}
	return all
}
