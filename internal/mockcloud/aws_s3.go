package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// s3Models: bucket ARNs carry no region; the regional domain name does. The per-bucket
// configuration resources are identified by their bucket.
var s3Models = map[string]synthFunc{
	"aws:s3/bucketV2:BucketV2": s3Bucket,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": bucketChild,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               bucketChild,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     bucketChild,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           bucketChild,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     bucketChild,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       bucketChild,
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     bucketChild,
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig":                                     bucketReplication,
	"aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock":                                   accountPublicAccessBlock,
}

// accountPublicAccessBlock is the account's setting, identified by the account id.
func accountPublicAccessBlock(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	delete(out, "arn")
	if id := stringInput(r.Inputs, "accountId"); id != "" {
		return id
	}
	out["accountId"] = resource.NewProperty(Account)
	return Account
}

// s3HostedZone is the Route 53 zone of each region's S3 website endpoints (a subset).
var s3HostedZone = map[string]string{
	"us-east-1": "Z3AQBSTGFYJSTF", "us-west-2": "Z3BJ6K6RIION7M", "eu-west-1": "Z1BKCTXD74EZPE",
	"eu-central-1": "Z21DNDUVLTQW6Q", "ap-northeast-1": "Z2M4EHUR26P7ZW", "ap-northeast-3": "Z2YQB5RD63NC85",
}

// bucketName is the bucket's physical name: the "bucket" input, or an auto-name.
func bucketName(r *Resource) string {
	if b := stringInput(r.Inputs, "bucket"); b != "" {
		return b
	}
	return strings.ToLower(r.Name) + "-" + hashID("", r.URN, 7)
}

func s3Bucket(r *Resource, _ string, out resource.PropertyMap) string {
	name := bucketName(r)
	delete(out, "name")
	out["bucket"] = resource.NewProperty(name)
	out["arn"] = resource.NewProperty(arn("s3", "", name))
	out["bucketDomainName"] = resource.NewProperty(name + ".s3.amazonaws.com")
	out["bucketRegionalDomainName"] = resource.NewProperty(name + ".s3." + r.Region + ".amazonaws.com")
	out["region"] = resource.NewProperty(r.Region)
	out["hostedZoneId"] = resource.NewProperty(s3HostedZone[r.Region])
	return name
}

// bucketChild answers the per-bucket configuration resources: id the bucket, no ARN.
func bucketChild(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	return stringInput(r.Inputs, "bucket")
}

// bucketReplication is identified by its bucket. Unlike bucketChild it keeps the generic ARN
// output, which the real resource does not have; nothing reads it.
func bucketReplication(r *Resource, _ string, _ resource.PropertyMap) string {
	return stringInput(r.Inputs, "bucket")
}
