package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/baseline"
	"globalstack/components/keys"
	"globalstack/stacks/config"
)

// The stack outputs saying which baseline pieces the stack owns (read by rule AUD-002).
const (
	OwnsRegionOutput  = "baselineOwnsRegion"
	OwnsAccountOutput = "baselineOwnsAccount"
)

// buildBaseline creates the stack's security baseline in its region: every stack gets a
// trail, log archive and CIS alarms; globalstack:baseline says whether it also owns the
// region's and the account's single pieces. buckets are the stack's buckets in its region
// whose object-level events the trail records; alertTopic is the monitoring's alert topic the
// CIS alarms publish to.
func buildBaseline(ctx *pulumi.Context, c *config.Cell, rb *regionBase, buckets []pulumi.StringInput, alertTopic pulumi.StringInput, out Outputs) error {
	args := &baseline.Args{
		Prefix:           c.Stack,
		Region:           c.Region(),
		Settings:         c.Baseline,
		KeyArn:           rb.keys.Key(keys.Audit).Arn,
		DataEventBuckets: buckets,
		AlarmTopicArn:    alertTopic,
		Tags:             c.Tags,
	}
	bl, err := baseline.New(ctx, "baseline", args)
	if err != nil {
		return err
	}
	out["trailArn"] = bl.TrailArn
	out["auditLogBucket"] = bl.LogArchiveBucket
	// What the stack owns, for the audit pack, which sees one state (stack outputs are in
	// every export; a component's registered outputs are not in the offline plan's).
	out[OwnsRegionOutput] = pulumi.Bool(c.Baseline.Region)
	out[OwnsAccountOutput] = pulumi.Bool(c.Baseline.Account)
	return nil
}

// providerAccounts is aws:allowedAccountIds for the stack's explicit providers, which do not
// read the stack's aws: settings (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration):
// without it a deploy with another account's credentials would go ahead in the DR and
// us-east-1 regions.
func providerAccounts(c *config.Cell) pulumi.StringArrayInput {
	if len(c.AccountIDs) == 0 {
		return nil
	}
	return pulumi.ToStringArray(c.AccountIDs)
}
