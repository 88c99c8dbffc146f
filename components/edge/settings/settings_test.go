package settings

import (
	"reflect"
	"strings"
	"testing"
)

// The README's settings table shows FailoverPaths' default from its zero tag: it must name
// every default path.
func TestFailoverPathsZeroTagNamesTheDefaults(t *testing.T) {
	f, _ := reflect.TypeFor[Settings]().FieldByName("FailoverPaths")
	tag := f.Tag.Get("zero")
	if n := strings.Count(tag, "/api/"); n != len(DefaultFailoverPaths) {
		t.Errorf("zero tag %q names %d paths, the default has %d", tag, n, len(DefaultFailoverPaths))
	}
	for _, p := range DefaultFailoverPaths {
		if !strings.Contains(tag, p) {
			t.Errorf("zero tag %q does not name the default path %q", tag, p)
		}
	}
}
