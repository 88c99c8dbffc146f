// Package eksversion pins the Kubernetes version EKS clusters run and the add-on versions
// installed with each supported version. It imports no SDK, so that the stack configuration
// can validate a version without linking the cluster component.
package eksversion

import (
	"maps"
	"slices"
)

// Default is the Kubernetes version clusters run unless told otherwise: the newest EKS
// version whose standard support does not end within 120 days (EKS release calendar,
// https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html; 1.31 left
// standard support on 2025-11-26 and extended support on 2026-11-26). The lifecycle dates
// behind this choice are in policies/rules/lifecycle.json, which LIFE-001 checks plans against.
const Default = "1.36"

// PinnedAddons lists, per Kubernetes version, the EKS add-on versions a cluster installs.
// Pinning keeps an upgrade a reviewed change instead of whatever EKS marks as default.
// Sources, per add-on, are in policies/rules/lifecycle.json (the EKS add-on version tables:
// managing-kube-proxy, managing-coredns, managing-vpc-cni; the EBS CSI driver's README; the
// CloudWatch observability add-on's release).
var PinnedAddons = map[string]map[string]string{
	"1.36": {
		"vpc-cni":            "v1.20.4-eksbuild.1",
		"kube-proxy":         "v1.36.0-eksbuild.14",
		"coredns":            "v1.14.3-eksbuild.3",
		"aws-ebs-csi-driver": "v1.64.0-eksbuild.1",
		// Container Insights (the CloudWatch agent and Fluent Bit): the version is inferred,
		// see its lifecycle.json entry.
		"amazon-cloudwatch-observability": "v5.3.0-eksbuild.1",
	},
}

// Supported lists the Kubernetes versions with a pinned add-on set, sorted.
func Supported() []string { return slices.Sorted(maps.Keys(PinnedAddons)) }
