package rules

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// promtool returns the path of promtool (Debian package "prometheus"). In CI a missing
// promtool fails the test: the rules must be checked there.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool not found (CI is set): install Debian's prometheus package: %v", err)
		}
		t.Skip("promtool not found: apt-get install prometheus (required when CI is set)")
	}
	return p
}

func TestRulesPassPromtoolCheck(t *testing.T) {
	out, err := exec.Command(promtool(t), "check", "rules", StorefrontFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", StorefrontFile, err, out)
	}
}

// The unit tests make the burn-rate, order and payment alerts fire on synthetic series and
// resolve, and pin the recording rules' values.
func TestRulesPassTheirUnitTests(t *testing.T) {
	out, err := exec.Command(promtool(t), "test", "rules", "storefront.rules_test.yml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
