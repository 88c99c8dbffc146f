// Package dashboards holds the Grafana dashboards of the storefront as JSON (for Amazon
// Managed Grafana or any Grafana with the cell's Prometheus as data source). The test checks
// every panel's PromQL against the series the app exposes and the recording rules.
package dashboards

import _ "embed"

// Storefront is storefront.json: SLO, latency, errors and business rows.
//
//go:embed storefront.json
var Storefront []byte
