package rules

import (
	"sort"
	"strings"
)

// RecordKey identifies a Route 53 record set the way Route 53 does: hosted zone, name
// (case-insensitive, without the trailing dot), type and set identifier. Two resources with
// one key manage the same record set, whatever their names; "" when a part is unknown.
func RecordKey(r *Resource) string {
	var parts []string
	for _, k := range []string{"zoneId", "name", "type"} {
		s, ok := r.Props[k].(string)
		if !ok || s == "" {
			return ""
		}
		parts = append(parts, strings.TrimSuffix(strings.ToLower(s), "."))
	}
	set, _ := r.Props["setIdentifier"].(string)
	return strings.Join(append(parts, set), "|")
}

// RecordKeys maps every Route 53 record key of a stack to the records declaring it.
func RecordKeys(s *Stack) map[string][]*Resource {
	out := map[string][]*Resource{}
	for _, r := range s.OfType(tDNSRecord) {
		if k := RecordKey(r); k != "" {
			out[k] = append(out[k], r)
		}
	}
	return out
}

func init() {
	register(&Rule{
		ID: "DNS-001", Name: "route53-record-single-owner", Pack: Deployability, Severity: High, Level: Mandatory,
		Description: "Every Route 53 record set is managed by exactly one resource in one stack.",
		Remediation: "Let one stack own the record and have the others only read it. A record two stacks manage " +
			"(e.g. an ACM validation CNAME, which ACM derives from the domain name and account, so every " +
			"certificate for that name shares it) is deleted with whichever stack drops it first, breaking the other.",
		Stack: func(c *Ctx, s *Stack) {
			keys := RecordKeys(s)
			ordered := make([]string, 0, len(keys))
			for k := range keys {
				ordered = append(ordered, k)
			}
			sort.Strings(ordered)
			for _, k := range ordered {
				recs := keys[k]
				for _, r := range recs[1:] {
					c.FailOn(r.URN, "record %s is also managed by %s in this stack", recordLabel(k), recs[0].Name)
				}
				var others []string
				for _, st := range s.RecordOwners[k] {
					if st != s.Name {
						others = append(others, st)
					}
				}
				if len(others) > 0 {
					c.FailOn(recs[0].URN, "record %s is also managed by stack %s; deleting it there breaks this stack",
						recordLabel(k), strings.Join(others, ", "))
				}
			}
		},
	})
}

// recordLabel renders a record key as "NAME TYPE [set]".
func recordLabel(key string) string {
	p := strings.Split(key, "|")
	out := p[1] + " " + strings.ToUpper(p[2])
	if p[3] != "" {
		out += " (set " + p[3] + ")"
	}
	return out
}
