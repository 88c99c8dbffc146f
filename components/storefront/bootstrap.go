package storefront

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/cluster"
)

// bootstrapRole is the IRSA role of the db-bootstrap Job's service account: it may read the
// database master secret and nothing else. The app's role cannot read that secret, so a
// compromised app pod cannot fetch the master password from Secrets Manager either.
func (b *builder) bootstrapRole(refs []secretRef) (pulumi.StringOutput, error) {
	name := b.a.RoleName + bootstrapRoleSuffix
	role, err := iam.NewRole(b.ctx, b.name+"-db-bootstrap", &iam.RoleArgs{
		Name:             pulumi.String(name),
		Description:      pulumi.Sprintf("Storefront database bootstrap job (%s/%s)", b.a.Namespace, Bootstrap),
		AssumeRolePolicy: cluster.TrustPolicy(b.a.OIDCProviderArn, b.a.OIDCIssuerURL, b.a.Namespace, Bootstrap),
		Tags:             base.Tags(b.a.Tags, "Name", name),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	_, err = iam.NewRolePolicy(b.ctx, b.name+"-db-bootstrap", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: base.PolicyDocument(b.secretStatements(refs)...),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return role.Arn, nil
}

func (b *builder) bootstrapLabels() pulumi.StringMap {
	l := b.labels()
	l["app.kubernetes.io/name"] = pulumi.String(Bootstrap)
	l["app.kubernetes.io/component"] = pulumi.String("db-bootstrap")
	return l
}

// bootstrapJob runs "storefront db-bootstrap" with the master credentials before the
// Deployment rolls out: migrations, the AppDBUser role and its grants (idempotent). Its pod
// mounts its own SecretProviderClass, so the CSI driver syncs the master password into the
// Kubernetes Secret Bootstrap only while that pod exists; the app pods never mount it.
// Changing the image replaces the Job, so migrations run again before the new pods start.
func (b *builder) bootstrapJob(refs []secretRef, roleArn pulumi.StringOutput, ns pulumi.Resource) (pulumi.Resource, error) {
	a := b.a
	inNS := pulumi.DependsOn([]pulumi.Resource{ns})
	labels := b.bootstrapLabels()
	sa, err := corev1.NewServiceAccount(b.ctx, b.name+"-db-bootstrap", &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(Bootstrap),
			Namespace:   pulumi.String(a.Namespace),
			Labels:      labels,
			Annotations: pulumi.StringMap{"eks.amazonaws.com/role-arn": roleArn},
		},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, b.k8sOpts(inNS)...)
	if err != nil {
		return nil, err
	}
	spc, err := b.secretProviderClass(Bootstrap, Bootstrap, refs, ns)
	if err != nil {
		return nil, err
	}
	np, err := b.bootstrapNetworkPolicy(inNS)
	if err != nil {
		return nil, err
	}
	spec := b.podSpec(pod{
		serviceAccount:      Bootstrap,
		secretProviderClass: Bootstrap,
		tmpSize:             "16Mi",
		container: corev1.ContainerArgs{
			Name: pulumi.String("db-bootstrap"),
			Args: pulumi.StringArray{pulumi.String("db-bootstrap"), pulumi.String("--app-user"), pulumi.String(AppDBUser)},
			Env:  append(b.commonEnv(a.Database.User), secretEnv(Bootstrap, refs)...),
			Resources: &corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("128Mi")},
				Limits:   pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("256Mi")},
			},
		},
	})
	spec.RestartPolicy = pulumi.String("Never")
	return batchv1.NewJob(b.ctx, b.name+"-db-bootstrap", &batchv1.JobArgs{
		// No explicit name: a changed template replaces the Job (create, then delete), which
		// needs a fresh name.
		Metadata: &metav1.ObjectMetaArgs{Namespace: pulumi.String(a.Namespace), Labels: labels},
		Spec: &batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(4),
			ActiveDeadlineSeconds: pulumi.Int(900),
			// Deleting the finished pod makes the driver delete the synced master password.
			TtlSecondsAfterFinished: pulumi.Int(600),
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels},
				Spec:     spec,
			},
		},
	}, b.k8sOpts(pulumi.DependsOn([]pulumi.Resource{sa, spc, np}))...)
}

// bootstrapNetworkPolicy: the Job's pod takes no connections and reaches only PostgreSQL in
// the data subnets and the cluster DNS.
func (b *builder) bootstrapNetworkPolicy(inNS pulumi.ResourceOption) (pulumi.Resource, error) {
	var dataPeers networkingv1.NetworkPolicyPeerArray
	for _, c := range b.a.DataSubnetCIDRs {
		dataPeers = append(dataPeers, networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	return networkingv1.NewNetworkPolicy(b.ctx, b.name+"-db-bootstrap", &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(Bootstrap), Namespace: pulumi.String(b.a.Namespace), Labels: b.bootstrapLabels()},
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(Bootstrap)}},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{
				networkingv1.NetworkPolicyEgressRuleArgs{
					To:    dataPeers,
					Ports: networkingv1.NetworkPolicyPortArray{networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(b.a.Database.Port)}},
				},
				networkingv1.NetworkPolicyEgressRuleArgs{
					To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
						NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
						PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
					}},
					Ports: networkingv1.NetworkPolicyPortArray{
						networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
						networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(53)},
					},
				},
			},
		},
	}, b.k8sOpts(inNS)...)
}
