// Package rules holds the Prometheus recording and alerting rules of the storefront as data
// (storefront.rules.yml), for the managed Prometheus rule upload, the local Prometheus
// (make storefront-prometheus) and the dashboard checks. Their unit tests are
// storefront.rules_test.yml, run with promtool by rules_test.go.
package rules

import _ "embed"

// StorefrontFile is the rules file's name in this directory.
const StorefrontFile = "storefront.rules.yml"

// Storefront is the content of storefront.rules.yml (Prometheus rule groups, YAML).
//
//go:embed storefront.rules.yml
var Storefront []byte
