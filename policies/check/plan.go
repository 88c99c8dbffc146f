package check

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// StackConfig reads the configuration of root's Pulumi.<stack>.yaml in the flat form a program
// gets ("aws:region", "globalstack:jurisdiction", ...). Encrypted secrets are left out. A
// missing file yields an empty map: in the engine a stack may come without its config.
func StackConfig(root, stack string) (map[string]string, error) {
	cfg, err := pulumifiles.ReadStackConfig(root, "", stack)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return cfg.Values, nil
}

// PlanFiles returns the state files under a plan directory, sorted: <dir>/<stack>/state.json
// and the what-if modes of a stack, <dir>/<stack>/<mode>/state.json (a DR stack's failover).
func PlanFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "state.json"))
	if err != nil {
		return nil, err
	}
	modes, err := filepath.Glob(filepath.Join(dir, "*", "*", "state.json"))
	if err != nil {
		return nil, err
	}
	files = append(files, modes...)
	sort.Strings(files)
	return files, nil
}

// CheckFiles checks several stack exports together: each stack with its own configuration
// (read from Pulumi.<stack>.yaml under root when root is not empty), and with the resources of
// all of them known, so that a replication target in a sibling stack is located.
func CheckFiles(files []string, root string, opts Options) (Reports, error) {
	deps := make([]apitype.DeploymentV3, len(files))
	for i, f := range files {
		d, err := pulumifiles.ReadDeployment(f)
		if err != nil {
			return nil, err
		}
		deps[i] = d
	}
	idx := RegionIndex(deps...)
	for k, v := range opts.Regions {
		idx[k] = v
	}
	owners := RecordOwners(deps...)
	var out Reports
	for i, d := range deps {
		o := opts
		o.Regions = idx
		o.RecordOwners = owners
		stack := pulumifiles.StackName(d)
		if root != "" && opts.Config == nil {
			cfg, err := StackConfig(root, stack)
			if err != nil {
				return nil, err
			}
			o.Config = cfg
		}
		rep, err := CheckDeployment(stack, d, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", files[i], err)
		}
		rep.Source = filepath.ToSlash(files[i])
		out = append(out, rep)
	}
	return out, nil
}

// PolicyConfig is a policy pack configuration file in the format `pulumi --policy-pack-config`
// reads: {"all": "advisory", "<policy>": "mandatory", "<policy>": {"enforcementLevel": "..."}}.
// The jurisdiction property of stack-jurisdiction-declared sets the jurisdiction.
type PolicyConfig struct {
	Levels       map[string]rules.Level
	Jurisdiction string
}

// LoadPolicyConfig reads a policy pack configuration file.
func LoadPolicyConfig(path string) (PolicyConfig, error) {
	pc := PolicyConfig{Levels: map[string]rules.Level{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return pc, fmt.Errorf("reading policy config: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return pc, fmt.Errorf("%s: %w", path, err)
	}
	for name, v := range raw {
		if name != "all" && rules.Lookup(name) == nil {
			return pc, fmt.Errorf("%s: %q is not a policy name or rule ID", path, name)
		}
		var lvl string
		if err := json.Unmarshal(v, &lvl); err != nil {
			var obj map[string]any
			if err := json.Unmarshal(v, &obj); err != nil {
				return pc, fmt.Errorf("%s: %s: want a level or an object", path, name)
			}
			lvl, _ = obj["enforcementLevel"].(string)
			if j, ok := obj["jurisdiction"].(string); ok {
				pc.Jurisdiction = j
			}
			if lvl == "" {
				continue
			}
		}
		if lvl == "remediate" {
			lvl = string(rules.Mandatory)
		}
		l, err := rules.ParseLevel(lvl)
		if err != nil {
			return pc, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		pc.Levels[name] = l
	}
	return pc, nil
}

// ProjectOptions are the options `make policy` uses for one stack of the repository at root:
// the reviewed waivers and the stack's Pulumi.<stack>.yaml configuration.
func ProjectOptions(root, stack string) (Options, error) {
	w, err := waivers.Reviewed()
	if err != nil {
		return Options{}, err
	}
	cfg, err := StackConfig(root, stack)
	if err != nil {
		return Options{}, err
	}
	return Options{Waivers: w, Config: cfg}, nil
}
