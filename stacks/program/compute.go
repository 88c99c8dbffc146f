package program

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
	"globalstack/components/cluster"
	"globalstack/components/edge"
	"globalstack/components/keys"
	"globalstack/components/monitoring"
	"globalstack/components/network"
	"globalstack/components/origin"
	"globalstack/components/regions"
	"globalstack/components/storefront"
	"globalstack/stacks/config"
)

// buildCompute creates the EKS cluster, the regional origin (load balancer, its WAF and
// records), deploys the storefront onto it and puts the edge (CloudFront + WAF) in front.
func buildCompute(ctx *pulumi.Context, c *config.Cell, rb *regionBase, data *dataEndpoints, out Outputs) (*edge.Edge, error) {
	zoneID, err := hostedZone(ctx, c)
	if err != nil {
		return nil, err
	}
	cl, err := buildCluster(ctx, c, rb, false, out)
	if err != nil {
		return nil, err
	}
	og, err := buildOrigin(ctx, c, rb, zoneID, out)
	if err != nil {
		return nil, err
	}
	if _, err := buildStorefront(ctx, c, rb, cl, og, data, "", out); err != nil {
		return nil, err
	}

	// CloudFront, its WAF and its certificate exist only in us-east-1.
	global, err := aws.NewProvider(ctx, "global", &aws.ProviderArgs{
		Region:            pulumi.String(regions.Global),
		DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(c.Tags)},
		AllowedAccountIds: providerAccounts(c),
	})
	if err != nil {
		return nil, err
	}
	ed, err := edge.New(ctx, "edge", &edge.Args{
		Region:         c.Region(),
		Prefix:         c.Stack,
		GlobalProvider: global,
		APIOrigin:      edge.Origin{Domain: og.FailoverDomain, HTTPS: og.OriginHTTPS},
		Domain:         c.Domain,
		ZoneID:         zoneID,
		Settings:       c.Edge,
		Tags:           c.Tags,
	})
	if err != nil {
		return nil, err
	}
	rb.watch.Edge = &monitoring.Edge{
		GlobalProvider: global,
		DistributionID: ed.DistributionID,
		// The edge names its web ACL's CloudWatch metric <prefix>-edge (edge/waf.go); the plan
		// test compares the WAF alarm's dimension with the web ACL's visibilityConfig. Through
		// the ACL's ARN so the alarm depends on the ACL.
		WebACLMetricName: ed.WebACLArn.ApplyT(func(string) string { return c.Stack + "-edge" }).(pulumi.StringOutput),
	}
	out["cloudfrontDomain"] = ed.DomainName
	out["cloudfrontDistributionId"] = ed.DistributionID
	out["webAclArn"] = ed.WebACLArn
	out["assetsBucket"] = ed.AssetsBucket
	out["edgeLogBucket"] = ed.LogBucket
	out["wafLogBucket"] = ed.WAFLogBucket
	out["url"] = ed.URL
	return ed, nil
}

// hostedZone looks up the public zone of the cell's domain (nil without a domain).
func hostedZone(ctx *pulumi.Context, c *config.Cell) (pulumi.StringInput, error) {
	if c.Domain == "" {
		return nil, nil
	}
	zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{Name: pulumi.StringRef(c.Domain), PrivateZone: pulumi.BoolRef(false)})
	if err != nil {
		return nil, fmt.Errorf("compute: the public hosted zone of %s (globalstack:domain) must exist before the stack: %w", c.Domain, err)
	}
	return pulumi.String(zone.ZoneId), nil
}

// buildCluster creates the region's EKS cluster; pilotLight keeps it at zero nodes.
func buildCluster(ctx *pulumi.Context, c *config.Cell, rb *regionBase, pilotLight bool, out Outputs) (*cluster.Cluster, error) {
	cl, err := cluster.New(ctx, "cluster", &cluster.Args{
		Region:              c.Region(),
		ClusterName:         c.Stack,
		Settings:            c.Cluster,
		VpcID:               rb.net.VpcID,
		SubnetIDs:           rb.net.SubnetIDs(network.App),
		NodeSecurityGroupID: rb.net.AppSecurityGroupID,
		SecretsKeyArn:       rb.keys.Key(keys.Data).Arn,
		LogKeyArn:           rb.keys.Key(keys.Logs).Arn,
		PilotLight:          pilotLight,
		Tags:                c.Tags,
	})
	if err != nil {
		return nil, err
	}
	rb.flows = append(rb.flows, cl.Flows...)
	rb.watch.Cluster = &monitoring.Cluster{Name: cl.Name, Nodes: !pilotLight}
	out["clusterName"] = cl.Name
	out["clusterEndpoint"] = cl.Endpoint
	out["oidcProviderArn"] = cl.OIDCProviderArn
	out["kubeconfig"] = cl.Kubeconfig
	return cl, nil
}

// buildOrigin creates the region's entry point: the load balancer in the public subnets, its
// security groups, certificate, regional WAF and Route 53 records. Both regions of a cell sit
// behind one Route 53 failover name: the cell's origin is PRIMARY, a failed-over DR origin
// SECONDARY.
func buildOrigin(ctx *pulumi.Context, c *config.Cell, rb *regionBase, zoneID pulumi.StringInput, out Outputs) (*origin.Origin, error) {
	originHost, failoverRole := "", "PRIMARY"
	if c.Role == config.RoleDR {
		originHost, failoverRole = DROriginHost, "SECONDARY"
	}
	if c.Domain == "" {
		failoverRole = ""
	}
	og, err := origin.New(ctx, "origin", &origin.Args{
		Region:              c.Region(),
		Prefix:              c.Stack,
		VpcID:               rb.net.VpcID,
		VpcCIDR:             c.VpcCIDR(),
		PublicSubnetIDs:     rb.net.SubnetIDs(network.Public),
		NodeSecurityGroupID: rb.net.AppSecurityGroupID,
		TargetPort:          storefront.Port,
		HealthCheckPath:     storefront.ReadyPath,
		RoutedPaths:         storefront.RoutedPaths,
		Domain:              c.Domain,
		ZoneID:              zoneID,
		OriginHost:          originHost,
		FailoverRole:        failoverRole,
		LogKeyArn:           rb.keys.Key(keys.Logs).Arn,
		Settings:            c.Origin,
		Tags:                c.Tags,
	})
	if err != nil {
		return nil, err
	}
	rb.flows = append(rb.flows, og.Flows...)
	rb.watch.LoadBalancer = &monitoring.LoadBalancer{ArnSuffix: og.LoadBalancerArnSuffix, TargetGroupArnSuffix: og.TargetGroupArnSuffix}
	out["loadBalancerArn"] = og.LoadBalancerArn
	out["loadBalancerHostname"] = og.DNSName
	out["originDomain"] = og.OriginDomain
	out["apiOriginDomain"] = og.FailoverDomain
	out["originWebAclArn"] = og.WebACLArn
	out["albAccessLogBucket"] = og.AccessLogs
	return og, nil
}

// buildStorefront deploys the storefront onto the cluster, wired to the data stores.
// image overrides the configured image (a DR region runs the replicated one).
func buildStorefront(ctx *pulumi.Context, c *config.Cell, rb *regionBase, cl *cluster.Cluster, og *origin.Origin, data *dataEndpoints, image string, out Outputs) (*storefront.Storefront, error) {
	if err := data.requireForCompute(); err != nil {
		return nil, err
	}
	s := c.Storefront
	var search *storefront.Search
	if data.SearchEndpoint.OutputState != nil {
		search = &storefront.Search{URL: data.SearchEndpoint, DomainArn: data.SearchDomainArn, SecretArn: data.SearchSecretArn}
	}
	if image != "" {
		s.Image = image
	}
	sf, err := storefront.New(ctx, "storefront", &storefront.Args{
		Region:             c.Region(),
		RoleName:           data.StorefrontRoleName,
		KubernetesProvider: cl.Provider,
		ClusterReady:       cl.Ready,
		OIDCProviderArn:    cl.OIDCProviderArn,
		OIDCIssuerURL:      cl.OIDCIssuerURL,
		Settings:           s,
		Database: storefront.Database{
			Host: data.DatabaseEndpoint, Port: data.DatabasePort, Name: data.DatabaseName, User: data.DatabaseUser,
			SecretArn:  data.DatabaseSecretArn,
			ResourceID: data.DatabaseResourceID,
		},
		Cache:               storefront.Cache{Host: data.CacheEndpoint, Port: data.CachePort, SecretArn: data.CacheSecretArn},
		Search:              search,
		SecretsKeyArn:       rb.secretsKeyArn(),
		ImageKeyArn:         rb.keys.Key(keys.Storage).Arn,
		DataSubnetCIDRs:     rb.net.SubnetCIDRs(network.Data),
		EndpointSubnetCIDRs: rb.net.InterfaceEndpointCIDRs(),
		Domain:              c.Domain,
		TargetGroupArn:      og.TargetGroupArn,
		LoadBalancer:        og.LoadBalancer,
		Scraper:             storefront.Scraper{CIDRs: rb.net.SubnetCIDRs(network.App), From: base.ClusterNodes(c.Stack)},
		Tags:                c.Tags,
	})
	if err != nil {
		return nil, err
	}
	if data.Search != nil {
		// The domain exists long before the role; its access policy names the role, so it is
		// applied only now (see search.AllowRoles).
		if _, err := data.Search.AllowRoles(ctx, pulumi.StringArray{sf.RoleArn}); err != nil {
			return nil, err
		}
	}
	rb.flows = append(rb.flows, sf.Flows...)
	if rb.watch.Cluster != nil {
		rb.watch.Cluster.StorefrontNamespace = sf.Namespace
	}
	// A serving region's storefront metrics go to managed Prometheus. The scraper carries the
	// cluster security group, which the nodes (and so the pods) carry too and which admits all
	// traffic from its members (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html).
	rb.watch.Prometheus = &monitoring.Prometheus{
		KeyArn:           rb.keys.Key(keys.Data).Arn,
		ClusterArn:       cl.Arn,
		ClusterName:      cl.Name,
		SubnetIDs:        rb.net.SubnetIDs(network.App),
		SecurityGroupIDs: pulumi.StringArray{cl.ClusterSecurityGroupID},
		Kubernetes:       cl.Provider,
		Namespace:        sf.Namespace,
	}
	out["storefrontRoleArn"] = sf.RoleArn
	out["storefrontImage"] = sf.Image
	if sf.RepositoryURL.OutputState != nil { // only when the component owns the repository
		out["storefrontRepositoryUrl"] = sf.RepositoryURL
	}
	out["storefrontNamespace"] = pulumi.String(sf.Namespace)
	return sf, nil
}

// DROriginHost is the origin record label of a DR stack's storefront ("origin-dr.<domain>"),
// which the cell's edge names as its failover origin.
const DROriginHost = "origin-dr"

// requireForCompute names the data tier outputs the storefront cannot run without.
func (d *dataEndpoints) requireForCompute() error {
	var missing []string
	for name, o := range map[string]pulumi.StringOutput{
		"DatabaseEndpoint": d.DatabaseEndpoint, "DatabaseSecretArn": d.DatabaseSecretArn,
		"CacheEndpoint": d.CacheEndpoint, "CacheSecretArn": d.CacheSecretArn,
	} {
		if o.OutputState == nil {
			missing = append(missing, name)
		}
	}
	if d.StorefrontRoleName == "" {
		missing = append(missing, "StorefrontRoleName")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("compute: the data tier did not provide %v", missing)
	}
	return nil
}
