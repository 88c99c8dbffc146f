package cluster

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/cluster/settings"
	"globalstack/internal/mockcloud"
	"globalstack/internal/mockcloud/mockcloudtest"
)

func validArgs() *Args {
	return &Args{
		Region:              "eu-west-1",
		ClusterName:         "prod-eu",
		VpcID:               pulumi.String("vpc-0abc"),
		SubnetIDs:           pulumi.StringArray{pulumi.String("subnet-app-a"), pulumi.String("subnet-app-b"), pulumi.String("subnet-app-c")},
		NodeSecurityGroupID: pulumi.String("sg-0app"),
		SecretsKeyArn:       pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/data"),
		LogKeyArn:           pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/logs"),
		Settings: settings.Settings{
			AdminRoleArns: []string{"arn:aws:iam::123456789012:role/platform-admin"},
			InstanceTypes: []string{"m6i.large"}, NodeMin: 3, NodeDesired: 3, NodeMax: 9,
		},
		Tags: map[string]string{"owner": "platform"},
	}
}

func run(t *testing.T, args *Args) *mockcloud.Cloud {
	t.Helper()
	c := mockcloud.New("globalstack", "test")
	err := c.Run(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "cluster", args)
		return err
	}, map[string]string{"aws:region": "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClusterIsPrivateEncryptedAndLogged(t *testing.T) {
	c := run(t, validArgs())
	cl := mockcloudtest.One(t, c, "aws:eks/cluster:Cluster")
	if !cl.Bool("vpcConfig.endpointPrivateAccess") || cl.Bool("vpcConfig.endpointPublicAccess") || cl.Len("vpcConfig.publicAccessCidrs") != 0 {
		t.Errorf("endpoint not private only: %v", cl.In("vpcConfig"))
	}
	if got := cl.Strs("vpcConfig.subnetIds"); strings.Join(got, ",") != "subnet-app-a,subnet-app-b,subnet-app-c" {
		t.Errorf("control plane subnets %v", got)
	}
	if cl.Str("encryptionConfig.provider.keyArn") != "arn:aws:kms:eu-west-1:123456789012:key/data" || strings.Join(cl.Strs("encryptionConfig.resources"), ",") != "secrets" {
		t.Errorf("secrets encryption %v", cl.In("encryptionConfig"))
	}
	if cl.Str("accessConfig.authenticationMode") != "API" {
		t.Errorf("authentication mode %q", cl.Str("accessConfig.authenticationMode"))
	}
	if got := cl.Strs("enabledClusterLogTypes"); len(got) != 5 {
		t.Errorf("log types %v", got)
	}
	lg := mockcloudtest.One(t, c, "aws:cloudwatch/logGroup:LogGroup")
	if lg.Str("name") != "/aws/eks/prod-eu/cluster" || lg.Str("kmsKeyId") == "" {
		t.Errorf("control-plane log group %s key %q", lg.Str("name"), lg.Str("kmsKeyId"))
	}
	entry := mockcloudtest.One(t, c, "aws:eks/accessEntry:AccessEntry")
	assoc := mockcloudtest.One(t, c, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	if entry.Str("principalArn") != "arn:aws:iam::123456789012:role/platform-admin" || !strings.HasSuffix(assoc.Str("policyArn"), "/AmazonEKSClusterAdminPolicy") {
		t.Errorf("admin access entry %s / %s", entry.Str("principalArn"), assoc.Str("policyArn"))
	}
}

func TestPublicEndpointOnlyForListedRanges(t *testing.T) {
	a := validArgs()
	a.PublicAccessCIDRs = []string{"203.0.113.0/24"}
	cl := mockcloudtest.One(t, run(t, a), "aws:eks/cluster:Cluster")
	if !cl.Bool("vpcConfig.endpointPublicAccess") || strings.Join(cl.Strs("vpcConfig.publicAccessCidrs"), ",") != "203.0.113.0/24" {
		t.Errorf("public access %v", cl.In("vpcConfig"))
	}
}

func TestNodesArePrivateAndRequireIMDSv2(t *testing.T) {
	c := run(t, validArgs())
	ng := mockcloudtest.One(t, c, "aws:eks/nodeGroup:NodeGroup")
	if got := ng.Strs("subnetIds"); strings.Join(got, ",") != "subnet-app-a,subnet-app-b,subnet-app-c" {
		t.Errorf("nodes in %v", got)
	}
	if ng.Num("scalingConfig.minSize") != 3 || ng.Num("scalingConfig.desiredSize") != 3 || ng.Num("scalingConfig.maxSize") != 9 {
		t.Errorf("scaling %v", ng.In("scalingConfig"))
	}
	lt := mockcloudtest.One(t, c, "aws:ec2/launchTemplate:LaunchTemplate")
	if lt.Str("metadataOptions.httpTokens") != "required" || lt.Num("metadataOptions.httpPutResponseHopLimit") != 1 {
		t.Errorf("metadata options %v", lt.In("metadataOptions"))
	}
	cl := mockcloudtest.One(t, c, "aws:eks/cluster:Cluster")
	sgs := lt.Strs("vpcSecurityGroupIds")
	if len(sgs) != 2 || sgs[1] != "sg-0app" || sgs[0] != cl.Out("vpcConfig.clusterSecurityGroupId").StringValue() {
		t.Errorf("node security groups %v", sgs)
	}
	if ng.Str("launchTemplate.id") != lt.ID {
		t.Errorf("node group launch template %q, want %q", ng.Str("launchTemplate.id"), lt.ID)
	}
	// The node role has exactly the two node policies; the CNI gets its own IRSA role.
	var nodePolicies []string
	for _, att := range c.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if strings.Contains(att.Name, "-nodes-") {
			nodePolicies = append(nodePolicies, att.Str("policyArn"))
		}
	}
	sort.Strings(nodePolicies)
	want := "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly,arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
	if strings.Join(nodePolicies, ",") != want {
		t.Errorf("node role policies %v", nodePolicies)
	}
}

func TestAddonsArePinned(t *testing.T) {
	c := run(t, validArgs())
	got := map[string]string{}
	for _, a := range c.OfType("aws:eks/addon:Addon") {
		got[a.Str("addonName")] = a.Str("addonVersion")
	}
	// The core add-ons and Container Insights, each at the version pinned for the default
	// Kubernetes version.
	want := []string{"vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"}
	if len(got) != len(want) {
		t.Fatalf("add-ons %v, want exactly %v", got, want)
	}
	for _, name := range want {
		v := PinnedAddons[DefaultVersion][name]
		if v == "" || got[name] != v || !strings.HasPrefix(v, "v") {
			t.Errorf("add-on %s at %q, want the pinned %q", name, got[name], v)
		}
	}
}

func TestIRSATrustIsScopedToOneServiceAccount(t *testing.T) {
	c := run(t, validArgs())
	cl := mockcloudtest.One(t, c, "aws:eks/cluster:Cluster")
	issuer := strings.TrimPrefix(cl.Out("identities[0].oidcs[0].issuer").StringValue(), "https://")
	oidc := mockcloudtest.One(t, c, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if oidc.Str("url") != "https://"+issuer || strings.Join(oidc.Strs("clientIdLists"), ",") != "sts.amazonaws.com" {
		t.Fatalf("oidc provider %v", oidc.Inputs)
	}
	var role mockcloud.Resource
	for _, r := range c.OfType("aws:iam/role:Role") {
		if r.Name == "cluster-vpc-cni" {
			role = r
		}
	}
	var doc struct {
		Statement []struct {
			Principal map[string]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &doc); err != nil || len(doc.Statement) != 1 {
		t.Fatalf("trust policy %q: %v", role.Str("assumeRolePolicy"), err)
	}
	s := doc.Statement[0]
	eq := s.Condition["StringEquals"]
	if s.Principal["Federated"] != oidc.ID || s.Action != "sts:AssumeRoleWithWebIdentity" ||
		eq[issuer+":sub"] != "system:serviceaccount:kube-system:aws-node" || eq[issuer+":aud"] != "sts.amazonaws.com" || len(eq) != 2 {
		t.Errorf("trust statement %+v", s)
	}
}

func TestKubernetesProviderUsesExecAuth(t *testing.T) {
	c := run(t, validArgs())
	var kc string
	for _, r := range c.Resources() {
		if r.Type == "pulumi:providers:kubernetes" && r.Name == "cluster" {
			kc = r.Str("kubeconfig")
		}
	}
	cl := mockcloudtest.One(t, c, "aws:eks/cluster:Cluster")
	if !strings.Contains(kc, cl.Out("endpoint").StringValue()) || !strings.Contains(kc, `"get-token"`) || !strings.Contains(kc, `"eu-west-1"`) || strings.Contains(kc, "token:") {
		t.Errorf("kubeconfig %s", kc)
	}
	if !strings.Contains(cl.Out("endpoint").StringValue(), ".gr7.eu-west-1.eks.amazonaws.com") {
		t.Errorf("endpoint %s", cl.Out("endpoint").StringValue())
	}
	if n := len(c.OfType("kubernetes:helm.sh/v3:Release")); n != 4 {
		t.Errorf("%d Helm releases, want 4 (CSI driver, its AWS provider, metrics-server, load balancer controller)", n)
	}
}

func TestPilotLightHasZeroNodes(t *testing.T) {
	a := validArgs()
	a.PilotLight = true
	c := run(t, a)
	ng := mockcloudtest.One(t, c, "aws:eks/nodeGroup:NodeGroup")
	if ng.Num("scalingConfig.minSize") != 0 || ng.Num("scalingConfig.desiredSize") != 0 || ng.Num("scalingConfig.maxSize") != 9 {
		t.Errorf("pilot light scaling %v", ng.In("scalingConfig"))
	}
	for _, ad := range c.OfType("aws:eks/addon:Addon") {
		if n := ad.Str("addonName"); n == "coredns" || n == "aws-ebs-csi-driver" || n == "amazon-cloudwatch-observability" {
			t.Errorf("%s needs nodes but is installed in pilot light", n)
		}
	}
	if n := len(c.OfType("kubernetes:helm.sh/v3:Release")); n != 0 {
		t.Errorf("%d Helm releases in pilot light", n)
	}
	mockcloudtest.One(t, c, "aws:eks/cluster:Cluster")
	mockcloudtest.One(t, c, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
}

func TestInvalidArgsFailWithEveryProblem(t *testing.T) {
	a := &Args{
		Region:      "mars-1",
		ClusterName: "bad name",
		SubnetIDs:   pulumi.StringArray{pulumi.String("subnet-1")},
		Settings: settings.Settings{
			Version:           "1.20",
			PublicAccessCIDRs: []string{"0.0.0.0/0", "nope"},
			AdminRoleArns:     []string{"admin"},
			NodeMin:           3, NodeDesired: 2, NodeMax: 0,
		},
	}
	err := a.Validate()
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	// The settings' problems name their stack keys (settings.Settings.Validate).
	for _, want := range []string{"Region", "ClusterName", "no vpc-cni version pinned for Kubernetes 1.20", "VpcID", "SubnetIDs",
		"NodeSecurityGroupID", "SecretsKeyArn", "LogKeyArn", `cluster: version: "1.20" has no pinned add-on versions`,
		`cluster: publicAccessCidrs: "0.0.0.0/0" would open the API endpoint to the internet`, `cluster: publicAccessCidrs: "nope" is not a CIDR`,
		`cluster: adminRoleArns: "admin" is not an IAM role or user ARN`, "cluster: instanceTypes: at least one instance type is required",
		"cluster: nodeMax: is 0", "cluster: nodeDesired: need nodeMin (3) <= nodeDesired (2) <= nodeMax (0)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	c := mockcloud.New("globalstack", "test")
	runErr := c.Run(func(ctx *pulumi.Context) error { _, err := New(ctx, "cluster", a); return err }, map[string]string{"aws:region": "eu-west-1"})
	if runErr == nil || len(c.Resources()) != 0 {
		t.Errorf("New registered %d resources with invalid args (err %v)", len(c.Resources()), runErr)
	}
	if validArgs().Validate() != nil {
		t.Errorf("valid args rejected: %v", validArgs().Validate())
	}
}

// Container Insights' agent gets its own IRSA role, trusted by its service account only, with
// the two policies the add-on's guide attaches; the node role stays without them.
func TestContainerInsightsAgentHasItsOwnRole(t *testing.T) {
	c := run(t, validArgs())
	var addon mockcloud.Resource
	for _, a := range c.OfType("aws:eks/addon:Addon") {
		if a.Str("addonName") == "amazon-cloudwatch-observability" {
			addon = a
		}
	}
	if addon.URN == "" {
		t.Fatal("no amazon-cloudwatch-observability add-on")
	}
	var role mockcloud.Resource
	for _, r := range c.OfType("aws:iam/role:Role") {
		if r.Out("arn").StringValue() == addon.Str("serviceAccountRoleArn") {
			role = r
		}
	}
	if role.URN == "" {
		t.Fatalf("the add-on's role %q is not a role of the cluster", addon.Str("serviceAccountRoleArn"))
	}
	if trust := role.Str("assumeRolePolicy"); !strings.Contains(trust, "system:serviceaccount:amazon-cloudwatch:cloudwatch-agent") {
		t.Errorf("trust policy does not name amazon-cloudwatch/cloudwatch-agent: %s", trust)
	}
	var policies []string
	for _, a := range c.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.Str("role") == role.Out("name").StringValue() {
			policies = append(policies, a.Str("policyArn"))
		}
	}
	sort.Strings(policies)
	if want := "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess,arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"; strings.Join(policies, ",") != want {
		t.Errorf("agent role policies %v, want %s", policies, want)
	}
}
