package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/regions"
)

// Tier names a subnet tier; it is also the value of the "tier" tag.
type Tier string

// The subnet tiers.
const (
	Public Tier = "public"
	App    Tier = "app"
	Data   Tier = "data"
)

// InterfaceServices are the interface endpoints created by default.
var InterfaceServices = []string{"ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"}

// endpointTier holds the interface endpoints' network interfaces, next to their clients.
const endpointTier = App

// Args configures the VPC.
type Args struct {
	Region               string
	CIDR                 string
	Zones                []string // full zone names, at least 2
	SingleNatGateway     bool
	FlowLogKeyArn        pulumi.StringInput // CMK for the flow-log group
	FlowLogRetentionDays int
	Tags                 map[string]string
}

// Validate reports every problem with the args.
func (a *Args) Validate() error {
	p := base.NewProblems("network")
	p.Require(regions.Known(a.Region), "Region", "%q is not an AWS region", a.Region)
	if _, err := base.PrivatePrefix(a.CIDR, 20); err != nil {
		p.Addf("CIDR", "%v", err)
	}
	p.Require(len(a.Zones) >= 2, "Zones", "%d zones given: at least 2 are required", len(a.Zones))
	p.Require(len(a.Zones) <= 6, "Zones", "%d zones given: at most 6 fit the subnet plan", len(a.Zones))
	seen := map[string]bool{}
	for _, z := range a.Zones {
		p.Require(strings.HasPrefix(z, a.Region) && len(z) == len(a.Region)+1, "Zones", "%q is not a zone of %s", z, a.Region)
		p.Require(!seen[z], "Zones", "%q is listed twice", z)
		seen[z] = true
	}
	p.Require(a.FlowLogKeyArn != nil, "FlowLogKeyArn", "is required: flow logs are always encrypted")
	p.Require(a.FlowLogRetentionDays > 0, "FlowLogRetentionDays", "must be positive")
	return p.Err()
}

// Vpc is the component.
type Vpc struct {
	pulumi.ResourceState

	VpcID   pulumi.StringOutput
	CIDR    string
	Zones   []string
	Subnets map[Tier][]Subnet
	// EndpointSecurityGroupID guards the interface endpoints (443 from the VPC).
	EndpointSecurityGroupID pulumi.StringOutput
	// AppSecurityGroupID marks the application tier (cluster nodes and pods). Data stores
	// admit their port only from this group; it has no ingress rules of its own, the
	// cluster adds the ones it needs.
	AppSecurityGroupID pulumi.StringOutput
	FlowLogGroupName   pulumi.StringOutput
}

// Subnet is one created subnet.
type Subnet struct {
	ID   pulumi.StringOutput
	Zone string
	CIDR string
}

// SubnetIDs returns the ids of a tier's subnets, in zone order.
func (v *Vpc) SubnetIDs(t Tier) pulumi.StringArray {
	var out pulumi.StringArray
	for _, s := range v.Subnets[t] {
		out = append(out, s.ID)
	}
	return out
}

// SubnetCIDRs returns the ranges of a tier's subnets, in zone order.
func (v *Vpc) SubnetCIDRs(t Tier) []string {
	var out []string
	for _, s := range v.Subnets[t] {
		out = append(out, s.CIDR)
	}
	return out
}

// InterfaceEndpointCIDRs returns the ranges of the subnets the interface endpoints
// (InterfaceServices) have their network interfaces in.
func (v *Vpc) InterfaceEndpointCIDRs() []string { return v.SubnetCIDRs(endpointTier) }

// Plan returns the subnet ranges of each tier for a VPC range and zone count, without
// creating anything; the layout is documented in doc.go.
func Plan(cidr string, zones int) (map[Tier][]string, error) {
	pfx, err := base.PrivatePrefix(cidr, 20)
	if err != nil {
		return nil, err
	}
	out := map[Tier][]string{}
	for i := 0; i < zones; i++ {
		out[App] = append(out[App], subnet(pfx, 4, i))
		out[Data] = append(out[Data], subnet(pfx, 6, 32+i))
		out[Public] = append(out[Public], subnet(pfx, 6, 48+i))
	}
	return out, nil
}

// subnet is Terraform's cidrsubnet: the netnum-th block of prefix length +newbits.
func subnet(pfx netip.Prefix, newbits, netnum int) string {
	bits := pfx.Bits() + newbits
	a := pfx.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(netnum) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, bits).String()
}

// New creates the VPC.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Vpc, error) {
	if args == nil {
		args = &Args{}
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	plan, err := Plan(args.CIDR, len(args.Zones))
	if err != nil {
		return nil, err
	}
	v := &Vpc{CIDR: args.CIDR, Zones: args.Zones, Subnets: map[Tier][]Subnet{}}
	if err := ctx.RegisterComponentResource("globalstack:network:Vpc", name, v, opts...); err != nil {
		return nil, err
	}
	b := builder{ctx: ctx, name: name, args: args, v: v}
	return v, b.build(plan)
}

type builder struct {
	ctx  *pulumi.Context
	name string
	args *Args
	v    *Vpc
}

func (b *builder) tags(resource string, kv ...string) pulumi.StringMap {
	return base.Tags(b.args.Tags, append([]string{"Name", b.name + "-" + resource}, kv...)...)
}

func (b *builder) opts(extra ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return base.Child(b.v, extra...)
}

func (b *builder) build(plan map[Tier][]string) error {
	ctx, name := b.ctx, b.name
	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(b.args.CIDR),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               b.tags("vpc"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.v.VpcID = vpc.ID().ToStringOutput()

	// Adopting the default security group with no rules removes AWS's allow-all defaults,
	// so nothing can silently fall back to it.
	if _, err := ec2.NewDefaultSecurityGroup(ctx, name+"-default", &ec2.DefaultSecurityGroupArgs{
		VpcId:   b.v.VpcID,
		Ingress: ec2.DefaultSecurityGroupIngressArray{},
		Egress:  ec2.DefaultSecurityGroupEgressArray{},
		Tags:    b.tags("default-deny"),
	}, b.opts()...); err != nil {
		return err
	}

	for _, tier := range []Tier{Public, App, Data} {
		for i, cidr := range plan[tier] {
			zone := b.args.Zones[i]
			kv := []string{"tier", string(tier)}
			switch tier {
			case Public:
				kv = append(kv, "kubernetes.io/role/elb", "1")
			case App:
				kv = append(kv, "kubernetes.io/role/internal-elb", "1")
			}
			s, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-%s-%s", name, tier, zone), &ec2.SubnetArgs{
				VpcId:               b.v.VpcID,
				CidrBlock:           pulumi.String(cidr),
				AvailabilityZone:    pulumi.String(zone),
				MapPublicIpOnLaunch: pulumi.Bool(false),
				Tags:                b.tags(fmt.Sprintf("%s-%s", tier, zone), kv...),
			}, b.opts()...)
			if err != nil {
				return err
			}
			b.v.Subnets[tier] = append(b.v.Subnets[tier], Subnet{ID: s.ID().ToStringOutput(), Zone: zone, CIDR: cidr})
		}
	}

	nats, err := b.publicRouting()
	if err != nil {
		return err
	}
	routeTables, err := b.privateRouting(nats)
	if err != nil {
		return err
	}
	if err := b.endpoints(routeTables); err != nil {
		return err
	}
	if err := b.appSecurityGroup(); err != nil {
		return err
	}
	if err := b.flowLogs(); err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(b.v, pulumi.Map{
		"vpcId":              b.v.VpcID,
		"publicSubnets":      b.v.SubnetIDs(Public),
		"appSubnets":         b.v.SubnetIDs(App),
		"dataSubnets":        b.v.SubnetIDs(Data),
		"appSecurityGroupId": b.v.AppSecurityGroupID,
	})
}

// publicRouting creates the internet gateway, the public route table and the NAT gateways;
// it returns the NAT gateway id serving each zone.
func (b *builder) publicRouting() ([]pulumi.StringOutput, error) {
	ctx, name := b.ctx, b.name
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: b.v.VpcID,
		Tags:  b.tags("igw"),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	rt, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: b.v.VpcID,
		Tags:  b.tags("public", "tier", string(Public)),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	if _, err := ec2.NewRoute(ctx, name+"-public-internet", &ec2.RouteArgs{
		RouteTableId:         rt.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, b.opts()...); err != nil {
		return nil, err
	}
	var nats []pulumi.StringOutput
	for i, s := range b.v.Subnets[Public] {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%s", name, s.Zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     s.ID,
			RouteTableId: rt.ID(),
		}, b.opts()...); err != nil {
			return nil, err
		}
		if b.args.SingleNatGateway && i > 0 {
			nats = append(nats, nats[0])
			continue
		}
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%s", name, s.Zone), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   b.tags("nat-" + s.Zone),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-%s", name, s.Zone), &ec2.NatGatewayArgs{
			AllocationId: eip.AllocationId,
			SubnetId:     s.ID,
			Tags:         b.tags("nat-" + s.Zone),
		}, b.opts(pulumi.DependsOn([]pulumi.Resource{igw}))...)
		if err != nil {
			return nil, err
		}
		nats = append(nats, nat.ID().ToStringOutput())
	}
	return nats, nil
}

// privateRouting gives each app subnet a route table with a default route to its NAT gateway
// and the data subnets one table with no route out of the VPC. It returns every private
// route table id, for the S3 gateway endpoint.
func (b *builder) privateRouting(nats []pulumi.StringOutput) (pulumi.StringArray, error) {
	ctx, name := b.ctx, b.name
	var tables pulumi.StringArray
	for i, s := range b.v.Subnets[App] {
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-app-%s", name, s.Zone), &ec2.RouteTableArgs{
			VpcId: b.v.VpcID,
			Tags:  b.tags("app-"+s.Zone, "tier", string(App)),
		}, b.opts()...)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-app-%s-egress", name, s.Zone), &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         nats[i],
		}, b.opts()...); err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-app-%s", name, s.Zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     s.ID,
			RouteTableId: rt.ID(),
		}, b.opts()...); err != nil {
			return nil, err
		}
		tables = append(tables, rt.ID().ToStringOutput())
	}
	data, err := ec2.NewRouteTable(ctx, name+"-data", &ec2.RouteTableArgs{
		VpcId: b.v.VpcID,
		Tags:  b.tags("data", "tier", string(Data)),
	}, b.opts()...)
	if err != nil {
		return nil, err
	}
	for _, s := range b.v.Subnets[Data] {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-data-%s", name, s.Zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     s.ID,
			RouteTableId: data.ID(),
		}, b.opts()...); err != nil {
			return nil, err
		}
	}
	return append(tables, data.ID().ToStringOutput()), nil
}

// endpoints keeps AWS API traffic inside the VPC: S3 through a gateway endpoint, the rest
// through interface endpoints in the app subnets.
func (b *builder) endpoints(privateTables pulumi.StringArray) error {
	ctx, name, region := b.ctx, b.name, b.args.Region
	if _, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId:           b.v.VpcID,
		ServiceName:     pulumi.String("com.amazonaws." + region + ".s3"),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   privateTables,
		Tags:            b.tags("s3"),
	}, b.opts()...); err != nil {
		return err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       b.v.VpcID,
		Description: pulumi.String("HTTPS from inside the VPC to AWS interface endpoints"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(443),
			ToPort:      pulumi.Int(443),
			CidrBlocks:  pulumi.StringArray{pulumi.String(b.args.CIDR)},
		}},
		Tags: b.tags("endpoints"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.v.EndpointSecurityGroupID = sg.ID().ToStringOutput()
	for _, svc := range InterfaceServices {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+strings.ReplaceAll(svc, ".", "-"), &ec2.VpcEndpointArgs{
			VpcId:             b.v.VpcID,
			ServiceName:       pulumi.String("com.amazonaws." + region + "." + svc),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         b.v.SubnetIDs(endpointTier),
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
			Tags:              b.tags(svc),
		}, b.opts()...); err != nil {
			return err
		}
	}
	return nil
}

// flowLogs records all VPC traffic into an encrypted log group through a role that can only
// write to that group.
func (b *builder) flowLogs() error {
	ctx, name := b.ctx, b.name
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/globalstack/%s/vpc-flow-logs", name),
		RetentionInDays: pulumi.Int(b.args.FlowLogRetentionDays),
		KmsKeyId:        b.args.FlowLogKeyArn,
		Tags:            b.tags("flow-logs"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.v.FlowLogGroupName = group.Name
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description: pulumi.String("Lets VPC flow logs write to their log group"),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
			Actions:   []string{"sts:AssumeRole"},
		}),
		Tags: b.tags("flow-logs"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: base.PolicyDocument(base.Statement{
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resources: pulumi.StringArray{group.Arn, pulumi.Sprintf("%s:*", group.Arn)},
		}),
	}, b.opts()...); err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  b.v.VpcID,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   b.tags("flow-log"),
	}, b.opts()...)
	return err
}

// appSecurityGroup creates the application tier's group: it may reach anything inside the VPC
// and HTTPS outside it (payment providers, public registries through NAT), nothing else.
// Its rules are separate resources, never inline, because other components add rules to it
// (the storefront admits its load balancer) and the provider's documentation warns that
// inline rules and rule resources on one group overwrite each other
// (https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/).
func (b *builder) appSecurityGroup() error {
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-app", &ec2.SecurityGroupArgs{
		VpcId:       b.v.VpcID,
		Description: pulumi.String("Application tier: cluster nodes and storefront pods"),
		Tags:        b.tags("app", "tier", string(App)),
	}, b.opts()...)
	if err != nil {
		return err
	}
	b.v.AppSecurityGroupID = sg.ID().ToStringOutput()
	if _, err := vpc.NewSecurityGroupEgressRule(b.ctx, b.name+"-app-to-vpc", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String("Anything inside the VPC"),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String(b.args.CIDR),
		Tags:            b.tags("app-to-vpc"),
	}, b.opts()...); err != nil {
		return err
	}
	_, err = vpc.NewSecurityGroupEgressRule(b.ctx, b.name+"-app-https-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String("HTTPS to the internet through NAT"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Tags:            b.tags("app-https-out"),
	}, b.opts()...)
	return err
}
