package mockcloud

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var inspector2Models = map[string]synthFunc{
	"aws:inspector2/enabler:Enabler": inspectorEnabler,
}

// inspectorEnabler is identified by "<account ids>-<resource types>", each list sorted and
// joined with ":", the way the provider forms it; it has no ARN.
func inspectorEnabler(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	list := func(path string) string {
		s := r.Strs(path)
		slices.Sort(s)
		return strings.Join(s, ":")
	}
	return list("accountIds") + "-" + list("resourceTypes")
}
