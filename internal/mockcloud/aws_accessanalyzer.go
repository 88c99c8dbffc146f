package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var accessAnalyzerModels = map[string]synthFunc{
	"aws:accessanalyzer/analyzer:Analyzer": accessAnalyzer,
}

// accessAnalyzer is identified by its name; its ARN is in the "access-analyzer" service.
func accessAnalyzer(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	name := stringInput(r.Inputs, "analyzerName")
	out["arn"] = resource.NewProperty(arn("access-analyzer", r.Region, "analyzer/"+name))
	return name
}
