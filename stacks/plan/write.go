package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Files are the names written per stack.
const (
	StateFile   = "state.json"
	SummaryFile = "summary.md"
	DiagramFile = "diagram.mmd"
)

// Write writes state.json, summary.md and diagram.mmd for a planned stack into dir/<stack>
// (dir/<stack>/<mode> for a what-if plan).
// Files are written to temporary names and renamed, so a failed run never leaves a
// half-written plan next to a good one.
func (r *Result) Write(dir string, now time.Time, diagram DiagramOptions, summaryExtra ...string) error {
	out := filepath.Join(dir, r.Stack, r.Mode)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	state, err := r.StateJSON(now)
	if err != nil {
		return fmt.Errorf("stack %s: encoding state: %w", r.Stack, err)
	}
	files := map[string][]byte{
		StateFile:   state,
		SummaryFile: []byte(r.Summary(summaryExtra...)),
		DiagramFile: []byte(r.Diagram(diagram)),
	}
	for name, data := range files {
		tmp := filepath.Join(out, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(out, name)); err != nil {
			return err
		}
	}
	return nil
}
