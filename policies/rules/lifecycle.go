package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// lifecycleJSON is the dated support table of every version the stacks pin: EKS Kubernetes
// versions, data store engines, EKS add-ons and Helm charts, each with its source.
//
//go:embed lifecycle.json
var lifecycleJSON []byte

// Date is a calendar day (UTC) in a lifecycle table; the zero Date means "none announced".
type Date struct{ time.Time }

// UnmarshalJSON reads "YYYY-MM-DD"; an empty string is the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		d.Time = time.Time{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	d.Time = t
	return nil
}

// String renders the date, or "none announced".
func (d Date) String() string {
	if d.IsZero() {
		return "none announced"
	}
	return d.Format(time.DateOnly)
}

// Support is the lifecycle of one version: when standard and extended support end.
type Support struct {
	Version              string `json:"version"`
	Released             Date   `json:"released"`
	EndOfStandardSupport Date   `json:"endOfStandardSupport"`
	EndOfExtendedSupport Date   `json:"endOfExtendedSupport"`
	Source               string `json:"source"`
	// Inferred says what was not read from the vendor's page and how it was derived.
	Inferred string `json:"inferred,omitempty"`
}

// EngineSupport is the lifecycle of a data store engine version.
type EngineSupport struct {
	Engine string `json:"engine"`
	Support
}

// Compatibility is an add-on or chart version and the Kubernetes versions it is documented
// for: "1.36", "1.28-1.36" or "1.22+".
type Compatibility struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Kubernetes string `json:"kubernetes"`
	Source     string `json:"source"`
	Inferred   string `json:"inferred,omitempty"`
}

// Lifecycle is the whole table.
type Lifecycle struct {
	Checked    Date              `json:"checked"`
	Sources    map[string]string `json:"sources"`
	Kubernetes []Support         `json:"kubernetes"`
	Engines    []EngineSupport   `json:"engines"`
	Addons     []Compatibility   `json:"addons"`
	Charts     []Compatibility   `json:"charts"`
}

// ParseLifecycle reads and validates a lifecycle table.
func ParseLifecycle(data []byte) (*Lifecycle, error) {
	var l Lifecycle
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("lifecycle table: %w", err)
	}
	var problems []string
	if l.Checked.IsZero() {
		problems = append(problems, "checked: the date the table was read is required")
	}
	source := func(what, key string) {
		if _, ok := l.Sources[key]; !ok {
			problems = append(problems, fmt.Sprintf("%s: source %q is not listed under sources", what, key))
		}
	}
	for _, k := range l.Kubernetes {
		source("kubernetes "+k.Version, k.Source)
		if k.EndOfStandardSupport.IsZero() {
			problems = append(problems, fmt.Sprintf("kubernetes %s: endOfStandardSupport is required", k.Version))
		}
	}
	for _, e := range l.Engines {
		source(e.Engine+" "+e.Version, e.Source)
	}
	for _, list := range [][]Compatibility{l.Addons, l.Charts} {
		for _, c := range list {
			source(c.Name+" "+c.Version, c.Source)
			if _, _, err := parseRange(c.Kubernetes); err != nil {
				problems = append(problems, fmt.Sprintf("%s %s: kubernetes %v", c.Name, c.Version, err))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("lifecycle table: %s", strings.Join(problems, "; "))
	}
	return &l, nil
}

// lifecycleTable is the embedded table; a malformed table is a build defect, caught by tests.
var lifecycleTable = func() *Lifecycle {
	l, err := ParseLifecycle(lifecycleJSON)
	if err != nil {
		panic(err)
	}
	return l
}()

// EmbeddedLifecycle returns the table compiled into the pack.
func EmbeddedLifecycle() *Lifecycle { return lifecycleTable }

// KubernetesVersion finds an EKS Kubernetes version.
func (l *Lifecycle) KubernetesVersion(v string) (Support, bool) {
	for _, k := range l.Kubernetes {
		if k.Version == v {
			return k, true
		}
	}
	return Support{}, false
}

// Engine finds an engine version ("aurora-postgresql", "16.8").
func (l *Lifecycle) Engine(engine, version string) (Support, bool) {
	for _, e := range l.Engines {
		if e.Engine == engine && e.Version == version {
			return e.Support, true
		}
	}
	return Support{}, false
}

// Addon finds an EKS add-on version.
func (l *Lifecycle) Addon(name, version string) (Compatibility, bool) {
	return find(l.Addons, name, version)
}

// Chart finds a Helm chart version.
func (l *Lifecycle) Chart(name, version string) (Compatibility, bool) {
	return find(l.Charts, name, version)
}

func find(list []Compatibility, name, version string) (Compatibility, bool) {
	for _, c := range list {
		if c.Name == name && c.Version == version {
			return c, true
		}
	}
	return Compatibility{}, false
}

// Supports reports whether the entry is documented for Kubernetes minor version k ("1.36").
func (c Compatibility) Supports(k string) bool {
	v, ok := minor(k)
	if !ok {
		return false
	}
	lo, hi, err := parseRange(c.Kubernetes)
	return err == nil && v >= lo && (hi < 0 || v <= hi)
}

// parseRange reads "1.36", "1.28-1.36" or "1.22+" into minor numbers (hi -1: open).
func parseRange(s string) (lo, hi int, err error) {
	bad := fmt.Errorf("%q is not 1.N, 1.N-1.M or 1.N+", s)
	if strings.HasSuffix(s, "+") {
		v, ok := minor(strings.TrimSuffix(s, "+"))
		if !ok {
			return 0, 0, bad
		}
		return v, -1, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	a, ok := minor(from)
	if !ok {
		return 0, 0, bad
	}
	if !isRange {
		return a, a, nil
	}
	b, ok := minor(to)
	if !ok || b < a {
		return 0, 0, bad
	}
	return a, b, nil
}

// minor returns N of a "1.N" Kubernetes version.
func minor(v string) (int, bool) {
	major, rest, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}
