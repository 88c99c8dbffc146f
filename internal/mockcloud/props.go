package mockcloud

import (
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// In returns the input at a dotted path such as "encryptionConfig.resources[0]"; secrets are
// unwrapped (use IsSecret to check them). A missing path yields a null value.
func (r Resource) In(path string) resource.PropertyValue { return lookup(r.Inputs, path) }

// Out is In for outputs.
func (r Resource) Out(path string) resource.PropertyValue { return lookup(r.Outputs, path) }

// Str returns the string input at path, or "".
func (r Resource) Str(path string) string {
	v := r.In(path)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Bool returns the bool input at path, or false.
func (r Resource) Bool(path string) bool {
	v := r.In(path)
	return v.IsBool() && v.BoolValue()
}

// Num returns the numeric input at path, or 0.
func (r Resource) Num(path string) float64 {
	v := r.In(path)
	if v.IsNumber() {
		return v.NumberValue()
	}
	return 0
}

// Strs returns the string elements of the array input at path.
func (r Resource) Strs(path string) []string {
	v := r.In(path)
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		e = unsecret(e)
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// Len returns the length of the array input at path (0 when absent).
func (r Resource) Len(path string) int {
	v := r.In(path)
	if v.IsArray() {
		return len(v.ArrayValue())
	}
	return 0
}

// IsSecret reports whether the input at path was marked secret.
func (r Resource) IsSecret(path string) bool {
	v, ok := walk(r.Inputs, path)
	return ok && v.IsSecret()
}

// Tags returns the resource's tags input as a plain map.
func (r Resource) Tags() map[string]string {
	out := map[string]string{}
	v := r.In("tags")
	if v.IsObject() {
		for k, e := range v.ObjectValue() {
			e = unsecret(e)
			if e.IsString() {
				out[string(k)] = e.StringValue()
			}
		}
	}
	return out
}

func lookup(m resource.PropertyMap, path string) resource.PropertyValue {
	v, _ := walk(m, path)
	return unsecret(v)
}

// walk follows path through objects and arrays, unwrapping secrets on the way but returning
// the final value as stored.
func walk(m resource.PropertyMap, path string) (resource.PropertyValue, bool) {
	cur := resource.NewProperty(m)
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			cur = unsecret(cur)
			if !cur.IsObject() {
				return resource.NewNullProperty(), false
			}
			next, ok := cur.ObjectValue()[resource.PropertyKey(name)]
			if !ok {
				return resource.NewNullProperty(), false
			}
			cur = next
		}
		for rest != "" {
			idxStr, after, _ := strings.Cut(rest, "]")
			rest = strings.TrimPrefix(after, "[")
			idx, err := strconv.Atoi(idxStr)
			cur = unsecret(cur)
			if err != nil || !cur.IsArray() || idx < 0 || idx >= len(cur.ArrayValue()) {
				return resource.NewNullProperty(), false
			}
			cur = cur.ArrayValue()[idx]
		}
	}
	return cur, true
}

func unsecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}
