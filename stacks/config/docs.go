package config

import (
	"fmt"
	"strings"

	"globalstack/components/base/validate"
)

// section is one object config key and the presets of the component that owns it.
type section struct {
	name      string
	prod, dev any
}

// settingsTables are the README tables generated from the presets, by marker name.
func settingsTables() map[string][]section {
	prod, dev := dataPresets(SizingProd), dataPresets(SizingDev)
	return map[string][]section{
		"data": {
			{"database", prod.Database, dev.Database},
			{"cache", prod.Cache, dev.Cache},
			{"search", prod.Search, dev.Search},
		},
		"compute": {
			{"cluster", computePresets(SizingProd).Cluster, computePresets(SizingDev).Cluster},
			{"origin", computePresets(SizingProd).Origin, computePresets(SizingDev).Origin},
			{"storefront", computePresets(SizingProd).Storefront, computePresets(SizingDev).Storefront},
			{"edge", computePresets(SizingProd).Edge, computePresets(SizingDev).Edge},
		},
		"baseline": {
			{"baseline", baselinePresets(SizingProd), baselinePresets(SizingDev)},
		},
		"monitoring": {
			{"monitoring", monitoringPreset(SizingProd), monitoringPreset(SizingDev)},
		},
	}
}

// renderTable renders the settings of sections as a Markdown table.
func renderTable(sections []section) string {
	var b strings.Builder
	b.WriteString("| key | prod | dev | meaning |\n|---|---|---|---|\n")
	for _, s := range sections {
		for _, r := range validate.SettingRows(s.prod, s.dev) {
			fmt.Fprintf(&b, "| `%s.%s` | %s | %s | %s |\n", s.name, r.Key, cell(r.Prod), cell(r.Dev), cell(r.Doc))
		}
	}
	return b.String()
}

// cell escapes what would break a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// UpdateSettingsDocs rewrites every generated settings table of readme, each between the
// lines "<!-- settings:<name> -->" and "<!-- /settings:<name> -->".
func UpdateSettingsDocs(readme string) (string, error) {
	for name, sections := range settingsTables() {
		var err error
		if readme, err = validate.ReplaceSection(readme, "settings:"+name, renderTable(sections)); err != nil {
			return "", fmt.Errorf("README: %w", err)
		}
	}
	return readme, nil
}
