package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// budgetsModels: AWS Budgets is global; a budget's id is "<account>:<name>" and its ARN
// arn:aws:budgets::<account>:budget/<name>
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html).
var budgetsModels = map[string]synthFunc{
	"aws:budgets/budget:Budget": budgetsBudget,
}

func budgetsBudget(r *Resource, phys string, out resource.PropertyMap) string {
	out["accountId"] = resource.NewProperty(Account)
	out["arn"] = resource.NewProperty("arn:aws:budgets::" + Account + ":budget/" + phys)
	return Account + ":" + phys
}
