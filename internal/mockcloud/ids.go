package mockcloud

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Every synthesized id is derived from the resource's URN (or another stable seed), so plans
// are reproducible run to run.

// hashID derives a stable hex id from seed.
func hashID(prefix, seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + hex.EncodeToString(sum[:])[:n]
}

// uuidFrom formats a stable UUID-shaped id from seed.
func uuidFrom(seed string) string {
	h := hashID("", seed, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// upperHex is an uppercase hex id, the way EKS spells endpoint and issuer ids.
func upperHex(seed string, n int) string { return strings.ToUpper(hashID("", seed, n)) }

// decimalByte maps a hex string onto 1..254, for readable documentation-range IPs.
func decimalByte(h string) string {
	n, _ := strconv.ParseUint(h, 16, 64) // h is a short hashID, always valid hex
	return strconv.FormatUint(n%254+1, 10)
}

// ec2ID returns an EC2-style id ("subnet-0abc...") that is stable for a URN.
func ec2ID(prefix string, r *Resource) string { return prefix + "-0" + hashID("", r.URN, 16) }

// cloudFrontID is a 14-character CloudFront-style id ("E2QWRUHAPOMQZL").
func cloudFrontID(seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum, _ := hex.DecodeString(hashID("", seed, 26)) // 13 bytes
	id := []byte{'E'}
	for _, b := range sum {
		id = append(id, alphabet[int(b)%len(alphabet)])
	}
	return string(id)
}

// regionalHash is the per-account, per-region token AWS puts in data store hostnames
// ("c9akciq32xyz" in "<id>.cluster-c9akciq32xyz.us-east-1.rds.amazonaws.com").
func regionalHash(service, region string, n int) string {
	return hashID("", service+"/"+Account+"/"+region, n)
}

// shortRegion turns "eu-west-1" into "euw1", the way AWS zone ids are spelled.
func shortRegion(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	return parts[0] + parts[1][:1] + parts[2]
}

// globalServices have ARNs without a region.
var globalServices = map[string]bool{"iam": true, "s3": true, "cloudfront": true, "route53": true}

// arn builds an ARN in the mock account; global services carry no region.
func arn(service, region, res string) string {
	if globalServices[service] {
		region = ""
	}
	if service == "s3" {
		// Bucket ARNs carry neither region nor account: arn:aws:s3:::bucket
		// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
		return "arn:aws:s3:::" + res
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, res)
}

// arnParts derives an ARN service and resource kind from a type token:
// "aws:rds/cluster:Cluster" -> ("rds", "cluster").
func arnParts(typ string) (string, string) {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return "unknown", "resource"
	}
	mod, res, _ := strings.Cut(parts[1], "/")
	return mod, strings.ToLower(res)
}

// identifier returns the input that names a resource to AWS, or the physical name the
// provider would generate, lower-cased the way RDS and ElastiCache store identifiers.
func identifier(r *Resource, input resource.PropertyKey, phys string) string {
	if id := stringInput(r.Inputs, input); id != "" {
		return strings.ToLower(id)
	}
	return strings.ToLower(phys)
}

// port returns the numeric port input, or def.
func port(r *Resource, def float64) float64 {
	if p := r.Num("port"); p > 0 {
		return p
	}
	return def
}

// fakeCA is a base64 PEM shaped like a cluster CA.
func fakeCA(seed string) string {
	body := base64.StdEncoding.EncodeToString([]byte("mock cluster CA " + hashID("", seed, 64)))
	return base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"))
}

// trim shortens s to at most n bytes.
func trim(s string, n int) string { return s[:min(len(s), n)] }
