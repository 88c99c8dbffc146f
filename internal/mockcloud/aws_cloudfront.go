package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// cloudFrontModels: CloudFront is global, its ARNs carry no region.
var cloudFrontModels = map[string]synthFunc{
	"aws:cloudfront/distribution:Distribution":                   cloudFrontDistribution,
	"aws:cloudfront/originAccessControl:OriginAccessControl":     cloudFrontOriginAccessControl,
	"aws:cloudfront/cachePolicy:CachePolicy":                     cloudFrontPolicy,
	"aws:cloudfront/originRequestPolicy:OriginRequestPolicy":     cloudFrontPolicy,
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": cloudFrontPolicy,
}

func cloudFrontDistribution(r *Resource, _ string, out resource.PropertyMap) string {
	id := cloudFrontID(r.URN)
	delete(out, "name")
	out["arn"] = resource.NewProperty(arn("cloudfront", "", "distribution/"+id))
	out["domainName"] = resource.NewProperty("d" + hashID("", r.URN, 13) + ".cloudfront.net")
	out["hostedZoneId"] = resource.NewProperty("Z2FDTNDATAQYW2")
	out["status"] = resource.NewProperty("Deployed")
	out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
	out["callerReference"] = resource.NewProperty("terraform-" + hashID("", r.URN, 20))
	return id
}

func cloudFrontOriginAccessControl(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
	return cloudFrontID(r.URN)
}

// cloudFrontPolicy answers the cache, origin request and response headers policies, whose
// ids are UUIDs and which have no ARN output.
func cloudFrontPolicy(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
	return uuidFrom(r.URN)
}
