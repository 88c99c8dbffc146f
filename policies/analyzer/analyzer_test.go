package analyzer_test

import (
	"context"
	"net"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"globalstack/policies/analyzer"
	"globalstack/policies/check"
	"globalstack/policies/plantest"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func marshal(t *testing.T, p rules.Props) *structpb.Struct {
	t.Helper()
	pm := resource.NewPropertyMapFromMap(map[string]any(p))
	for k, v := range p {
		if _, ok := v.(rules.Unknown); ok {
			pm[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	}
	st, err := plugin.MarshalProperties(pm, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func provider(t *testing.T, r *rules.Resource) *pulumirpc.AnalyzerProviderResource {
	if r.Provider == nil {
		return nil
	}
	return &pulumirpc.AnalyzerProviderResource{Urn: r.Provider.URN, Type: r.Provider.Type, Name: "p", Properties: marshal(t, r.Provider.Props)}
}

// engineFindings drives the server the way `pulumi policy analyze` does: Analyze with each
// resource's inputs, then AnalyzeStack with every resource's outputs.
func engineFindings(t *testing.T, srv *analyzer.Server, v check.Views) map[string]pulumirpc.EnforcementLevel {
	t.Helper()
	got := map[string]pulumirpc.EnforcementLevel{}
	for _, r := range v.Inputs {
		resp, err := srv.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{Urn: r.URN, Type: r.Type, Name: r.Name,
			Properties: marshal(t, r.Props), Provider: provider(t, r)})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			got[d.PolicyName+" "+d.Urn] = d.EnforcementLevel
		}
	}
	req := &pulumirpc.AnalyzeStackRequest{}
	for _, r := range v.Stack.Resources {
		ar := &pulumirpc.AnalyzerResource{Urn: r.URN, Type: r.Type, Name: r.Name, Properties: marshal(t, r.Props),
			Provider: provider(t, r), Parent: r.Parent, Dependencies: r.Dependencies,
			PropertyDependencies: map[string]*pulumirpc.AnalyzerPropertyDependencies{}}
		for k, us := range r.PropertyDependencies {
			ar.PropertyDependencies[k] = &pulumirpc.AnalyzerPropertyDependencies{Urns: us}
		}
		req.Resources = append(req.Resources, ar)
	}
	resp, err := srv.AnalyzeStack(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		got[d.PolicyName+" "+d.Urn] = d.EnforcementLevel
	}
	return got
}

// TestEngineAndOfflineAgree checks that the gRPC glue reports exactly what the offline checker
// reports for the bad stack (waived findings as advisory).
func TestEngineAndOfflineAgree(t *testing.T) {
	w, err := waivers.Parse([]byte(plantest.BadWaivers), "bad waivers")
	if err != nil {
		t.Fatal(err)
	}
	d := plantest.Bad(t).D
	srv, err := analyzer.NewAt("globalstack", nil, w, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got := engineFindings(t, srv, check.ViewsOf("bad-eu", d))
	rep, err := check.CheckDeployment("bad-eu", d, check.Options{Waivers: w, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]pulumirpc.EnforcementLevel{}
	for _, f := range rep.Findings {
		lvl := pulumirpc.EnforcementLevel_MANDATORY
		if f.Waiver != nil {
			lvl = pulumirpc.EnforcementLevel_ADVISORY
		}
		want[f.Policy+" "+f.URN] = lvl
	}
	if len(want) != len(plantest.BadExpected) {
		t.Fatalf("offline found %d distinct findings, want %d", len(want), len(plantest.BadExpected))
	}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("engine path: %s level %v, offline %v", k, got[k], l)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("engine path only: %s", k)
		}
	}
}

func TestCompliantCellThroughEngine(t *testing.T) {
	srv, err := analyzer.NewAt("globalstack", nil, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got := engineFindings(t, srv, check.ViewsOf("prod-jp", plantest.Planned(t, "prod-jp")))
	for k := range got {
		t.Errorf("unexpected: %s", k)
	}
}

func TestUnknownsAreNotApplicable(t *testing.T) {
	srv, err := analyzer.NewAt("globalstack", nil, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	props := rules.Props{"storageEncrypted": true, "kmsKeyId": rules.Unknown{}}
	resp, err := srv.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{Urn: "urn:pulumi:prod-eu::globalstack::aws:rds/cluster:Cluster::db",
		Type: "aws:rds/cluster:Cluster", Name: "db", Properties: marshal(t, props)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("diagnostics on unknown value: %v", resp.Diagnostics)
	}
	if len(resp.NotApplicable) != 1 || resp.NotApplicable[0].PolicyName != "aurora-storage-cmk" {
		t.Fatalf("not applicable: %v", resp.NotApplicable)
	}
}

func TestConfigureStackAndPolicyConfig(t *testing.T) {
	srv, err := analyzer.NewAt("globalstack", nil, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// a stack without the jurisdiction output: ConfigureStack supplies it and the default
	// provider's region
	p := plantest.New(t, "prod-eu")
	delete(p.Root().Outputs, "jurisdiction")
	v := check.ViewsOf("prod-eu", p.D)
	if got := engineFindings(t, srv, v); len(got) != 1 || got["stack-jurisdiction-declared "+string(p.Root().URN)] != pulumirpc.EnforcementLevel_MANDATORY {
		t.Fatalf("without config: %v", got)
	}
	if _, err := srv.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: "prod-eu",
		Config: map[string]string{"globalstack:jurisdiction": "eu", "aws:region": "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	if got := engineFindings(t, srv, v); len(got) != 0 {
		t.Fatalf("with config: %v", got)
	}
	// policy config: disable the rule, then make it advisory
	_, err = srv.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
		"iam-no-wildcard-action": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY}}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := srv.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range info.Policies {
		if p.Name == "iam-no-wildcard-action" {
			found = true
			if p.EnforcementLevel != pulumirpc.EnforcementLevel_ADVISORY {
				t.Errorf("configured level not reported: %v", p.EnforcementLevel)
			}
		}
	}
	if !found {
		t.Fatal("iam-no-wildcard-action is not reported by GetAnalyzerInfo")
	}
	_, err = srv.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
		"no-such-policy": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY}}})
	if err == nil || !strings.Contains(err.Error(), "no-such-policy") {
		t.Errorf("unknown policy: %v", err)
	}
}

// TestOverGRPC serves the analyzer on a real socket and talks to it with the generated client.
func TestOverGRPC(t *testing.T) {
	srv, err := analyzer.NewAt("globalstack-encryption", []rules.Pack{rules.Encryption}, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	pulumirpc.RegisterAnalyzerServer(g, srv)
	go func() { _ = g.Serve(lis) }()
	defer g.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pulumirpc.NewAnalyzerClient(conn)
	ctx := context.Background()
	root := "/pack"
	if _, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{EngineAddress: "127.0.0.1:1", RootDirectory: &root}); err != nil {
		t.Fatal(err)
	}
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "globalstack-encryption" || !info.SupportsConfig || len(info.Policies) != len(rules.InPacks(rules.Encryption)) {
		t.Fatalf("info: %s %v %d", info.Name, info.SupportsConfig, len(info.Policies))
	}
	var names []string
	for _, p := range info.Policies {
		if p.Severity == pulumirpc.PolicySeverity_POLICY_SEVERITY_UNSPECIFIED || p.RemediationSteps == "" || p.Description == "" {
			t.Errorf("policy %s lacks severity, remediation or description", p.Name)
		}
		names = append(names, p.Name)
	}
	sort.Strings(names)
	if !slices.Contains(names, "aurora-global-cluster-encrypted") || !slices.Contains(names, "alb-listener-tls12") {
		t.Errorf("policies: %v", names)
	}
	pi, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil || pi.Version != check.Version {
		t.Fatalf("plugin info %v %v", pi, err)
	}
	resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{Urn: "urn:pulumi:s::p::aws:kms/key:Key::k", Type: "aws:kms/key:Key",
		Name: "k", Properties: marshal(t, rules.Props{"enableKeyRotation": false})})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].PolicyName != "kms-key-rotation" ||
		resp.Diagnostics[0].Severity != pulumirpc.PolicySeverity_POLICY_SEVERITY_MEDIUM ||
		!strings.Contains(resp.Diagnostics[0].Message, "[ENC-013]") {
		t.Fatalf("diagnostics: %v", resp.Diagnostics)
	}
	if _, err := client.Remediate(ctx, &pulumirpc.AnalyzeRequest{Type: "aws:kms/key:Key"}); err != nil {
		t.Fatal(err)
	}
}
