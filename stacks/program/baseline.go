package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/baseline"
	"globalstack/components/keys"
	"globalstack/stacks/config"
)

// buildBaseline creates the stack's security baseline in its region: every stack gets a
// trail, log archive and CIS alarms; globalstack:baseline says whether it also owns the
// region's and the account's single pieces. buckets are the stack's buckets in its region
// whose object-level events the trail records.
func buildBaseline(ctx *pulumi.Context, c *config.Cell, rb *regionBase, buckets []pulumi.StringInput, out Outputs) error {
	args := &baseline.Args{
		Prefix:           c.Stack,
		Region:           c.Region(),
		Settings:         c.Baseline,
		KeyArn:           rb.keys.Key(keys.Audit).Arn,
		DataEventBuckets: buckets,
		Tags:             c.Tags,
	}
	bl, err := baseline.New(ctx, "baseline", args)
	if err != nil {
		return err
	}
	out["trailArn"] = bl.TrailArn
	out["auditLogBucket"] = bl.LogArchiveBucket
	out["securityAlarmTopicArn"] = bl.AlarmTopicArn
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
