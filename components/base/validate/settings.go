package validate

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// LogRetentionDays lists the retention periods CloudWatch Logs accepts
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html,
// retentionInDays).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetention records a problem when days is not a retention CloudWatch Logs accepts.
func CheckLogRetention(p *Problems, field string, days int) {
	p.Require(slices.Contains(LogRetentionDays, days), field, "%d is not a retention CloudWatch Logs accepts (%v)", days, LogRetentionDays)
}

// SettingKey names the setting key of a component's Settings field in problems: "key" alone
// when prefix is empty (a component validating its own args), else "<prefix>.<key>"
// (e.g. "globalstack:database.instances").
func SettingKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// SettingRow is one documented setting of a component: its key, what it means and its value
// in the prod and dev presets.
type SettingRow struct {
	Key, Doc, Prod, Dev string
}

// SettingRows lists the settings of a Settings struct from its presets: each field's json
// key and doc tag, and its prod and dev values.
func SettingRows(prod, dev any) []SettingRow {
	pv, dv := reflect.ValueOf(prod), reflect.ValueOf(dev)
	t := pv.Type()
	var rows []SettingRow
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		rows = append(rows, SettingRow{Key: key, Doc: f.Tag.Get("doc"),
			Prod: settingValue(pv.Field(i), f.Tag.Get("zero")), Dev: settingValue(dv.Field(i), f.Tag.Get("zero"))})
	}
	return rows
}

// settingValue renders a preset value; zero is how the field's zero value reads ("headless",
// "one per zone"), when it means something.
func settingValue(v reflect.Value, zero string) string {
	if v.IsZero() {
		if zero != "" {
			return zero
		}
		return "unset"
	}
	switch v.Kind() {
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprint(v.Interface())
	}
}

// FillZero sets every zero field of *s to the field's value in preset, so args that leave a
// setting out get the preset's. Only for settings whose zero value is never meaningful, or
// whose preset value is zero too.
func FillZero[T any](s *T, preset T) {
	v, pv := reflect.ValueOf(s).Elem(), reflect.ValueOf(preset)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			v.Field(i).Set(pv.Field(i))
		}
	}
}

// ReplaceSection puts body between the generated-section markers "<!-- name -->" and
// "<!-- /name -->" of a Markdown document, failing when the document lacks them.
func ReplaceSection(doc, name, body string) (string, error) {
	begin, end := "<!-- "+name+" -->\n", "<!-- /"+name+" -->"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no %q ... %q markers", strings.TrimSpace(begin), end)
	}
	return doc[:i+len(begin)] + body + doc[j:], nil
}
