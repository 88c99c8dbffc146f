package keys

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

func build(t *testing.T, a *Args) (*mockcloud.Cloud, error) {
	t.Helper()
	return mockcloudtest.RunProgram(t, "ap-northeast-1", func(ctx *pulumi.Context) error {
		_, err := New(ctx, "keys", a)
		return err
	})
}

type policy struct {
	Statement []struct {
		Sid       string
		Principal any
		Action    []string
		Condition map[string]map[string]any
	}
}

func TestKeysPerClassWithRotationAndNamedPrincipals(t *testing.T) {
	c, err := build(t, &Args{
		Region: "ap-northeast-1", Prefix: "prod-jp", Tags: map[string]string{"owner": "platform"},
		Users: map[Class][]string{Secrets: {"arn:aws:iam::123456789012:role/prod-jp-storefront"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mockcloudtest.RequireParented(t, c, "globalstack:keys:Keys")
	keys := c.OfType("aws:kms/key:Key")
	if len(keys) != len(AllClasses) {
		t.Fatalf("want %d keys, got %d", len(AllClasses), len(keys))
	}
	for _, k := range keys {
		if !k.Bool("enableKeyRotation") {
			t.Errorf("%s: rotation off", k.Name)
		}
		if k.Region != "ap-northeast-1" || k.Tags()["owner"] != "platform" {
			t.Errorf("%s: region %q tags %v", k.Name, k.Region, k.Tags())
		}
		var p policy
		if err := json.Unmarshal([]byte(k.Str("policy")), &p); err != nil {
			t.Fatalf("%s: policy is not JSON: %v", k.Name, err)
		}
		for _, s := range p.Statement {
			raw, _ := json.Marshal(s.Principal)
			if s.Principal == nil || s.Principal == "*" || strings.Contains(string(raw), `"*"`) {
				t.Errorf("%s: statement %s has a wildcard principal %s", k.Name, s.Sid, raw)
			}
		}
		class := k.Tags()["data-class"]
		hasUsers := strings.Contains(k.Str("policy"), "role/prod-jp-storefront")
		if hasUsers != (class == string(Secrets)) {
			t.Errorf("%s: named user present=%v for class %s", k.Name, hasUsers, class)
		}
		if class == string(Logs) && !strings.Contains(k.Str("policy"), "logs.ap-northeast-1.amazonaws.com") {
			t.Errorf("logs key does not let CloudWatch Logs use it")
		}
	}
	if n := len(c.OfType("aws:kms/alias:Alias")); n != len(AllClasses) {
		t.Errorf("want an alias per key, got %d", n)
	}
}

func TestInvalidArgs(t *testing.T) {
	c, err := build(t, &Args{
		Region: "moon-1", Classes: []Class{"gold"}, DeletionWindowDays: 3,
		Users: map[Class][]string{Data: {"*"}},
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`keys: Region: "moon-1"`, "keys: Prefix: is required", `unknown class "gold"`, "DeletionWindowDays: 3 is outside 7-30", `"*" is not an IAM principal ARN`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(c.Resources()) != 0 {
		t.Errorf("resources registered despite invalid args")
	}
}

func TestAuditKeyLetsCloudTrailEncryptOnlyThisAccountsTrails(t *testing.T) {
	c, err := build(t, &Args{Region: "ap-northeast-1", Prefix: "prod-jp", Classes: []Class{Audit}})
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Statement []struct {
			Sid       string
			Principal map[string]any
			Action    []string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(mockcloudtest.One(t, c, "aws:kms/key:Key").Str("policy")), &p); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range p.Statement {
		got[s.Sid] = true
		switch s.Sid {
		case "CloudTrailEncryptLogs":
			if s.Principal["Service"] != "cloudtrail.amazonaws.com" ||
				s.Condition["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"] != "arn:aws:cloudtrail:*:"+mockcloud.Account+":trail/*" ||
				s.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:cloudtrail:ap-northeast-1:"+mockcloud.Account+":trail/*" {
				t.Errorf("CloudTrail statement lacks the documented conditions: %+v", s)
			}
		}
		// The CIS alarms publish to the alert topic and its own key: CloudWatch has no use
		// for the key that encrypts the audit logs.
		if s.Principal["Service"] == "cloudwatch.amazonaws.com" {
			t.Errorf("the audit key admits CloudWatch alarms: %+v", s)
		}
	}
	for _, sid := range []string{"CloudTrailEncryptLogs", "CloudTrailDescribeKey", "CloudWatchLogsUseKey"} {
		if !got[sid] {
			t.Errorf("the audit key's policy has no %s statement", sid)
		}
	}
}
