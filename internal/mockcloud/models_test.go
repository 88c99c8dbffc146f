package mockcloud

import (
	"strings"
	"testing"
)

// Each table holds only the types under its prefix, so a type's model is always in the file
// of its service (aws:rds/... in aws_rds.go).
func TestModelTables(t *testing.T) {
	n := 0
	for prefix, table := range models {
		for typ := range table {
			n++
			if !strings.HasPrefix(typ, prefix) {
				t.Errorf("%s is in the %q table", typ, prefix)
			}
		}
	}
	if len(synthesizers) != n {
		t.Errorf("%d synthesizers gathered from %d table entries", len(synthesizers), n)
	}
}

func TestGatherRejectsATypeModelledTwice(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "aws:ec2/vpc:Vpc") {
			t.Fatalf("gather of a type in two tables: panic %v, want one naming aws:ec2/vpc:Vpc", p)
		}
	}()
	gather(map[string]map[string]synthFunc{
		"aws:ec2/": {"aws:ec2/vpc:Vpc": ec2Vpc},
		"aws:":     {"aws:ec2/vpc:Vpc": ec2Vpc},
	})
}
