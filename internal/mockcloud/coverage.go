package mockcloud

import "fmt"

// plainTypes are resource types whose outputs are, on purpose, their inputs plus the generic
// name, ARN (AWS) or namespace/name id (Kubernetes) that synthesize gives every resource:
// nothing the program or a policy reads from them is computed by the cloud. Every other type
// needs a synthesizer, so that a new resource cannot silently plan with unrealistic outputs.
var plainTypes = map[string]string{
	"aws:kms/keyPolicy:KeyPolicy":              "the policy document as given; its id is the key id, which the program does not read",
	"aws:opensearch/domainPolicy:DomainPolicy": "the access policy as given; nothing is read from it",
	// Kubernetes objects: synthesize names them and gives them a uid; the program reads no
	// status or server-assigned field of these (a Service's clusterIP, a Deployment's status).
	"kubernetes:apps/v1:Deployment":                                "status is not read",
	"kubernetes:autoscaling/v2:HorizontalPodAutoscaler":            "status is not read",
	"kubernetes:batch/v1:Job":                                      "status is not read",
	"kubernetes:core/v1:Namespace":                                 "status is not read",
	"kubernetes:core/v1:Service":                                   "spec.clusterIP is not read: pods reach it through DNS",
	"kubernetes:core/v1:ServiceAccount":                            "nothing server-assigned is read",
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":          "nothing server-assigned is read",
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":   "nothing server-assigned is read",
	"kubernetes:networking.k8s.io/v1:NetworkPolicy":                "nothing server-assigned is read",
	"kubernetes:policy/v1:PodDisruptionBudget":                     "status is not read",
	"kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass": "a custom resource without status fields",
	"kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding":          "a custom resource; its status (the controller's observed generation) is not read",
}

// ErrUnmodelled is returned for a resource type the mock cloud has no model for.
type ErrUnmodelled struct{ Type string }

func (e ErrUnmodelled) Error() string {
	return fmt.Sprintf("mockcloud: no realistic outputs for %s: add a synthesizer to its service's table (see models.go), "+
		"or list it in plainTypes if its outputs are only its inputs", e.Type)
}

// modelled reports whether synthesize answers typ with more than an echo of its inputs, or
// typ is plain on purpose.
func modelled(typ string) bool {
	if _, ok := synthesizers[typ]; ok {
		return true
	}
	_, ok := plainTypes[typ]
	return ok
}
