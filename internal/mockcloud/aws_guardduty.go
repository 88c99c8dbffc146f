package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var guardDutyModels = map[string]synthFunc{
	"aws:guardduty/detector:Detector":               guardDutyDetector,
	"aws:guardduty/detectorFeature:DetectorFeature": guardDutyFeature,
}

// guardDutyDetector has a 32-hex-digit id; its ARN is detector/<id>.
func guardDutyDetector(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	id := hashID("", r.URN, 32)
	out["arn"] = resource.NewProperty(arn("guardduty", r.Region, "detector/"+id))
	out["accountId"] = resource.NewProperty(Account)
	return id
}

// guardDutyFeature is identified by "<detector id>/<feature name>" and has no ARN.
func guardDutyFeature(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	return stringInput(r.Inputs, "detectorId") + "/" + stringInput(r.Inputs, "name")
}
