// Package settings defines the tunable settings of the edge (the keys of the stack's
// globalstack:edge object), their presets and their validation, apart from the component so
// that the stack configuration reads them without the Pulumi and AWS SDKs.
package settings

import (
	"slices"
	"strings"

	"globalstack/components/base/validate"
)

// Settings are the tunable settings of the edge: the keys of the stack's globalstack:edge
// object.
type Settings struct {
	RateLimit             int    `json:"rateLimit" doc:"WAF rate rule: requests per 5 minutes per IP, 10-2000000000"`
	PriceClass            string `json:"priceClass" doc:"PriceClass_All, PriceClass_200 or PriceClass_100"`
	LogRetentionDays      int    `json:"logRetentionDays" doc:"days the CloudFront and WAF logs are kept"`
	ContentSecurityPolicy string `json:"contentSecurityPolicy" doc:"the Content-Security-Policy header of every response"`
	// DROriginDomain is the DR region's API origin host name; it enables origin failover of
	// FailoverPaths, over the same protocol as the API origin.
	DROriginDomain string   `json:"drOriginDomain" doc:"the DR region's API origin, e.g. origin-dr.<domain>; enables origin failover"`
	FailoverPaths  []string `json:"failoverPaths" doc:"read-only paths under /api/ that fail over to drOriginDomain" zero:"[/api/products*, /api/search*] with drOriginDomain"`
}

// DefaultFailoverPaths are the paths that fail over when a stack names a DR origin but no paths
// (the zero tag of FailoverPaths says the same; a test keeps them together).
var DefaultFailoverPaths = []string{"/api/products*", "/api/search*"}

// PriceClasses are the CloudFront price classes.
var PriceClasses = []string{"PriceClass_All", "PriceClass_200", "PriceClass_100"}

// sameOriginCSP lets pages load only what the shop itself serves.
const sameOriginCSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = Settings{RateLimit: 2000, PriceClass: "PriceClass_All", LogRetentionDays: 365, ContentSecurityPolicy: sameOriginCSP}
	Dev  = Settings{RateLimit: 2000, PriceClass: "PriceClass_100", LogRetentionDays: 30, ContentSecurityPolicy: sameOriginCSP}
)

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	p.Require(s.RateLimit >= 10 && s.RateLimit <= 2000000000, key("rateLimit"), "%d is outside WAF's 10-2000000000", s.RateLimit)
	p.Require(slices.Contains(PriceClasses, s.PriceClass), key("priceClass"), "%q is not a CloudFront price class", s.PriceClass)
	p.Require(s.LogRetentionDays >= 1, key("logRetentionDays"), "is %d: must be positive", s.LogRetentionDays)
	if s.DROriginDomain != "" {
		p.Require(strings.Contains(s.DROriginDomain, ".") && !strings.ContainsAny(s.DROriginDomain, " /:"), key("drOriginDomain"), "%q is not a host name", s.DROriginDomain)
	}
	for _, path := range s.FailoverPaths {
		p.Require(strings.HasPrefix(path, "/api/") && path != "/api/*", key("failoverPaths"), "%q must be a read-only path under /api/ (not /api/* itself)", path)
	}
	p.Require(len(s.FailoverPaths) == 0 || s.DROriginDomain != "", key("failoverPaths"), "need %s to fail over to", key("drOriginDomain"))
	return p.Err()
}
