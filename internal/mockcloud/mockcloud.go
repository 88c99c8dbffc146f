// Package mockcloud is the offline AWS/Kubernetes "cloud" behind `make plan` and every
// component test. It plugs into the Pulumi SDK's mock engine, records each registered resource
// (type, URN, parent, provider and its region, inputs, dependencies) and answers with realistic
// outputs (ids, ARNs, endpoints) so that output wiring between components is exercised.
package mockcloud

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is the AWS account id every synthesized ARN carries.
const Account = "123456789012"

// Resource is one registered resource as the engine would hold it in state.
type Resource struct {
	URN          string
	Type         string
	Name         string
	ID           string
	Custom       bool
	Parent       string
	Provider     string // provider reference "<urn>::<id>"; defaults are filled in
	Region       string // effective region (AWS resources only)
	Inputs       resource.PropertyMap
	Outputs      resource.PropertyMap
	Dependencies []string
	PropDeps     map[string][]string
}

// Cloud implements pulumi.MockResourceMonitor and remembers what was registered.
type Cloud struct {
	project, stack string

	mu             sync.Mutex
	region         string // aws:region of the default provider
	resources      []*Resource
	byURN          map[string]*Resource
	providerRegion map[string]string // provider reference -> region
	defaults       map[string]string // package -> default provider reference
	stackOutputs   map[string]resource.PropertyMap
	invocations    []Invocation
}

// New returns an empty cloud for one project/stack.
func New(project, stack string) *Cloud {
	return &Cloud{
		project:        project,
		stack:          stack,
		byURN:          map[string]*Resource{},
		providerRegion: map[string]string{},
		defaults:       map[string]string{},
		stackOutputs:   map[string]resource.PropertyMap{},
	}
}

// Project names the program being run.
func (c *Cloud) Project() string { return c.project }

// Stack names the stack being run.
func (c *Cloud) Stack() string { return c.stack }

// SetStackOutputs makes a StackReference to name (any "org/project/stack" ending in it)
// resolve to outputs, the way a planned primary stack feeds its DR stack.
func (c *Cloud) SetStackOutputs(name string, outputs map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stackOutputs[name] = resource.NewPropertyMapFromMap(outputs)
}

// Run executes program under the mock engine with the given stack config
// ("project:key" -> value, "aws:region" included).
func (c *Cloud) Run(program pulumi.RunFunc, config map[string]string) error {
	c.mu.Lock()
	c.region = config["aws:region"]
	c.mu.Unlock()
	withConfig := func(info *pulumi.RunInfo) {
		info.Config = maps.Clone(config)
	}
	return pulumi.RunErr(program, pulumi.WithMocks(c.project, c.stack, c), withConfig)
}

// NewResource records a registration and returns synthesized outputs.
func (c *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	parent := ""
	var deps []string
	propDeps := map[string][]string{}
	version := ""
	if rpc != nil {
		parent = rpc.GetParent()
		deps = rpc.GetDependencies()
		for k, v := range rpc.GetPropertyDependencies() {
			propDeps[k] = v.GetUrns()
		}
		version = rpc.GetVersion()
	}

	c.mu.Lock()
	defer c.mu.Unlock()

	urn := c.urn(parent, args.TypeToken, args.Name)
	r := &Resource{
		URN: urn, Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Parent: parent,
		Inputs: args.Inputs.Copy(), Dependencies: deps, PropDeps: propDeps,
	}
	if args.Custom && !isProvider(args.TypeToken) && args.TypeToken != stackReferenceType && !modelled(args.TypeToken) {
		return "", nil, ErrUnmodelled{Type: args.TypeToken}
	}
	pkg := packageOf(args.TypeToken)
	if args.Custom && !isProvider(args.TypeToken) {
		r.Provider = args.Provider
		if r.Provider == "" {
			ref, err := c.defaultProvider(pkg, version)
			if err != nil {
				return "", nil, fmt.Errorf("%s %q: %w", args.TypeToken, args.Name, err)
			}
			r.Provider = ref
		}
		if pkg == "aws" {
			r.Region = c.providerRegion[r.Provider]
			if v, ok := r.Inputs["region"]; ok && v.IsString() && v.StringValue() != "" {
				r.Region = v.StringValue()
			}
		}
	}

	var outputs resource.PropertyMap
	switch {
	case args.TypeToken == stackReferenceType:
		// A stack reference is a read of a custom resource of the built-in pulumi provider.
		r.Custom = true
		r.Provider, _ = c.defaultProvider(builtinPackage, "") // needs no version
		r.ID = stringInput(r.Inputs, "name")
		outputs = c.stackReferenceOutputs(r.ID)
	case isProvider(args.TypeToken):
		r.ID = hashID("", urn, 8) + "-" + hashID("", urn+"/p", 4)
		r.Region = stringInput(r.Inputs, "region")
		outputs = r.Inputs.Copy()
		c.providerRegion[urn+"::"+r.ID] = r.Region
	case !args.Custom:
		outputs = resource.PropertyMap{}
	default:
		r.ID, outputs = synthesize(r)
	}
	r.Outputs = outputs
	c.resources = append(c.resources, r)
	c.byURN[urn] = r
	return r.ID, outputs, nil
}

// Call answers the provider functions (invokes) the program uses.
func (c *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	c.mu.Lock()
	region := c.region
	if args.Provider != "" {
		region = c.providerRegion[args.Provider]
	}
	c.mu.Unlock()
	in := args.Args.Mappable()
	fn, ok := invokes[args.Token]
	if !ok {
		return nil, fmt.Errorf("mockcloud: no mock for function %s; add it to invokes in internal/mockcloud/invokes.go", args.Token)
	}
	out, err := fn(region, in)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.invocations = append(c.invocations, Invocation{Token: args.Token, Region: region, Args: in, Result: out})
	c.mu.Unlock()
	return resource.NewPropertyMapFromMap(out), nil
}

// Invocation is one provider function the program called and what it was answered; data
// sources leave nothing in state, so tests find looked-up values (a prefix list's id) here.
type Invocation struct {
	Token  string
	Region string
	Args   map[string]any
	Result map[string]any
}

// Invocations returns the calls of a provider function, in call order.
func (c *Cloud) Invocations(token string) []Invocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Invocation
	for _, i := range c.invocations {
		if i.Token == token {
			out = append(out, i)
		}
	}
	return out
}

// urn mirrors the SDK mock engine's URN scheme so recorded URNs match the ones it hands out.
func (c *Cloud) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(c.stack), tokens.PackageName(c.project), parentType, tokens.Type(typ), name))
}

// defaultProvider returns (creating on first use) the default provider for pkg, which the
// real engine creates from stack config at the version of the package's SDK: the SDK sends
// that version with every registration
// (https://github.com/pulumi/pulumi/blob/master/docs/architecture/providers/default.md).
// Only the engine's built-in package has no version.
func (c *Cloud) defaultProvider(pkg, version string) (string, error) {
	if version == "" && pkg != builtinPackage {
		return "", fmt.Errorf("mockcloud: registered without a %s provider version, so its default provider would be unversioned: "+
			"register it through the %s Go SDK, which sends its version", pkg, pkg)
	}
	if ref, ok := c.defaults[pkg]; ok {
		return ref, nil
	}
	name := "default"
	if version != "" {
		name += "_" + strings.NewReplacer(".", "_", "-", "_").Replace(version)
	}
	typ := "pulumi:providers:" + pkg
	urn := c.urn("", typ, name)
	inputs := resource.PropertyMap{}
	if version != "" {
		inputs["version"] = resource.NewProperty(version)
	}
	if pkg == "aws" {
		inputs["region"] = resource.NewProperty(c.region)
	}
	p := &Resource{URN: urn, Type: typ, Name: name, Custom: true, ID: hashID("", urn, 8) + "-default", Inputs: inputs, Outputs: inputs.Copy()}
	if pkg == "aws" {
		p.Region = c.region
	}
	ref := urn + "::" + p.ID
	c.defaults[pkg] = ref
	c.providerRegion[ref] = p.Region
	c.resources = append(c.resources, p)
	c.byURN[urn] = p
	return ref, nil
}

func (c *Cloud) stackReferenceOutputs(name string) resource.PropertyMap {
	for stack, outs := range c.stackOutputs {
		if name == stack || strings.HasSuffix(name, "/"+stack) {
			return resource.PropertyMap{
				"name":              resource.NewProperty(name),
				"outputs":           resource.NewProperty(outs.Copy()),
				"secretOutputNames": resource.NewProperty([]resource.PropertyValue{}),
			}
		}
	}
	return resource.PropertyMap{
		"name":              resource.NewProperty(name),
		"outputs":           resource.NewProperty(resource.PropertyMap{}),
		"secretOutputNames": resource.NewProperty([]resource.PropertyValue{}),
	}
}

const (
	stackReferenceType = "pulumi:pulumi:StackReference"
	// builtinPackage is the engine's own provider package, which serves stack references.
	builtinPackage = "pulumi"
)

func isProvider(typ string) bool { return strings.HasPrefix(typ, "pulumi:providers:") }

// packageOf returns the package of a type token ("aws" for "aws:ec2/vpc:Vpc").
func packageOf(typ string) string {
	if isProvider(typ) {
		return strings.TrimPrefix(typ, "pulumi:providers:")
	}
	pkg, _, _ := strings.Cut(typ, ":")
	return pkg
}

func stringInput(m resource.PropertyMap, key resource.PropertyKey) string {
	v, ok := m[key]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Resources returns every recorded resource in registration order.
func (c *Cloud) Resources() []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Resource, len(c.resources))
	for i, r := range c.resources {
		out[i] = *r
	}
	return out
}

// OfType returns the recorded resources of one type token, in registration order.
func (c *Cloud) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range c.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByURN looks a recorded resource up.
func (c *Cloud) ByURN(urn string) (Resource, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.byURN[urn]
	if !ok {
		return Resource{}, false
	}
	return *r, true
}

// ByID finds the custom resource whose physical id is id.
func (c *Cloud) ByID(id string) (Resource, bool) {
	for _, r := range c.Resources() {
		if r.Custom && r.ID == id {
			return r, true
		}
	}
	return Resource{}, false
}

// CountByType returns how many resources of each type were registered.
func (c *Cloud) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range c.Resources() {
		out[r.Type]++
	}
	return out
}

// Types returns the sorted distinct type tokens registered.
func (c *Cloud) Types() []string {
	return slices.Sorted(maps.Keys(c.CountByType()))
}

// Descendants returns every resource whose parent chain reaches urn.
func (c *Cloud) Descendants(urn string) []Resource {
	var out []Resource
	for _, r := range c.Resources() {
		for p := r.Parent; p != ""; {
			if p == urn {
				out = append(out, r)
				break
			}
			pr, ok := c.ByURN(p)
			if !ok {
				break
			}
			p = pr.Parent
		}
	}
	return out
}
