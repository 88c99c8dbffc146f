package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"globalstack/policies/plantest"
)

func TestExitCodes(t *testing.T) {
	// a planned cell and the bad stack (edits of the planned prod-eu), judged on a fixed day
	good := filepath.Join(plantest.WriteCells(t, t.TempDir(), "prod-eu"), "prod-eu", "state.json")
	bad, badWaivers := plantest.WriteBad(t, t.TempDir())
	const day = "2026-06-01"
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-waivers", "none", "-today", day, good}, 0, "PASS: 1 stacks"},
		{[]string{"-waivers", badWaivers, "-today", day, bad}, 1, fmt.Sprintf("FAIL: 1 stacks, %d mandatory", len(plantest.BadExpected)-1)},
		{[]string{"-waivers", "none", "-packs", "encryption", "-today", "2030-01-01", bad}, 1, "FAIL: 1 stacks, 4 mandatory"},
		{[]string{"-format", "xml", good}, 2, `unknown output format "xml"`},
		{[]string{"-packs", "crypto", good}, 2, `unknown policy pack "crypto"`},
		{[]string{"-plan", t.TempDir()}, 2, "run `make plan` first"},
		{[]string{"-waivers", "none", "no/such/state.json"}, 2, "no/such/state.json"},
		{[]string{"-today", "soon"}, 2, `-today "soon"`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		if code != c.code || !strings.Contains(out.String()+errOut.String(), c.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %q:\n%s%s", c.args, code, c.code, c.want, out.String(), errOut.String())
		}
	}
}
