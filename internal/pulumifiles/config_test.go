package pulumifiles

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const repoRoot = "../.."

func TestStacksListsCellsBeforeDR(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []string{"prod-us-dr", "prod-us", "prod-eu-dr", "prod-eu"} {
		if err := os.WriteFile(StackFile(dir, s), []byte("config: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "prod-eu,prod-us,prod-eu-dr,prod-us-dr" {
		t.Fatalf("order %v", got)
	}
}

func TestLoadConfigFlattensObjects(t *testing.T) {
	cfg, err := LoadConfig(repoRoot, "globalstack", "prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	if cfg["aws:region"] != "eu-west-1" || cfg["globalstack:jurisdiction"] != "eu" {
		t.Fatalf("got %v", cfg)
	}
	var tags map[string]string
	if err := json.Unmarshal([]byte(cfg["globalstack:tags"]), &tags); err != nil || tags["owner"] == "" {
		t.Fatalf("tags not JSON-encoded: %q (%v)", cfg["globalstack:tags"], err)
	}
}

func TestLoadConfigRefusesEncryptedSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(StackFile(dir, "s"), []byte("config:\n  globalstack:dbPassword:\n    secure: AAABAxyz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(dir, "globalstack", "s"); err == nil || !strings.Contains(err.Error(), "globalstack:dbPassword is an encrypted secret") {
		t.Fatalf("got %v", err)
	}
}

func TestStackConfigDecodesNestedObjectsAsTheMocksExpect(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ProjectFile), "name: shop\nruntime: go\n")
	writeFile(t, StackFile(dir, "s"), `config:
  aws:region: eu-west-1
  azCount: 3
  shop:failover: false
  shop:empty:
  shop:cluster:
    adminRoleArns: ["arn:aws:iam::111122223333:role/a"]
    nodes: {min: 2, max: 4}
  shop:zones: [eu-west-1a, eu-west-1b]
  shop:password:
    secure: AAABAxyz
`)
	cfg, err := ReadStackConfig(dir, "", "s")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region":    "eu-west-1",
		"shop:azCount":  "3", // a key without a namespace belongs to the project of Pulumi.yaml
		"shop:failover": "false",
		"shop:empty":    "",
		"shop:cluster":  `{"adminRoleArns":["arn:aws:iam::111122223333:role/a"],"nodes":{"max":4,"min":2}}`,
		"shop:zones":    `["eu-west-1a","eu-west-1b"]`,
	}
	if len(cfg.Values) != len(want) {
		t.Errorf("values %v, want %v", cfg.Values, want)
	}
	for k, v := range want {
		if cfg.Values[k] != v {
			t.Errorf("%s = %q, want %q", k, cfg.Values[k], v)
		}
	}
	if strings.Join(cfg.Secure, ",") != "shop:password" {
		t.Errorf("secure keys %v", cfg.Secure)
	}
	if _, err := LoadConfig(dir, "", "s"); err == nil || !strings.Contains(err.Error(), "shop:password is an encrypted secret") {
		t.Errorf("LoadConfig with a secret: %v", err)
	}
}

func TestStackConfigErrorsNameTheInput(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadStackConfig(dir, "p", "none"); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "stack none") {
		t.Errorf("missing stack file: %v", err)
	}
	writeFile(t, StackFile(dir, "bare"), "config:\n  azCount: 3\n")
	if _, err := ReadStackConfig(dir, "", "bare"); err == nil || !strings.Contains(err.Error(), "key azCount has no namespace") {
		t.Errorf("bare key without Pulumi.yaml: %v", err)
	}
	writeFile(t, StackFile(dir, "broken"), "config: [\n")
	if _, err := ReadStackConfig(dir, "p", "broken"); err == nil || !strings.Contains(err.Error(), "Pulumi.broken.yaml") {
		t.Errorf("bad YAML: %v", err)
	}
}

func TestProjectNameOfTheRepository(t *testing.T) {
	name, err := ProjectName(repoRoot)
	if err != nil || name != "globalstack" {
		t.Fatalf("ProjectName = %q, %v", name, err)
	}
	if _, err := ProjectName(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no Pulumi.yaml: %v", err)
	}
}

func TestPrimaryStackRule(t *testing.T) {
	for _, tc := range []struct {
		stack, configured, ref, name string
	}{
		{"prod-eu-dr", "", "prod-eu", "prod-eu"},
		{"prod-eu-dr", "prod-eu", "prod-eu", "prod-eu"},
		{"eu-standby", " prod-eu ", "prod-eu", "prod-eu"},
		{"eu-standby", "acme/globalstack/prod-eu", "acme/globalstack/prod-eu", "prod-eu"},
		{"standby", "", "standby", "standby"}, // names no other stack: callers refuse it
	} {
		if got := PrimaryStackRef(tc.stack, tc.configured); got != tc.ref {
			t.Errorf("PrimaryStackRef(%q, %q) = %q, want %q", tc.stack, tc.configured, got, tc.ref)
		}
		cfg := map[string]string{"globalstack:primaryStack": tc.configured, "other:primaryStack": "wrong"}
		if got := PrimaryStack("globalstack", tc.stack, cfg); got != tc.name {
			t.Errorf("PrimaryStack(%q, %q) = %q, want %q", tc.stack, tc.configured, got, tc.name)
		}
	}
	// The repository's DR stacks name their cells.
	for _, cell := range []string{"prod-eu", "prod-jp", "prod-us"} {
		cfg, err := LoadConfig(repoRoot, "globalstack", cell+"-dr")
		if err != nil {
			t.Fatal(err)
		}
		if got := PrimaryStack("globalstack", cell+"-dr", cfg); got != cell {
			t.Errorf("%s-dr: primary stack %q", cell, got)
		}
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
