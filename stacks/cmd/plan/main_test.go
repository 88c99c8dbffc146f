package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A stack with bad config fails the run, but every other stack is still planned.
func TestBadStackDoesNotStopTheOthers(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	for _, s := range []string{"prod-eu", "prod-jp"} {
		raw, err := os.ReadFile(filepath.Join("../../..", "Pulumi."+s+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "Pulumi."+s+".yaml"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(root, "Pulumi.prod-eu.yaml"))
	if err := os.WriteFile(filepath.Join(root, "Pulumi.broken-eu.yaml"), []byte(strings.Replace(string(raw), `azCount: "3"`, `azCount: "1"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}

	if rc := run(root, out, ""); rc != 1 {
		t.Fatalf("exit %d, want 1", rc)
	}
	for _, s := range []string{"prod-eu", "prod-jp"} {
		if _, err := os.Stat(filepath.Join(out, s, "state.json")); err != nil {
			t.Errorf("%s was not planned: %v", s, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "broken-eu")); err == nil {
		t.Error("the broken stack left a plan behind")
	}
}

func TestOneStackAndUnknownStack(t *testing.T) {
	out := t.TempDir()
	if rc := run("../../..", out, "prod-jp"); rc != 0 {
		t.Fatalf("exit %d", rc)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "prod-jp" {
		t.Fatalf("planned %v, want only prod-jp", entries)
	}
	if rc := run("../../..", out, "prod-mars"); rc != 2 {
		t.Fatalf("unknown stack: exit %d, want 2", rc)
	}
}
