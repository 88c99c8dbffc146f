package pulumifiles

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// UnknownValue is the string the engine stores for a value not known until apply (the
// SDK's plugin.UnknownStringValue; that package is not imported for one constant because it
// links the gRPC plugin machinery).
const UnknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// Redacted stands for a secret whose plaintext is not shown: it is what the planner writes
// for every secret, and what `pulumi stack output --show-secrets=false` prints.
const Redacted = "[secret]"

// Unknown is the plain value of a property that is not known until apply.
type Unknown struct{}

// Plain converts a property value as stored in a deployment into a plain Go value
// (map[string]any, []any, string, float64, bool, nil or Unknown): secrets are unwrapped to
// their plaintext (Redacted when it is encrypted), resource references become their id (or
// URN), and the unknown sentinel becomes Unknown.
func Plain(v any) any { return plain(v, false) }

// PlainMap converts a stored property map with Plain, leaving out engine-internal keys
// ("__..."), which the engine never sends to a program or an analyzer.
func PlainMap(m map[string]any) map[string]any { return plainMap(m, false) }

// PlainOutputs converts stack outputs as `pulumi stack output --json --show-secrets=false`
// prints them: like PlainMap, but every secret is Redacted.
func PlainOutputs(m map[string]any) map[string]any { return plainMap(m, true) }

func plain(v any, redact bool) any {
	switch t := v.(type) {
	case string:
		if t == UnknownValue {
			return Unknown{}
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e, redact)
		}
		return out
	case map[string]any:
		switch t[sig.Key] {
		case sig.Secret:
			if redact {
				return Redacted
			}
			if pt, ok := t["plaintext"].(string); ok {
				var inner any
				if err := json.Unmarshal([]byte(pt), &inner); err == nil {
					return plain(inner, redact)
				}
			}
			if val, ok := t["value"]; ok {
				return plain(val, redact)
			}
			return Redacted
		case sig.ResourceReference:
			if id, ok := t["id"].(string); ok && id != "" {
				return plain(id, redact)
			}
			urn, _ := t["urn"].(string)
			return urn
		}
		return plainMap(t, redact)
	}
	return v
}

func plainMap(m map[string]any, redact bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		if strings.HasPrefix(k, "__") {
			continue
		}
		out[k] = plain(e, redact)
	}
	return out
}

// PlainProperty converts a property value as the engine sends it to a program or an analyzer
// into a plain Go value, like Plain: secrets are unwrapped, resource references become their
// id (or URN) and values not known until apply become Unknown.
func PlainProperty(v resource.PropertyValue) any {
	return convertProperty(v, func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsComputed():
			return Unknown{}, true
		case v.IsOutput():
			if o := v.OutputValue(); o.Known {
				return PlainProperty(o.Element), true
			}
			return Unknown{}, true
		case v.IsSecret():
			return PlainProperty(v.SecretValue().Element), true
		case v.IsResourceReference():
			ref := v.ResourceReferenceValue()
			if id, ok := ref.IDString(); ok && id != "" {
				return id, true
			}
			return string(ref.URN), true
		}
		return nil, false
	})
}

// EncodeProperties turns a property map into its deployment (state file) form with
// EncodeProperty.
func EncodeProperties(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = EncodeProperty(v)
	}
	return out
}

// EncodeProperty turns a property value into its deployment form. Secrets are written as
// Redacted: an export written here never holds a secret's value.
func EncodeProperty(v resource.PropertyValue) any {
	return convertProperty(v, func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsSecret():
			return Secret(Redacted), true
		case v.IsResourceReference():
			ref := v.ResourceReferenceValue()
			out := map[string]any{sig.Key: sig.ResourceReference, "urn": string(ref.URN), "packageVersion": ref.PackageVersion}
			if id, ok := ref.IDString(); ok {
				out["id"] = id
			}
			return out, true
		case v.IsOutput():
			o := v.OutputValue()
			switch {
			case o.Secret:
				return Secret(Redacted), true
			case !o.Known:
				return UnknownValue, true
			}
			return EncodeProperty(o.Element), true
		case v.IsComputed():
			return UnknownValue, true
		}
		return nil, false
	})
}

// convertProperty turns a property value into plain Go values: special decides the values
// that are not plain data (secrets, outputs, unknowns, references); arrays and objects are
// converted element by element through it.
func convertProperty(v resource.PropertyValue, special func(resource.PropertyValue) (any, bool)) any {
	if out, ok := special(v); ok {
		return out
	}
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		a := v.ArrayValue()
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = convertProperty(e, special)
		}
		return out
	case v.IsObject():
		m := v.ObjectValue()
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[string(k)] = convertProperty(e, special)
		}
		return out
	}
	return fmt.Sprint(v.V)
}

// Secret is the deployment form of a secret shown in plain text, as
// `pulumi stack export --show-secrets` writes it.
func Secret(plaintext string) map[string]any {
	b, _ := json.Marshal(plaintext)
	return map[string]any{sig.Key: sig.Secret, "plaintext": string(b)}
}
