// Package waivers reads the reviewed exemptions from the policy rules: one entry per resource
// and rule, with a reason and an expiry date, kept under version control next to the rules.
package waivers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"globalstack/policies/rules"
)

// DateLayout is the format of the expires field.
const DateLayout = "2006-01-02"

// Waiver exempts one resource from one rule until a date.
type Waiver struct {
	// Rule is the rule ID (ENC-001) or policy name (aurora-storage-cmk).
	Rule string `yaml:"rule" json:"rule"`
	// Stack limits the waiver to one stack; empty means every stack.
	Stack string `yaml:"stack,omitempty" json:"stack,omitempty"`
	// Resource is the resource's full URN, "<type>::<name>", or its name.
	Resource string `yaml:"resource" json:"resource"`
	// Reason says why the exemption is acceptable.
	Reason string `yaml:"reason" json:"reason"`
	// Expires is the last day (UTC, YYYY-MM-DD) the waiver applies.
	Expires string `yaml:"expires" json:"expires"`
	// ApprovedBy names the reviewer.
	ApprovedBy string `yaml:"approvedBy" json:"approvedBy"`

	ruleID string
	until  time.Time // first instant the waiver no longer applies
}

// RuleID is the ID of the waived rule.
func (w *Waiver) RuleID() string { return w.ruleID }

// Expired reports whether the waiver no longer applies at now.
func (w *Waiver) Expired(now time.Time) bool { return !now.Before(w.until) }

// Matches reports whether the waiver covers a violation of ruleID on urn in stack.
func (w *Waiver) Matches(ruleID, stack, urn string) bool {
	if w.ruleID != ruleID || (w.Stack != "" && w.Stack != stack) {
		return false
	}
	if w.Resource == urn {
		return true
	}
	if strings.Contains(w.Resource, "::") {
		return strings.HasSuffix(urn, "::"+w.Resource) || strings.HasSuffix(urn, "$"+w.Resource)
	}
	i := strings.LastIndex(urn, "::")
	return i >= 0 && urn[i+2:] == w.Resource
}

// File is a parsed waiver file.
type File struct {
	Path    string
	Waivers []*Waiver
}

type document struct {
	Waivers []*Waiver `yaml:"waivers"`
}

// Load reads and validates a waiver file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading waivers: %w", err)
	}
	return Parse(data, path)
}

// Parse validates waiver YAML; name is used in error messages. Every problem is reported.
func Parse(data []byte, name string) (*File, error) {
	var doc document
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	for i, w := range doc.Waivers {
		at := fmt.Sprintf("%s: waivers[%d]", name, i)
		if w == nil {
			errs = append(errs, fmt.Errorf("%s: empty entry", at))
			continue
		}
		r := rules.Lookup(w.Rule)
		switch {
		case w.Rule == "":
			errs = append(errs, fmt.Errorf("%s: rule is required", at))
		case r == nil:
			errs = append(errs, fmt.Errorf("%s: rule %q is not a known rule ID or policy name", at, w.Rule))
		default:
			w.ruleID = r.ID
		}
		if strings.TrimSpace(w.Resource) == "" {
			errs = append(errs, fmt.Errorf("%s: resource is required (URN, <type>::<name> or name)", at))
		}
		if strings.TrimSpace(w.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: reason is required", at))
		}
		if strings.TrimSpace(w.ApprovedBy) == "" {
			errs = append(errs, fmt.Errorf("%s: approvedBy is required", at))
		}
		d, err := time.Parse(DateLayout, w.Expires)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: expires %q is not a YYYY-MM-DD date", at, w.Expires))
		} else {
			w.until = d.AddDate(0, 0, 1)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &File{Path: name, Waivers: doc.Waivers}, nil
}

// Find returns the waiver that covers a violation: active is the first unexpired matching
// waiver, expired the first matching one that has expired (reported so that the reviewer
// sees why the violation is back).
func (f *File) Find(ruleID, stack, urn string, now time.Time) (active, expired *Waiver) {
	if f == nil {
		return nil, nil
	}
	for _, w := range f.Waivers {
		if !w.Matches(ruleID, stack, urn) {
			continue
		}
		if w.Expired(now) {
			if expired == nil {
				expired = w
			}
			continue
		}
		if active == nil {
			active = w
		}
	}
	return active, expired
}
