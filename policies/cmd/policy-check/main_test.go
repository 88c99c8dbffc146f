package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-waivers", "none", "../../testdata/cells/prod-eu/state.json"}, 0, "PASS: 1 stacks"},
		{[]string{"-waivers", "../../testdata/bad/waivers.yaml", "../../testdata/bad/bad-eu/state.json"}, 1, "FAIL: 1 stacks, 14 mandatory"},
		{[]string{"-waivers", "none", "-packs", "encryption", "-today", "2030-01-01", "../../testdata/bad/bad-eu/state.json"}, 1, "FAIL: 1 stacks, 4 mandatory"},
		{[]string{"-format", "xml", "../../testdata/cells/prod-eu/state.json"}, 2, `unknown output format "xml"`},
		{[]string{"-packs", "crypto", "../../testdata/cells/prod-eu/state.json"}, 2, `unknown policy pack "crypto"`},
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
