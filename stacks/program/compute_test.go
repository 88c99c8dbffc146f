package program_test

import (
	"strings"
	"testing"

	"globalstack/internal/mockcloud"
	"globalstack/stacks/plan"
)

// globalTypes are created through the us-east-1 provider; the viewer certificate is the
// edge's ACM certificate (the ALB's certificate is regional and belongs to the storefront).
var globalTypes = map[string]bool{
	"aws:wafv2/webAcl:WebAcl": true, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": true,
	"aws:cloudfront/distribution:Distribution": true, "aws:cloudfront/originAccessControl:OriginAccessControl": true,
	"aws:cloudfront/cachePolicy:CachePolicy": true, "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": true,
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": true,
}

func component(t *testing.T, c *mockcloud.Cloud, typ string) mockcloud.Resource {
	t.Helper()
	rs := c.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d %s components, want 1", len(rs), typ)
	}
	return rs[0]
}

func TestEveryCellRunsTheStorefrontBehindTheEdge(t *testing.T) {
	for stack, region := range cells {
		t.Run(stack, func(t *testing.T) {
			res := planCell(t, stack, nil)
			c, outs := res.Cloud, res.Outputs
			edge := component(t, c, "globalstack:edge:Edge")
			cl := component(t, c, "globalstack:cluster:Cluster")
			sf := component(t, c, "globalstack:storefront:Storefront")
			og := component(t, c, "globalstack:origin:Origin")

			for _, r := range c.Descendants(edge.URN) {
				if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
					continue
				}
				want := region
				if globalTypes[r.Type] || (r.Type == "aws:acm/certificate:Certificate") || r.Type == "aws:acm/certificateValidation:CertificateValidation" {
					want = "us-east-1"
				}
				if r.Region != want {
					t.Errorf("%s %s is in %q, want %q", r.Type, r.Name, r.Region, want)
				}
			}
			for _, root := range []mockcloud.Resource{cl, og, sf} {
				for _, r := range c.Descendants(root.URN) {
					if r.Custom && strings.HasPrefix(r.Type, "aws:") && r.Region != region {
						t.Errorf("%s %s is in %q, want the cell's %q", r.Type, r.Name, r.Region, region)
					}
				}
			}
			// Every WAF/CloudFront/ACM viewer resource of the stack is the edge's, but the
			// origin's regional web ACL and its logging (checked in the cell's region above).
			n := 0
			for typ := range globalTypes {
				n += len(c.OfType(typ))
			}
			for _, r := range c.Descendants(og.URN) {
				if globalTypes[r.Type] {
					n--
				}
			}
			if n != 9 {
				t.Errorf("%d global resources, want 9 (one of each, three cache policies)", n)
			}

			// The wiring: CloudFront -> api-origin.<domain> (Route 53 failover alias, PRIMARY)
			// -> the origin's ALB -> its target group, which the storefront's TargetGroupBinding
			// fills with pods whose env points at the data stores of this cell.
			dist := c.OfType("aws:cloudfront/distribution:Distribution")[0]
			domain := strings.TrimPrefix(outs["url"].(string), "https://")
			if dist.Str("origins[1].domainName") != "api-origin."+domain || outs["originDomain"] != "origin."+domain {
				t.Errorf("API origin %q, outputs %v", dist.Str("origins[1].domainName"), outs["originDomain"])
			}
			albs := c.OfType("aws:lb/loadBalancer:LoadBalancer")
			if len(albs) != 1 {
				t.Fatalf("%d load balancers, want 1", len(albs))
			}
			alb := albs[0]
			if !alb.In("enableDeletionProtection").BoolValue() {
				t.Error("the prod cell's load balancer is not deletion protected")
			}
			dns := alb.Out("dnsName").StringValue()
			if !strings.HasSuffix(dns, "."+region+".elb.amazonaws.com") || outs["loadBalancerHostname"] != dns {
				t.Errorf("ALB %q / output %v", dns, outs["loadBalancerHostname"])
			}
			aliases := map[string]string{}
			for _, r := range c.OfType("aws:route53/record:Record") {
				if r.Str("aliases[0].name") == dns && r.Str("aliases[0].zoneId") == alb.Out("zoneId").StringValue() {
					aliases[r.Str("name")] = r.Str("failoverRoutingPolicies[0].type")
					if r.Str("name") == "api-origin."+domain && r.Str("healthCheckId") == "" {
						t.Errorf("failover record without a health check")
					}
				}
			}
			if len(aliases) != 2 || aliases["origin."+domain] != "" || aliases["api-origin."+domain] != "PRIMARY" {
				t.Errorf("records aliasing the ALB %v, want origin.%s and api-origin.%s as PRIMARY", aliases, domain, domain)
			}
			tg := c.OfType("aws:lb/targetGroup:TargetGroup")[0]
			tgb := c.OfType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")[0]
			if tgb.Str("spec.targetGroupARN") != tg.Out("arn").StringValue() || tg.Str("targetType") != "ip" || tgb.Str("spec.targetType") != "ip" {
				t.Errorf("binding %v does not fill the origin's ip target group %s", tgb.In("spec"), tg.Out("arn").StringValue())
			}
			dep := c.OfType("kubernetes:apps/v1:Deployment")[0]
			env := map[string]string{}
			for _, e := range dep.In("spec.template.spec.containers[0].env").ArrayValue() {
				m := e.ObjectValue()
				if v, ok := m["value"]; ok {
					env[m["name"].StringValue()] = v.StringValue()
				}
			}
			if env["PGHOST"] != outs["databaseEndpoint"] || !strings.Contains(env["REDIS_URL"], outs["cacheEndpoint"].(string)) || env["OPENSEARCH_URL"] != outs["searchEndpoint"] {
				t.Errorf("storefront env %v does not point at this cell's data stores", env)
			}
			if !strings.HasPrefix(dep.Str("spec.template.spec.containers[0].image"), "123456789012.dkr.ecr."+region+".amazonaws.com/") {
				t.Errorf("image %q is not from the cell's registry", dep.Str("spec.template.spec.containers[0].image"))
			}
			if outs["storefrontRoleArn"] != "arn:aws:iam::123456789012:role/"+stack+"-storefront" {
				t.Errorf("storefrontRoleArn %v", outs["storefrontRoleArn"])
			}
			if !strings.HasPrefix(outs["clusterEndpoint"].(string), "https://") || !strings.HasSuffix(outs["cloudfrontDomain"].(string), ".cloudfront.net") ||
				!strings.Contains(outs["webAclArn"].(string), ":us-east-1:") || !strings.HasPrefix(outs["oidcProviderArn"].(string), "arn:aws:iam::") ||
				!strings.HasPrefix(outs["assetsBucket"].(string), stack+"-assets-") || outs["clusterName"] != stack {
				t.Errorf("outputs %v", outs)
			}
			// Kubernetes objects go through the cluster's provider, not a default one.
			for _, r := range c.Resources() {
				if r.Custom && strings.HasPrefix(r.Type, "kubernetes:") && !strings.Contains(r.Provider, "pulumi:providers:kubernetes::cluster::") {
					t.Errorf("%s %s uses provider %s", r.Type, r.Name, r.Provider)
				}
			}
		})
	}
}

func TestInvalidComputeConfigRegistersNothing(t *testing.T) {
	res, err := plan.NewPlanner("../..").PlanWith("prod-eu", map[string]string{
		"globalstack:cluster":    `{"nodeMax": 0}`,
		"globalstack:storefront": `{"imageTag": "latest", "replicaz": 2}`,
	})
	if err == nil {
		t.Fatal("invalid compute config accepted")
	}
	for _, want := range []string{"globalstack:cluster.nodeMax", "globalstack:storefront", "replicaz", "globalstack:storefront.imageTag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if res != nil && res.Cloud != nil && len(res.Cloud.Resources()) > 0 {
		t.Errorf("%d resources registered from an invalid config", len(res.Cloud.Resources()))
	}
}
