package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"globalstack/app/api"
	"globalstack/app/store"
	"globalstack/components/monitoring/rules"
)

// knownSeries are the names the app's registry describes (histograms with their _bucket,
// _count and _sum series) and the recording rules' names.
func knownSeries(t *testing.T) map[string]bool {
	t.Helper()
	m := api.NewMetrics()
	m.ObserveHasher(store.NewHasher(1, time.Second, 1))
	ch := make(chan *prometheus.Desc)
	go func() { m.Registry.Describe(ch); close(ch) }()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	known := map[string]bool{}
	for d := range ch {
		n := fq.FindStringSubmatch(d.String())
		if n == nil {
			t.Fatalf("no name in %s", d)
		}
		known[n[1]] = true
	}
	for n := range known {
		for _, s := range []string{"_bucket", "_count", "_sum"} {
			known[n+s] = true
		}
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(rules.Storefront, &file); err != nil {
		t.Fatalf("%s: %v", rules.StorefrontFile, err)
	}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				known[r.Record] = true
			}
		}
	}
	return known
}

var (
	quoted    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	braces    = regexp.MustCompile(`\{[^}]*\}`)
	brackets  = regexp.MustCompile(`\[[^\]]*\]`)
	grouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	operators = map[string]bool{"and": true, "or": true, "unless": true, "offset": true, "bool": true, "inf": true, "nan": true}
)

// metricNames returns the series names a PromQL expression selects: identifiers that are not
// functions or aggregations (followed by "("), keywords, label names in matchers or
// grouping clauses, durations or numbers.
func metricNames(expr string) []string {
	s := quoted.ReplaceAllString(expr, `""`)
	s = braces.ReplaceAllString(s, " ")
	s = brackets.ReplaceAllString(s, " ")
	s = grouping.ReplaceAllString(s, " ")
	var out []string
	for _, loc := range ident.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		if strings.HasPrefix(rest, "(") || operators[strings.ToLower(name)] {
			continue
		}
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue // the "e" of 1e3
		}
		out = append(out, name)
	}
	return out
}

// unknownMetrics lists, per panel, the series its queries name that neither the app nor the
// recording rules provide.
func unknownMetrics(dashboard []byte, known map[string]bool) ([]string, int, error) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashboard, &d); err != nil {
		return nil, 0, err
	}
	var bad []string
	exprs := 0
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			bad = append(bad, fmt.Sprintf("panel %q has no query", p.Title))
		}
		for _, tg := range p.Targets {
			exprs++
			names := metricNames(tg.Expr)
			if len(names) == 0 {
				bad = append(bad, fmt.Sprintf("panel %q: no metric in %q", p.Title, tg.Expr))
			}
			for _, n := range names {
				if !known[n] {
					bad = append(bad, fmt.Sprintf("panel %q names %s, which the app does not expose and no recording rule records: %s", p.Title, n, tg.Expr))
				}
			}
		}
	}
	return bad, exprs, nil
}

func TestDashboardNamesOnlyExposedMetrics(t *testing.T) {
	known := knownSeries(t)
	bad, exprs, err := unknownMetrics(Storefront, known)
	if err != nil {
		t.Fatalf("storefront.json: %v", err)
	}
	if exprs < 10 {
		t.Fatalf("storefront.json has %d queries", exprs)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// The check itself: a panel naming a series the app does not export, or a misspelt recording
// rule, is reported; label names, functions, durations and grouping labels are not metrics.
func TestUnknownMetricsAreReported(t *testing.T) {
	known := knownSeries(t)
	if got := metricNames(`histogram_quantile(0.99, sum by (le, route) (rate(storefront_http_request_duration_seconds_bucket{route=~"/api/.*",code!="5xx"}[5m] offset 1d))) * 1e3`); strings.Join(got, ",") != "storefront_http_request_duration_seconds_bucket" {
		t.Errorf("metricNames: %v", got)
	}
	dash := []byte(`{"panels":[
		{"title":"ok","type":"timeseries","targets":[{"expr":"sum(rate(storefront_orders_total[5m]))"}]},
		{"title":"gone","type":"timeseries","targets":[{"expr":"sum(rate(storefront_order_total[5m]))"}]},
		{"title":"typo","type":"timeseries","targets":[{"expr":"storefront:sli_error:ratio_rate5m"}]}]}`)
	bad, _, err := unknownMetrics(dash, known)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(bad)
	if len(bad) != 2 || !strings.Contains(bad[0], "storefront_order_total") || !strings.Contains(bad[1], "storefront:sli_error:ratio_rate5m") {
		t.Errorf("reported %q, want storefront_order_total and storefront:sli_error:ratio_rate5m", bad)
	}
}
