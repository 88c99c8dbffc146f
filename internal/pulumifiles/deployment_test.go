package pulumifiles

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func sampleDeployment() apitype.DeploymentV3 {
	root := RootURN("shop", "prod-eu")
	bucket := resource.URN("urn:pulumi:prod-eu::shop::aws:s3/bucketV2:BucketV2::assets")
	return apitype.DeploymentV3{
		Manifest: NewManifest(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)), "v3.255.0"),
		Resources: []apitype.ResourceV3{
			{URN: root, Type: resource.RootStackType, Outputs: map[string]any{
				"region": "eu-west-1", "dbPassword": Secret(Redacted),
			}},
			{URN: bucket, Custom: true, ID: "assets-1234", Type: "aws:s3/bucketV2:BucketV2", Parent: root,
				Inputs:               map[string]any{"bucket": "assets", "tags": map[string]any{"owner": "platform"}},
				Outputs:              map[string]any{"arn": "arn:aws:s3:::assets", "versions": []any{1.0, true, nil}},
				Dependencies:         []resource.URN{root},
				PropertyDependencies: map[resource.PropertyKey][]resource.URN{"bucket": {root}},
			},
		},
	}
}

func TestDeploymentRoundTrip(t *testing.T) {
	d := sampleDeployment()
	raw, err := EncodeDeployment(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "{\n  \"version\": 3,\n  \"deployment\": {") {
		t.Errorf("not an indented version 3 export:\n%.80s", raw)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDeployment(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Manifest.Time.Equal(d.Manifest.Time) || got.Manifest.Time.Location() != time.UTC {
		t.Errorf("manifest time %v, want %v in UTC", got.Manifest.Time, d.Manifest.Time)
	}
	got.Manifest.Time, d.Manifest.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip changed the deployment:\n got %#v\nwant %#v", got, d)
	}
	if got.Manifest.Version != "v3.255.0" || len(got.Manifest.Magic) != 64 {
		t.Errorf("manifest %+v", got.Manifest)
	}
	if StackName(got) != "prod-eu" {
		t.Errorf("StackName = %q", StackName(got))
	}
	outs, ok := StackOutputs(got)
	if !ok || outs["region"] != "eu-west-1" {
		t.Errorf("StackOutputs = %v, %v", outs, ok)
	}
	if plain := PlainOutputs(outs); plain["dbPassword"] != Redacted {
		t.Errorf("secret output reads as %v", plain["dbPassword"])
	}
}

func TestRootURN(t *testing.T) {
	if got := RootURN("globalstack", "prod-jp"); got != "urn:pulumi:prod-jp::globalstack::pulumi:pulumi:Stack::globalstack-prod-jp" {
		t.Errorf("RootURN = %s", got)
	}
}

func TestReadDeploymentRefusesWhatIsNotAVersion3Export(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"v2.json":   `{"version": 2, "deployment": {}}`,
		"junk.json": `not json`,
		"bad.json":  `{"version": 3, "deployment": {"resources": 7}}`,
	} {
		writeFile(t, filepath.Join(dir, name), body)
	}
	for name, want := range map[string]string{
		"v2.json":      "v2.json: deployment version 2 is not supported (want 3)",
		"junk.json":    "junk.json: not a stack export",
		"bad.json":     "bad.json: deployment:",
		"missing.json": "reading deployment:",
	} {
		if _, err := ReadDeployment(filepath.Join(dir, name)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", name, err, want)
		}
	}
}

func TestStackOutputsWithoutRootResource(t *testing.T) {
	d := apitype.DeploymentV3{Resources: []apitype.ResourceV3{{URN: "urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b", Type: "aws:s3/bucketV2:BucketV2"}}}
	if _, ok := StackOutputs(d); ok {
		t.Error("a deployment without pulumi:pulumi:Stack has no outputs")
	}
	if StackName(apitype.DeploymentV3{}) != "" {
		t.Error("an empty deployment names no stack")
	}
}
