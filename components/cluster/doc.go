// Package cluster creates the EKS cluster of one region of a cell and a Kubernetes provider
// for it, so the same stack can deploy workloads onto it.
//
// Defaults: Kubernetes DefaultVersion with its core add-ons pinned (vpc-cni, kube-proxy,
// coredns, aws-ebs-csi-driver; see PinnedAddons); a private API endpoint only (the public
// endpoint is enabled only when PublicAccessCIDRs lists who may reach it); Kubernetes secrets
// envelope-encrypted with SecretsKeyArn; every control-plane log type on, into a KMS-encrypted
// log group kept LogRetentionDays; access entries (authentication mode API, no aws-auth
// ConfigMap) for AdminRoleArns plus the identity that creates the cluster; an IAM OIDC
// provider for IRSA; one managed node group (Amazon Linux 2023) in the given private
// subnets, carrying NodeSecurityGroupID and the cluster security group, launched from a
// template that requires IMDSv2 with a hop limit of 1 (pods cannot borrow the node's role)
// and encrypts the root volume. The node role has only AmazonEKSWorkerNodePolicy and
// AmazonEC2ContainerRegistryReadOnly: the VPC CNI and the EBS CSI driver get their own IRSA
// roles. The VPC CNI runs with network-policy enforcement on, so NetworkPolicy objects bind.
// The Secrets Store CSI driver (with secret sync) and its AWS provider are installed from
// pinned charts, so workloads read Secrets Manager values with their own IRSA role, and so is
// metrics-server, which serves the metrics API HorizontalPodAutoscalers read (EKS runs none by
// default). Every pinned version is in policies/rules/lifecycle.json with its source; LIFE-003
// fails a plan whose add-on or chart is not documented for the cluster's version.
// The AWS Load Balancer Controller is installed from its pinned Helm chart with an IRSA role
// following the controller's published policy: creating, modifying and deleting load
// balancers, target groups and security groups is conditioned on the controller's own
// elbv2.k8s.aws/cluster tag; listener, rule and target registration calls cannot be scoped
// by tag and are not. The published policy's unconditioned ec2:AuthorizeSecurityGroupIngress
// (needed only when the controller adds rules to groups it does not own, such as the nodes')
// is left out: Ingresses name their groups and own the backend rule. The nodes' flows (ECR,
// S3 and STS endpoints) are declared in Flows.
//
// Pilot light (the DR copy of a cell): the control plane, OIDC provider, node group and
// DaemonSet add-ons exist but the node group is scaled to zero (min 0, desired 0, max
// NodeMax). Add-ons that run Deployments (coredns, aws-ebs-csi-driver) and the Helm
// releases would never become healthy without nodes, so they are created when the
// stack leaves pilot-light mode at failover.
//
// Refuses: an unknown region, a cluster name EKS does not accept, a version without pinned
// add-ons, fewer than two subnets, a missing VPC, node security group or KMS key, an open
// (0.0.0.0/0) or malformed public CIDR, node counts that are not min <= desired <= max with
// max >= 1, no instance types, a root volume under 20 GiB, a log retention CloudWatch Logs
// does not accept, an admin that is not an IAM role or user ARN. Args.Settings are the stack's
// globalstack:cluster settings (package cluster/settings, which defines, presets and
// validates them, and names its keys in problems). Stack config additionally requires at least one admin role (globalstack:cluster.adminRoleArns), so a DR
// cluster is reachable by the on-call role and not only by the identity that created it.
//
// Files: cluster.go (Args, New and the order of the build), controlplane.go (cluster role,
// log group, cluster, OIDC provider, access entries, kubeconfig), nodes.go (node role,
// launch template, node group), addons.go (the EKS add-ons, their IRSA roles, and the
// charts), secretsstore.go, metricsserver.go and lbcontroller.go (one pinned chart each).
package cluster
