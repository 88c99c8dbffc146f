// Package settings defines the tunable settings of a cell's regional entry point (the keys of
// the stack's globalstack:origin object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import "globalstack/components/base/validate"

// Settings are the tunable settings of the origin: the keys of the stack's globalstack:origin
// object.
type Settings struct {
	RateLimit          int  `json:"rateLimit" doc:"regional WAF rate rule: requests per 5 minutes per viewer IP (X-Forwarded-For), 10-2000000000"`
	LogRetentionDays   int  `json:"logRetentionDays" doc:"days the load balancer's access logs and the regional WAF's logs are kept"`
	DeletionProtection bool `json:"deletionProtection" zero:"false" doc:"the load balancer refuses deletion until this is turned off"`
	// ShieldAdvanced protects the load balancer with AWS Shield Advanced. It needs the
	// account's Shield Advanced subscription (USD 3,000 a month per organization, one-year
	// commitment, plus data transfer out), which this stack does not create.
	ShieldAdvanced bool `json:"shieldAdvanced" zero:"false" doc:"protect the load balancer with AWS Shield Advanced (needs the account's subscription: USD 3,000/month + data)"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack. The rate
// limit matches the edge's: the regional rule counts the viewer address CloudFront forwards.
var (
	Prod = Settings{RateLimit: 2000, LogRetentionDays: 365, DeletionProtection: true}
	Dev  = Settings{RateLimit: 2000, LogRetentionDays: 30}
)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(s.RateLimit >= 10 && s.RateLimit <= 2000000000, key("rateLimit"), "%d is outside WAF's 10-2000000000", s.RateLimit)
	validate.CheckLogRetention(p, key("logRetentionDays"), s.LogRetentionDays)
	return p.Err()
}
