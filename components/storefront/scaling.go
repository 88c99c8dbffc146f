package storefront

import (
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func (b *builder) scaling(dep pulumi.Resource, inNS pulumi.ResourceOption) error {
	a := b.a
	if _, err := autoscalingv2.NewHorizontalPodAutoscaler(b.ctx, b.name, &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: b.meta(AppName),
		Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
				ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(AppName),
			},
			MinReplicas: pulumi.Int(a.Replicas),
			MaxReplicas: pulumi.Int(a.MaxReplicas),
			Metrics: autoscalingv2.MetricSpecArray{autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: &autoscalingv2.ResourceMetricSourceArgs{
					Name:   pulumi.String("cpu"),
					Target: &autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(a.CPUTargetPercent)},
				},
			}},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{dep}))...); err != nil {
		return err
	}
	// With a single replica a disruption budget would block node drains forever.
	budget := pulumi.Input(pulumi.Int(1))
	if a.Replicas == 1 {
		budget = pulumi.Int(0)
	}
	_, err := policyv1.NewPodDisruptionBudget(b.ctx, b.name, &policyv1.PodDisruptionBudgetArgs{
		Metadata: b.meta(AppName),
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: budget,
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: b.selector()},
		},
	}, b.k8sOpts(inNS)...)
	return err
}
