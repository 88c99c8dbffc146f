package program_test

import (
	"strings"
	"testing"

	"globalstack/stacks/plan"
)

// The on-call engineer who runs `make failover` is rarely the identity that created the DR
// cluster; without an access entry for an operator role every Kubernetes call answers 401.
func TestEveryClusterGrantsAnOperatorRoleAdmin(t *testing.T) {
	p := plan.NewPlanner("../..")
	stacks := []string{"prod-us", "prod-eu", "prod-jp"}
	for stack := range drStacks {
		stacks = append(stacks, stack)
	}
	for _, stack := range stacks {
		res, err := p.Plan(stack)
		if err != nil {
			t.Fatal(err)
		}
		admins := map[string]bool{}
		for _, a := range res.Cloud.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") {
			if strings.HasSuffix(a.Str("policyArn"), "/AmazonEKSClusterAdminPolicy") && a.Str("accessScope.type") == "cluster" {
				admins[a.Str("principalArn")] = true
			}
		}
		entries := 0
		for _, e := range res.Cloud.OfType("aws:eks/accessEntry:AccessEntry") {
			if arn := e.Str("principalArn"); strings.Contains(arn, ":role/") && admins[arn] {
				entries++
			}
		}
		if entries == 0 {
			t.Errorf("%s: no IAM role has a cluster-admin access entry on the EKS cluster", stack)
		}
	}
}
