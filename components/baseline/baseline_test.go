package baseline

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/baseline/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	keyArn   = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	topicArn = "arn:aws:sns:eu-west-1:123456789012:prod-eu-alerts"
)

func args(account, region bool) *Args {
	s := settings.Prod
	s.Account, s.Region = account, region
	return &Args{Prefix: "prod-eu", Region: "eu-west-1", Settings: s, KeyArn: pulumi.String(keyArn), AlarmTopicArn: pulumi.String(topicArn),
		DataEventBuckets: []pulumi.StringInput{pulumi.String("prod-eu-assets")}, Tags: map[string]string{"owner": "platform"}}
}

func build(t *testing.T, a *Args) (*mockcloud.Cloud, error) {
	t.Helper()
	return mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		_, err := New(ctx, "baseline", a)
		return err
	})
}

func TestInvalidArgsNameEveryKeyAndRegisterNothing(t *testing.T) {
	a := args(true, true)
	a.Prefix, a.Region, a.KeyArn, a.AlarmTopicArn = "Prod EU", "eu-west-9", nil, nil
	a.ArchiveColdAfterDays, a.ArchiveRetentionDays, a.TrailLogRetentionDays = 10, 50, 42
	c, err := build(t, a)
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"Prefix", "Region", "KeyArn", "AlarmTopicArn: is required",
		"archiveColdAfterDays", "archiveRetentionDays", "trailLogRetentionDays"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
	if n := len(c.Resources()); n != 0 {
		t.Errorf("%d resources registered for invalid args", n)
	}
}

func TestSettingsErrorsNameTheStackKey(t *testing.T) {
	s := settings.Prod
	s.ArchiveColdAfterDays = 7
	err := s.Validate("globalstack:baseline")
	if err == nil || !strings.Contains(err.Error(), "globalstack:baseline.archiveColdAfterDays") {
		t.Fatalf("got %v", err)
	}
	for _, p := range []settings.Settings{settings.Prod, settings.Dev} {
		if err := p.Validate("globalstack:baseline"); err != nil {
			t.Errorf("preset invalid: %v", err)
		}
	}
}

func count(c *mockcloud.Cloud, typ string) int { return len(c.OfType(typ)) }

func TestOwnerOfAccountAndRegionGetsEveryPiece(t *testing.T) {
	c, err := build(t, args(true, true))
	if err != nil {
		t.Fatal(err)
	}
	mockcloudtest.RequireParented(t, c, Type)
	want := map[string]int{
		"aws:cloudtrail/trail:Trail":                                           1,
		"aws:s3/bucketV2:BucketV2":                                             1,
		"aws:s3/bucketPolicy:BucketPolicy":                                     1,
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":               1,
		"aws:s3/bucketVersioningV2:BucketVersioningV2":                         1,
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": 1,
		"aws:cloudwatch/logGroup:LogGroup":                                     1,
		"aws:cloudwatch/logMetricFilter:LogMetricFilter":                       len(cisAlarms),
		"aws:cloudwatch/metricAlarm:MetricAlarm":                               len(cisAlarms),
		"aws:sns/topic:Topic":                                                  0,
		"aws:sns/topicSubscription:TopicSubscription":                          0,
		"aws:guardduty/detector:Detector":                                      1,
		"aws:guardduty/detectorFeature:DetectorFeature":                        len(GuardDutyFeatures),
		"aws:securityhub/account:Account":                                      1,
		"aws:securityhub/standardsSubscription:StandardsSubscription":          2,
		"aws:cfg/recorder:Recorder":                                            1,
		"aws:cfg/deliveryChannel:DeliveryChannel":                              1,
		"aws:cfg/recorderStatus:RecorderStatus":                                1,
		"aws:cfg/rule:Rule":                                                    len(ConfigRules),
		"aws:inspector2/enabler:Enabler":                                       1,
		"aws:accessanalyzer/analyzer:Analyzer":                                 1,
		"aws:ebs/encryptionByDefault:EncryptionByDefault":                      1,
		"aws:iam/accountPasswordPolicy:AccountPasswordPolicy":                  1,
		"aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock":             1,
	}
	for typ, n := range want {
		if got := count(c, typ); got != n {
			t.Errorf("%s: %d, want %d", typ, got, n)
		}
	}
	for _, r := range c.Resources() {
		if r.Custom && r.Region != "eu-west-1" {
			t.Errorf("%s (%s) is in %s, not the stack's region", r.Name, r.Type, r.Region)
		}
	}
	trail := mockcloudtest.One(t, c, "aws:cloudtrail/trail:Trail")
	if !trail.Bool("enableLogFileValidation") || trail.Bool("isMultiRegionTrail") || trail.Str("kmsKeyId") != keyArn ||
		!strings.HasSuffix(trail.Str("cloudWatchLogsGroupArn"), ":*") {
		t.Errorf("trail: validation %v, multi-region %v, key %q, log group %q", trail.Bool("enableLogFileValidation"),
			trail.Bool("isMultiRegionTrail"), trail.Str("kmsKeyId"), trail.Str("cloudWatchLogsGroupArn"))
	}
	if got := trail.Str("advancedEventSelectors[1].fieldSelectors[2].startsWiths[0]"); got != "arn:aws:s3:::prod-eu-assets/" {
		t.Errorf("data events selector: %q", got)
	}
	if mockcloudtest.One(t, c, "aws:cloudwatch/logGroup:LogGroup").Str("kmsKeyId") != keyArn {
		t.Error("the trail's log group is not encrypted with the stack's key")
	}
	// Every CIS alarm pages through the stack's alert topic, and only through it.
	for _, alarm := range c.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if got := alarm.Strs("alarmActions"); !slices.Equal(got, []string{topicArn}) {
			t.Errorf("%s publishes to %v, want the alert topic %s", alarm.Name, got, topicArn)
		}
	}
	var features []string
	for _, f := range c.OfType("aws:guardduty/detectorFeature:DetectorFeature") {
		features = append(features, f.Str("name"))
		if f.Str("name") == "RUNTIME_MONITORING" && f.Str("additionalConfigurations[0].name") != "EKS_ADDON_MANAGEMENT" {
			t.Errorf("runtime monitoring does not manage the EKS add-on")
		}
	}
	slices.Sort(features)
	if want := slices.Sorted(slices.Values(GuardDutyFeatures)); !slices.Equal(features, want) {
		t.Errorf("GuardDuty features %v, want %v", features, want)
	}
	for _, s := range c.OfType("aws:securityhub/standardsSubscription:StandardsSubscription") {
		if !strings.HasPrefix(s.Str("standardsArn"), "arn:aws:securityhub:eu-west-1::standards/") {
			t.Errorf("standard %q is not this region's", s.Str("standardsArn"))
		}
	}
	if st := mockcloudtest.One(t, c, "aws:cfg/recorderStatus:RecorderStatus"); !st.Bool("isEnabled") {
		t.Error("Config recorder not enabled")
	}
	rec := mockcloudtest.One(t, c, "aws:cfg/recorder:Recorder")
	if !rec.Bool("recordingGroup.allSupported") || !rec.Bool("recordingGroup.includeGlobalResourceTypes") {
		t.Error("the account owner's recorder records every type, global ones included")
	}
	if p := mockcloudtest.One(t, c, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"); p.Num("minimumPasswordLength") < 14 || p.Num("passwordReusePrevention") < 24 {
		t.Errorf("password policy below CIS: %v", p.Inputs)
	}
	found := false
	for _, a := range c.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		found = found || a.Str("policyArn") == ConfigRolePolicy
	}
	if !found {
		t.Error("the Config role lacks AWS_ConfigRole")
	}
}

func TestStackOwningNothingGetsItsTrailAndAlarmsOnly(t *testing.T) {
	c, err := build(t, args(false, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"aws:cloudtrail/trail:Trail", "aws:s3/bucketV2:BucketV2"} {
		if count(c, typ) != 1 {
			t.Errorf("%s missing", typ)
		}
	}
	for _, typ := range []string{"aws:guardduty/detector:Detector", "aws:securityhub/account:Account", "aws:cfg/recorder:Recorder",
		"aws:inspector2/enabler:Enabler", "aws:accessanalyzer/analyzer:Analyzer", "aws:ebs/encryptionByDefault:EncryptionByDefault",
		"aws:iam/accountPasswordPolicy:AccountPasswordPolicy", "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"} {
		if n := count(c, typ); n != 0 {
			t.Errorf("%s created by a stack that owns neither account nor region", typ)
		}
	}
}

type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    []string
	Resource  []string
	Condition map[string]map[string]string
}

func policyOf(t *testing.T, doc string) map[string]statement {
	t.Helper()
	var p struct{ Statement []statement }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("not a policy: %v", err)
	}
	out := map[string]statement{}
	for _, s := range p.Statement {
		out[s.Sid] = s
	}
	return out
}

func TestArchivePolicyCarriesTheDocumentedConditions(t *testing.T) {
	c, err := build(t, args(false, true))
	if err != nil {
		t.Fatal(err)
	}
	trailArn := "arn:aws:cloudtrail:eu-west-1:" + mockcloud.Account + ":trail/prod-eu-audit"
	if got := mockcloudtest.One(t, c, "aws:cloudtrail/trail:Trail").Out("arn").StringValue(); got != trailArn {
		t.Fatalf("the policies name %s but the trail is %s", trailArn, got)
	}
	p := policyOf(t, mockcloudtest.One(t, c, "aws:s3/bucketPolicy:BucketPolicy").Str("policy"))
	write := p["AWSCloudTrailWrite"]
	if write.Condition["StringEquals"]["aws:SourceArn"] != trailArn || write.Condition["StringEquals"]["s3:x-amz-acl"] != "bucket-owner-full-control" ||
		!strings.HasSuffix(write.Resource[0], "/AWSLogs/"+mockcloud.Account+"/*") {
		t.Errorf("CloudTrail write statement: %+v", write)
	}
	if p["AWSCloudTrailAclCheck"].Condition["StringEquals"]["aws:SourceArn"] != trailArn {
		t.Errorf("CloudTrail ACL check: %+v", p["AWSCloudTrailAclCheck"])
	}
	for _, sid := range []string{"AWSConfigBucketPermissionsCheck", "AWSConfigBucketExistenceCheck", "AWSConfigBucketDelivery"} {
		if p[sid].Condition["StringEquals"]["aws:SourceAccount"] != mockcloud.Account {
			t.Errorf("%s: %+v", sid, p[sid])
		}
	}
	if del := p["DenyLogDeletion"]; del.Effect != "Deny" || !slices.Contains(del.Action, "s3:DeleteObjectVersion") {
		t.Errorf("deletes are not denied: %+v", del)
	}
	if tls := p["DenyInsecureTransport"]; tls.Condition["Bool"]["aws:SecureTransport"] != "false" {
		t.Errorf("TLS not required: %+v", tls)
	}
	// A stack that does not own its region lets Config write nothing.
	c, err = build(t, args(false, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := policyOf(t, mockcloudtest.One(t, c, "aws:s3/bucketPolicy:BucketPolicy").Str("policy"))["AWSConfigBucketDelivery"]; ok {
		t.Error("Config may write into the archive of a stack that records nothing")
	}
}
