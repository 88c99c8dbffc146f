package mockcloud

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
)

// engineModule is the Pulumi SDK whose version an exported deployment records as the engine's;
// awsModule is the AWS provider SDK, whose version a provider resource records.
const (
	engineModule = "github.com/pulumi/pulumi/sdk/v3"
	awsModule    = "github.com/pulumi/pulumi-aws/sdk/v6"
)

// EngineVersion is the version of the Pulumi SDK linked into the running binary ("v3.255.0"),
// which the plan records in its deployment manifest.
func EngineVersion() (string, error) { return moduleVersion(engineModule) }

// AWSProviderVersion is the version of the AWS provider SDK the module builds with ("6.83.2",
// without the v), as a provider resource of a plan records it.
func AWSProviderVersion() (string, error) {
	v, err := moduleVersion(awsModule)
	return strings.TrimPrefix(v, "v"), err
}

// moduleVersion reads a dependency's version from the binary's build info
// (https://pkg.go.dev/runtime/debug#ReadBuildInfo). Test binaries of non-main packages carry
// no dependency list (https://github.com/golang/go/issues/33976), so for them it is read from
// the go.mod of the main module instead, which go test runs inside.
func moduleVersion(path string) (string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("mockcloud: the binary has no build info, so the version of %s is unknown: build it in module mode", path)
	}
	if len(info.Deps) == 0 {
		return goModVersion(info.Main.Path, path)
	}
	return versionIn(info.Deps, path)
}

// versionIn finds path among the linked modules, following a replacement.
func versionIn(deps []*debug.Module, path string) (string, error) {
	for _, m := range deps {
		if m.Path != path {
			continue
		}
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Version == "" {
			return "", fmt.Errorf("mockcloud: module %s is replaced by a directory, so it has no version to record", path)
		}
		return m.Version, nil
	}
	return "", fmt.Errorf("mockcloud: module %s is not linked into this binary, so its version is unknown", path)
}

// goModVersion reads the version of path that the go.mod of mainModule requires, finding that
// go.mod in the working directory or above it.
func goModVersion(mainModule, path string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		file := filepath.Join(dir, "go.mod")
		raw, err := os.ReadFile(file)
		if err == nil {
			mod, err := modfile.Parse(file, raw, nil)
			if err != nil {
				return "", err
			}
			if mod.Module != nil && mod.Module.Mod.Path == mainModule {
				return requiredVersion(mod, file, path)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("mockcloud: no go.mod of module %q above the working directory, so the version of %s is unknown", mainModule, path)
		}
		dir = parent
	}
}

// requiredVersion is the version mod requires of path, following a replacement.
func requiredVersion(mod *modfile.File, file, path string) (string, error) {
	version := ""
	for _, r := range mod.Require {
		if r.Mod.Path == path {
			version = r.Mod.Version
		}
	}
	if version == "" {
		return "", fmt.Errorf("mockcloud: %s does not require module %s, so its version is unknown", file, path)
	}
	for _, r := range mod.Replace {
		if r.Old.Path != path || (r.Old.Version != "" && r.Old.Version != version) {
			continue
		}
		if r.New.Version == "" {
			return "", fmt.Errorf("mockcloud: %s replaces module %s by a directory, so it has no version to record", file, path)
		}
		return r.New.Version, nil
	}
	return version, nil
}
