// Package settings defines the tunable settings of the EKS cluster (the keys of the stack's
// globalstack:cluster object), their presets and their validation, apart from the component
// so that the stack configuration reads them without the Kubernetes SDK.
package settings

import (
	"net/netip"
	"regexp"
	"strings"

	"globalstack/components/base/validate"
	"globalstack/components/cluster/eksversion"
)

// Settings are the tunable settings of the cluster. The node counts may be zero (a DR
// stack's pilot light); whether a stack needs more is its role's rule, checked by the stack
// configuration.
type Settings struct {
	Version           string   `json:"version" doc:"a Kubernetes version with pinned add-ons (components/cluster/eksversion)"`
	InstanceTypes     []string `json:"instanceTypes" doc:"EC2 instance types of the managed node group, at least one"`
	NodeMin           int      `json:"nodeMin" doc:"0 to nodeDesired; a serving cell needs at least 2"`
	NodeDesired       int      `json:"nodeDesired" doc:"nodeMin to nodeMax"`
	NodeMax           int      `json:"nodeMax" doc:"at least 1"`
	DiskSizeGiB       int      `json:"diskSizeGiB" doc:"root volume of a node, at least 20"`
	LogRetentionDays  int      `json:"logRetentionDays" doc:"days the control-plane logs are kept (a retention CloudWatch Logs accepts)"`
	PublicAccessCIDRs []string `json:"publicAccessCidrs" doc:"ranges that may reach the API endpoint; none keeps it private" zero:"[] (private endpoint)"`
	AdminRoleArns     []string `json:"adminRoleArns" doc:"IAM roles or users with cluster-admin; at least one (the stack files carry an example role to replace)" zero:"required"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = Settings{Version: eksversion.Default, InstanceTypes: []string{"m6i.large", "m6a.large"}, NodeMin: 3, NodeDesired: 3, NodeMax: 12,
		DiskSizeGiB: 50, LogRetentionDays: 365}
	Dev = Settings{Version: eksversion.Default, InstanceTypes: []string{"t3.large"}, NodeMin: 2, NodeDesired: 2, NodeMax: 4,
		DiskSizeGiB: 30, LogRetentionDays: 30}
)

var (
	roleArn  = regexp.MustCompile(`^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)
	instance = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	if _, ok := eksversion.PinnedAddons[s.Version]; !ok {
		p.Addf(key("version"), "%q has no pinned add-on versions (supported: %s)", s.Version, strings.Join(eksversion.Supported(), ", "))
	}
	p.Require(len(s.InstanceTypes) > 0, key("instanceTypes"), "at least one instance type is required")
	for _, t := range s.InstanceTypes {
		p.Require(instance.MatchString(t), key("instanceTypes"), "%q is not an EC2 instance type", t)
	}
	p.Require(s.NodeMax >= 1, key("nodeMax"), "is %d: must be at least 1", s.NodeMax)
	p.Require(s.NodeMin >= 0 && s.NodeMin <= s.NodeDesired && s.NodeDesired <= s.NodeMax, key("nodeDesired"),
		"need nodeMin (%d) <= nodeDesired (%d) <= nodeMax (%d)", s.NodeMin, s.NodeDesired, s.NodeMax)
	p.Require(s.DiskSizeGiB >= 20, key("diskSizeGiB"), "is %d: at least 20", s.DiskSizeGiB)
	validate.CheckLogRetention(p, key("logRetentionDays"), s.LogRetentionDays)
	for _, cidr := range s.PublicAccessCIDRs {
		pfx, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil:
			p.Addf(key("publicAccessCidrs"), "%q is not a CIDR block", cidr)
		case pfx.Bits() == 0:
			p.Addf(key("publicAccessCidrs"), "%q would open the API endpoint to the internet", cidr)
		case pfx.Masked() != pfx:
			p.Addf(key("publicAccessCidrs"), "%q has host bits set", cidr)
		}
	}
	for _, a := range s.AdminRoleArns {
		p.Require(roleArn.MatchString(a), key("adminRoleArns"), "%q is not an IAM role or user ARN", a)
	}
	return p.Err()
}
