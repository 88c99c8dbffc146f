package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"globalstack/policies/rules"
)

// Reports are the verdicts on several stacks.
type Reports []Report

// Passed reports whether no stack has an unwaived mandatory violation.
func (rs Reports) Passed() bool {
	for _, r := range rs {
		if !r.Passed() {
			return false
		}
	}
	return true
}

// Render writes the reports in a format: text, json or sarif.
func (rs Reports) Render(w io.Writer, format string) error {
	switch format {
	case "", "text":
		return rs.Text(w)
	case "json":
		return rs.JSON(w)
	case "sarif":
		return rs.SARIF(w)
	}
	return fmt.Errorf("unknown output format %q (want text, json or sarif)", format)
}

// Text writes a human-readable report.
func (rs Reports) Text(w io.Writer) error {
	var b strings.Builder
	total := Counts{}
	for _, r := range rs {
		c := r.Counts()
		total.Mandatory += c.Mandatory
		total.Advisory += c.Advisory
		total.Waived += c.Waived
		j := r.Jurisdiction
		if j == "" {
			j = "none"
		}
		fmt.Fprintf(&b, "== %s (jurisdiction %s, %d resources, %d rules): %d mandatory, %d advisory, %d waived\n",
			r.Stack, j, r.Resources, len(r.Rules), c.Mandatory, c.Advisory, c.Waived)
		for _, f := range r.Findings {
			lvl := strings.ToUpper(string(f.Level))
			if f.Waiver != nil {
				lvl = "WAIVED"
			}
			fmt.Fprintf(&b, "  %-9s %s %s\n            %s\n            %s\n", lvl, f.RuleID, f.Policy, shortURN(f.URN), f.Message)
			switch {
			case f.Waiver != nil:
				fmt.Fprintf(&b, "            waiver: %s\n", waiverLine(f.Waiver))
			case f.ExpiredWaiver != nil:
				fmt.Fprintf(&b, "            expired waiver (no longer applies): %s\n", waiverLine(f.ExpiredWaiver))
				fmt.Fprintf(&b, "            fix: %s\n", f.Remediation)
			default:
				fmt.Fprintf(&b, "            fix: %s\n", f.Remediation)
			}
		}
		for _, wv := range r.WaiversUsed {
			fmt.Fprintf(&b, "  waiver used: %s\n", waiverLine(wv))
		}
		for _, wv := range r.ExpiredWaivers {
			fmt.Fprintf(&b, "  waiver expired: %s\n", waiverLine(wv))
		}
	}
	verdict := "PASS"
	if total.Mandatory > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %d stacks, %d mandatory, %d advisory, %d waived\n", verdict, len(rs), total.Mandatory, total.Advisory, total.Waived)
	_, err := io.WriteString(w, b.String())
	return err
}

// JSON writes the reports as one JSON document.
func (rs Reports) JSON(w io.Writer) error {
	doc := struct {
		Passed bool     `json:"passed"`
		Stacks []Report `json:"stacks"`
	}{Passed: rs.Passed(), Stacks: rs}
	if doc.Stacks == nil {
		doc.Stacks = []Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// SARIF 2.1.0 subset.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration map[string]any `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region struct {
		StartLine int `json:"startLine"`
	} `json:"region"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Name               string `json:"name"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// Version of the rule set, reported by SARIF and the analyzer.
const Version = "1.0.0"

func sarifLevel(l rules.Level) string {
	switch l {
	case rules.Mandatory:
		return "error"
	case rules.Advisory:
		return "warning"
	}
	return "none"
}

var securitySeverity = map[rules.Severity]string{rules.Critical: "9.5", rules.High: "8.0", rules.Medium: "5.5", rules.Low: "3.0"}

// SARIF writes a SARIF 2.1.0 log with one run covering every stack.
func (rs Reports) SARIF(w io.Writer) error {
	ruleIdx := map[string]int{}
	var srules []sarifRule
	for _, r := range rs {
		for _, ri := range r.Rules {
			if _, ok := ruleIdx[ri.ID]; ok {
				continue
			}
			ruleIdx[ri.ID] = len(srules)
			srules = append(srules, sarifRule{
				ID: ri.ID, Name: ri.Policy,
				ShortDescription:     sarifText{ri.Description},
				FullDescription:      sarifText{ri.Description},
				Help:                 sarifText{ri.Remediation},
				DefaultConfiguration: map[string]any{"level": sarifLevel(ri.Level)},
				Properties: map[string]any{"tags": []string{"security", string(ri.Pack)}, "precision": "high",
					"security-severity": securitySeverity[ri.Severity], "enforcement": string(ri.Level)},
			})
		}
	}
	if srules == nil {
		srules = []sarifRule{}
	}
	results := []sarifResult{}
	for _, r := range rs {
		uri := r.Source
		if uri == "" {
			uri = "Pulumi." + r.Stack + ".yaml"
		}
		for _, f := range r.Findings {
			loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: f.URN, Name: shortURN(f.URN), Kind: "resource"}}}
			loc.PhysicalLocation.ArtifactLocation.URI = uri
			loc.PhysicalLocation.Region.StartLine = 1
			sum := sha256.Sum256([]byte(f.RuleID + "\x00" + f.URN + "\x00" + f.Message))
			res := sarifResult{
				RuleID: f.RuleID, RuleIndex: ruleIdx[f.RuleID], Level: sarifLevel(f.Level),
				Message:             sarifText{fmt.Sprintf("[%s] %s (%s)", r.Stack, f.Message, shortURN(f.URN))},
				Locations:           []sarifLocation{loc},
				PartialFingerprints: map[string]string{"globalstackFinding/v1": hex.EncodeToString(sum[:16])},
				Properties:          map[string]any{"stack": r.Stack, "urn": f.URN, "pack": string(f.Pack)},
			}
			if f.Waiver != nil {
				res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted",
					Justification: waiverLine(f.Waiver)}}
			}
			results = append(results, res)
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].RuleID < results[j].RuleID })
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "globalstack-policies", Version: Version, Rules: srules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
