package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

const (
	irsaAnnotation = "eks.amazonaws.com/role-arn"
)

// kindOf returns the Kind of a Kubernetes resource type (tK8sDeployment ->
// "Deployment"), or "" for anything else.
func kindOf(t string) string {
	if !strings.HasPrefix(t, "kubernetes:") || strings.HasPrefix(t, "kubernetes:helm.sh/") {
		return ""
	}
	return t[strings.LastIndex(t, ":")+1:]
}

// objects returns the stack's Kubernetes objects of a kind, whatever their API version; the
// stack is grouped by kind once.
func objects(s *Stack, kind string) []*Resource {
	return s.Memo("k8s.kinds", func() any {
		byKind := map[string][]*Resource{}
		for _, r := range s.Resources {
			if k := kindOf(r.Type); k != "" {
				byKind[k] = append(byKind[k], r)
			}
		}
		return byKind
	}).(map[string][]*Resource)[kind]
}

// objectName renders "<Kind> <namespace>/<name>" from an object's metadata.
func objectName(r *Resource) string {
	ns, _ := r.Props.Get("metadata.namespace")
	name, _ := r.Props.Get("metadata.name")
	nsS, _ := ns.(string)
	nameS, _ := name.(string)
	if nameS == "" {
		nameS = r.Name
	}
	if nsS != "" {
		nameS = nsS + "/" + nameS
	}
	return kindOf(r.Type) + " " + nameS
}

// installed is what the stack puts into its clusters: Helm releases by chart and EKS add-ons
// by name.
type installed struct {
	charts map[string][]*Resource
	addons map[string][]*Resource
}

func clusterSoftware(s *Stack) installed {
	return s.Memo("k8s.installed", func() any {
		in := installed{charts: map[string][]*Resource{}, addons: map[string][]*Resource{}}
		for _, r := range s.OfType(tHelmRelease) {
			if chart, ok := r.Props["chart"].(string); ok && chart != "" {
				in.charts[chart] = append(in.charts[chart], r)
			}
		}
		for _, r := range s.OfType(tEKSAddon) {
			if name, ok := r.Props["addonName"].(string); ok && name != "" {
				in.addons[name] = append(in.addons[name], r)
			}
		}
		return in
	}).(installed)
}

func (in installed) has(charts, addons []string) bool {
	for _, c := range charts {
		if len(in.charts[c]) > 0 {
			return true
		}
	}
	for _, a := range addons {
		if len(in.addons[a]) > 0 {
			return true
		}
	}
	return false
}

// networkPolicyEngines are the charts that enforce NetworkPolicy themselves.
var networkPolicyEngines = []string{"tigera-operator", "calico", "cilium"}

// vpcCNIEnforces reports whether a vpc-cni add-on runs its network policy agent
// (configuration value enableNetworkPolicy "true"); unknown configurations are noted.
func vpcCNIEnforces(c *Ctx, s *Stack) bool {
	for _, r := range clusterSoftware(s).addons["vpc-cni"] {
		v := r.Props["configurationValues"]
		if IsUnknown(v) {
			c.Unknown(r.Name + ".configurationValues")
			continue
		}
		raw, _ := v.(string)
		var cfg map[string]any
		if raw == "" || json.Unmarshal([]byte(raw), &cfg) != nil {
			continue
		}
		switch e := cfg["enableNetworkPolicy"].(type) {
		case string:
			if e == "true" {
				return true
			}
		case bool:
			if e {
				return true
			}
		}
	}
	return false
}

// albIngressClass reports whether a load balancer controller release creates the IngressClass
// named class (the chart does by default, as "alb").
func albIngressClass(s *Stack, class string) bool {
	for _, r := range clusterSoftware(s).charts["aws-load-balancer-controller"] {
		create, name := true, "alb"
		if v, ok := r.Props.Get("values.createIngressClassResource"); ok {
			if b, isBool := v.(bool); isBool {
				create = b
			}
		}
		if v, ok := r.Props.Get("values.ingressClass"); ok {
			if s, isStr := v.(string); isStr && s != "" {
				name = s
			}
		}
		if create && name == class {
			return true
		}
	}
	return false
}

// ingressClassObject finds an IngressClass object of that name and reports its controller.
func ingressClassObject(s *Stack, class string) (controller string, ok bool) {
	for _, r := range objects(s, "IngressClass") {
		if name, _ := r.Props.Get("metadata.name"); name == class {
			ctl, _ := r.Props.Get("spec.controller")
			ctlS, _ := ctl.(string)
			return ctlS, true
		}
	}
	return "", false
}

// serviceAccountUse is one IRSA annotation: the service account it sits on and the role.
type serviceAccountUse struct {
	r         *Resource // the ServiceAccount object or the Helm release that creates it
	where     string    // how to name it in messages
	namespace string
	name      string
	role      any // the annotation's value (a string, or Unknown)
}

// serviceAccountUses finds every eks.amazonaws.com/role-arn annotation: on ServiceAccount
// objects and inside Helm values (a map holding "annotations" with the key, next to "name").
func serviceAccountUses(s *Stack) []serviceAccountUse {
	return s.Memo("k8s.irsa", func() any {
		var out []serviceAccountUse
		for _, r := range objects(s, "ServiceAccount") {
			// The key holds dots, so it is read from the map rather than by a dotted path.
			ann, _ := r.Props.Get("metadata.annotations")
			m, _ := ann.(map[string]any)
			role, ok := m[irsaAnnotation]
			if !ok {
				continue
			}
			ns, _ := r.Props.Get("metadata.namespace")
			name, _ := r.Props.Get("metadata.name")
			nsS, _ := ns.(string)
			nameS, _ := name.(string)
			if nsS == "" {
				nsS = "default"
			}
			out = append(out, serviceAccountUse{r: r, where: objectName(r), namespace: nsS, name: nameS, role: role})
		}
		for _, r := range s.OfType(tHelmRelease) {
			ns, _ := r.Props["namespace"].(string)
			if ns == "" {
				ns = "default"
			}
			chart, _ := r.Props["chart"].(string)
			var walk func(path string, v any)
			walk = func(path string, v any) {
				m, ok := v.(map[string]any)
				if !ok {
					return
				}
				if ann, ok := m["annotations"].(map[string]any); ok {
					if role, ok := ann[irsaAnnotation]; ok {
						name, _ := m["name"].(string)
						out = append(out, serviceAccountUse{r: r, where: fmt.Sprintf("Helm release %s (chart %s, values %s)", r.Name, chart, path),
							namespace: ns, name: name, role: role})
					}
				}
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					walk(path+"."+k, m[k])
				}
			}
			walk("values", r.Props["values"])
		}
		return out
	}).([]serviceAccountUse)
}

// oidcHosts maps the stack's IAM OIDC provider ARNs to their issuer host
// ("oidc.eks.<region>.amazonaws.com/id/<id>"), the prefix of their condition keys.
func oidcHosts(s *Stack) map[string]string {
	return s.Memo("k8s.oidc", func() any {
		out := map[string]string{}
		for _, r := range s.OfType(tOIDCProvider) {
			arn, _ := r.Props["arn"].(string)
			url, _ := r.Props["url"].(string)
			if arn != "" && url != "" {
				out[arn] = strings.TrimPrefix(url, "https://")
			}
		}
		return out
	}).(map[string]string)
}

// trustProblem explains why a role's trust policy does not let namespace/name assume it
// through one of the stack's OIDC providers ("" when it does).
func trustProblem(c *Ctx, role *Resource, namespace, name string, hosts map[string]string) (string, bool) {
	v := role.Props["assumeRolePolicy"]
	if HasUnknown(v) {
		c.Unknown(role.Name + ".assumeRolePolicy")
		return "", false
	}
	stmts, err := ParsePolicy(v)
	if err != nil {
		return "its trust policy cannot be read: " + err.Error(), true
	}
	want := "system:serviceaccount:" + namespace + ":" + name
	var seen []string
	for _, st := range stmts {
		if !st.Allow() || !containsFold(st.Action, "sts:AssumeRoleWithWebIdentity") {
			continue
		}
		for _, fed := range st.Principal["Federated"] {
			host, ok := hosts[fed]
			if !ok {
				seen = append(seen, fmt.Sprintf("federated principal %s is not an OIDC provider of this stack", fed))
				continue
			}
			sub := st.Condition["StringEquals"][host+":sub"]
			aud := st.Condition["StringEquals"][host+":aud"]
			switch {
			case len(sub) != 1 || sub[0] != want:
				seen = append(seen, fmt.Sprintf("%s:sub is %v, not %q", host, sub, want))
			case len(aud) != 1 || aud[0] != "sts.amazonaws.com":
				seen = append(seen, fmt.Sprintf("%s:aud is %v, not \"sts.amazonaws.com\"", host, aud))
			default:
				return "", true
			}
		}
	}
	if len(seen) == 0 {
		return "its trust policy allows no sts:AssumeRoleWithWebIdentity from the cluster's OIDC provider", true
	}
	return "its trust policy does not admit " + want + " (StringEquals): " + strings.Join(seen, "; "), true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func init() {
	register(
		&Rule{
			ID: "K8S-001", Name: "hpa-has-metrics-api", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "A HorizontalPodAutoscaler has a metrics API provider in the cluster (metrics-server chart or EKS add-on).",
			Remediation: "Install metrics-server (the metrics-server Helm chart or the EKS metrics-server add-on), pinned, and make the autoscaler depend on it.",
			Stack: func(c *Ctx, s *Stack) {
				if clusterSoftware(s).has([]string{"metrics-server"}, []string{"metrics-server"}) {
					return
				}
				for _, r := range objects(s, "HorizontalPodAutoscaler") {
					c.FailOn(r.URN, "%s: nothing in the stack serves the metrics.k8s.io API (no metrics-server release or add-on), so it never scales", objectName(r))
				}
			},
		},
		&Rule{
			ID: "K8S-002", Name: "load-balancer-objects-have-controller", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "An Ingress names an IngressClass a controller of the stack serves (alb: the AWS Load Balancer Controller chart); a TargetGroupBinding has that controller, waits for its chart and names a target group of the stack of its target type.",
			Remediation: "Set spec.ingressClassName to alb and install the aws-load-balancer-controller chart (it creates the alb IngressClass and the TargetGroupBinding CRD), make bindings depend on it, and point spec.targetGroupARN at the stack's target group with the same targetType.",
			Stack: func(c *Ctx, s *Stack) {
				for _, r := range objects(s, "Ingress") {
					v, _ := r.Props.Get("spec.ingressClassName")
					if IsUnknown(v) {
						c.Unknown(r.Name + ".spec.ingressClassName")
						continue
					}
					class, _ := v.(string)
					switch {
					case class == "":
						c.FailOn(r.URN, "%s: spec.ingressClassName is empty and the stack declares no default IngressClass, so no controller picks it up", objectName(r))
					case albIngressClass(s, class):
					default:
						ctl, declared := ingressClassObject(s, class)
						switch {
						case !declared && class == "alb":
							c.FailOn(r.URN, "%s: ingressClassName alb needs the AWS Load Balancer Controller, but the stack installs no aws-load-balancer-controller release creating that class", objectName(r))
						case !declared:
							c.FailOn(r.URN, "%s: ingressClassName %q is neither created by a controller release nor declared as an IngressClass in the stack", objectName(r), class)
						case ctl == "ingress.k8s.aws/alb" && len(clusterSoftware(s).charts["aws-load-balancer-controller"]) == 0:
							c.FailOn(r.URN, "%s: IngressClass %q names controller ingress.k8s.aws/alb, but no aws-load-balancer-controller release runs it", objectName(r), class)
						}
					}
				}
				checkTargetGroupBindings(c, s)
			},
		},
		&Rule{
			ID: "K8S-003", Name: "secretproviderclass-has-driver", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "A SecretProviderClass has the Secrets Store CSI driver and, for provider aws, its AWS provider installed.",
			Remediation: "Install the secrets-store-csi-driver chart and the secrets-store-csi-driver-provider-aws chart, pinned, before the workloads that mount secrets.",
			Stack: func(c *Ctx, s *Stack) {
				sw := clusterSoftware(s)
				for _, r := range objects(s, "SecretProviderClass") {
					var missing []string
					if !sw.has([]string{"secrets-store-csi-driver"}, []string{"aws-secrets-store-csi-driver-provider"}) {
						missing = append(missing, "the Secrets Store CSI driver (chart secrets-store-csi-driver)")
					}
					if p, _ := r.Props.Get("spec.provider"); p == "aws" && !sw.has([]string{"secrets-store-csi-driver-provider-aws"}, []string{"aws-secrets-store-csi-driver-provider"}) {
						missing = append(missing, "its AWS provider (chart secrets-store-csi-driver-provider-aws)")
					}
					if len(missing) > 0 {
						c.FailOn(r.URN, "%s: the stack does not install %s, so pods mounting it never start", objectName(r), strings.Join(missing, " nor "))
					}
				}
			},
		},
		&Rule{
			ID: "K8S-004", Name: "networkpolicy-enforced", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "NetworkPolicies are enforced: the vpc-cni add-on runs with enableNetworkPolicy \"true\" (or a policy engine chart is installed).",
			Remediation: "Set the vpc-cni add-on's configurationValues to {\"enableNetworkPolicy\":\"true\"} (EKS: Limit Pod traffic with Kubernetes network policies).",
			Stack: func(c *Ctx, s *Stack) {
				policies := objects(s, "NetworkPolicy")
				if len(policies) == 0 || clusterSoftware(s).has(networkPolicyEngines, nil) || vpcCNIEnforces(c, s) {
					return
				}
				for _, r := range policies {
					c.FailOn(r.URN, "%s: no network policy engine runs (vpc-cni without enableNetworkPolicy \"true\", no policy engine chart), so the policy is stored but never enforced", objectName(r))
				}
			},
		},
		&Rule{
			ID: "K8S-005", Name: "irsa-role-trusts-service-account", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "Every eks.amazonaws.com/role-arn annotation (on ServiceAccounts and in Helm values) names a role of the stack whose trust admits exactly that service account through the cluster's OIDC provider.",
			Remediation: "Annotate the service account with the ARN of its own IRSA role, whose trust policy allows sts:AssumeRoleWithWebIdentity from the cluster's OIDC provider with StringEquals <issuer>:sub system:serviceaccount:<namespace>:<name> and <issuer>:aud sts.amazonaws.com.",
			Stack: func(c *Ctx, s *Stack) {
				hosts := oidcHosts(s)
				for _, u := range serviceAccountUses(s) {
					if IsUnknown(u.role) {
						c.Unknown(u.r.Name + " " + irsaAnnotation)
						continue
					}
					arn, _ := u.role.(string)
					if strings.Contains(arn, unknownSentinel) {
						c.Unknown(u.r.Name + " " + irsaAnnotation)
						continue
					}
					if u.name == "" {
						c.FailOn(u.r.URN, "%s: the annotated service account has no name, so no trust condition can match it", u.where)
						continue
					}
					roles := s.Find(arn, tIAMRole)
					if len(roles) == 0 {
						c.FailOn(u.r.URN, "%s: %s %q is not a role of this stack, so nothing shows it trusts system:serviceaccount:%s:%s", u.where, irsaAnnotation, arn, u.namespace, u.name)
						continue
					}
					if problem, known := trustProblem(c, roles[0], u.namespace, u.name, hosts); known && problem != "" {
						c.FailOn(u.r.URN, "%s: role %s (%s): %s", u.where, roles[0].Name, arn, problem)
					}
				}
			},
		},
		&Rule{
			ID: "K8S-006", Name: "access-entry-not-service-linked-role", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "No EKS access entry names a service-linked role (an IAM role under the path /aws-service-role/): EKS refuses to create one.",
			Remediation: "Drop the access entry: the service that owns the role maps it itself (the managed Prometheus scraper's role, for one); bind the Kubernetes user or group it maps to with RBAC instead.",
			Types:       []string{tEKSAccessEntry},
			Resource: func(c *Ctx, r *Resource) {
				// "Access entries do not support service linked roles. You cannot create access
				// entries where the principal ARN is a service linked role"
				// (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html);
				// service-linked roles live under /aws-service-role/
				// (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).
				arn, ok := c.Str(r, "principalArn")
				if !ok {
					return
				}
				if strings.Contains(arn, ":role/aws-service-role/") {
					c.Fail("%s: principalArn %s is a service-linked role; EKS refuses access entries for those (InvalidParameterException), so the deploy fails", r.Name, arn)
				}
			},
		},
	)
}

// checkTargetGroupBindings: the AWS Load Balancer Controller serves TargetGroupBinding
// objects; its chart installs their CRD and the webhook that completes them, so a binding
// applied before the chart is refused, and one without the controller never registers a
// target. A binding's target type must be its target group's ("ip" registers pod addresses).
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/v2.10/guide/targetgroupbinding/targetgroupbinding/
func checkTargetGroupBindings(c *Ctx, s *Stack) {
	charts := clusterSoftware(s).charts["aws-load-balancer-controller"]
	for _, r := range objects(s, "TargetGroupBinding") {
		if len(charts) == 0 {
			c.FailOn(r.URN, "%s: the stack installs no aws-load-balancer-controller release, so nothing registers its targets", objectName(r))
			continue
		}
		if !slices.ContainsFunc(charts, func(h *Resource) bool { return slices.Contains(r.Dependencies, h.URN) }) {
			c.FailOn(r.URN, "%s: does not depend on the aws-load-balancer-controller release, whose CRD and webhook it needs", objectName(r))
		}
		arn, ok := c.Str(r, "spec.targetGroupARN")
		if !ok || strings.Contains(arn, unknownSentinel) {
			continue
		}
		tgs := s.Find(arn, tLBTargetGroup, tALBTargetGroup)
		if len(tgs) == 0 {
			c.FailOn(r.URN, "%s: spec.targetGroupARN %q is not a target group of this stack", objectName(r), arn)
			continue
		}
		want := str(tgs[0].Props, "targetType")
		if want == "" {
			want = "instance" // the ELB API's default target type
		}
		if got := str(r.Props, "spec.targetType"); got != "" && got != want {
			c.FailOn(r.URN, "%s: spec.targetType %q but target group %s has targetType %q", objectName(r), got, tgs[0].Name, want)
		}
	}
}
