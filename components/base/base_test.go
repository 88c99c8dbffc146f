package base

import (
	"strings"
	"testing"
)

func TestValidateTags(t *testing.T) {
	p := NewProblems("cell")
	ValidateTags(p, "tags", map[string]string{"owner": "x", "cost-center": " "}, "owner", "cost-center", "data-classification")
	err := p.Err()
	if err == nil || !strings.Contains(err.Error(), `"cost-center"`) || !strings.Contains(err.Error(), `"data-classification"`) || strings.Contains(err.Error(), `"owner"`) {
		t.Fatalf("got %v", err)
	}
}
