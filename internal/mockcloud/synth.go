package mockcloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"globalstack/components/regions"
)

// synthFunc fills type-specific outputs into out and returns the physical id.
// phys is the physical name the provider would give the resource.
type synthFunc func(r *Resource, phys string, out resource.PropertyMap) string

// synthesizers holds the type-specific output synthesizers, registered per service area
// (network.go, data.go, ...) so each area's realism lives next to its peers.
var synthesizers = map[string]synthFunc{}

func register(fns map[string]synthFunc) {
	for typ, fn := range fns {
		if _, dup := synthesizers[typ]; dup {
			panic("mockcloud: two synthesizers for " + typ)
		}
		synthesizers[typ] = fn
	}
}

// invokeFunc answers one provider function for a region.
type invokeFunc func(region string, args map[string]any) map[string]any

var invokes = map[string]invokeFunc{
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(region string, _ map[string]any) map[string]any {
		names := regions.Zones(region)
		ids := make([]any, len(names))
		nameList := make([]any, len(names))
		for i, n := range names {
			nameList[i] = n
			ids[i] = fmt.Sprintf("%s-az%d", shortRegion(region), i+1)
		}
		return map[string]any{"id": region, "names": nameList, "zoneIds": ids, "groupNames": []any{region}}
	},
	"aws:index/getCallerIdentity:getCallerIdentity": func(string, map[string]any) map[string]any {
		return map[string]any{"id": Account, "accountId": Account, "arn": "arn:aws:iam::" + Account + ":role/deployer", "userId": "AROAEXAMPLEDEPLOYER"}
	},
	"aws:index/getRegion:getRegion": func(region string, _ map[string]any) map[string]any {
		return map[string]any{"id": region, "name": region, "region": region, "endpoint": "ec2." + region + ".amazonaws.com", "description": region}
	},
	"aws:index/getPartition:getPartition": func(string, map[string]any) map[string]any {
		return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
	},
}

// checkedInvokes answer provider functions that fail for some arguments, as the real
// provider does.
var checkedInvokes = map[string]func(region string, args map[string]any) (map[string]any, error){
	"aws:ec2/getManagedPrefixList:getManagedPrefixList": managedPrefixList,
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

func synthesize(r *Resource) (string, resource.PropertyMap) {
	out := r.Inputs.Copy()
	phys := stringInput(r.Inputs, "name")
	if phys == "" {
		phys = r.Name + "-" + hashID("", r.URN, 7)
		out["name"] = resource.NewProperty(phys)
	}
	id := phys
	switch packageOf(r.Type) {
	case "aws":
		svc, kind := arnParts(r.Type)
		out["arn"] = resource.NewProperty(arn(svc, r.Region, kind+"/"+phys))
		if tags, ok := r.Inputs["tags"]; ok {
			out["tagsAll"] = tags
		}
	case "kubernetes":
		id = kubernetesMeta(r, out)
	}
	if fn, ok := synthesizers[r.Type]; ok {
		id = fn(r, phys, out)
	}
	// Bridged (Terraform-based) providers keep the id among a resource's outputs, as state
	// exports show (https://www.pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/stacks/,
	// "outputs": {..., "id": "vpc-..."}); rules resolve references through it.
	if pkg := packageOf(r.Type); pkg == "aws" || pkg == "random" {
		out["id"] = resource.NewProperty(id)
	}
	return id, out
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

// arn builds an ARN in the mock account; global services carry no region.
func arn(service, region, res string) string {
	if globalServices[service] {
		region = ""
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, res)
}

// kubernetesMeta gives a Kubernetes object its name (auto-named like the provider does when
// metadata.name is absent) and returns the "namespace/name" id.
func kubernetesMeta(r *Resource, out resource.PropertyMap) string {
	meta := resource.PropertyMap{}
	if m := unsecret(out["metadata"]); m.IsObject() {
		meta = m.ObjectValue().Copy()
	}
	name := stringInput(meta, "name")
	if name == "" {
		name = r.Name + "-" + hashID("", r.URN, 8)
		meta["name"] = resource.NewProperty(name)
	}
	meta["uid"] = resource.NewProperty(uuidFrom(r.URN))
	out["metadata"] = resource.NewProperty(meta)
	if ns := stringInput(meta, "namespace"); ns != "" {
		return ns + "/" + name
	}
	return name
}

// uuidFrom formats a stable UUID-shaped id from seed.
func uuidFrom(seed string) string {
	h := hashID("", seed, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// awsManagedPrefixLists are the AWS-managed prefix lists the program may look up, with the
// weight AWS documents for each (its maxEntries, which is what a security group rule
// referencing it counts as) and sample entries: the Route 53 health checkers' ranges are the
// ROUTE53_HEALTHCHECKS prefixes of ip-ranges.json. Names are matched with "<region>"
// standing for the region of the lookup.
// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
var awsManagedPrefixLists = map[string]struct {
	weight  float64
	entries []string
}{
	"com.amazonaws.global.cloudfront.origin-facing": {weight: 55},
	"com.amazonaws.<region>.route53-healthchecks": {weight: 25, entries: []string{
		"54.243.31.192/26", "107.23.255.0/26", "54.241.32.64/26", "54.244.52.192/26", "54.245.168.0/26",
		"54.228.16.0/26", "176.34.159.192/26", "54.248.220.0/26", "54.250.253.192/26", "54.251.31.128/26",
		"54.255.254.192/26", "54.252.79.128/26", "54.252.254.192/26", "54.232.40.64/26", "177.71.207.128/26",
	}},
	"com.amazonaws.<region>.s3":       {weight: 1},
	"com.amazonaws.<region>.dynamodb": {weight: 1},
}

// managedPrefixList answers ec2.LookupManagedPrefixList by name the way the API does for an
// AWS-managed list, and fails like it for a name AWS does not publish.
func managedPrefixList(region string, args map[string]any) (map[string]any, error) {
	name, _ := args["name"].(string)
	pl, ok := awsManagedPrefixLists[strings.Replace(name, "."+region+".", ".<region>.", 1)]
	if !ok {
		return nil, fmt.Errorf("no matching EC2 Managed Prefix List found (name %q in %s)", name, region)
	}
	id := hashID("pl-", region+"/"+name, 8)
	entries := make([]any, len(pl.entries))
	for i, c := range pl.entries {
		entries[i] = map[string]any{"cidr": c, "description": ""}
	}
	return map[string]any{"id": id, "name": name, "addressFamily": "IPv4", "maxEntries": pl.weight,
		"arn": arn("ec2", region, "aws:prefix-list/"+id), "ownerId": "AWS", "entries": entries, "version": 1.0}, nil
}
