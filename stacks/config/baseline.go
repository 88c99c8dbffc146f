package config

import (
	"encoding/json"
	"regexp"

	baseline "globalstack/components/baseline/settings"
)

// BaselineConfig is globalstack:baseline, defined, preset and validated by its component.
type BaselineConfig = baseline.Settings

// AllowedAccountsKey is the AWS provider's own setting naming the accounts a stack may deploy
// into (https://www.pulumi.com/registry/packages/aws/api-docs/provider/#allowedaccountids):
// the provider refuses to run with credentials of another account, and the planner reads it
// to find the stacks sharing an account.
const AllowedAccountsKey = "aws:allowedAccountIds"

var accountIDRE = regexp.MustCompile(`^\d{12}$`)

// baselinePresets returns the baseline preset of a sizing.
func baselinePresets(s Sizing) BaselineConfig {
	if s == SizingDev {
		return baseline.Dev
	}
	return baseline.Prod
}

// loadBaseline reads globalstack:baseline over the sizing's preset and aws:allowedAccountIds.
func (r *reader) loadBaseline(c *Cell) {
	c.Baseline = baselinePresets(c.Sizing)
	r.Section("baseline", &c.Baseline)
	r.p.Add(c.Baseline.Validate(Key("baseline")))
	if raw, ok := r.src.Get(AllowedAccountsKey); ok && raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.AccountIDs); err != nil {
			r.p.Addf(AllowedAccountsKey, "must be a list of 12-digit AWS account ids: %v", err)
			return
		}
		if len(c.AccountIDs) == 0 {
			r.p.Addf(AllowedAccountsKey, "is empty: name the account the stack deploys into")
		}
		for _, id := range c.AccountIDs {
			if !accountIDRE.MatchString(id) {
				r.p.Addf(AllowedAccountsKey, "%q is not a 12-digit AWS account id", id)
			}
		}
	}
}
