package base

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AbortIncompleteUploadDays is how long an unfinished multipart upload may keep its parts
// before a lifecycle rule aborts it.
const AbortIncompleteUploadDays = 7

// AbortIncompleteUploads is the lifecycle rule action every whole-bucket rule carries: parts
// of an upload that never completes are stored, and billed, until it is aborted
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html).
func AbortIncompleteUploads() *s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs {
	return &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
		DaysAfterInitiation: pulumi.Int(AbortIncompleteUploadDays),
	}
}
