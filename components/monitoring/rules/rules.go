// Package rules holds the storefront's Prometheus rules, uploaded to each serving stack's
// managed Prometheus workspace (components/monitoring) and loaded by a local Prometheus.
package rules

import _ "embed"

// Storefront is storefront.rules.yml, a Prometheus rules file (groups of recording and
// alerting rules).
//
//go:embed storefront.rules.yml
var Storefront string
