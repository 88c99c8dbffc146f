package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/edge"
	"globalstack/components/keys"
	"globalstack/components/monitoring"
	"globalstack/components/network"
	"globalstack/components/replication"
	"globalstack/stacks/config"
)

// regionBase is what every region of a cell has: keys and a network, plus, for a cell
// stack, the few things it owns in its DR region.
type regionBase struct {
	keys *keys.Keys
	net  *network.Vpc
	dr   *drSide // nil in a DR stack
	// secretsKey, when set, replaces the region's own secrets key: a DR stack encrypts its
	// secrets with the key the cell's replicated database secret uses, so the storefront
	// needs (and gets) decrypt on one key only.
	secretsKey pulumi.StringInput
	// flows are the network flows the region's components declare; the stack exports them
	// (output "flows") for the deployability pack.
	flows []base.Flow
	// watch is what the stack's monitoring alarms on, filled in by the tiers' builders.
	watch monitoring.Args
}

// exportFlows sets the stack output carrying every component's flow declarations.
func (rb *regionBase) exportFlows(out Outputs) { out[base.FlowsOutput] = base.FlowsValue(rb.flows) }

// secretsKeyArn is the key the region's secrets are encrypted with.
func (rb *regionBase) secretsKeyArn() pulumi.StringInput {
	if rb.secretsKey != nil {
		return rb.secretsKey
	}
	return rb.keys.Key(keys.Secrets).Arn
}

// drSide is what a cell stack owns in its DR region: an explicit provider and the keys its
// replicas (S3 objects, backups, the database credentials secret) are encrypted with.
type drSide struct {
	region   string
	provider *aws.Provider
	keys     *keys.Keys
}

// buildDRSide creates the cell's DR-region provider and replica keys.
func buildDRSide(ctx *pulumi.Context, c *config.Cell) (*drSide, error) {
	p, err := aws.NewProvider(ctx, "dr-region", &aws.ProviderArgs{Region: pulumi.String(c.DRRegion), AllowedAccountIds: providerAccounts(c)})
	if err != nil {
		return nil, err
	}
	k, err := keys.New(ctx, "dr-keys", &keys.Args{
		Region:  c.DRRegion,
		Prefix:  c.Stack + "-replica",
		Classes: []keys.Class{keys.Storage, keys.Secrets},
		Tags:    c.Tags,
	}, pulumi.Provider(p))
	if err != nil {
		return nil, err
	}
	return &drSide{region: c.DRRegion, provider: p, keys: k}, nil
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
		Zones:                c.StackZones(),
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
	if rb.dr, err = buildDRSide(ctx, c); err != nil {
		return err
	}
	out["drSecretsKeyArn"] = rb.dr.keys.Key(keys.Secrets).Arn
	data, err := buildData(ctx, c, rb, out)
	if err != nil {
		return err
	}
	ed, err := buildCompute(ctx, c, rb, data, out)
	if err != nil {
		return err
	}
	if err := buildReplication(ctx, c, rb, data, ed, out); err != nil {
		return err
	}
	// Monitoring before the baseline: the CIS alarms publish to the alert topic.
	alerts, err := buildMonitoring(ctx, c, rb, out)
	if err != nil {
		return err
	}
	if err := buildBaseline(ctx, c, rb, []pulumi.StringInput{ed.AssetsBucket, ed.LogBucket, ed.WAFLogBucket}, alerts.TopicArn, out); err != nil {
		return err
	}
	rb.exportFlows(out)
	return nil
}

// buildReplication copies the cell's durable data into its DR region: the static assets,
// backups of the Aurora cluster into a DR vault (the database itself replicates through the
// global cluster) and the storefront's images.
func buildReplication(ctx *pulumi.Context, c *config.Cell, rb *regionBase, data *dataEndpoints, ed *edge.Edge, out Outputs) error {
	r, err := replication.New(ctx, "replication", &replication.Args{
		Prefix:     c.Stack,
		Region:     c.PrimaryRegion,
		DRRegion:   c.DRRegion,
		DRProvider: rb.dr.provider,
		DRKeyArn:   rb.dr.keys.Key(keys.Storage).Arn,
		Buckets: []replication.Bucket{{
			Name:       "assets",
			BucketID:   ed.AssetsBucket,
			BucketArn:  pulumi.Sprintf("arn:aws:s3:::%s", ed.AssetsBucket),
			KmsKeyArn:  ed.KeyArn,
			Versioning: ed.AssetsVersioning,
		}},
		ImageRepositoryPrefix: c.Storefront.Repository,
		BackupResources:       pulumi.StringArray{data.DatabaseClusterArn},
		BackupKeyArn:          rb.keys.Key(keys.Storage).Arn,
		Tags:                  c.Tags,
	})
	if err != nil {
		return err
	}
	out["drVaultArn"] = r.DRVaultArn
	out["assetsReplicaBucket"] = r.Replicas["assets"]
	return nil
}
