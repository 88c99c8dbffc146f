package storefront

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// labels are the common labels of every Kubernetes object the component creates.
func (b *builder) labels() pulumi.StringMap {
	return pulumi.StringMap{
		"app.kubernetes.io/name":       pulumi.String(AppName),
		"app.kubernetes.io/part-of":    pulumi.String("globalstack"),
		"app.kubernetes.io/managed-by": pulumi.String("pulumi"),
	}
}

// selector matches the app pods (not the db-bootstrap Job's).
func (b *builder) selector() pulumi.StringMap {
	return pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(AppName)}
}

// meta names an object in the namespace, with the common labels.
func (b *builder) meta(name string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(b.a.Namespace), Labels: b.labels()}
}

// namespace enforces the "restricted" Pod Security Standard on everything in it.
func (b *builder) namespace() (*corev1.Namespace, error) {
	return corev1.NewNamespace(b.ctx, b.name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(b.a.Namespace),
			Labels: pulumi.StringMap{
				"pod-security.kubernetes.io/enforce": pulumi.String("restricted"),
				"pod-security.kubernetes.io/warn":    pulumi.String("restricted"),
			},
		},
	}, b.k8sOpts()...)
}

// serviceAccount is the pods' identity: IRSA maps it to the role (see role).
func (b *builder) serviceAccount(inNS pulumi.ResourceOption) (*corev1.ServiceAccount, error) {
	return corev1.NewServiceAccount(b.ctx, b.name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(ServiceAccount),
			Namespace:   pulumi.String(b.a.Namespace),
			Labels:      b.labels(),
			Annotations: pulumi.StringMap{"eks.amazonaws.com/role-arn": b.s.RoleArn},
		},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, b.k8sOpts(inNS)...)
}

// servicePort is the Service's port, which the TargetGroupBinding names.
const servicePort = 80

// service is the ClusterIP Service the TargetGroupBinding resolves to pod addresses.
func (b *builder) service(inNS pulumi.ResourceOption) (*corev1.Service, error) {
	return corev1.NewService(b.ctx, b.name, &corev1.ServiceArgs{
		Metadata: b.meta(AppName),
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: b.selector(),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(servicePort), TargetPort: pulumi.Int(Port), Protocol: pulumi.String("TCP"),
			}},
		},
	}, b.k8sOpts(inNS)...)
}

// secretProviderClass tells the CSI driver which secrets to fetch with the pod's role and
// how to sync them into SecretName.
func (b *builder) secretProviderClass(name, secretName string, refs []secretRef, ns pulumi.Resource) (pulumi.Resource, error) {
	// One object per secret ARN, with a JMES path per field it contributes.
	type object struct {
		arn   pulumi.StringInput
		paths []secretRef
	}
	var objs []*object
	byArn := map[pulumi.StringInput]*object{}
	for _, r := range refs {
		o, ok := byArn[r.arn]
		if !ok {
			o = &object{arn: r.arn}
			byArn[r.arn] = o
			objs = append(objs, o)
		}
		o.paths = append(o.paths, r)
	}
	var parts []any
	for _, o := range objs {
		parts = append(parts, o.arn)
	}
	objectsYAML := pulumi.All(parts...).ApplyT(func(arns []any) string {
		var sb strings.Builder
		for i, o := range objs {
			fmt.Fprintf(&sb, "- objectName: %q\n  objectType: secretsmanager\n  objectAlias: secret-%d\n", arns[i], i)
			var jm []secretRef
			for _, p := range o.paths {
				if p.jmesPath != "" {
					jm = append(jm, p)
				}
			}
			if len(jm) > 0 {
				sb.WriteString("  jmesPath:\n")
				for _, p := range jm {
					fmt.Fprintf(&sb, "  - path: %s\n    objectAlias: %s\n", p.jmesPath, p.key)
				}
			}
		}
		return sb.String()
	}).(pulumi.StringOutput)
	var data []any
	for i, o := range objs {
		for _, p := range o.paths {
			alias := p.key
			if p.jmesPath == "" {
				alias = fmt.Sprintf("secret-%d", i)
			}
			data = append(data, map[string]any{"objectName": alias, "key": p.key})
		}
	}
	resName := b.name
	if name != AppName {
		resName = b.name + "-" + strings.TrimPrefix(name, AppName+"-")
	}
	return apiextensions.NewCustomResource(b.ctx, resName, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("secrets-store.csi.x-k8s.io/v1"),
		Kind:       pulumi.String("SecretProviderClass"),
		Metadata:   b.meta(name),
		OtherFields: kubernetes.UntypedArgs{
			"spec": map[string]any{
				"provider": "aws",
				"parameters": pulumi.Map{
					"region":  pulumi.String(b.a.Region),
					"objects": objectsYAML,
				},
				"secretObjects": []any{map[string]any{
					"secretName": secretName,
					"type":       "Opaque",
					"labels":     map[string]any{"app.kubernetes.io/name": name},
					"data":       data,
				}},
			},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{ns}))...)
}

// env is the app's environment: its listener, the PostgreSQL connection as AppDBUser with
// IAM auth, Redis, search, the plain Env settings and the secrets synced into SecretName.
func (b *builder) env(refs []secretRef) corev1.EnvVarArray {
	a := b.a
	env := corev1.EnvVarArray{
		envVar("STOREFRONT_ADDR", pulumi.Sprintf(":%d", Port)),
		// The app serves /metrics only on this listener; the NetworkPolicy admits the scrapers.
		envVar("METRICS_ADDR", pulumi.Sprintf(":%d", MetricsPort)),
	}
	env = append(env, b.commonEnv(AppDBUser)...)
	env = append(env,
		// A fresh IAM auth token, signed with the pod's role, for every new connection.
		envVar("DATABASE_IAM_AUTH", pulumi.String("true")),
		envVar("AWS_REGION", pulumi.String(a.Region)),
		// AppDBUser cannot create objects; the db-bootstrap Job migrates before each rollout.
		envVar("MIGRATE_ON_START", pulumi.String("false")),
		envVar("REDIS_URL", pulumi.Sprintf("rediss://%s:%d", a.Cache.Host, a.Cache.Port)),
	)
	if len(a.CORSAllowedOrigins) > 0 {
		env = append(env, envVar("CORS_ALLOWED_ORIGINS", pulumi.String(strings.Join(a.CORSAllowedOrigins, ","))))
	}
	if a.Search != nil {
		env = append(env, envVar("OPENSEARCH_URL", a.Search.URL),
			envVar("OPENSEARCH_AUTH", pulumi.String("aws-sigv4")),
			envVar("OPENSEARCH_AWS_REGION", pulumi.String(a.Region)))
	}
	keys := make([]string, 0, len(a.Env))
	for k := range a.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, envVar(k, pulumi.String(a.Env[k])))
	}
	return append(env, secretEnv(SecretName, refs)...)
}

func (b *builder) deployment(refs []secretRef, deps []pulumi.Resource) (*appsv1.Deployment, error) {
	a := b.a
	probe := func(path string, initial, period, failures int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet:             &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.String("http")},
			InitialDelaySeconds: pulumi.Int(initial),
			PeriodSeconds:       pulumi.Int(period),
			TimeoutSeconds:      pulumi.Int(2),
			FailureThreshold:    pulumi.Int(failures),
		}
	}
	spread := func(key, when string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew:           pulumi.Int(1),
			TopologyKey:       pulumi.String(key),
			WhenUnsatisfiable: pulumi.String(when),
			LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
		}
	}
	spec := b.podSpec(pod{
		serviceAccount:      ServiceAccount,
		secretProviderClass: AppName,
		tmpSize:             "64Mi",
		container: corev1.ContainerArgs{
			Name: pulumi.String(AppName),
			Ports: corev1.ContainerPortArray{
				corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(Port), Protocol: pulumi.String("TCP")},
				corev1.ContainerPortArgs{Name: pulumi.String("metrics"), ContainerPort: pulumi.Int(MetricsPort), Protocol: pulumi.String("TCP")},
			},
			Env: b.env(refs),
			Resources: &corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String(a.CPURequest), "memory": pulumi.String(a.MemoryRequest)},
				Limits:   pulumi.StringMap{"cpu": pulumi.String(a.CPULimit), "memory": pulumi.String(a.MemoryLimit)},
			},
			LivenessProbe:  probe("/healthz", 10, 10, 3),
			ReadinessProbe: probe(ReadyPath, 5, 5, 3),
		},
	})
	spec.TerminationGracePeriodSeconds = pulumi.Int(30)
	spec.TopologySpreadConstraints = corev1.TopologySpreadConstraintArray{
		spread("topology.kubernetes.io/zone", "DoNotSchedule"),
		spread("kubernetes.io/hostname", "ScheduleAnyway"),
	}
	return appsv1.NewDeployment(b.ctx, b.name, &appsv1.DeploymentArgs{
		Metadata: b.meta(AppName),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas:             pulumi.Int(a.Replicas),
			RevisionHistoryLimit: pulumi.Int(5),
			Selector:             &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
			Strategy: &appsv1.DeploymentStrategyArgs{
				Type: pulumi.String("RollingUpdate"),
				RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
					MaxUnavailable: pulumi.Int(0),
					MaxSurge:       pulumi.String("25%"),
				},
			},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{
					Labels:      b.labels(),
					Annotations: pulumi.StringMap{"prometheus.io/scrape": pulumi.String("true"), "prometheus.io/port": pulumi.Sprintf("%d", MetricsPort), "prometheus.io/path": pulumi.String("/metrics")},
				},
				Spec: spec,
			},
		},
	}, b.k8sOpts(pulumi.DependsOn(deps),
		// The autoscaler owns the replica count once the Deployment exists; re-applying the
		// initial count on every update would undo a scale-out.
		pulumi.IgnoreChanges([]string{"spec.replicas"}))...)
}

// targetGroupBinding has the AWS Load Balancer Controller register the Service's pods, by IP,
// in the origin's target group and deregister them as they go. It carries no networking
// section, so the controller manages no security group rule: the origin declares the one
// admitting the load balancer to the pods.
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/v2.10/guide/targetgroupbinding/targetgroupbinding/
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/v2.10/guide/targetgroupbinding/spec/
// The controller's CRD and webhook come with its chart, which k8sOpts waits for (ClusterReady).
func (b *builder) targetGroupBinding(svc, dep pulumi.Resource) error {
	_, err := apiextensions.NewCustomResource(b.ctx, b.name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("elbv2.k8s.aws/v1beta1"),
		Kind:       pulumi.String("TargetGroupBinding"),
		Metadata:   b.meta(AppName),
		OtherFields: kubernetes.UntypedArgs{
			"spec": pulumi.Map{
				"targetGroupARN": b.a.TargetGroupArn,
				"targetType":     pulumi.String("ip"),
				"serviceRef":     pulumi.Map{"name": pulumi.String(AppName), "port": pulumi.Int(servicePort)},
			},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{svc, dep}))...)
	return err
}
