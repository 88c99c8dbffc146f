package regions

import "testing"

func TestJurisdictionMembership(t *testing.T) {
	cases := []struct {
		region string
		want   Jurisdiction
		ok     bool
	}{
		{"us-east-1", US, true},
		{"us-west-2", US, true},
		{"eu-west-1", EU, true},
		{"eu-central-1", EU, true},
		{"eu-west-2", "", false}, // London: not an EU member state
		{"ap-northeast-1", JP, true},
		{"ap-northeast-3", JP, true},
		{"ap-southeast-1", "", false},
		{"mars-north-1", "", false},
	}
	for _, c := range cases {
		got, ok := Of(c.region)
		if got != c.want || ok != c.ok {
			t.Errorf("Of(%q) = %q, %v; want %q, %v", c.region, got, ok, c.want, c.ok)
		}
		if c.ok && !c.want.Contains(c.region) {
			t.Errorf("%s.Contains(%q) = false", c.want, c.region)
		}
	}
}

func TestEveryMemberIsAKnownRegionWithTwoZones(t *testing.T) {
	for _, j := range All() {
		for _, r := range j.Regions() {
			if !Known(r) {
				t.Errorf("%s lists unknown region %s", j, r)
			}
			if len(Zones(r)) < 2 {
				t.Errorf("%s has fewer than 2 zones", r)
			}
		}
	}
}

func TestParseJurisdiction(t *testing.T) {
	if _, err := ParseJurisdiction("eu"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseJurisdiction("uk"); err == nil {
		t.Fatal("uk accepted")
	}
	if got := Zones("ap-northeast-1"); got[1] != "ap-northeast-1c" {
		t.Fatalf("Zones(ap-northeast-1) = %v", got)
	}
}
