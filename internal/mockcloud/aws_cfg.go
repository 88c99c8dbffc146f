package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// cfgModels: AWS Config's recorder, delivery channel and recorder status are identified by
// name and have no ARN; a rule has an ARN with a generated config-rule-<id> and a rule id.
var cfgModels = map[string]synthFunc{
	"aws:cfg/recorder:Recorder":               configNamed,
	"aws:cfg/deliveryChannel:DeliveryChannel": configNamed,
	"aws:cfg/recorderStatus:RecorderStatus":   configNamed,
	"aws:cfg/rule:Rule":                       configRule,
}

func configNamed(_ *Resource, phys string, out resource.PropertyMap) string {
	delete(out, "arn")
	return phys
}

func configRule(r *Resource, phys string, out resource.PropertyMap) string {
	id := "config-rule-" + hashID("", r.URN, 6)
	out["arn"] = resource.NewProperty(arn("config", r.Region, "config-rule/"+id))
	out["ruleId"] = resource.NewProperty(id)
	return phys
}
