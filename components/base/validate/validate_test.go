package validate

import (
	"strings"
	"testing"
)

func TestProblemsReportsEveryProblem(t *testing.T) {
	p := NewProblems("network")
	p.Addf("cidr", "bad %d", 1)
	p.Require(false, "azCount", "must be >= 2")
	p.Require(true, "never", "not reported")
	err := p.Err()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"network: cidr: bad 1", "network: azCount: must be >= 2"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q missing %q", msg, want)
		}
	}
	if strings.Contains(msg, "never") {
		t.Errorf("satisfied requirement reported: %q", msg)
	}
	if NewProblems("x").Err() != nil {
		t.Error("empty problem list is an error")
	}
}

func TestPrivatePrefix(t *testing.T) {
	good := []string{"10.10.0.0/16", "172.16.0.0/20", "192.168.0.0/20"}
	for _, c := range good {
		if _, err := PrivatePrefix(c, 20); err != nil {
			t.Errorf("%s rejected: %v", c, err)
		}
	}
	bad := map[string]string{
		"8.8.0.0/16":   "private",
		"10.0.0.0/24":  "too small",
		"10.0.0.0/8":   "too large",
		"10.0.0.1/16":  "host bits",
		"not-a-cidr":   "not a CIDR",
		"fd00::/48":    "private",
		"10.10.0.0/33": "not a CIDR",
	}
	for c, want := range bad {
		_, err := PrivatePrefix(c, 20)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("PrivatePrefix(%q) = %v, want error containing %q", c, err, want)
		}
	}
}
