package pulumifiles

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

func TestUnknownValueIsTheEngineSentinel(t *testing.T) {
	if UnknownValue != plugin.UnknownStringValue {
		t.Fatalf("UnknownValue %q, the SDK's %q", UnknownValue, plugin.UnknownStringValue)
	}
}

func TestPlainUnwrapsSecretsReferencesAndUnknowns(t *testing.T) {
	stored := map[string]any{}
	// As a real export stores them (read back from JSON).
	if err := json.Unmarshal([]byte(`{
		"plain": "x",
		"unknown": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
		"shown": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "{\"user\":\"app\",\"port\":5432}"},
		"value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ["a", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"]},
		"encrypted": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "AAAB"},
		"ref": {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:pulumi:s::p::aws:kms/key:Key::k", "id": "key-1"},
		"refNoID": {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:pulumi:s::p::aws:kms/key:Key::k", "id": ""},
		"nested": {"list": [1, {"deep": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}], "__internal": 1},
		"__meta": "dropped"
	}`), &stored); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"plain":     "x",
		"unknown":   Unknown{},
		"shown":     map[string]any{"user": "app", "port": 5432.0},
		"value":     []any{"a", Unknown{}},
		"encrypted": Redacted,
		"ref":       "key-1",
		"refNoID":   "urn:pulumi:s::p::aws:kms/key:Key::k",
		"nested":    map[string]any{"list": []any{1.0, map[string]any{"deep": Unknown{}}}},
	}
	if got := PlainMap(stored); !reflect.DeepEqual(got, want) {
		t.Errorf("PlainMap:\n got %#v\nwant %#v", got, want)
	}
	redacted := PlainOutputs(stored)
	for _, k := range []string{"shown", "value", "encrypted"} {
		if redacted[k] != Redacted {
			t.Errorf("PlainOutputs %s = %#v, want %q", k, redacted[k], Redacted)
		}
	}
	if redacted["ref"] != "key-1" || redacted["unknown"] != (Unknown{}) {
		t.Errorf("PlainOutputs converts the rest like PlainMap: %#v", redacted)
	}
}

func TestEncodePropertyRedactsSecretsAndMarksUnknowns(t *testing.T) {
	id := resource.NewStringProperty("key-1")
	props := resource.PropertyMap{
		"name":     resource.NewStringProperty("db"),
		"port":     resource.NewNumberProperty(5432),
		"on":       resource.NewBoolProperty(true),
		"none":     resource.NewNullProperty(),
		"password": resource.MakeSecret(resource.NewStringProperty("hunter2")),
		"pending":  resource.MakeComputed(resource.NewStringProperty("")),
		"outSecret": resource.NewOutputProperty(resource.Output{
			Element: resource.NewStringProperty("hunter2"), Known: true, Secret: true}),
		"outUnknown": resource.NewOutputProperty(resource.Output{Known: false}),
		"outKnown":   resource.NewOutputProperty(resource.Output{Element: resource.NewStringProperty("v"), Known: true}),
		"key":        resource.MakeCustomResourceReference("urn:pulumi:s::p::aws:kms/key:Key::k", resource.ID(id.StringValue()), "6.83.2"),
		"list":       resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("a"), resource.MakeSecret(resource.NewStringProperty("b"))}),
		"obj":        resource.NewObjectProperty(resource.PropertyMap{"inner": resource.MakeComputed(resource.NewStringProperty(""))}),
	}
	enc := EncodeProperties(props)
	raw, err := json.Marshal(enc)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(raw); strings.Contains(s, "hunter2") || strings.Contains(s, `"b"`) {
		t.Fatalf("a secret value reached the export: %s", s)
	}
	var stored map[string]any
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name": "db", "port": 5432.0, "on": true, "none": nil,
		"password": Redacted, "pending": Unknown{}, "outSecret": Redacted, "outUnknown": Unknown{}, "outKnown": "v",
		"key":  "key-1",
		"list": []any{"a", Redacted},
		"obj":  map[string]any{"inner": Unknown{}},
	}
	if got := PlainMap(stored); !reflect.DeepEqual(got, want) {
		t.Errorf("encode then Plain:\n got %#v\nwant %#v", got, want)
	}
	ref, _ := stored["key"].(map[string]any)
	if ref["urn"] != "urn:pulumi:s::p::aws:kms/key:Key::k" || ref["packageVersion"] != "6.83.2" {
		t.Errorf("resource reference stored as %#v", stored["key"])
	}
}

func TestPlainPropertyUnwrapsSecretsAndMarksUnknowns(t *testing.T) {
	v := resource.NewObjectProperty(resource.PropertyMap{
		"password": resource.MakeSecret(resource.NewStringProperty("hunter2")),
		"pending":  resource.MakeComputed(resource.NewStringProperty("")),
		"later":    resource.NewOutputProperty(resource.Output{Known: false, Secret: true}),
		"known":    resource.NewOutputProperty(resource.Output{Element: resource.NewNumberProperty(3), Known: true, Secret: true}),
		"key":      resource.MakeCustomResourceReference("urn:pulumi:s::p::aws:kms/key:Key::k", "key-1", ""),
		"keyNoID":  resource.MakeComponentResourceReference("urn:pulumi:s::p::my:comp:Comp::c", ""),
		"list":     resource.NewArrayProperty([]resource.PropertyValue{resource.NewBoolProperty(false), resource.NewNullProperty()}),
	})
	want := map[string]any{
		"password": "hunter2", "pending": Unknown{}, "later": Unknown{}, "known": 3.0,
		"key": "key-1", "keyNoID": "urn:pulumi:s::p::my:comp:Comp::c", "list": []any{false, nil},
	}
	if got := PlainProperty(v); !reflect.DeepEqual(got, want) {
		t.Errorf("PlainProperty:\n got %#v\nwant %#v", got, want)
	}
}
