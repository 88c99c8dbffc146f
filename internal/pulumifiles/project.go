// Package pulumifiles reads and writes the files Pulumi keeps for a project: Pulumi.yaml, the
// stack files Pulumi.<stack>.yaml and `pulumi stack export` deployments (version 3), and
// converts the property values stored in them into plain Go values.
//
// It depends only on the Pulumi SDK's common packages and a YAML decoder, never on components
// or cloud SDKs, so that the DR tool can read a stack file during an outage without linking
// the whole platform.
package pulumifiles

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ProjectFile is the project file at the root of a Pulumi project.
const ProjectFile = "Pulumi.yaml"

// ProjectName reads the project name from root's Pulumi.yaml.
func ProjectName(root string) (string, error) {
	path := filepath.Join(root, ProjectFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading project: %w", err)
	}
	var doc struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if strings.TrimSpace(doc.Name) == "" {
		return "", fmt.Errorf("%s: no project name", path)
	}
	return strings.TrimSpace(doc.Name), nil
}

// StackFile returns the path of a stack's config file under root.
func StackFile(root, stack string) string {
	return filepath.Join(root, "Pulumi."+stack+".yaml")
}

// Stacks lists the stacks that have a config file under root: region cells first, then DR
// stacks (named <cell>-dr), because a DR stack reads its cell's outputs.
func Stacks(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	slices.SortFunc(out, func(a, b string) int {
		da, db := isDRStack(a), isDRStack(b)
		switch {
		case da && !db:
			return 1
		case db && !da:
			return -1
		}
		return strings.Compare(a, b)
	})
	return out, nil
}

func isDRStack(stack string) bool { return strings.HasSuffix(stack, drSuffix) }
