package program

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/database"
	"globalstack/components/monitoring"
	"globalstack/stacks/config"
)

// buildDR builds the pilot-light copy of a cell in its DR region. Everything it owns lives in
// the DR region so that it can be operated while the primary region is down.
//
// Pilot light (failover=false): keys, network, the Aurora secondary joined to the cell's global
// cluster with DRInstances instances (0 = headless), and the EKS control plane with no nodes.
// Cache and search are cold: created only at failover, because the cache holds nothing
// durable and the search index is rebuilt from PostgreSQL by the storefront's reindex command.
//
// Failover (failover=true, after `make failover` detached the secondary): the cluster becomes
// a standalone writer with the primary's instance count, nodes scale up, cache and search are
// created, and the origin (load balancer, regional WAF, origin-dr and failover records) and the
// storefront are deployed. The load balancer is not kept in the pilot light: with no pods
// behind it, it would serve nothing (README, "Disaster recovery").
func buildDR(ctx *pulumi.Context, c *config.Cell, out Outputs) error {
	rb, err := buildRegionBase(ctx, c, out)
	if err != nil {
		return err
	}
	primary, err := pulumi.NewStackReference(ctx, "primary", &pulumi.StackReferenceArgs{
		Name: pulumi.String(stackReferenceName(ctx, c.PrimaryStack)),
	})
	if err != nil {
		return err
	}
	globalID := primary.GetStringOutput(pulumi.String("globalClusterId"))

	// The database component always takes an explicit provider for a secondary, even though
	// here it is also the default region: it keeps the component usable from any stack.
	provider, err := aws.NewProvider(ctx, "dr-region", &aws.ProviderArgs{Region: pulumi.String(c.DRRegion), AllowedAccountIds: providerAccounts(c)})
	if err != nil {
		return err
	}
	dbArgs := databaseArgs(c, rb)
	dbArgs.Mode = database.Secondary
	dbArgs.Provider = provider
	dbArgs.GlobalClusterIdentifier = globalID
	dbArgs.SourceRegion = c.PrimaryRegion
	// After a switchover the DR cluster is the global cluster's writer and stays a member;
	// only a detached cluster drops the global cluster from its arguments.
	dbArgs.Promoted = c.Failover && c.FailoverMode == config.FailoverDetach
	// At failover the cluster serves with the primary's instance count; until then it runs
	// database.drInstances (0 = headless).
	dbArgs.Serving = c.Failover
	db, err := database.New(ctx, "database", dbArgs)
	if err != nil {
		return err
	}
	mode := "pilot-light"
	if c.Failover {
		mode = "failover"
	}
	out["mode"] = pulumi.String(mode)
	out["failover"] = pulumi.Bool(c.Failover)
	out["primaryStack"] = pulumi.String(c.PrimaryStack)
	out["globalClusterId"] = globalID
	out["dbClusterId"] = db.ClusterIdentifier
	out["dbClusterArn"] = db.ClusterArn
	out["databaseEndpoint"] = db.Endpoint
	rb.flows = append(rb.flows, db.Flows...)
	// In pilot light the cluster is the global database's secondary, which alone publishes
	// the global replication lag; at failover it is the writer and serves.
	rb.watch.Database = &monitoring.Database{ClusterIdentifier: db.ClusterIdentifier, Serving: c.Failover, GlobalSecondary: !c.Failover}
	if err := buildDRCompute(ctx, c, rb, primary, db, out); err != nil {
		return err
	}
	// The cell's replica of its assets bucket lives in this region: its object-level events
	// are recorded here.
	replica := primary.GetStringOutput(pulumi.String("assetsReplicaBucket"))
	// Monitoring before the baseline: the CIS alarms publish to the alert topic.
	alerts, err := buildMonitoring(ctx, c, rb, out)
	if err != nil {
		return err
	}
	if err := buildBaseline(ctx, c, rb, []pulumi.StringInput{replica}, alerts.TopicArn, out); err != nil {
		return err
	}
	rb.exportFlows(out)
	return nil
}

// stackReferenceName qualifies a stack name the way the backend addresses it:
// "<organization>/<project>/<stack>", unless the config already gave a qualified name.
func stackReferenceName(ctx *pulumi.Context, stack string) string {
	if strings.Contains(stack, "/") {
		return stack
	}
	org := ctx.Organization()
	if org == "" {
		org = "organization" // the name the self-managed backends use
	}
	return org + "/" + ctx.Project() + "/" + stack
}

// buildDRCompute creates the DR cluster: control plane only in pilot light; in failover the
// nodes, the (cold) cache and search, and the storefront on the promoted database.
func buildDRCompute(ctx *pulumi.Context, c *config.Cell, rb *regionBase, primary *pulumi.StackReference, db *database.Database, out Outputs) error {
	cl, err := buildCluster(ctx, c, rb, !c.Failover, out)
	if err != nil {
		return err
	}
	if !c.Failover {
		return nil
	}
	rb.secretsKey = primary.GetStringOutput(pulumi.String("drSecretsKeyArn"))
	// The cell replicates its credentials secret into this region; the replica has the
	// primary's ARN with this region in it.
	secretArn := primary.GetStringOutput(pulumi.String("databaseSecretArn")).ApplyT(func(arn string) string {
		return strings.Replace(arn, ":"+c.PrimaryRegion+":", ":"+c.DRRegion+":", 1)
	}).(pulumi.StringOutput)
	data, err := buildCacheAndSearch(ctx, c, rb, db, secretArn, out)
	if err != nil {
		return err
	}
	zoneID, err := hostedZone(ctx, c)
	if err != nil {
		return err
	}
	image := c.Storefront.Image
	if image == "" {
		// The cell's registry replicates into this region under the same name.
		who, err := aws.GetCallerIdentity(ctx, nil)
		if err != nil {
			return err
		}
		image = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s", who.AccountId, c.DRRegion, c.Storefront.Repository, c.Storefront.ImageTag)
	}
	og, err := buildOrigin(ctx, c, rb, zoneID, out)
	if err != nil {
		return err
	}
	_, err = buildStorefront(ctx, c, rb, cl, og, data, image, out)
	return err
}
