package mockcloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var ec2Models = map[string]synthFunc{
	"aws:ec2/vpc:Vpc":                                     ec2Vpc,
	"aws:ec2/subnet:Subnet":                               ec2Subnet,
	"aws:ec2/securityGroup:SecurityGroup":                 ec2SecurityGroup,
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":   withEC2ID("sg", "security-group"),
	"aws:ec2/securityGroupRule:SecurityGroupRule":         ec2SecurityGroupRule,
	"aws:ec2/internetGateway:InternetGateway":             withEC2ID("igw", "internet-gateway"),
	"aws:ec2/natGateway:NatGateway":                       withEC2ID("nat", "natgateway"),
	"aws:ec2/eip:Eip":                                     ec2Eip,
	"aws:ec2/routeTable:RouteTable":                       withEC2ID("rtb", "route-table"),
	"aws:ec2/routeTableAssociation:RouteTableAssociation": withEC2ID("rtbassoc", "route-table-association"),
	"aws:ec2/route:Route":                                 ec2Route,
	"aws:ec2/networkAcl:NetworkAcl":                       withEC2ID("acl", "network-acl"),
	"aws:ec2/vpcEndpoint:VpcEndpoint":                     ec2VpcEndpoint,
	"aws:ec2/flowLog:FlowLog":                             withEC2ID("fl", "vpc-flow-log"),
	"aws:ec2/launchTemplate:LaunchTemplate":               ec2LaunchTemplate,
}

// withEC2ID makes a synthesizer for EC2 resources whose ARN is "<kind>/<id>".
func withEC2ID(prefix, kind string) synthFunc {
	return func(r *Resource, _ string, out resource.PropertyMap) string {
		id := ec2ID(prefix, r)
		out["arn"] = resource.NewProperty(arn("ec2", r.Region, kind+"/"+id))
		return id
	}
}

func ec2Vpc(r *Resource, _ string, out resource.PropertyMap) string {
	id := ec2ID("vpc", r)
	out["arn"] = resource.NewProperty(arn("ec2", r.Region, "vpc/"+id))
	out["defaultSecurityGroupId"] = resource.NewProperty(ec2ID("sg", &Resource{URN: r.URN + "/default-sg"}))
	out["mainRouteTableId"] = resource.NewProperty(ec2ID("rtb", &Resource{URN: r.URN + "/main-rtb"}))
	out["defaultNetworkAclId"] = resource.NewProperty(ec2ID("acl", &Resource{URN: r.URN + "/default-acl"}))
	out["ownerId"] = resource.NewProperty(Account)
	return id
}

func ec2Subnet(r *Resource, _ string, out resource.PropertyMap) string {
	id := ec2ID("subnet", r)
	out["arn"] = resource.NewProperty(arn("ec2", r.Region, "subnet/"+id))
	out["availabilityZoneId"] = resource.NewProperty(shortRegion(r.Region) + "-az1")
	return id
}

func ec2SecurityGroup(r *Resource, _ string, out resource.PropertyMap) string {
	id := ec2ID("sg", r)
	out["arn"] = resource.NewProperty(arn("ec2", r.Region, "security-group/"+id))
	out["ownerId"] = resource.NewProperty(Account)
	return id
}

func ec2SecurityGroupRule(r *Resource, _ string, _ resource.PropertyMap) string {
	return ec2ID("sgrule", r)
}

func ec2Eip(r *Resource, _ string, out resource.PropertyMap) string {
	out["publicIp"] = resource.NewProperty("198.51.100." + decimalByte(hashID("", r.URN, 4)))
	out["allocationId"] = resource.NewProperty(ec2ID("eipalloc", r))
	return ec2ID("eipalloc", r)
}

func ec2Route(r *Resource, _ string, _ resource.PropertyMap) string {
	return "r-" + stringInput(r.Inputs, "routeTableId") + "1080289494"
}

func ec2VpcEndpoint(r *Resource, _ string, out resource.PropertyMap) string {
	id := ec2ID("vpce", r)
	out["arn"] = resource.NewProperty(arn("ec2", r.Region, "vpc-endpoint/"+id))
	out["prefixListId"] = resource.NewProperty(ec2ID("pl", r)[:11])
	return id
}

func ec2LaunchTemplate(r *Resource, _ string, out resource.PropertyMap) string {
	id := ec2ID("lt", r)
	out["arn"] = resource.NewProperty(arn("ec2", r.Region, "launch-template/"+id))
	out["latestVersion"] = resource.NewProperty(1.0)
	return id
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
