package monitoring

import (
	"os"
	"strings"
	"testing"

	"globalstack/components/base/validate"
)

// The README's alarm table is generated from the catalog (make docs); this fails when it is
// stale.
func TestREADMEAlarmTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := validate.ReplaceSection(string(readme), AlarmTableMarker, AlarmTable())
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Error("README.md's alarm table is stale: run make docs")
	}
}

// Every catalog alarm has a row with its meaning and first check.
func TestAlarmTableHasEveryAlarm(t *testing.T) {
	table := AlarmTable()
	for _, a := range Catalog(Args{Search: &Search{VolumeSizeGiB: 100}}) {
		if a.Meaning == "" || a.FirstCheck == "" {
			t.Errorf("alarm %s has no meaning or first check", a.Key)
		}
		if !strings.Contains(table, "| `"+a.Key+"` |") || !strings.Contains(table, a.FirstCheck) {
			t.Errorf("alarm %s is not in the table", a.Key)
		}
	}
}
