package cluster

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"strings"
	"testing"
)

//go:embed iam/aws-load-balancer-controller.documented
var documentedLBControllerActions []byte

// The controller's policy grants only actions the controller documents for the pinned chart.
func TestLoadBalancerControllerPolicyIsDocumented(t *testing.T) {
	documented := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(documentedLBControllerActions))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			documented[l] = true
		}
	}
	if len(documented) < 50 {
		t.Fatalf("only %d documented actions read", len(documented))
	}
	doc, err := loadBalancerControllerPolicy()
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Sid    string
			Action []string
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatal(err)
	}
	granted := 0
	for _, st := range policy.Statement {
		for _, a := range st.Action {
			granted++
			if !documented[a] {
				t.Errorf("statement %s grants %s, which the controller does not document for chart %s", st.Sid, a, LoadBalancerControllerChart)
			}
		}
	}
	if granted == 0 {
		t.Fatal("the policy grants nothing")
	}
	if LoadBalancerControllerChart != "1.10.1" {
		t.Errorf("chart %s: re-read the documented actions for its controller version", LoadBalancerControllerChart)
	}
}
