package config

import (
	"strings"
	"testing"
)

func TestBaselineAndAccountsAreReadAndValidated(t *testing.T) {
	m := validEU()
	m["aws:allowedAccountIds"] = `["111122223333"]`
	m[Key("baseline")] = `{"account": true, "region": false}`
	c, err := Parse("prod-eu", m)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Baseline.Account || c.Baseline.Region || c.Baseline.ArchiveRetentionDays == 0 || len(c.AccountIDs) != 1 {
		t.Errorf("baseline %+v accounts %v", c.Baseline, c.AccountIDs)
	}

	m["aws:allowedAccountIds"] = `["1111-2222-3333"]`
	m[Key("baseline")] = `{"archiveColdAfterDays": 90, "owner": true}`
	_, err = Parse("prod-eu", m)
	if err == nil || !strings.Contains(err.Error(), `aws:allowedAccountIds: "1111-2222-3333" is not a 12-digit AWS account id`) ||
		!strings.Contains(err.Error(), "globalstack:baseline") || !strings.Contains(err.Error(), "owner") {
		t.Errorf("got %v", err)
	}
	// Who gets paged has one home, globalstack:monitoring.alertEmails: a stack file still
	// naming the baseline's former recipients is refused, not silently ignored.
	m[Key("baseline")] = `{"alarmEmails": ["oncall@example.com"]}`
	_, err = Parse("prod-eu", m)
	if err == nil || !strings.Contains(err.Error(), "globalstack:baseline") || !strings.Contains(err.Error(), "alarmEmails") {
		t.Errorf("got %v", err)
	}
}
