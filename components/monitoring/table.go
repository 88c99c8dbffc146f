package monitoring

import (
	"fmt"
	"strconv"
	"strings"

	search "globalstack/components/search/settings"
)

// AlarmTableMarker names the README section AlarmTable fills.
const AlarmTableMarker = "alarms"

// comparisonSigns renders an alarm's comparison operator for people.
var comparisonSigns = map[string]string{gt: ">", gte: ">=", lt: "<"}

// AlarmTable renders the alarm catalog with the production thresholds (and the production
// OpenSearch volume for the free-storage floor) as the README's Markdown table: what each
// alarm watches, when it fires, what it means and what to check first. `make docs` writes it
// between the README's alarms markers.
func AlarmTable() string {
	var b strings.Builder
	b.WriteString("| alarm | metric | fires when | means | first thing to check |\n|---|---|---|---|---|\n")
	for _, a := range Catalog(Args{Search: &Search{VolumeSizeGiB: search.Prod.VolumeSizeGiB}}) {
		metric := a.Namespace + " " + a.Metric
		if a.Ratio != "" {
			metric += " / " + a.Ratio + " (%)"
		}
		stat := a.Statistic
		if a.Extended != "" {
			stat = a.Extended
		}
		if stat != "" {
			metric += " (" + stat + ")"
		}
		when := fmt.Sprintf("%s %s in %d of %d periods of %d s", comparisonSigns[a.Comparison], strconv.FormatFloat(a.Threshold, 'f', -1, 64), a.Datapoints, a.Periods, a.Period)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", a.Key, metric, when, a.Meaning, a.FirstCheck)
	}
	return b.String()
}
