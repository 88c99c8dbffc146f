package devenv

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"globalstack/app/api"
	"globalstack/components/monitoring/rules"
)

// The local Prometheus scrapes the app's registry and evaluates the storefront rules on it.
func TestPrometheusScrapesTheAppAndEvaluatesTheRules(t *testing.T) {
	m := api.NewMetrics()
	m.Requests.WithLabelValues("GET", "/api/products", "200").Observe(0.01)
	m.Requests.WithLabelValues("GET", "/api/products", "500").Observe(0.01)
	app := httptest.NewServer(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	defer app.Close()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	go func() { // keep the counters moving so rates are defined
		for range tick.C {
			m.Requests.WithLabelValues("GET", "/api/products", "200").Observe(0.01)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := StartPrometheus(ctx, PrometheusOptions{Target: strings.TrimPrefix(app.URL, "http://"), Rules: rules.Storefront, Interval: time.Second})
	if errors.Is(err, ErrNoPrometheus) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	var last string
	for ctx.Err() == nil {
		res, err := http.Get(p.URL() + "/api/v1/query?query=" + url.QueryEscape("storefront:sli_errors:ratio_rate5m"))
		if err == nil {
			var body struct {
				Data struct {
					Result []struct {
						Value []any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			err = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if err == nil && len(body.Data.Result) == 1 {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("the recording rule storefront:sli_errors:ratio_rate5m never had a value (last answer %s)", last)
}
