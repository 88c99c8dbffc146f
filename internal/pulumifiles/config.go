package pulumifiles

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// StackConfig is a decoded Pulumi.<stack>.yaml.
type StackConfig struct {
	Path string
	// Values is the flat form the Pulumi engine hands a program (and the SDK's mocks expect):
	// "namespace:key" -> string, with objects and lists JSON-encoded. A key without a
	// namespace belongs to the project.
	Values map[string]string
	// Secure lists, sorted, the keys holding encrypted secrets ({secure: ...}); they are not
	// in Values, since decrypting them needs the stack's secrets provider.
	Secure []string
}

// ReadStackConfig reads root's Pulumi.<stack>.yaml. When project is empty it is read from
// root's Pulumi.yaml if a key without a namespace needs it. A missing stack file is an error
// that wraps fs.ErrNotExist.
func ReadStackConfig(root, project, stack string) (*StackConfig, error) {
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
	cfg := &StackConfig{Path: path, Values: map[string]string{}}
	for k, v := range file.Config {
		if !strings.Contains(k, ":") {
			if project == "" {
				if project, err = ProjectName(root); err != nil {
					return nil, fmt.Errorf("%s: key %s has no namespace and the project is unknown: %w", path, k, err)
				}
			}
			k = project + ":" + k
		}
		if m, ok := v.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				cfg.Secure = append(cfg.Secure, k)
				continue
			}
		}
		switch v := v.(type) {
		case string:
			cfg.Values[k] = v
		case nil:
			cfg.Values[k] = ""
		case map[string]any, []any:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, k, err)
			}
			cfg.Values[k] = string(b)
		default:
			cfg.Values[k] = fmt.Sprint(v)
		}
	}
	slices.Sort(cfg.Secure)
	return cfg, nil
}

// LoadConfig reads a stack file into the flat form a program gets (see StackConfig.Values).
// It refuses encrypted secrets: the offline tools never need one, so none may be an input.
func LoadConfig(root, project, stack string) (map[string]string, error) {
	cfg, err := ReadStackConfig(root, project, stack)
	if err != nil {
		return nil, err
	}
	if len(cfg.Secure) > 0 {
		return nil, fmt.Errorf("%s: %s is an encrypted secret; the offline plan never needs secrets, keep them out of plan inputs", cfg.Path, cfg.Secure[0])
	}
	return cfg.Values, nil
}

// drSuffix ends the name of a cell's DR stack by convention.
const drSuffix = "-dr"

// PrimaryStackKey is the config key (in the project's namespace) naming the cell of a DR stack.
const PrimaryStackKey = "primaryStack"

// PrimaryStackRef is the cell a DR stack belongs to, as configured: configured (the value of
// <project>:primaryStack, a stack name or a stack reference "<org>/<project>/<stack>") when
// set, otherwise the stack name without its "-dr" suffix. It equals stack when neither names
// another stack.
func PrimaryStackRef(stack, configured string) string {
	if s := strings.TrimSpace(configured); s != "" {
		return s
	}
	return strings.TrimSuffix(stack, drSuffix)
}

// PrimaryStack is the name of the cell stack a DR stack belongs to, from the stack's flat
// config: PrimaryStackRef without the organization and project of a qualified reference.
func PrimaryStack(project, stack string, cfg map[string]string) string {
	ref := PrimaryStackRef(stack, cfg[project+":"+PrimaryStackKey])
	return ref[strings.LastIndex(ref, "/")+1:]
}
