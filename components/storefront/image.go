package storefront

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// image resolves the image to deploy, creating the cell's ECR repository when the stack
// deploys by tag: images are pulled from the cell's own region, through the VPC endpoints.
func (b *builder) image() error {
	if b.a.Image != "" {
		b.s.Image = pulumi.String(b.a.Image).ToStringOutput()
		return nil
	}
	repo, err := ecr.NewRepository(b.ctx, b.name, &ecr.RepositoryArgs{
		Name:                       pulumi.String(b.a.Repository),
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations:   b.imageEncryption(),
		Tags:                       base.Tags(b.a.Tags, "Name", b.a.Repository),
	}, b.awsOpts()...)
	if err != nil {
		return err
	}
	b.s.RepositoryURL = repo.RepositoryUrl
	b.s.Image = pulumi.Sprintf("%s:%s", repo.RepositoryUrl, b.a.ImageTag)
	return nil
}

// imageEncryption encrypts the repository with ImageKeyArn when given.
func (b *builder) imageEncryption() ecr.RepositoryEncryptionConfigurationArray {
	if b.a.ImageKeyArn == nil {
		return ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")}}
	}
	return ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
		EncryptionType: pulumi.String("KMS"),
		KmsKey:         b.a.ImageKeyArn,
	}}
}
