package config

import (
	"os"
	"strings"
	"testing"
)

// The README's settings tables are generated from the presets; this fails when a preset, a
// limit or a key changed without `make docs`.
func TestReadmeSettingsTablesAreCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := UpdateSettingsDocs(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Fatal("README.md's settings tables are stale: run make docs")
	}
}

func TestSettingsTablesListEveryKeyWithItsPresets(t *testing.T) {
	table := renderTable(settingsTables()["data"]) + renderTable(settingsTables()["compute"]) + renderTable(settingsTables()["baseline"])
	for _, row := range []string{
		"| `database.instances` | 3 | 2 |",
		"| `database.drInstances` | 0 (headless) | 0 (headless) |",
		"| `cache.nodeType` | cache.r7g.large | cache.t4g.small |",
		"| `search.instanceCount` | one per zone | one per zone |",
		"| `search.logRetentionDays` | 365 | 30 |",
		"| `cluster.nodeMin` | 3 | 2 |",
		"| `cluster.instanceTypes` | [m6i.large, m6a.large] | [t3.large] |",
		"| `cluster.adminRoleArns` | required | required |",
		"| `storefront.replicas` | 3 | 2 |",
		"| `storefront.cpuRequest` | 250m | 100m |",
		"| `storefront.logLevel` | info | debug |",
		"| `edge.rateLimit` | 2000 | 2000 |",
		"| `edge.priceClass` | PriceClass_All | PriceClass_100 |",
		"| `baseline.account` | false | true |",
		"| `baseline.region` | true | true |",
	} {
		if !strings.Contains(table, row) {
			t.Errorf("table lacks %q:\n%s", row, table)
		}
	}
	stale := "<!-- settings:data -->\n| `database.instances` | 9 | 9 | old |\n<!-- /settings:data -->\n" +
		"<!-- settings:compute -->\n<!-- /settings:compute -->\n<!-- settings:baseline -->\n<!-- /settings:baseline -->\n"
	got, err := UpdateSettingsDocs(stale)
	if err != nil || strings.Contains(got, "| 9 | 9 |") || !strings.Contains(got, "| `database.instances` | 3 | 2 |") {
		t.Errorf("stale table not rewritten (%v):\n%s", err, got)
	}
	if _, err := UpdateSettingsDocs("no markers"); err == nil {
		t.Error("a README without markers was accepted")
	}
}
