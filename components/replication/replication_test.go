package replication

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/keys"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

const (
	sourceKey = "arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-1111-2222-3333-444444444444"
	auroraArn = "arn:aws:rds:eu-west-1:123456789012:cluster:prod-eu-eu-west-1"
)

func run(t *testing.T, drRegion string, mutate func(*Args)) (*mockcloud.Cloud, error) {
	t.Helper()
	return mockcloudtest.RunProgram(t, "eu-west-1", func(ctx *pulumi.Context) error {
		dr, err := aws.NewProvider(ctx, "dr", &aws.ProviderArgs{Region: pulumi.String(drRegion)})
		if err != nil {
			return err
		}
		key, err := keys.New(ctx, "dr-keys", &keys.Args{Region: drRegion, Prefix: "prod-eu-replica", Classes: []keys.Class{keys.Storage}}, pulumi.Provider(dr))
		if err != nil {
			return err
		}
		a := &Args{
			Prefix: "prod-eu", Region: "eu-west-1", DRRegion: drRegion, DRProvider: dr, DRKeyArn: key.Key(keys.Storage).Arn,
			Buckets: []Bucket{{
				Name: "assets", BucketID: pulumi.String("prod-eu-assets"),
				BucketArn: pulumi.String("arn:aws:s3:::prod-eu-assets"), KmsKeyArn: pulumi.String(sourceKey),
			}},
			BackupResources:       pulumi.StringArray{pulumi.String(auroraArn)},
			ImageRepositoryPrefix: "globalstack/",
			BackupKeyArn:          pulumi.String(sourceKey),
			Tags:                  map[string]string{"owner": "platform"},
		}
		if mutate != nil {
			mutate(a)
		}
		_, err = New(ctx, "replication", a)
		return err
	})
}

func TestReplicasLandInTheDRRegionEncryptedWithItsKey(t *testing.T) {
	c, err := run(t, "eu-central-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Resources() {
		if strings.HasPrefix(r.Type, "aws:s3") || strings.HasPrefix(r.Type, "aws:backup") {
			if parent, _ := c.ByURN(r.Parent); parent.Type != "globalstack:replication:Replication" {
				t.Errorf("%s is not parented to the component", r.URN)
			}
		}
	}
	drKeys := c.OfType("aws:kms/key:Key")
	if len(drKeys) != 1 || drKeys[0].Region != "eu-central-1" || !drKeys[0].Bool("enableKeyRotation") {
		t.Fatalf("want one rotating DR-region key, got %+v", drKeys)
	}
	drKeyArn := drKeys[0].Out("arn").StringValue()
	buckets := c.OfType("aws:s3/bucketV2:BucketV2")
	if len(buckets) != 1 || buckets[0].Region != "eu-central-1" {
		t.Fatalf("replica bucket not in the DR region: %+v", buckets)
	}
	sse := c.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	if len(sse) != 1 || sse[0].Str("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId") != drKeyArn {
		t.Fatalf("replica not encrypted with the DR key: %+v", sse)
	}
	pab := c.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	if len(pab) != 1 || !pab[0].Bool("blockPublicPolicy") || !pab[0].Bool("restrictPublicBuckets") {
		t.Fatalf("replica not private: %+v", pab)
	}
	cfg := c.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
	if len(cfg) != 1 || cfg[0].Region != "eu-west-1" || cfg[0].Str("bucket") != "prod-eu-assets" {
		t.Fatalf("replication must be configured on the source bucket in the primary region: %+v", cfg)
	}
	if dest := cfg[0].Str("rules[0].destination.bucket"); dest != buckets[0].Out("arn").StringValue() {
		t.Fatalf("replication destination %q is not the replica", dest)
	}
	if cfg[0].Str("rules[0].destination.encryptionConfiguration.replicaKmsKeyId") != drKeyArn {
		t.Fatal("replicas are not re-encrypted with the DR key")
	}
	for _, p := range c.OfType("aws:iam/rolePolicy:RolePolicy") {
		if strings.Contains(p.Str("policy"), `"*"`) {
			t.Errorf("replication role policy has a wildcard: %s", p.Str("policy"))
		}
	}
}

func TestBackupsAreCopiedIntoTheDRVault(t *testing.T) {
	c, err := run(t, "eu-central-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	vaults := map[string]mockcloud.Resource{}
	for _, v := range c.OfType("aws:backup/vault:Vault") {
		vaults[v.Region] = v
		if v.Str("kmsKeyArn") == "" {
			t.Errorf("vault %s is not encrypted with a customer-managed key", v.Name)
		}
	}
	if len(vaults) != 2 || vaults["eu-west-1"].URN == "" || vaults["eu-central-1"].URN == "" {
		t.Fatalf("want a vault in each region, got %v", vaults)
	}
	plan := c.OfType("aws:backup/plan:Plan")[0]
	if plan.Str("rules[0].copyActions[0].destinationVaultArn") != vaults["eu-central-1"].Out("arn").StringValue() {
		t.Fatalf("backups are not copied to the DR vault: %v", plan.In("rules"))
	}
	sel := c.OfType("aws:backup/selection:Selection")
	if len(sel) != 1 || sel[0].Strs("resources")[0] != auroraArn {
		t.Fatalf("selection does not protect the Aurora cluster: %+v", sel)
	}
}

func TestRefusesADRRegionOutsideTheJurisdiction(t *testing.T) {
	c, err := run(t, "us-east-1", func(a *Args) { a.Buckets[0].KmsKeyArn = nil; a.CopyRetentionDays = 5000 })
	if err == nil {
		t.Fatal("accepted")
	}
	registered := 0
	for _, want := range []string{`replication: DRRegion: "us-east-1" is outside jurisdiction "eu"`, "Buckets[0]: needs", "CopyRetentionDays: 5000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, r := range c.Resources() {
		if r.Type == "globalstack:replication:Replication" || strings.HasPrefix(r.Type, "aws:s3") || strings.HasPrefix(r.Type, "aws:backup") {
			registered++
		}
	}
	if registered != 0 {
		t.Errorf("%d replication resources registered despite invalid args", registered)
	}
}

func TestImagesReplicateIntoTheDRRegion(t *testing.T) {
	c, err := run(t, "eu-central-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := c.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration")
	if len(rc) != 1 {
		t.Fatalf("want one registry replication configuration, got %d", len(rc))
	}
	r := rc[0]
	if r.Str("replicationConfiguration.rules[0].destinations[0].region") != "eu-central-1" ||
		r.Str("replicationConfiguration.rules[0].repositoryFilters[0].filter") != "globalstack/" {
		t.Fatalf("replication rule %v", r.In("replicationConfiguration"))
	}
}
