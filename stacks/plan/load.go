// Package plan runs the stacks' real program under the mock cloud, offline, and writes what
// each stack would create: a deployment export (state.json), a summary and a diagram.
package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// StackFile returns the path of a stack's config file under root.
func StackFile(root, stack string) string {
	return filepath.Join(root, "Pulumi."+stack+".yaml")
}

// Stacks lists the stacks that have a config file under root: region cells first, then DR
// stacks, because a DR stack reads its cell's outputs.
func Stacks(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Slice(out, func(i, j int) bool {
		di, dj := strings.HasSuffix(out[i], "-dr"), strings.HasSuffix(out[j], "-dr")
		if di != dj {
			return dj
		}
		return out[i] < out[j]
	})
	return out, nil
}

// LoadConfig reads a stack file into the flat form the Pulumi engine hands a program:
// "namespace:key" -> string, with objects and lists JSON-encoded. A key without a namespace
// belongs to the project.
func LoadConfig(root, project, stack string) (map[string]string, error) {
	path := StackFile(root, stack)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for k, v := range file.Config {
		if !strings.Contains(k, ":") {
			k = project + ":" + k
		}
		if m, ok := v.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				return nil, fmt.Errorf("%s: %s is an encrypted secret; the offline plan never needs secrets, keep them out of plan inputs", path, k)
			}
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
			out[k] = ""
		case map[string]any, []any:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, k, err)
			}
			out[k] = string(b)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}
