package mockcloud

import (
	"encoding/base64"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// upperHex is an uppercase hex id, the way EKS spells endpoint and issuer ids.
func upperHex(seed string, n int) string { return strings.ToUpper(hashID("", seed, n)) }

// cloudFrontID is a 14-character CloudFront-style id ("E2QWRUHAPOMQZL").
func cloudFrontID(seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	h := hashID("", seed, 26)
	id := "E"
	for i := 0; i < 13; i++ {
		id += string(alphabet[(hexVal(rune(h[2*i]))*16+hexVal(rune(h[2*i+1])))%len(alphabet)])
	}
	return id
}

// bucketName is the bucket's physical name: the "bucket" input, or an auto-name.
func bucketName(r *Resource, phys string) string {
	if b := stringInput(r.Inputs, "bucket"); b != "" {
		return b
	}
	return strings.ToLower(r.Name) + "-" + hashID("", r.URN, 7)
}

// bucketChild synthesizes the per-bucket configuration resources, whose id is the bucket.
func bucketChild(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	return stringInput(r.Inputs, "bucket")
}

// fakeCA is a base64 PEM shaped like a cluster CA.
func fakeCA(seed string) string {
	body := base64.StdEncoding.EncodeToString([]byte("mock cluster CA " + hashID("", seed, 64)))
	return base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"))
}

func init() {
	invokes["aws:route53/getZone:getZone"] = func(_ string, args map[string]any) map[string]any {
		name, _ := args["name"].(string)
		name = strings.TrimSuffix(name, ".")
		id := "Z" + upperHex("zone/"+name, 20)
		return map[string]any{
			"id": id, "zoneId": id, "name": name, "arn": "arn:aws:route53:::hostedzone/" + id,
			"privateZone": false, "callerReference": "mock", "comment": "", "resourceRecordSetCount": 2.0,
			"nameServers": []any{"ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"}, "primaryNameServer": "ns-1.awsdns-01.org",
			"tags": map[string]any{}, "vpcId": "", "linkedServiceDescription": "", "linkedServicePrincipal": "",
		}
	}

	register(map[string]synthFunc{
		// EKS
		"aws:eks/cluster:Cluster": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("eks", r.Region, "cluster/"+phys))
			out["endpoint"] = resource.NewProperty("https://" + upperHex(r.URN, 32) + ".gr7." + r.Region + ".eks.amazonaws.com")
			out["certificateAuthority"] = resource.NewProperty(resource.PropertyMap{"data": resource.NewProperty(fakeCA(r.URN))})
			out["identities"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
				"oidcs": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
					"issuer": resource.NewProperty("https://oidc.eks." + r.Region + ".amazonaws.com/id/" + upperHex(r.URN+"/oidc", 32)),
				})}),
			})})
			vpc := resource.PropertyMap{}
			if v := unsecret(r.Inputs["vpcConfig"]); v.IsObject() {
				vpc = v.ObjectValue().Copy()
			}
			vpc["clusterSecurityGroupId"] = resource.NewProperty(ec2ID("sg", &Resource{URN: r.URN + "/cluster-sg"}))
			vpc["vpcId"] = resource.NewProperty(ec2ID("vpc", &Resource{URN: r.URN + "/vpc"}))
			out["vpcConfig"] = resource.NewProperty(vpc)
			out["status"] = resource.NewProperty("ACTIVE")
			out["platformVersion"] = resource.NewProperty("eks.12")
			out["clusterId"] = resource.NewProperty(uuidFrom(r.URN))
			return phys
		},
		"aws:eks/nodeGroup:NodeGroup": func(r *Resource, _ string, out resource.PropertyMap) string {
			cluster := stringInput(r.Inputs, "clusterName")
			ng := stringInput(r.Inputs, "nodeGroupName")
			if ng == "" {
				ng = r.Name + "-" + hashID("", r.URN, 8)
			}
			delete(out, "name")
			out["nodeGroupName"] = resource.NewProperty(ng)
			out["arn"] = resource.NewProperty(arn("eks", r.Region, "nodegroup/"+cluster+"/"+ng+"/"+uuidFrom(r.URN)))
			out["status"] = resource.NewProperty("ACTIVE")
			out["resources"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
				"autoscalingGroups": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
					"name": resource.NewProperty("eks-" + ng + "-" + uuidFrom(r.URN)),
				})}),
			})})
			return cluster + ":" + ng
		},
		"aws:eks/addon:Addon": func(r *Resource, _ string, out resource.PropertyMap) string {
			cluster, addon := stringInput(r.Inputs, "clusterName"), stringInput(r.Inputs, "addonName")
			delete(out, "name")
			out["arn"] = resource.NewProperty(arn("eks", r.Region, "addon/"+cluster+"/"+addon+"/"+uuidFrom(r.URN)))
			return cluster + ":" + addon
		},
		"aws:eks/accessEntry:AccessEntry": func(r *Resource, _ string, out resource.PropertyMap) string {
			cluster, principal := stringInput(r.Inputs, "clusterName"), stringInput(r.Inputs, "principalArn")
			delete(out, "name")
			out["accessEntryArn"] = resource.NewProperty(arn("eks", r.Region, "access-entry/"+cluster+"/role/"+Account+"/"+uuidFrom(r.URN)))
			return cluster + ":" + principal
		},
		"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "name")
			return stringInput(r.Inputs, "clusterName") + "#" + stringInput(r.Inputs, "principalArn") + "#" + stringInput(r.Inputs, "policyArn")
		},

		// CloudFront (global; ARNs carry no region)
		"aws:cloudfront/distribution:Distribution": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := cloudFrontID(r.URN)
			delete(out, "name")
			out["arn"] = resource.NewProperty(arn("cloudfront", "", "distribution/"+id))
			out["domainName"] = resource.NewProperty("d" + hashID("", r.URN, 13) + ".cloudfront.net")
			out["hostedZoneId"] = resource.NewProperty("Z2FDTNDATAQYW2")
			out["status"] = resource.NewProperty("Deployed")
			out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
			out["callerReference"] = resource.NewProperty("terraform-" + hashID("", r.URN, 20))
			return id
		},
		"aws:cloudfront/originAccessControl:OriginAccessControl": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
			return cloudFrontID(r.URN)
		},
		"aws:cloudfront/cachePolicy:CachePolicy": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
			return uuidFrom(r.URN)
		},
		"aws:cloudfront/originRequestPolicy:OriginRequestPolicy": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
			return uuidFrom(r.URN)
		},
		"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			out["etag"] = resource.NewProperty(cloudFrontID(r.URN + "/etag"))
			return uuidFrom(r.URN)
		},

		// WAF: CLOUDFRONT-scoped ACLs live in the "global" namespace of us-east-1.
		"aws:wafv2/webAcl:WebAcl": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := uuidFrom(r.URN)
			scope := "regional"
			if stringInput(r.Inputs, "scope") == "CLOUDFRONT" {
				scope = "global"
			}
			out["arn"] = resource.NewProperty(arn("wafv2", r.Region, scope+"/webacl/"+phys+"/"+id))
			out["capacity"] = resource.NewProperty(1100.0)
			out["lockToken"] = resource.NewProperty(uuidFrom(r.URN + "/lock"))
			return id
		},
		"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			delete(out, "name")
			return stringInput(r.Inputs, "resourceArn")
		},

		// S3 (bucket ARNs carry no region; the regional domain name does)
		"aws:s3/bucketV2:BucketV2": func(r *Resource, phys string, out resource.PropertyMap) string {
			name := bucketName(r, phys)
			delete(out, "name")
			out["bucket"] = resource.NewProperty(name)
			out["arn"] = resource.NewProperty(arn("s3", "", name))
			out["bucketDomainName"] = resource.NewProperty(name + ".s3.amazonaws.com")
			out["bucketRegionalDomainName"] = resource.NewProperty(name + ".s3." + r.Region + ".amazonaws.com")
			out["region"] = resource.NewProperty(r.Region)
			out["hostedZoneId"] = resource.NewProperty(s3HostedZone[r.Region])
			return name
		},
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": bucketChild,
		"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               bucketChild,
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     bucketChild,
		"aws:s3/bucketPolicy:BucketPolicy":                                                           bucketChild,
		"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     bucketChild,
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       bucketChild,
		"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     bucketChild,

		// ACM: DNS validation records per name.
		"aws:acm/certificate:Certificate": func(r *Resource, _ string, out resource.PropertyMap) string {
			a := arn("acm", r.Region, "certificate/"+uuidFrom(r.URN))
			delete(out, "name")
			out["arn"] = resource.NewProperty(a)
			out["status"] = resource.NewProperty("ISSUED")
			names := []string{stringInput(r.Inputs, "domainName")}
			names = append(names, r.Strs("subjectAlternativeNames")...)
			var dvos []resource.PropertyValue
			for _, n := range names {
				// ACM derives the validation CNAME from the account and the domain name, so
				// every certificate for a name (any region, any stack) asks for the same record.
				token := hashID("", Account+"/"+n, 32)
				dvos = append(dvos, resource.NewProperty(resource.PropertyMap{
					"domainName":          resource.NewProperty(n),
					"resourceRecordName":  resource.NewProperty("_" + token + "." + n + "."),
					"resourceRecordType":  resource.NewProperty("CNAME"),
					"resourceRecordValue": resource.NewProperty("_" + hashID("", token, 32) + ".mhbtsbpdnt.acm-validations.aws."),
				}))
			}
			out["domainValidationOptions"] = resource.NewProperty(dvos)
			return a
		},
		"aws:acm/certificateValidation:CertificateValidation": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			delete(out, "name")
			return stringInput(r.Inputs, "certificateArn")
		},

		// ECR
		"aws:ecr/repository:Repository": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("ecr", r.Region, "repository/"+phys))
			out["registryId"] = resource.NewProperty(Account)
			out["repositoryUrl"] = resource.NewProperty(Account + ".dkr.ecr." + r.Region + ".amazonaws.com/" + phys)
			return phys
		},

		// Registry-wide replication: the provider reports the account's registry id.
		"aws:ecr/replicationConfiguration:ReplicationConfiguration": func(r *Resource, _ string, out resource.PropertyMap) string {
			delete(out, "arn")
			delete(out, "name")
			out["registryId"] = resource.NewProperty(Account)
			return Account
		},

		// Route 53
		"aws:route53/healthCheck:HealthCheck": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := uuidFrom(r.URN)
			delete(out, "name")
			out["arn"] = resource.NewProperty("arn:aws:route53:::healthcheck/" + id)
			return id
		},
		"aws:route53/record:Record": func(r *Resource, phys string, out resource.PropertyMap) string {
			delete(out, "arn")
			fqdn := strings.TrimSuffix(phys, ".")
			out["fqdn"] = resource.NewProperty(fqdn)
			return stringInput(r.Inputs, "zoneId") + "_" + fqdn + "_" + stringInput(r.Inputs, "type")
		},
	})
}

// s3HostedZone is the Route 53 zone of each region's S3 website endpoints (a subset).
var s3HostedZone = map[string]string{
	"us-east-1": "Z3AQBSTGFYJSTF", "us-west-2": "Z3BJ6K6RIION7M", "eu-west-1": "Z1BKCTXD74EZPE",
	"eu-central-1": "Z21DNDUVLTQW6Q", "ap-northeast-1": "Z2M4EHUR26P7ZW", "ap-northeast-3": "Z2YQB5RD63NC85",
}
