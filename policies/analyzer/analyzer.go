// Package analyzer serves the policy rules to the Pulumi engine over the analyzer gRPC
// protocol. It only translates: requests become rules.Resource values, the check package
// evaluates them, and findings become diagnostics.
package analyzer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
	"globalstack/policies/rules"
	"globalstack/policies/waivers"
)

// JurisdictionProperty is the policy configuration property (on stack-jurisdiction-declared)
// that names the stack's jurisdiction when the engine sends no stack configuration.
const JurisdictionProperty = "jurisdiction"

// Server implements pulumirpc.AnalyzerServer.
type Server struct {
	pulumirpc.UnimplementedAnalyzerServer

	name  string
	packs []rules.Pack

	mu           sync.Mutex
	checker      *check.Checker
	stack        string
	config       map[string]string
	jurisdiction string
}

// New creates a server for a pack called name made of the given rule packs (all when empty).
func New(name string, packs []rules.Pack, w *waivers.File) (*Server, error) {
	return NewAt(name, packs, w, time.Time{})
}

// NewAt is New with waivers judged at a fixed time (zero means the current time).
func NewAt(name string, packs []rules.Pack, w *waivers.File, now time.Time) (*Server, error) {
	c, err := check.NewChecker(check.Options{Packs: packs, Waivers: w, Now: now})
	if err != nil {
		return nil, err
	}
	return &Server{name: name, packs: packs, checker: c, config: map[string]string{}}, nil
}

// Handshake acknowledges the engine.
func (s *Server) Handshake(context.Context, *pulumirpc.AnalyzerHandshakeRequest) (*pulumirpc.AnalyzerHandshakeResponse, error) {
	return &pulumirpc.AnalyzerHandshakeResponse{}, nil
}

// ConfigureStack records the stack name and its configuration (jurisdiction, aws:region).
func (s *Server) ConfigureStack(_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stack = req.GetStack()
	s.config = map[string]string{}
	for k, v := range req.GetConfig() {
		s.config[k] = v
	}
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

var severities = map[rules.Severity]pulumirpc.PolicySeverity{
	rules.Low: pulumirpc.PolicySeverity_POLICY_SEVERITY_LOW, rules.Medium: pulumirpc.PolicySeverity_POLICY_SEVERITY_MEDIUM,
	rules.High: pulumirpc.PolicySeverity_POLICY_SEVERITY_HIGH, rules.Critical: pulumirpc.PolicySeverity_POLICY_SEVERITY_CRITICAL,
}

func level(l rules.Level) pulumirpc.EnforcementLevel {
	switch l {
	case rules.Mandatory:
		return pulumirpc.EnforcementLevel_MANDATORY
	case rules.Disabled:
		return pulumirpc.EnforcementLevel_DISABLED
	}
	return pulumirpc.EnforcementLevel_ADVISORY
}

// GetAnalyzerInfo lists the policies with their severities, levels and remediation.
func (s *Server) GetAnalyzerInfo(context.Context, *emptypb.Empty) (*pulumirpc.AnalyzerInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := &pulumirpc.AnalyzerInfo{
		Name:           s.name,
		DisplayName:    "globalstack security policies",
		Version:        check.Version,
		SupportsConfig: true,
		Description:    "Encryption, least-privilege and data-residency rules for the globalstack platform.",
		Provider:       "aws",
		Tags:           []string{"security"},
	}
	for _, r := range s.checker.Rules() {
		typ := pulumirpc.PolicyType_POLICY_TYPE_RESOURCE
		if r.IsStack() {
			typ = pulumirpc.PolicyType_POLICY_TYPE_STACK
		}
		p := &pulumirpc.PolicyInfo{
			Name:             r.Name,
			DisplayName:      r.ID + " " + r.Name,
			Description:      r.Description,
			Message:          r.Remediation,
			EnforcementLevel: level(s.checker.Level(r)),
			PolicyType:       typ,
			Severity:         severities[r.Severity],
			Tags:             []string{string(r.Pack), r.ID},
			RemediationSteps: r.Remediation,
		}
		if r.ID == "RES-001" {
			schema, err := structpb.NewStruct(map[string]any{
				JurisdictionProperty: map[string]any{"type": "string", "enum": []any{"us", "eu", "jp"}},
			})
			if err != nil {
				return nil, err
			}
			p.ConfigSchema = &pulumirpc.PolicyConfigSchema{Properties: schema}
		}
		info.Policies = append(info.Policies, p)
	}
	return info, nil
}

// GetPluginInfo reports the pack version.
func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: check.Version}, nil
}

// Configure applies per-policy enforcement levels and the jurisdiction property.
func (s *Server) Configure(_ context.Context, req *pulumirpc.ConfigureAnalyzerRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, cfg := range req.GetPolicyConfig() {
		var l rules.Level
		switch cfg.GetEnforcementLevel() {
		case pulumirpc.EnforcementLevel_MANDATORY, pulumirpc.EnforcementLevel_REMEDIATE:
			l = rules.Mandatory
		case pulumirpc.EnforcementLevel_DISABLED:
			l = rules.Disabled
		default:
			l = rules.Advisory
		}
		if err := s.checker.SetLevel(name, l); err != nil {
			return nil, err
		}
		if j, ok := cfg.GetProperties().AsMap()[JurisdictionProperty].(string); ok {
			s.jurisdiction = j
		}
	}
	return &emptypb.Empty{}, nil
}

// Remediate never rewrites resources: the rules only report.
func (s *Server) Remediate(context.Context, *pulumirpc.AnalyzeRequest) (*pulumirpc.RemediateResponse, error) {
	return &pulumirpc.RemediateResponse{}, nil
}

// Cancel has nothing to abort: evaluation is synchronous and short.
func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Analyze runs the resource rules over one resource's inputs.
func (s *Server) Analyze(_ context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	r, err := toResource(req.GetUrn(), req.GetType(), req.GetName(), req.GetProperties(), req.GetProvider(), req.GetOptions().GetParent())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaultRegion(r)
	fs, na := s.checker.CheckResource(s.stackName(r.URN), r)
	return s.response(fs, na), nil
}

// AnalyzeStack runs the stack rules over every resource's outputs.
func (s *Server) AnalyzeStack(_ context.Context, req *pulumirpc.AnalyzeStackRequest) (*pulumirpc.AnalyzeResponse, error) {
	st := &rules.Stack{}
	for _, ar := range req.GetResources() {
		r, err := toResource(ar.GetUrn(), ar.GetType(), ar.GetName(), ar.GetProperties(), ar.GetProvider(), ar.GetParent())
		if err != nil {
			return nil, err
		}
		r.Dependencies = ar.GetDependencies()
		r.PropertyDependencies = map[string][]string{}
		for k, d := range ar.GetPropertyDependencies() {
			r.PropertyDependencies[k] = d.GetUrns()
		}
		st.Resources = append(st.Resources, r)
	}
	st.Index()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range st.Resources {
		s.defaultRegion(r)
	}
	if len(st.Resources) > 0 {
		st.Name = s.stackName(st.Resources[0].URN)
	}
	src := check.JurisdictionSources{Override: s.jurisdiction, Config: s.config["globalstack:jurisdiction"]}
	if root := st.RootStack(); root != nil {
		src.Output, _ = root.Props["jurisdiction"].(string)
	}
	check.ResolveJurisdiction(st, src)
	fs, na := s.checker.CheckStack(st)
	return s.response(fs, na), nil
}

// defaultRegion fills in the region of an AWS provider that does not carry one from the stack's
// aws:region configuration (the default provider reads it from there).
func (s *Server) defaultRegion(r *rules.Resource) {
	if r.Provider == nil || r.Provider.Type != "pulumi:providers:aws" || r.Provider.Props["region"] != nil {
		return
	}
	if reg := s.config["aws:region"]; reg != "" {
		r.Provider.Props["region"] = reg
	}
}

func (s *Server) stackName(urn string) string {
	if s.stack != "" {
		return s.stack
	}
	parts := strings.SplitN(strings.TrimPrefix(urn, "urn:pulumi:"), "::", 2)
	return parts[0]
}

func (s *Server) response(fs []check.Finding, na []check.NotApplicable) *pulumirpc.AnalyzeResponse {
	resp := &pulumirpc.AnalyzeResponse{}
	for _, f := range fs {
		r := rules.Lookup(f.RuleID)
		d := &pulumirpc.AnalyzeDiagnostic{
			PolicyName:        f.Policy,
			PolicyPackName:    s.name,
			PolicyPackVersion: check.Version,
			Description:       r.Description,
			Message:           fmt.Sprintf("[%s] %s. Fix: %s", f.RuleID, f.Message, f.Remediation),
			EnforcementLevel:  level(f.Level),
			Urn:               f.URN,
			Severity:          severities[f.Severity],
		}
		switch {
		case f.Waiver != nil:
			d.EnforcementLevel = pulumirpc.EnforcementLevel_ADVISORY
			d.Message = fmt.Sprintf("[%s] WAIVED until %s (approved by %s: %s): %s", f.RuleID, f.Waiver.Expires, f.Waiver.ApprovedBy, f.Waiver.Reason, f.Message)
		case f.ExpiredWaiver != nil:
			d.Message += fmt.Sprintf(" (waiver expired %s)", f.ExpiredWaiver.Expires)
		}
		resp.Diagnostics = append(resp.Diagnostics, d)
	}
	for _, n := range na {
		resp.NotApplicable = append(resp.NotApplicable, &pulumirpc.PolicyNotApplicable{
			PolicyName: rules.Lookup(n.RuleID).Name, Reason: n.Reason,
		})
	}
	return resp
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, SkipInternalKeys: true}

func toResource(urn, typ, name string, props *structpb.Struct, prov *pulumirpc.AnalyzerProviderResource, parent string) (*rules.Resource, error) {
	p, err := ToProps(props)
	if err != nil {
		return nil, fmt.Errorf("properties of %s: %w", urn, err)
	}
	r := &rules.Resource{URN: urn, Type: typ, Name: name, Props: p, Parent: parent}
	if prov != nil && prov.GetType() != "" {
		pp, err := ToProps(prov.GetProperties())
		if err != nil {
			return nil, fmt.Errorf("provider properties of %s: %w", urn, err)
		}
		r.Provider = &rules.ProviderRef{URN: prov.GetUrn(), Type: prov.GetType(), Props: pp}
	}
	return r, nil
}

// ToProps converts gRPC properties into the plain values the rules read.
func ToProps(st *structpb.Struct) (rules.Props, error) {
	if st == nil {
		return rules.Props{}, nil
	}
	pm, err := plugin.UnmarshalProperties(st, unmarshalOpts)
	if err != nil {
		return nil, err
	}
	out := make(rules.Props, len(pm))
	for k, v := range pm {
		out[string(k)] = pulumifiles.PlainProperty(v)
	}
	return out, nil
}
