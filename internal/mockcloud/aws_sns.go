package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var snsModels = map[string]synthFunc{
	"aws:sns/topic:Topic":                         snsTopic,
	"aws:sns/topicSubscription:TopicSubscription": snsSubscription,
}

// snsTopic is identified by its ARN, arn:aws:sns:<region>:<account>:<name> (no resource type
// in the ARN).
func snsTopic(r *Resource, phys string, out resource.PropertyMap) string {
	a := arn("sns", r.Region, phys)
	out["arn"] = resource.NewProperty(a)
	out["owner"] = resource.NewProperty(Account)
	return a
}

// snsSubscription's ARN is the topic's with a subscription UUID; an e-mail subscription is
// pending until its recipient confirms.
func snsSubscription(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	a := stringInput(r.Inputs, "topic") + ":" + uuidFrom(r.URN)
	out["arn"] = resource.NewProperty(a)
	out["ownerId"] = resource.NewProperty(Account)
	out["pendingConfirmation"] = resource.NewProperty(strings.HasPrefix(stringInput(r.Inputs, "protocol"), "email"))
	return a
}
