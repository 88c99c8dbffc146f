package keys

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/regions"
)

// Class is a data class; each class gets its own key.
type Class string

// The data classes.
const (
	Data    Class = "data"    // Aurora, ElastiCache, OpenSearch, EKS secrets
	Secrets Class = "secrets" // Secrets Manager
	Logs    Class = "logs"    // CloudWatch Logs (flow logs, database and cache logs)
	Storage Class = "storage" // S3 buckets (static assets, backups), ECR images
	Audit   Class = "audit"   // the security baseline: trail log files, its log group, the log archive
)

// AllClasses is every class, in a stable order.
var AllClasses = []Class{Data, Secrets, Logs, Storage, Audit}

// services lists the AWS services allowed to use a class's key on the account's behalf.
var services = map[Class][]string{
	// aps: managed Prometheus encrypts a workspace through grants it creates on the caller's
	// behalf (https://docs.aws.amazon.com/prometheus/latest/userguide/encryption-at-rest-Amazon-Service-Prometheus.html).
	Data:    {"rds", "elasticache", "es", "eks", "ec2", "aps"},
	Secrets: {"secretsmanager"},
	Logs:    {"logs"},
	Storage: {"s3", "ecr"},
	Audit:   {"s3"},
}

// Args configures the keys of one region.
type Args struct {
	// Region the keys live in (must match the provider the component is given).
	Region string
	// Prefix names the aliases: alias/<Prefix>-<class>.
	Prefix string
	// Classes to create; defaults to AllClasses.
	Classes []Class
	// Users are extra IAM principals (role ARNs) allowed to use the keys of a class.
	Users map[Class][]string
	// DeletionWindowDays defaults to 30.
	DeletionWindowDays int
	Tags               map[string]string
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	p := base.NewProblems("keys")
	p.Require(regions.Known(a.Region), "Region", "%q is not an AWS region", a.Region)
	p.Require(a.Prefix != "", "Prefix", "is required")
	for _, c := range a.Classes {
		p.Require(slices.Contains(AllClasses, c), "Classes", "unknown class %q", c)
	}
	for c, users := range a.Users {
		p.Require(slices.Contains(AllClasses, c), "Users", "unknown class %q", c)
		for _, u := range users {
			p.Require(strings.HasPrefix(u, "arn:aws:iam::") && !strings.Contains(u, "*"), "Users", "%q is not an IAM principal ARN", u)
		}
	}
	if a.DeletionWindowDays != 0 {
		p.Require(a.DeletionWindowDays >= 7 && a.DeletionWindowDays <= 30, "DeletionWindowDays", "%d is outside 7-30", a.DeletionWindowDays)
	}
	return p.Err()
}

// Key is one created key.
type Key struct {
	Arn   pulumi.StringOutput
	KeyID pulumi.StringOutput
}

// Keys is the component.
type Keys struct {
	pulumi.ResourceState
	keys map[Class]Key
}

// Key returns the key of a class; it panics on a class that was not created, which is a
// programming error in the stack rather than bad input.
func (k *Keys) Key(c Class) Key {
	key, ok := k.keys[c]
	if !ok {
		panic(fmt.Sprintf("keys: class %q was not created", c))
	}
	return key
}

// New creates the keys.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Keys, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	classes := args.Classes
	if len(classes) == 0 {
		classes = AllClasses
	}
	window := args.DeletionWindowDays
	if window == 0 {
		window = 30
	}
	comp := &Keys{keys: map[Class]Key{}}
	if err := ctx.RegisterComponentResource("globalstack:keys:Keys", name, comp, opts...); err != nil {
		return nil, err
	}
	who, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(comp))
	if err != nil {
		return nil, fmt.Errorf("keys: looking up the account: %w", err)
	}
	for _, c := range classes {
		key, err := kms.NewKey(ctx, fmt.Sprintf("%s-%s", name, c), &kms.KeyArgs{
			Description:          pulumi.Sprintf("%s %s data (%s)", args.Prefix, c, args.Region),
			EnableKeyRotation:    pulumi.Bool(true),
			RotationPeriodInDays: pulumi.Int(365),
			DeletionWindowInDays: pulumi.Int(window),
			KeyUsage:             pulumi.String("ENCRYPT_DECRYPT"),
			Policy:               keyPolicy(who.AccountId, args.Region, c, args.Users[c]),
			Tags:                 base.Tags(args.Tags, "Name", fmt.Sprintf("%s-%s", args.Prefix, c), "data-class", string(c)),
		}, base.Child(comp)...)
		if err != nil {
			return nil, err
		}
		if _, err := kms.NewAlias(ctx, fmt.Sprintf("%s-%s", name, c), &kms.AliasArgs{
			Name:        pulumi.Sprintf("alias/%s-%s", args.Prefix, c),
			TargetKeyId: key.KeyId,
		}, base.Child(comp)...); err != nil {
			return nil, err
		}
		comp.keys[c] = Key{Arn: key.Arn, KeyID: key.KeyId}
	}
	outs := pulumi.Map{}
	for c, k := range comp.keys {
		outs[string(c)+"KeyArn"] = k.Arn
	}
	return comp, ctx.RegisterResourceOutputs(comp, outs)
}

// keyPolicy lets the account administer the key, the class's services use it on the
// account's behalf, and the named users use it directly. No statement has a wildcard principal.
func keyPolicy(account, region string, c Class, users []string) pulumi.StringOutput {
	root := base.AccountPrincipal(account)
	use := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
	stmts := []base.Statement{{
		Sid:       "AccountAdministersKey",
		Principal: root,
		Actions:   []string{"kms:*"},
		Resources: base.Strings("*"), // in a key policy "*" means "this key"
	}}
	var via pulumi.StringArray
	for _, s := range services[c] {
		via = append(via, pulumi.String(s+"."+region+".amazonaws.com"))
	}
	stmts = append(stmts, base.Statement{
		Sid:       "ServicesUseKeyForAccount",
		Principal: root,
		Actions:   append(use, "kms:CreateGrant", "kms:ListGrants"),
		Resources: base.Strings("*"),
		Condition: pulumi.Map{
			"StringEquals": pulumi.Map{"kms:CallerAccount": pulumi.String(account)},
			"StringLike":   pulumi.Map{"kms:ViaService": via},
		},
	})
	if c == Logs || c == Audit {
		// CloudWatch Logs encrypts as its own service principal, scoped to this account's groups.
		stmts = append(stmts, base.Statement{
			Sid:       "CloudWatchLogsUseKey",
			Principal: base.ServicePrincipal("logs." + region + ".amazonaws.com"),
			Actions:   use,
			Resources: base.Strings("*"),
			Condition: pulumi.Map{"ArnLike": pulumi.Map{
				"kms:EncryptionContext:aws:logs:arn": pulumi.String("arn:aws:logs:" + region + ":" + account + ":log-group:*"),
			}},
		})
	}
	if c == Audit {
		stmts = append(stmts, auditStatements(account, region)...)
	}
	if len(users) > 0 {
		stmts = append(stmts, base.Statement{
			Sid:       "NamedUsersUseKey",
			Principal: pulumi.Map{"AWS": pulumi.ToStringArray(users)},
			Actions:   use,
			Resources: base.Strings("*"),
		})
	}
	return base.PolicyDocument(stmts...)
}

// auditStatements let CloudTrail encrypt the log files of this account's trails in region.
// (The CIS alarms publish to the alert topic, which has a key of its own: components/monitoring.)
func auditStatements(account, region string) []base.Statement {
	// CloudTrail: GenerateDataKey* only with the trail's ARN as encryption context, and
	// aws:SourceArn naming this account's trails of this region, as the CloudTrail guide asks
	// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html:
	// "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:<account>:trail/*",
	// plus aws:SourceArn as a security best practice; DescribeKey for CloudTrail).
	trails := pulumi.String("arn:aws:cloudtrail:" + region + ":" + account + ":trail/*")
	return []base.Statement{
		{
			Sid:       "CloudTrailEncryptLogs",
			Principal: base.ServicePrincipal("cloudtrail.amazonaws.com"),
			Actions:   []string{"kms:GenerateDataKey*"},
			Resources: base.Strings("*"),
			Condition: pulumi.Map{
				"StringLike": pulumi.Map{"kms:EncryptionContext:aws:cloudtrail:arn": pulumi.String("arn:aws:cloudtrail:*:" + account + ":trail/*")},
				"ArnLike":    pulumi.Map{"aws:SourceArn": trails},
			},
		},
		{
			Sid:       "CloudTrailDescribeKey",
			Principal: base.ServicePrincipal("cloudtrail.amazonaws.com"),
			Actions:   []string{"kms:DescribeKey"},
			Resources: base.Strings("*"),
			Condition: pulumi.Map{"ArnLike": pulumi.Map{"aws:SourceArn": trails}},
		},
	}
}
