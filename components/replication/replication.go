package replication

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/regions"
)

// Bucket is a source bucket to replicate. It must have versioning enabled.
type Bucket struct {
	Name      string             // short name, used for child names ("assets")
	BucketID  pulumi.StringInput // the bucket's name
	BucketArn pulumi.StringInput
	KmsKeyArn pulumi.StringInput // key the source objects are encrypted with
	// Versioning is the source bucket's versioning resource: S3 refuses a replication
	// configuration until versioning is enabled on both sides.
	Versioning pulumi.Resource
}

// Args configures replication of one cell.
type Args struct {
	Prefix     string // names DR-region resources, e.g. the stack name
	Region     string // primary region (the default provider's)
	DRRegion   string
	DRProvider pulumi.ProviderResource
	// DRKeyArn is a storage key of the DR region; replicas and the DR vault use it.
	DRKeyArn pulumi.StringInput

	Buckets []Bucket

	// ImageRepositoryPrefix, when set, replicates the account's ECR repositories whose names
	// start with it into the DR region, so the images a failover deploys are already there.
	ImageRepositoryPrefix string

	// BackupResources are ARNs AWS Backup protects (the Aurora cluster).
	BackupResources pulumi.StringArray
	// BackupKeyArn encrypts the primary-region vault.
	BackupKeyArn       pulumi.StringInput
	BackupRetentionDay int // default 35
	CopyRetentionDays  int // default 35

	Tags map[string]string
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	p := base.NewProblems("replication")
	p.Require(a.Prefix != "", "Prefix", "is required")
	j, ok := regions.Of(a.Region)
	p.Require(ok, "Region", "%q is not in a supported jurisdiction", a.Region)
	if ok && !j.Contains(a.DRRegion) {
		p.Addf("DRRegion", "%q is outside jurisdiction %q of %s: replicas must stay inside it", a.DRRegion, j, a.Region)
	}
	p.Require(a.DRRegion != a.Region, "DRRegion", "must differ from Region %q", a.Region)
	p.Require(a.DRProvider != nil, "DRProvider", "is required: DR-region resources are created through an explicit provider")
	p.Require(a.DRKeyArn != nil, "DRKeyArn", "is required: replicas are encrypted with a key of the DR region")
	for i, b := range a.Buckets {
		p.Require(b.Name != "" && b.BucketID != nil && b.BucketArn != nil && b.KmsKeyArn != nil,
			fmt.Sprintf("Buckets[%d]", i), "needs Name, BucketID, BucketArn and KmsKeyArn")
	}
	if len(a.BackupResources) > 0 {
		p.Require(a.BackupKeyArn != nil, "BackupKeyArn", "is required when BackupResources are given")
	}
	for name, d := range map[string]int{"BackupRetentionDay": a.BackupRetentionDay, "CopyRetentionDays": a.CopyRetentionDays} {
		p.Require(d == 0 || (d >= 1 && d <= 3650), name, "%d is outside 1-3650", d)
	}
	return p.Err()
}

// Replication is the component.
type Replication struct {
	pulumi.ResourceState

	// DRStorageKeyArn encrypts the replicas and the DR vault.
	DRStorageKeyArn pulumi.StringOutput
	// Replicas maps each source bucket's Name to its replica bucket's name.
	Replicas map[string]pulumi.StringOutput
	// DRVaultArn is the DR-region backup vault (empty when nothing is backed up).
	DRVaultArn pulumi.StringOutput
}

// New creates the replicas and backups.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Replication, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	a := *args
	if a.BackupRetentionDay == 0 {
		a.BackupRetentionDay = 35
	}
	if a.CopyRetentionDays == 0 {
		a.CopyRetentionDays = 35
	}
	r := &Replication{Replicas: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("globalstack:replication:Replication", name, r, opts...); err != nil {
		return nil, err
	}
	dr := func(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
		return base.ChildIn(r, a.DRProvider, extra...)
	}

	r.DRStorageKeyArn = a.DRKeyArn.ToStringOutput()
	r.DRVaultArn = pulumi.String("").ToStringOutput()

	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("replication: looking up the account: %w", err)
	}
	for _, b := range a.Buckets {
		if err := replicateBucket(ctx, r, name, &a, b, who.AccountId, dr); err != nil {
			return nil, err
		}
	}
	if a.ImageRepositoryPrefix != "" {
		if _, err := ecr.NewReplicationConfiguration(ctx, name+"-images", &ecr.ReplicationConfigurationArgs{
			ReplicationConfiguration: ecr.ReplicationConfigurationReplicationConfigurationArgs{
				Rules: ecr.ReplicationConfigurationReplicationConfigurationRuleArray{ecr.ReplicationConfigurationReplicationConfigurationRuleArgs{
					Destinations: ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArray{
						ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs{
							Region: pulumi.String(a.DRRegion), RegistryId: pulumi.String(who.AccountId),
						},
					},
					RepositoryFilters: ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArray{
						ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs{
							Filter: pulumi.String(a.ImageRepositoryPrefix), FilterType: pulumi.String("PREFIX_MATCH"),
						},
					},
				}},
			},
		}, base.Child(r)...); err != nil {
			return nil, err
		}
	}
	if len(a.BackupResources) > 0 {
		if err := backups(ctx, r, name, &a, dr); err != nil {
			return nil, err
		}
	}
	outs := pulumi.Map{"drStorageKeyArn": r.DRStorageKeyArn, "drVaultArn": r.DRVaultArn}
	for k, v := range r.Replicas {
		outs[k+"Replica"] = v
	}
	return r, ctx.RegisterResourceOutputs(r, outs)
}

func replicateBucket(ctx *pulumi.Context, r *Replication, name string, a *Args, b Bucket, account string,
	dr func(...pulumi.ResourceOption) []pulumi.ResourceOption) error {
	n := fmt.Sprintf("%s-%s", name, b.Name)
	tags := base.Tags(a.Tags, "Name", fmt.Sprintf("%s-%s-replica", a.Prefix, b.Name))
	replica, err := s3.NewBucketV2(ctx, n+"-replica", &s3.BucketV2Args{
		BucketPrefix: pulumi.Sprintf("%s-%s-replica-", a.Prefix, b.Name),
		Tags:         tags,
	}, dr()...)
	if err != nil {
		return err
	}
	r.Replicas[b.Name] = replica.Bucket
	if _, err := s3.NewBucketPublicAccessBlock(ctx, n+"-replica", &s3.BucketPublicAccessBlockArgs{
		Bucket:                replica.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, dr()...); err != nil {
		return err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, n+"-replica", &s3.BucketVersioningV2Args{
		Bucket:                  replica.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, dr()...)
	if err != nil {
		return err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n+"-replica", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: replica.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: r.DRStorageKeyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, dr()...); err != nil {
		return err
	}

	role, err := iam.NewRole(ctx, n+"-replication", &iam.RoleArgs{
		Description: pulumi.Sprintf("Replicates %s into %s", b.Name, a.DRRegion),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("s3.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(account)}},
		}),
		Tags: base.Tags(a.Tags, "Name", n+"-replication"),
	}, base.Child(r)...)
	if err != nil {
		return err
	}
	access, err := iam.NewRolePolicy(ctx, n+"-replication", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: base.PolicyDocument(
			base.Statement{
				Sid:       "ReadSourceConfiguration",
				Actions:   []string{"s3:GetReplicationConfiguration", "s3:ListBucket"},
				Resources: pulumi.StringArray{b.BucketArn},
			},
			base.Statement{
				Sid:       "ReadSourceObjects",
				Actions:   []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", b.BucketArn)},
			},
			base.Statement{
				Sid:       "WriteReplica",
				Actions:   []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", replica.Arn)},
			},
			base.Statement{
				Sid:       "DecryptSource",
				Actions:   []string{"kms:Decrypt"},
				Resources: pulumi.StringArray{b.KmsKeyArn},
			},
			base.Statement{
				Sid:       "EncryptReplica",
				Actions:   []string{"kms:Encrypt", "kms:GenerateDataKey"},
				Resources: pulumi.StringArray{r.DRStorageKeyArn},
			},
		),
	}, base.Child(r)...)
	if err != nil {
		return err
	}
	// The replica's and the source's versioning, and the role's permissions, come first.
	waitFor := []pulumi.Resource{versioning, access}
	if b.Versioning != nil {
		waitFor = append(waitFor, b.Versioning)
	}
	_, err = s3.NewBucketReplicationConfig(ctx, n, &s3.BucketReplicationConfigArgs{
		Bucket: b.BucketID,
		Role:   role.Arn,
		Rules: s3.BucketReplicationConfigRuleArray{s3.BucketReplicationConfigRuleArgs{
			Id:                      pulumi.String("to-" + a.DRRegion),
			Status:                  pulumi.String("Enabled"),
			Filter:                  s3.BucketReplicationConfigRuleFilterArgs{},
			DeleteMarkerReplication: s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Enabled")},
			SourceSelectionCriteria: s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
				SseKmsEncryptedObjects: s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: pulumi.String("Enabled")},
			},
			Destination: s3.BucketReplicationConfigRuleDestinationArgs{
				Bucket:                  replica.Arn,
				StorageClass:            pulumi.String("STANDARD"),
				EncryptionConfiguration: s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{ReplicaKmsKeyId: r.DRStorageKeyArn},
			},
		}},
	}, base.Child(r, pulumi.DependsOn(waitFor))...)
	return err
}

func backups(ctx *pulumi.Context, r *Replication, name string, a *Args, dr func(...pulumi.ResourceOption) []pulumi.ResourceOption) error {
	primary, err := backup.NewVault(ctx, name+"-backups", &backup.VaultArgs{
		Name:      pulumi.Sprintf("%s-backups", a.Prefix),
		KmsKeyArn: a.BackupKeyArn,
		Tags:      base.Tags(a.Tags, "Name", a.Prefix+"-backups"),
	}, base.Child(r)...)
	if err != nil {
		return err
	}
	drVault, err := backup.NewVault(ctx, name+"-backups-dr", &backup.VaultArgs{
		Name:      pulumi.Sprintf("%s-backups-%s", a.Prefix, a.DRRegion),
		KmsKeyArn: r.DRStorageKeyArn,
		Tags:      base.Tags(a.Tags, "Name", a.Prefix+"-backups-dr"),
	}, dr()...)
	if err != nil {
		return err
	}
	r.DRVaultArn = drVault.Arn
	plan, err := backup.NewPlan(ctx, name, &backup.PlanArgs{
		Name: pulumi.Sprintf("%s-daily", a.Prefix),
		Rules: backup.PlanRuleArray{backup.PlanRuleArgs{
			RuleName:        pulumi.String("daily"),
			TargetVaultName: primary.Name,
			Schedule:        pulumi.String("cron(0 3 * * ? *)"),
			Lifecycle:       backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(a.BackupRetentionDay)},
			CopyActions: backup.PlanRuleCopyActionArray{backup.PlanRuleCopyActionArgs{
				DestinationVaultArn: drVault.Arn,
				Lifecycle:           backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(a.CopyRetentionDays)},
			}},
		}},
		Tags: base.Tags(a.Tags, "Name", a.Prefix+"-daily"),
	}, base.Child(r)...)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-backup", &iam.RoleArgs{
		Description: pulumi.String("Lets AWS Backup back up and copy the cell's data stores"),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("backup.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
		}),
		Tags: base.Tags(a.Tags, "Name", name+"-backup"),
	}, base.Child(r)...)
	if err != nil {
		return err
	}
	for _, policy := range []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"} {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-"+policy, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String("arn:aws:iam::aws:policy/service-role/" + policy),
		}, base.Child(r)...); err != nil {
			return err
		}
	}
	_, err = backup.NewSelection(ctx, name, &backup.SelectionArgs{
		Name:       pulumi.Sprintf("%s-data", a.Prefix),
		PlanId:     plan.ID(),
		IamRoleArn: role.Arn,
		Resources:  a.BackupResources,
	}, base.Child(r)...)
	return err
}
