package plan

import (
	"fmt"
	"sort"
	"strings"

	"globalstack/internal/mockcloud"
	"globalstack/internal/pulumifiles"
)

// regionOf names where a resource lives for the summary: its AWS region, "kubernetes" for
// objects inside the cluster, "local" for values computed by the engine (random).
func regionOf(r mockcloud.Resource) string {
	switch {
	case r.Region != "":
		return r.Region
	case strings.HasPrefix(r.Type, "kubernetes:") || r.Type == "pulumi:providers:kubernetes":
		return "kubernetes (in-cluster)"
	case strings.HasPrefix(r.Type, "random:") || r.Type == "pulumi:providers:random":
		return "local (engine)"
	case !r.Custom:
		return "component"
	}
	return "other"
}

// Summary renders summary.md: what the stack is, resource counts by type and by region,
// the stack outputs, and any extra sections (policy verdicts, cost).
func (r *Result) Summary(extra ...string) string {
	var b strings.Builder
	res := r.Cloud.Resources()
	fmt.Fprintf(&b, "# Plan of stack `%s`\n\n", r.Stack)
	for _, k := range []string{"role", "jurisdiction", "region", "primaryRegion", "drRegion"} {
		if v, ok := r.Outputs[k]; ok {
			fmt.Fprintf(&b, "- %s: `%v`\n", k, v)
		}
	}
	fmt.Fprintf(&b, "- resources: %d (offline plan under the mock cloud; no AWS account used)\n\n", len(res)+1)

	byRegion := map[string]int{}
	for _, m := range res {
		byRegion[regionOf(m)]++
	}
	b.WriteString("## Resources by region\n\n| region | resources |\n|---|---:|\n")
	for _, k := range sortedKeys(byRegion) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, byRegion[k])
	}

	b.WriteString("\n## Resources by type\n\n| type | count |\n|---|---:|\n")
	counts := r.Cloud.CountByType()
	for _, k := range sortedKeys(counts) {
		fmt.Fprintf(&b, "| `%s` | %d |\n", k, counts[k])
	}

	b.WriteString("\n## Stack outputs\n\n| output | value |\n|---|---|\n")
	for _, k := range sortedKeys(r.Outputs) {
		v := fmt.Sprint(r.Outputs[k])
		if r.Secret[k] {
			v = pulumifiles.Redacted
		}
		fmt.Fprintf(&b, "| %s | `%s` |\n", k, strings.ReplaceAll(v, "|", "\\|"))
	}
	for _, s := range extra {
		if s != "" {
			b.WriteString("\n" + strings.TrimSpace(s) + "\n")
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
