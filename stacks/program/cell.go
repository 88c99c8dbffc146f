package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/keys"
	"globalstack/components/network"
	"globalstack/components/regions"
	"globalstack/stacks/config"
)

// regionBase is what every region of a cell has: keys and a network.
type regionBase struct {
	keys *keys.Keys
	net  *network.Vpc
}

// buildRegionBase creates the keys and VPC of the stack's region.
func buildRegionBase(ctx *pulumi.Context, c *config.Cell, out Outputs) (*regionBase, error) {
	region := c.Region()
	k, err := keys.New(ctx, "keys", &keys.Args{
		Region: region,
		Prefix: c.Stack,
		Tags:   c.Tags,
	})
	if err != nil {
		return nil, err
	}
	n, err := network.New(ctx, "vpc", &network.Args{
		Region:               region,
		CIDR:                 c.VpcCIDR(),
		Zones:                regions.Zones(region)[:c.Network.AZCount],
		SingleNatGateway:     c.Network.SingleNatGateway,
		FlowLogKeyArn:        k.Key(keys.Logs).Arn,
		FlowLogRetentionDays: c.Network.FlowLogRetentionDays,
		Tags:                 c.Tags,
	})
	if err != nil {
		return nil, err
	}
	out["vpcId"] = n.VpcID
	out["appSubnetIds"] = n.SubnetIDs(network.App)
	out["dataSubnetIds"] = n.SubnetIDs(network.Data)
	for _, class := range keys.AllClasses {
		out[fmt.Sprintf("%sKeyArn", class)] = k.Key(class).Arn
	}
	return &regionBase{keys: k, net: n}, nil
}

// buildCell builds the primary region of a cell: keys and network, the data tier, then the
// cluster with the storefront on it and the edge in front of it.
func buildCell(ctx *pulumi.Context, c *config.Cell, out Outputs) error {
	rb, err := buildRegionBase(ctx, c, out)
	if err != nil {
		return err
	}
	data, err := buildData(ctx, c, rb, out)
	if err != nil {
		return err
	}
	return buildCompute(ctx, c, rb, data, out)
}
