package validate

import (
	"errors"
	"strings"
	"testing"
)

func TestProblemsAddKeepsEveryJoinedProblemUnderTheScope(t *testing.T) {
	inner := NewProblems("")
	inner.Addf(SettingKey("globalstack:cache", "nodes"), "is %d", 1)
	inner.Addf(SettingKey("", "nodeType"), "bad")
	p := NewProblems("config")
	p.Add(inner.Err())
	p.Add(nil)
	p.Add(errors.New("plain"))
	got := p.Err().Error()
	want := "config: globalstack:cache.nodes: is 1\nconfig: nodeType: bad\nconfig: plain"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFillZeroTakesThePresetOnlyForZeroFields(t *testing.T) {
	type settings struct {
		Name  string
		Count int
		List  []string
	}
	s := settings{Count: 5}
	FillZero(&s, settings{Name: "preset", Count: 3, List: []string{"a"}})
	if s.Name != "preset" || s.Count != 5 || strings.Join(s.List, ",") != "a" {
		t.Errorf("%+v", s)
	}
}

func TestCheckLogRetentionNamesTheKey(t *testing.T) {
	p := NewProblems("")
	CheckLogRetention(p, "logRetentionDays", 365)
	CheckLogRetention(p, "x.logRetentionDays", 42)
	if err := p.Err(); err == nil || !strings.HasPrefix(err.Error(), "x.logRetentionDays: 42 is not a retention CloudWatch Logs accepts") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v", err)
	}
}
