package storefront

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/cluster"
)

// secretRef is one Secrets Manager value synced into the Kubernetes Secret.
type secretRef struct {
	arn      pulumi.StringInput
	jmesPath string // field of the JSON secret; "" for a plain string secret
	key      string // key in the Kubernetes Secret == environment variable
}

// tokenSecret generates TOKEN_SECRET and keeps it in Secrets Manager only.
func (b *builder) tokenSecret() (pulumi.StringOutput, error) {
	pw, err := random.NewRandomPassword(b.ctx, b.name+"-token", &random.RandomPasswordArgs{
		Length:  pulumi.Int(64),
		Special: pulumi.Bool(false),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sec, err := base.NewSecret(b.ctx, b.name+"-token", base.SecretArgs{
		Name:        pulumi.Sprintf("%s/token-secret", b.a.RoleName),
		Description: pulumi.String("Signing key of storefront session tokens (TOKEN_SECRET)"),
		KmsKeyArn:   b.a.SecretsKeyArn,
		Value:       pw.Result,
		Tags:        base.Tags(b.a.Tags, "Name", b.a.RoleName+"-token-secret"),
	}, b.awsOpts()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	b.s.TokenSecretArn = sec.Arn
	return sec.Arn, nil
}

// role creates the IRSA role: read these secrets, decrypt with this key, call this domain.
func (b *builder) role(refs []secretRef) error {
	role, err := iam.NewRole(b.ctx, b.name, &iam.RoleArgs{
		Name:             pulumi.String(b.a.RoleName),
		Description:      pulumi.Sprintf("Storefront pods (%s/%s)", b.a.Namespace, ServiceAccount),
		AssumeRolePolicy: cluster.TrustPolicy(b.a.OIDCProviderArn, b.a.OIDCIssuerURL, b.a.Namespace, ServiceAccount),
		Tags:             base.Tags(b.a.Tags, "Name", b.a.RoleName),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.RoleArn = role.Arn
	stmts := b.secretStatements(refs)
	// Log in to PostgreSQL as AppDBUser (IAM auth token), on this cluster only. The account
	// and partition are the role's own: the database lives in the cell's account.
	dbUser := pulumi.All(role.Arn, b.a.Database.ResourceID).ApplyT(func(v []any) (string, error) {
		parts := strings.SplitN(v[0].(string), ":", 6)
		if len(parts) != 6 || parts[4] == "" {
			return "", fmt.Errorf("storefront: unexpected role ARN %q", v[0])
		}
		id := v[1].(string)
		if id == "" || strings.ContainsAny(id, "*?/:") {
			return "", fmt.Errorf("storefront: Database.ResourceID %q is not a cluster resource id", id)
		}
		return fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", parts[1], b.a.Region, parts[4], id, AppDBUser), nil
	}).(pulumi.StringOutput)
	stmts = append(stmts, base.Statement{
		Sid:       "DatabaseIAMConnect",
		Actions:   []string{"rds-db:connect"},
		Resources: pulumi.StringArray{dbUser},
	})
	if b.a.Search != nil {
		stmts = append(stmts, base.Statement{
			Sid:       "SearchHTTP",
			Actions:   []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", b.a.Search.DomainArn)},
		})
	}
	_, err = iam.NewRolePolicy(b.ctx, b.name, &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: base.PolicyDocument(stmts...),
	}, b.awsOpts()...)
	return err
}

// secretStatements allow reading exactly the secrets of refs and decrypting them with
// exactly SecretsKeyArn, through Secrets Manager.
func (b *builder) secretStatements(refs []secretRef) []base.Statement {
	var secretArns pulumi.StringArray
	seen := map[pulumi.StringInput]bool{}
	for _, r := range refs {
		if !seen[r.arn] {
			seen[r.arn] = true
			secretArns = append(secretArns, r.arn)
		}
	}
	return []base.Statement{
		{
			Sid:       "ReadOwnSecrets",
			Actions:   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resources: secretArns,
		},
		{
			Sid:       "DecryptOwnSecrets",
			Actions:   []string{"kms:Decrypt"},
			Resources: pulumi.StringArray{b.a.SecretsKeyArn},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"kms:ViaService": pulumi.String("secretsmanager." + b.a.Region + ".amazonaws.com"),
			}},
		},
	}
}
