package pulumifiles

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// DeploymentVersion is the only `pulumi stack export` format read and written here.
const DeploymentVersion = 3

// NewManifest is the manifest of a deployment written at now by Pulumi engineVersion.
func NewManifest(now time.Time, engineVersion string) apitype.ManifestV1 {
	return apitype.ManifestV1{
		Time:    now.UTC(),
		Magic:   fmt.Sprintf("%x", sha256.Sum256([]byte(engineVersion))),
		Version: engineVersion,
	}
}

// RootURN is the URN of a stack's root resource (type pulumi:pulumi:Stack).
func RootURN(project, stack string) resource.URN {
	return resource.NewURN(tokens.QName(stack), tokens.PackageName(project), "", resource.RootStackType, project+"-"+stack)
}

// EncodeDeployment renders a deployment as `pulumi stack export` does: an untyped deployment
// of version 3, indented.
func EncodeDeployment(d apitype.DeploymentV3) ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(apitype.UntypedDeployment{Version: DeploymentVersion, Deployment: raw}, "", "  ")
}

// ReadDeployment reads a `pulumi stack export` file (an untyped deployment of version 3).
func ReadDeployment(path string) (apitype.DeploymentV3, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return apitype.DeploymentV3{}, fmt.Errorf("reading deployment: %w", err)
	}
	return DecodeDeployment(data, path)
}

// DecodeDeployment decodes an export; source names it in errors.
func DecodeDeployment(data []byte, source string) (apitype.DeploymentV3, error) {
	var d apitype.DeploymentV3
	var u apitype.UntypedDeployment
	if err := json.Unmarshal(data, &u); err != nil {
		return d, fmt.Errorf("%s: not a stack export: %w", source, err)
	}
	if u.Version != DeploymentVersion {
		return d, fmt.Errorf("%s: deployment version %d is not supported (want %d)", source, u.Version, DeploymentVersion)
	}
	if err := json.Unmarshal(u.Deployment, &d); err != nil {
		return d, fmt.Errorf("%s: deployment: %w", source, err)
	}
	return d, nil
}

// StackName returns the stack name encoded in a deployment's URNs
// ("urn:pulumi:<stack>::<project>::...").
func StackName(d apitype.DeploymentV3) string {
	for _, r := range d.Resources {
		parts := strings.SplitN(strings.TrimPrefix(string(r.URN), "urn:pulumi:"), "::", 2)
		if len(parts) == 2 && parts[0] != "" {
			return parts[0]
		}
	}
	return ""
}

// StackOutputs returns the outputs of the deployment's root stack resource as stored (see
// PlainOutputs to read them); ok is false when the deployment has no root stack resource.
func StackOutputs(d apitype.DeploymentV3) (outputs map[string]any, ok bool) {
	for _, r := range d.Resources {
		if r.Type == resource.RootStackType {
			if r.Outputs == nil {
				return map[string]any{}, true
			}
			return r.Outputs, true
		}
	}
	return nil, false
}
