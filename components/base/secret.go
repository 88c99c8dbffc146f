package base

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecretArgs describes a Secrets Manager secret created with its value.
type SecretArgs struct {
	Name        pulumi.StringInput
	Description pulumi.StringInput
	KmsKeyArn   pulumi.StringInput // always a customer-managed key
	// Value is the secret string; it is stored as a Pulumi secret whatever it was built from.
	Value    pulumi.StringInput
	Replicas secretsmanager.SecretReplicaArrayInput // optional, other regions
	Tags     pulumi.StringMap
}

// NewSecret creates a secret and its current version, named name (the version too), with
// a 30-day recovery window so a mistaken deletion can be undone.
func NewSecret(ctx *pulumi.Context, name string, a SecretArgs, opts ...pulumi.ResourceOption) (*secretsmanager.Secret, error) {
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Name:                 a.Name,
		Description:          a.Description,
		KmsKeyId:             a.KmsKeyArn,
		RecoveryWindowInDays: pulumi.Int(30),
		Replicas:             a.Replicas,
		Tags:                 a.Tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	_, err = secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(a.Value).(pulumi.StringOutput),
	}, opts...)
	return secret, err
}
