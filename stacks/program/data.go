package program

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/cache"
	"globalstack/components/database"
	"globalstack/components/keys"
	"globalstack/components/monitoring"
	"globalstack/components/network"
	"globalstack/components/search"
	"globalstack/stacks/config"
)

// dataEndpoints is what the compute tier needs from the data tier: where each store
// listens and which secret holds its credentials. Secrets never travel as plain values.
type dataEndpoints struct {
	DatabaseEndpoint       pulumi.StringOutput // writer endpoint
	DatabaseReaderEndpoint pulumi.StringOutput
	DatabasePort           int
	DatabaseName           string
	DatabaseUser           string
	DatabaseSecretArn      pulumi.StringOutput // Secrets Manager secret holding the master credentials
	CacheEndpoint          pulumi.StringOutput // primary endpoint (TLS)
	CachePort              int
	CacheSecretArn         pulumi.StringOutput // Secrets Manager secret holding the AUTH token
	SearchEndpoint         pulumi.StringOutput // https endpoint of the OpenSearch domain
	SearchDomainArn        pulumi.StringOutput
	SearchSecretArn        pulumi.StringOutput // master user of fine-grained access control
	SecretArns             pulumi.StringArray  // every secret the storefront may read

	DatabaseClusterArn pulumi.StringOutput

	// DatabaseResourceID is the cluster resource id IAM database authentication policies
	// name (arn:aws:rds-db:<region>:<account>:dbuser:<id>/<user>).
	DatabaseResourceID pulumi.StringOutput
	// StorefrontRoleName is the explicit name of the storefront's IAM role.
	StorefrontRoleName string
	// Search is the domain whose access policy admits the storefront's role once it exists.
	Search *search.Search
}

// StorefrontRoleName is the IAM role name of a stack's storefront.
func StorefrontRoleName(stack string) string { return stack + "-storefront" }

// buildData creates the data stores of the cell's primary region.
func buildData(ctx *pulumi.Context, c *config.Cell, rb *regionBase, out Outputs) (*dataEndpoints, error) {
	dbArgs := databaseArgs(c, rb)
	dbArgs.Mode = database.Primary
	if rb.dr != nil {
		dbArgs.SecretReplicaRegion = rb.dr.region
		dbArgs.SecretReplicaKeyArn = rb.dr.keys.Key(keys.Secrets).Arn
	}
	db, err := database.New(ctx, "database", dbArgs)
	if err != nil {
		return nil, err
	}
	out["databaseSecretArn"] = db.SecretArn
	rb.flows = append(rb.flows, db.Flows...)
	rb.watch.Database = &monitoring.Database{ClusterIdentifier: db.ClusterIdentifier, Serving: true}
	return buildCacheAndSearch(ctx, c, rb, db, db.SecretArn, out)
}

// databaseArgs are the database arguments every role shares: region, sizes, placement, keys.
func databaseArgs(c *config.Cell, rb *regionBase) *database.Args {
	return &database.Args{
		Identifier:         c.PrimaryStack,
		Region:             c.Region(),
		Settings:           c.Database,
		VpcID:              rb.net.VpcID,
		SubnetIDs:          rb.net.SubnetIDs(network.Data),
		Zones:              rb.net.Zones,
		AppSecurityGroupID: rb.net.AppSecurityGroupID,
		KmsKeyArn:          rb.keys.Key(keys.Data).Arn,
		SecretsKeyArn:      rb.secretsKeyArn(),
		LogsKeyArn:         rb.keys.Key(keys.Logs).Arn,
		Tags:               c.Tags,
	}
}

// buildCacheAndSearch creates the cache and search domain next to a database and returns
// what the storefront needs from all three. dbSecretArn is the credentials secret readable
// in this region (the primary's, or its replica in the DR region).
func buildCacheAndSearch(ctx *pulumi.Context, c *config.Cell, rb *regionBase, db *database.Database, dbSecretArn pulumi.StringOutput, out Outputs) (*dataEndpoints, error) {
	region := c.Region()
	subnets := rb.net.SubnetIDs(network.Data)
	zones := rb.net.Zones
	dataKey, secretsKey, logsKey := rb.keys.Key(keys.Data).Arn, rb.secretsKeyArn(), rb.keys.Key(keys.Logs).Arn

	kv, err := cache.New(ctx, "cache", &cache.Args{
		Identifier:         c.Stack + "-redis",
		Region:             region,
		Settings:           c.Cache,
		VpcID:              rb.net.VpcID,
		SubnetIDs:          subnets,
		Zones:              zones,
		AppSecurityGroupID: rb.net.AppSecurityGroupID,
		KmsKeyArn:          dataKey,
		SecretsKeyArn:      secretsKey,
		LogsKeyArn:         logsKey,
		Tags:               c.Tags,
	})
	if err != nil {
		return nil, err
	}
	sr, err := search.New(ctx, "search", &search.Args{
		DomainName:         c.Stack + "-search",
		Region:             region,
		Settings:           c.Search,
		VpcID:              rb.net.VpcID,
		SubnetIDs:          subnets,
		Zones:              zones,
		AppSecurityGroupID: rb.net.AppSecurityGroupID,
		KmsKeyArn:          dataKey,
		SecretsKeyArn:      secretsKey,
		LogsKeyArn:         logsKey,
		Tags:               c.Tags,
	})
	if err != nil {
		return nil, err
	}

	out["databaseEndpoint"] = db.Endpoint
	out["databaseReaderEndpoint"] = db.ReaderEndpoint
	out["databasePort"] = pulumi.Int(db.Port)
	out["databaseName"] = pulumi.String(db.DatabaseName)
	out["globalClusterId"] = db.GlobalClusterIdentifier
	out["dbClusterId"] = db.ClusterIdentifier
	out["dbClusterArn"] = db.ClusterArn
	rb.flows = append(rb.flows, kv.Flows...)
	rb.flows = append(rb.flows, sr.Flows...)
	rb.watch.Cache = &monitoring.Cache{ReplicationGroupID: kv.ReplicationGroupID, Nodes: c.Cache.Nodes}
	// The domain's name taken from its ARN (arn:aws:es:<region>:<account>:domain/<name>), so
	// the alarms depend on the domain.
	domainName := sr.DomainArn.ApplyT(func(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }).(pulumi.StringOutput)
	rb.watch.Search = &monitoring.Search{DomainName: domainName, VolumeSizeGiB: c.Search.VolumeSizeGiB}
	out["cacheEndpoint"] = kv.Endpoint
	out["cachePort"] = pulumi.Int(kv.Port)
	out["cacheSecretArn"] = kv.SecretArn
	out["searchEndpoint"] = sr.URL
	out["searchPort"] = pulumi.Int(sr.Port)
	out["searchDomainArn"] = sr.DomainArn
	out["searchSecretArn"] = sr.SecretArn

	return &dataEndpoints{
		DatabaseEndpoint:       db.Endpoint,
		DatabaseReaderEndpoint: db.ReaderEndpoint,
		DatabasePort:           db.Port,
		DatabaseName:           db.DatabaseName,
		DatabaseUser:           db.MasterUsername,
		DatabaseSecretArn:      dbSecretArn,
		DatabaseResourceID:     db.ClusterResourceID,
		DatabaseClusterArn:     db.ClusterArn,
		CacheEndpoint:          kv.Endpoint,
		CachePort:              kv.Port,
		CacheSecretArn:         kv.SecretArn,
		SearchEndpoint:         sr.URL,
		SearchDomainArn:        sr.DomainArn,
		SearchSecretArn:        sr.SecretArn,
		SecretArns:             pulumi.StringArray{dbSecretArn, kv.SecretArn, sr.SecretArn},
		StorefrontRoleName:     StorefrontRoleName(c.Stack),
		Search:                 sr,
	}, nil
}
