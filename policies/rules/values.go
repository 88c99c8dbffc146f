package rules

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Str returns the string at path. known is false (and the unknown is noted) when the value is
// not known yet; a missing or non-string value is "".
func (c *Ctx) Str(r *Resource, path string) (string, bool) {
	v, _ := r.Props.Get(path)
	if IsUnknown(v) {
		c.Unknown(path)
		return "", false
	}
	s, _ := v.(string)
	return s, true
}

// Bool returns the boolean at path, def when it is missing. known is false when the value is
// not known yet.
func (c *Ctx) Bool(r *Resource, path string, def bool) (bool, bool) {
	v, ok := r.Props.Get(path)
	if !ok || v == nil {
		return def, true
	}
	if IsUnknown(v) {
		c.Unknown(path)
		return def, false
	}
	switch t := v.(type) {
	case bool:
		return t, true
	case string: // a few legacy schemas carry booleans as strings
		return t == "true", true
	}
	return def, true
}

// List returns the list at path (nil when missing). known is false when the list itself or
// any element is unknown.
func (c *Ctx) List(r *Resource, path string) ([]any, bool) {
	v, _ := r.Props.Get(path)
	if IsUnknown(v) {
		c.Unknown(path)
		return nil, false
	}
	l, _ := v.([]any)
	return l, true
}

// get reads a path inside a nested value (a list element or object) with unknown tracking.
func (c *Ctx) get(v any, path, what string) (any, bool) {
	x, _ := lookup(v, path)
	if IsUnknown(x) {
		c.Unknown(what)
		return nil, false
	}
	return x, true
}

// awsManagedKey reports whether a KMS key reference names an AWS-managed key.
func awsManagedKey(ref string) bool {
	return strings.Contains(ref, "alias/aws/")
}

// Statement is one normalised IAM / KMS policy statement.
type Statement struct {
	Sid          string
	Effect       string
	Principal    map[string][]string // "*" principal is {"*": ["*"]}
	HasPrincipal bool
	// NotPrincipal names the principals an Allow statement does not grant: everyone else,
	// anonymous callers included, is granted.
	NotPrincipal map[string][]string
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    map[string]map[string][]string // operator -> key -> values
}

// Allow reports whether the statement grants.
func (s Statement) Allow() bool { return s.Effect == "Allow" }

// WildcardPrincipal reports whether anyone is a principal: "*", {"AWS": "*"} (a list holding
// "*" included, as IAM reads it), or, in an Allow statement, NotPrincipal, which grants every
// principal but the ones named ("you might grant access to anonymous users",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
func (s Statement) WildcardPrincipal() bool {
	if s.Allow() && len(s.NotPrincipal) > 0 {
		return true
	}
	for k, vs := range s.Principal {
		if k == "*" {
			return true
		}
		if k == "AWS" {
			for _, v := range vs {
				if v == "*" {
					return true
				}
			}
		}
	}
	return false
}

// ConditionValues returns the values of a condition key under any operator (keys compare
// case-insensitively, as IAM does).
func (s Statement) ConditionValues(key string) (ops []string, values []string) {
	for op, kv := range s.Condition {
		for k, vs := range kv {
			if strings.EqualFold(k, key) {
				ops = append(ops, op)
				values = append(values, vs...)
			}
		}
	}
	return ops, values
}

// ParsePolicy parses an IAM or KMS policy document (a JSON string or an already decoded
// object) into statements.
func ParsePolicy(doc any) ([]Statement, error) {
	var raw map[string]any
	switch d := doc.(type) {
	case string:
		if strings.TrimSpace(d) == "" {
			return nil, nil
		}
		if err := json.Unmarshal([]byte(d), &raw); err != nil {
			return nil, fmt.Errorf("policy document is not valid JSON: %v", err)
		}
	case map[string]any:
		raw = d
	case Props:
		raw = d
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("policy document has unexpected type %T", doc)
	}
	var stmts []any
	switch s := raw["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("policy document: Statement has unexpected type %T", s)
	}
	out := make([]Statement, 0, len(stmts))
	for i, e := range stmts {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policy document: statement %d is %T, not an object", i, e)
		}
		st := Statement{
			Action:      stringList(m["Action"]),
			NotAction:   stringList(m["NotAction"]),
			Resource:    stringList(m["Resource"]),
			NotResource: stringList(m["NotResource"]),
		}
		st.Sid, _ = m["Sid"].(string)
		name := fmt.Sprint(i)
		if st.Sid != "" {
			name = fmt.Sprintf("%d (%s)", i, st.Sid)
		}
		// Effect is required, and its value is case sensitive: Allow or Deny
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html).
		effect, present := m["Effect"]
		st.Effect, _ = effect.(string)
		switch {
		case !present:
			return nil, fmt.Errorf("policy document: statement %s has no Effect, which AWS requires (Allow or Deny)", name)
		case st.Effect != "Allow" && st.Effect != "Deny":
			return nil, fmt.Errorf("policy document: statement %s has Effect %q; AWS accepts only \"Allow\" or \"Deny\" (case sensitive)", name, fmt.Sprint(effect))
		}
		if p, ok := m["Principal"]; ok {
			st.HasPrincipal = true
			st.Principal = principals(p)
		}
		if p, ok := m["NotPrincipal"]; ok {
			st.NotPrincipal = principals(p)
			if st.NotPrincipal == nil {
				st.NotPrincipal = map[string][]string{"AWS": nil}
			}
		}
		if cond, ok := m["Condition"].(map[string]any); ok {
			st.Condition = map[string]map[string][]string{}
			for op, kv := range cond {
				km, ok := kv.(map[string]any)
				if !ok {
					continue
				}
				st.Condition[op] = map[string][]string{}
				for k, v := range km {
					st.Condition[op][k] = stringList(v)
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// principals normalises a Principal block. The grammar allows "*" or a map of principal
// types to a name or a list of names; a bare name or a bare list, which AWS rejects, is read as
// AWS principals so that a "*" in it still counts as anyone
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func principals(p any) map[string][]string {
	switch t := p.(type) {
	case string:
		if t == "*" {
			return map[string][]string{t: {t}}
		}
		return map[string][]string{"AWS": {t}}
	case []any:
		out := map[string][]string{}
		for _, v := range stringList(t) {
			if v == "*" {
				out["*"] = []string{"*"}
			} else {
				out["AWS"] = append(out["AWS"], v)
			}
		}
		return out
	case map[string]any:
		out := map[string][]string{}
		for k, v := range t {
			out[k] = stringList(v)
		}
		return out
	}
	return nil
}

func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			switch x := e.(type) {
			case string:
				out = append(out, x)
			case bool:
				out = append(out, fmt.Sprint(x))
			case float64:
				out = append(out, fmt.Sprint(x))
			}
		}
		return out
	case bool, float64:
		return []string{fmt.Sprint(t)}
	}
	return nil
}

// policyAt reads and parses the policy document at path. ok is false when the document is
// unknown (noted) or invalid (reported as a violation).
func (c *Ctx) policyAt(r *Resource, path string) ([]Statement, bool) {
	v, present := r.Props.Get(path)
	if !present || v == nil {
		return nil, true
	}
	if HasUnknown(v) {
		c.Unknown(path)
		return nil, false
	}
	if s, ok := v.(string); ok && strings.Contains(s, unknownSentinel) {
		c.Unknown(path)
		return nil, false
	}
	st, err := ParsePolicy(v)
	if err != nil {
		c.Fail("%s: %v", path, err)
		return nil, false
	}
	return st, true
}

// unknownSentinel is how the engine spells an unknown string inside serialized state.
const unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
