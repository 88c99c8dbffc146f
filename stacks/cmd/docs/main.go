// Command docs rewrites the generated sections of README.md: the settings tables from the
// components' presets and the alarm table from the monitoring catalog (make docs).
package main

import (
	"flag"
	"fmt"
	"os"

	"globalstack/components/base/validate"
	"globalstack/components/monitoring"
	"globalstack/stacks/config"
)

func main() {
	path := flag.String("readme", "README.md", "the README to update")
	flag.Parse()
	if err := run(*path); err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := config.UpdateSettingsDocs(string(old))
	if err == nil {
		updated, err = validate.ReplaceSection(updated, monitoring.AlarmTableMarker, monitoring.AlarmTable())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if updated == string(old) {
		return nil
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}
