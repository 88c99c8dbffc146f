package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// ec2ID returns an EC2-style id ("subnet-0abc...") that is stable for a URN.
func ec2ID(prefix string, r *Resource) string { return prefix + "-0" + hashID("", r.URN, 16) }

// withEC2ID makes a synthesizer for EC2 resources whose ARN is "<kind>/<id>".
func withEC2ID(prefix, kind string) synthFunc {
	return func(r *Resource, _ string, out resource.PropertyMap) string {
		id := ec2ID(prefix, r)
		out["arn"] = resource.NewProperty(arn("ec2", r.Region, kind+"/"+id))
		return id
	}
}

func init() {
	register(map[string]synthFunc{
		"aws:ec2/vpc:Vpc": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := ec2ID("vpc", r)
			out["arn"] = resource.NewProperty(arn("ec2", r.Region, "vpc/"+id))
			out["defaultSecurityGroupId"] = resource.NewProperty(ec2ID("sg", &Resource{URN: r.URN + "/default-sg"}))
			out["mainRouteTableId"] = resource.NewProperty(ec2ID("rtb", &Resource{URN: r.URN + "/main-rtb"}))
			out["defaultNetworkAclId"] = resource.NewProperty(ec2ID("acl", &Resource{URN: r.URN + "/default-acl"}))
			out["ownerId"] = resource.NewProperty(Account)
			return id
		},
		"aws:ec2/subnet:Subnet": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := ec2ID("subnet", r)
			out["arn"] = resource.NewProperty(arn("ec2", r.Region, "subnet/"+id))
			out["availabilityZoneId"] = resource.NewProperty(shortRegion(r.Region) + "-az1")
			return id
		},
		"aws:ec2/securityGroup:SecurityGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			id := ec2ID("sg", r)
			out["arn"] = resource.NewProperty(arn("ec2", r.Region, "security-group/"+id))
			out["ownerId"] = resource.NewProperty(Account)
			return id
		},
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": withEC2ID("sg", "security-group"),
		"aws:ec2/internetGateway:InternetGateway":           withEC2ID("igw", "internet-gateway"),
		"aws:ec2/routeTable:RouteTable":                     withEC2ID("rtb", "route-table"),
		"aws:ec2/vpcEndpoint:VpcEndpoint": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := ec2ID("vpce", r)
			out["arn"] = resource.NewProperty(arn("ec2", r.Region, "vpc-endpoint/"+id))
			out["prefixListId"] = resource.NewProperty(ec2ID("pl", r)[:11])
			return id
		},
		"aws:ec2/flowLog:FlowLog": withEC2ID("fl", "vpc-flow-log"),
		"aws:ec2/eip:Eip": func(r *Resource, _ string, out resource.PropertyMap) string {
			h := hashID("", r.URN, 4)
			out["publicIp"] = resource.NewProperty("198.51.100." + decimalByte(h))
			out["allocationId"] = resource.NewProperty(ec2ID("eipalloc", r))
			return ec2ID("eipalloc", r)
		},
		"aws:ec2/natGateway:NatGateway": withEC2ID("nat", "natgateway"),
		"aws:ec2/route:Route": func(r *Resource, _ string, out resource.PropertyMap) string {
			return "r-" + stringInput(r.Inputs, "routeTableId") + "1080289494"
		},
		"aws:ec2/routeTableAssociation:RouteTableAssociation": withEC2ID("rtbassoc", "route-table-association"),
		"aws:ec2/networkAcl:NetworkAcl":                       withEC2ID("acl", "network-acl"),
		"aws:ec2/launchTemplate:LaunchTemplate": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := ec2ID("lt", r)
			out["arn"] = resource.NewProperty(arn("ec2", r.Region, "launch-template/"+id))
			out["latestVersion"] = resource.NewProperty(1.0)
			return id
		},
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": withEC2ID("sgr", "security-group-rule"),
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   withEC2ID("sgr", "security-group-rule"),
		"aws:ec2/securityGroupRule:SecurityGroupRule": func(r *Resource, _ string, out resource.PropertyMap) string {
			return ec2ID("sgrule", r)
		},
		"aws:cloudwatch/logGroup:LogGroup": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("logs", r.Region, "log-group:"+phys))
			return phys
		},
		"aws:kms/key:Key": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := uuidFrom(r.URN)
			out["arn"] = resource.NewProperty(arn("kms", r.Region, "key/"+id))
			out["keyId"] = resource.NewProperty(id)
			return id
		},
		"aws:kms/replicaKey:ReplicaKey": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := "mrk-" + hashID("", r.URN, 32)
			out["arn"] = resource.NewProperty(arn("kms", r.Region, "key/"+id))
			out["keyId"] = resource.NewProperty(id)
			return id
		},
		"aws:kms/alias:Alias": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("kms", r.Region, phys))
			out["targetKeyArn"] = resource.NewProperty(stringInput(r.Inputs, "targetKeyId"))
			return phys
		},
		"aws:iam/role:Role": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("iam", "", "role/"+phys))
			out["uniqueId"] = resource.NewProperty("AROA" + hashID("", r.URN, 16))
			return phys
		},
		"aws:iam/policy:Policy": func(r *Resource, phys string, out resource.PropertyMap) string {
			a := arn("iam", "", "policy/"+phys)
			out["arn"] = resource.NewProperty(a)
			out["policyId"] = resource.NewProperty("ANPA" + hashID("", r.URN, 16))
			return a
		},
		"aws:iam/rolePolicy:RolePolicy": func(r *Resource, phys string, out resource.PropertyMap) string {
			return stringInput(r.Inputs, "role") + ":" + phys
		},
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment": func(r *Resource, phys string, out resource.PropertyMap) string {
			return stringInput(r.Inputs, "role") + "-" + hashID("", r.URN, 8)
		},
		"aws:iam/instanceProfile:InstanceProfile": func(r *Resource, phys string, out resource.PropertyMap) string {
			out["arn"] = resource.NewProperty(arn("iam", "", "instance-profile/"+phys))
			return phys
		},
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(r *Resource, _ string, out resource.PropertyMap) string {
			url := stringInput(r.Inputs, "url")
			host := url
			if len(host) > 8 && host[:8] == "https://" {
				host = host[8:]
			}
			a := arn("iam", "", "oidc-provider/"+host)
			out["arn"] = resource.NewProperty(a)
			return a
		},
	})
}

// decimalByte maps hex digits onto 1..254 for readable documentation-range IPs.
func decimalByte(h string) string {
	n := 0
	for _, c := range h {
		n = (n*16 + int(hexVal(c))) % 254
	}
	return itoa(n + 1)
}

func hexVal(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return 0
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
