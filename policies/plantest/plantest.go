// Package plantest gives the policy tests real plans to edit: it plans a stack of this
// repository once per test binary (stacks/plan, the real program under the mock cloud) and
// returns a copy of its `pulumi stack export` deployment to break or bend. Edits pick
// resources by type and name, never by position: the order of concurrently registered
// resources in a state varies from run to run.
//
// Only tests import this package; no binary links it.
package plantest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"globalstack/internal/pulumifiles"
	"globalstack/policies/check"
	"globalstack/policies/rules"
	"globalstack/stacks/plan"
)

// Unknown is how a state spells a value not known until apply.
const Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// JudgeDay is the day edited plans are judged at unless a test says otherwise: the day the
// lifecycle table was checked.
var JudgeDay = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

var (
	planOnce sync.Once
	planner  *plan.Planner
	planRoot string
	planErr  error

	mu      sync.Mutex
	planned = map[string][]byte{} // stack -> encoded deployment
)

// RepoRoot is the repository root: the nearest directory above the working directory that
// holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("plantest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// encoded plans stack once per test binary and returns its deployment as `pulumi stack
// export` writes it.
func encoded(t testing.TB, stack string) []byte {
	t.Helper()
	planOnce.Do(func() {
		planRoot, planErr = RepoRoot()
		planner = plan.NewPlanner(planRoot)
	})
	if planErr != nil {
		t.Fatal(planErr)
	}
	mu.Lock()
	defer mu.Unlock()
	if raw, ok := planned[stack]; ok {
		return raw
	}
	res, err := planner.Plan(stack)
	if err != nil {
		t.Fatalf("plantest: planning %s: %v", stack, err)
	}
	raw, err := res.StateJSON(time.Time{})
	if err != nil {
		t.Fatalf("plantest: exporting %s: %v", stack, err)
	}
	planned[stack] = raw
	return raw
}

// Planned returns a fresh copy of a stack's planned deployment, as read back from its export.
func Planned(t testing.TB, stack string) apitype.DeploymentV3 {
	t.Helper()
	d, err := pulumifiles.DecodeDeployment(encoded(t, stack), stack)
	if err != nil {
		t.Fatalf("plantest: %v", err)
	}
	return d
}

// Plan is a deployment being edited.
type Plan struct {
	t     testing.TB
	Stack string
	D     apitype.DeploymentV3
	// Now is the moment Rules judges the plan at (JudgeDay by default).
	Now time.Time
}

// New starts editing a copy of the planned stack.
func New(t testing.TB, stack string) *Plan {
	t.Helper()
	return &Plan{t: t, Stack: stack, D: Planned(t, stack), Now: JudgeDay}
}

// Edit starts editing a copy of d, a deployment of stack read elsewhere (a state file).
func Edit(t testing.TB, stack string, d apitype.DeploymentV3) *Plan {
	t.Helper()
	return &Plan{t: t, Stack: stack, D: Clone(t, d), Now: JudgeDay}
}

// Clone deep-copies a deployment through JSON so that edits do not leak between tests.
func Clone(t testing.TB, d apitype.DeploymentV3) apitype.DeploymentV3 {
	t.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var c apitype.DeploymentV3
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// OfType returns the resources of a type in d, in state order; they point into d.
func OfType(d apitype.DeploymentV3, typ string) []*apitype.ResourceV3 {
	var out []*apitype.ResourceV3
	for i := range d.Resources {
		if string(d.Resources[i].Type) == typ {
			out = append(out, &d.Resources[i])
		}
	}
	return out
}

// T is the test the plan reports to.
func (p *Plan) T() testing.TB { return p.t }

// Name is the name part of a resource's URN.
func Name(r *apitype.ResourceV3) string { return urnName(string(r.URN)) }

func urnName(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

// All returns the resources of a type, in state order.
func (p *Plan) All(typ string) []*apitype.ResourceV3 { return OfType(p.D, typ) }

// Find returns the one resource of type typ named name; the test fails without exactly one.
func (p *Plan) Find(typ, name string) *apitype.ResourceV3 {
	p.t.Helper()
	return Find(p.t, p.D, typ, name)
}

// Find returns the one resource of d of type typ named name (it points into d); the test
// fails without exactly one.
func Find(t testing.TB, d apitype.DeploymentV3, typ, name string) *apitype.ResourceV3 {
	t.Helper()
	var found *apitype.ResourceV3
	for _, r := range OfType(d, typ) {
		if Name(r) == name {
			if found != nil {
				t.Fatalf("plantest: the plan has two %s named %s", typ, name)
			}
			found = r
		}
	}
	if found == nil {
		t.Fatalf("plantest: the plan has no %s named %s", typ, name)
	}
	return found
}

// Where returns the one resource of type typ whose input at path equals value.
func (p *Plan) Where(typ, path string, value any) *apitype.ResourceV3 {
	p.t.Helper()
	var found []*apitype.ResourceV3
	for _, r := range p.All(typ) {
		if v, ok := get(r.Inputs, path); ok && fmt.Sprint(v) == fmt.Sprint(value) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		p.t.Fatalf("plantest: %s has %d %s with %s = %v, want one", p.Stack, len(found), typ, path, value)
	}
	return found[0]
}

// Root is the root stack resource (its outputs are the stack's outputs).
func (p *Plan) Root() *apitype.ResourceV3 {
	p.t.Helper()
	all := p.All(string(resource.RootStackType))
	if len(all) != 1 {
		p.t.Fatalf("plantest: %s has %d root stack resources", p.Stack, len(all))
	}
	return all[0]
}

// Set writes value at a dotted path (numeric segments index lists) of a resource's inputs
// and outputs, creating the objects on the way.
func (p *Plan) Set(typ, name, path string, value any) *Plan {
	p.t.Helper()
	SetProp(p.t, p.Find(typ, name), path, value)
	return p
}

// Delete removes the property at a dotted path from a resource's inputs and outputs.
func (p *Plan) Delete(typ, name, path string) *Plan {
	p.t.Helper()
	DeleteProp(p.t, p.Find(typ, name), path)
	return p
}

// SetProp writes value at path into r's inputs and outputs.
func SetProp(t testing.TB, r *apitype.ResourceV3, path string, value any) {
	t.Helper()
	if r.Inputs == nil {
		r.Inputs = map[string]any{}
	}
	if r.Outputs == nil {
		r.Outputs = map[string]any{}
	}
	for _, props := range []map[string]any{r.Inputs, r.Outputs} {
		if err := set(props, strings.Split(path, "."), clone(value)); err != nil {
			t.Fatalf("plantest: setting %s of %s: %v", path, r.URN, err)
		}
	}
}

// DeleteProp removes path from r's inputs and outputs.
func DeleteProp(t testing.TB, r *apitype.ResourceV3, path string) {
	t.Helper()
	segs := strings.Split(path, ".")
	for _, props := range []map[string]any{r.Inputs, r.Outputs} {
		parent, ok := get(props, strings.Join(segs[:len(segs)-1], "."))
		if len(segs) == 1 {
			parent, ok = props, true
		}
		m, isMap := parent.(map[string]any)
		if !ok || !isMap {
			t.Fatalf("plantest: %s of %s is not an object", path, r.URN)
		}
		delete(m, segs[len(segs)-1])
	}
	if len(segs) == 1 {
		delete(r.PropertyDependencies, resource.PropertyKey(path))
	}
}

func get(props map[string]any, path string) (any, bool) {
	var cur any = props
	if path == "" {
		return cur, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			var i int
			if _, err := fmt.Sscan(seg, &i); err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func set(props map[string]any, segs []string, value any) error {
	var cur any = props
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[seg] = value
				return nil
			}
			next, ok := c[seg]
			if !ok || next == nil {
				next = map[string]any{}
				c[seg] = next
			}
			cur = next
		case []any:
			var n int
			if _, err := fmt.Sscan(seg, &n); err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("no element %q in a list of %d", seg, len(c))
			}
			if last {
				c[n] = value
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("%q is inside a %T", seg, cur)
		}
	}
	return nil
}

// clone deep-copies a JSON-like value so that one edit never aliases another.
func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// Remove drops a resource from the state.
func (p *Plan) Remove(typ, name string) *Plan {
	p.t.Helper()
	r := p.Find(typ, name)
	for i := range p.D.Resources {
		if &p.D.Resources[i] == r {
			p.D.Resources = append(p.D.Resources[:i], p.D.Resources[i+1:]...)
			return p
		}
	}
	return p
}

// Copy adds a copy of a resource named newName (type newType when not empty) next to it,
// with its own id and ARN (the original's with the new name appended), and returns it.
// The copy keeps the original's parent, provider and dependencies. Like every pointer into
// the state, the result is valid until the next edit that adds or removes a resource.
func (p *Plan) Copy(typ, name, newType, newName string) *apitype.ResourceV3 {
	p.t.Helper()
	src := p.Find(typ, name)
	if newType == "" {
		newType = typ
	}
	raw, err := json.Marshal(src)
	if err != nil {
		p.t.Fatal(err)
	}
	var c apitype.ResourceV3
	if err := json.Unmarshal(raw, &c); err != nil {
		p.t.Fatal(err)
	}
	c.Type = tokens.Type(newType)
	c.URN = resource.URN(retype(string(src.URN), typ, newType, newName))
	if c.ID != "" {
		oldID := string(c.ID)
		c.ID = resource.ID(oldID + "-" + newName)
		if c.Outputs != nil {
			c.Outputs["id"] = string(c.ID)
			if arn, ok := c.Outputs["arn"].(string); ok {
				c.Outputs["arn"] = arn + "-" + newName
			}
		}
	}
	p.D.Resources = append(p.D.Resources, c)
	return &p.D.Resources[len(p.D.Resources)-1]
}

// Add adds a resource of type newType named newName, copied from the resource of type typ
// named name (its provider and parent) with inputs replaced by inputs; its outputs are the
// inputs plus its own id and ARN. It depends on nothing until DependOn says so.
func (p *Plan) Add(typ, name, newType, newName string, inputs map[string]any) *apitype.ResourceV3 {
	p.t.Helper()
	c := p.Copy(typ, name, newType, newName)
	id, arn := c.Outputs["id"], c.Outputs["arn"]
	c.Inputs = clone(inputs).(map[string]any)
	c.Outputs = clone(inputs).(map[string]any)
	c.Outputs["id"], c.Outputs["arn"] = id, arn
	c.Dependencies, c.PropertyDependencies = nil, nil
	return c
}

// retype rewrites a URN for another type and name: the last type of its qualified type chain
// and its name.
func retype(urn, oldType, newType, newName string) string {
	head := urn[:strings.LastIndex(urn, "::")]
	i := strings.LastIndex(head, oldType)
	if i < 0 {
		return head + "::" + newName
	}
	return head[:i] + newType + head[i+len(oldType):] + "::" + newName
}

// Rename renames a resource (its URN) and every reference to it: parents, providers and
// dependencies.
func (p *Plan) Rename(typ, name, newName string) *Plan {
	p.t.Helper()
	r := p.Find(typ, name)
	old := string(r.URN)
	urn := retype(old, typ, typ, newName)
	p.RewriteURNs(func(u string) string {
		if u == old {
			return urn
		}
		return u
	})
	return p
}

// RewriteURNs maps every URN of the state (resources, parents, providers and dependencies).
func (p *Plan) RewriteURNs(f func(string) string) {
	ref := func(s string) string { // a provider reference is "<urn>::<id>"
		i := strings.LastIndex(s, "::")
		if i < 0 {
			return f(s)
		}
		return f(s[:i]) + s[i:]
	}
	for i := range p.D.Resources {
		r := &p.D.Resources[i]
		r.URN = resource.URN(f(string(r.URN)))
		if r.Parent != "" {
			r.Parent = resource.URN(f(string(r.Parent)))
		}
		if r.Provider != "" {
			r.Provider = ref(r.Provider)
		}
		for j, d := range r.Dependencies {
			r.Dependencies[j] = resource.URN(f(string(d)))
		}
		for k, us := range r.PropertyDependencies {
			for j, u := range us {
				us[j] = resource.URN(f(string(u)))
			}
			r.PropertyDependencies[k] = us
		}
	}
}

// RenameStack moves every URN to another stack name: the stack the checker reports.
func (p *Plan) RenameStack(name string) *Plan {
	oldPrefix := "urn:pulumi:" + p.Stack + "::"
	oldRoot := string(pulumifiles.RootURN(projectOf(p.Root()), p.Stack))
	newRoot := string(pulumifiles.RootURN(projectOf(p.Root()), name))
	p.RewriteURNs(func(u string) string {
		if u == oldRoot {
			return newRoot
		}
		if strings.HasPrefix(u, oldPrefix) {
			return "urn:pulumi:" + name + "::" + u[len(oldPrefix):]
		}
		return u
	})
	p.Stack = name
	return p
}

// projectOf reads the project from a URN (urn:pulumi:<stack>::<project>::...).
func projectOf(r *apitype.ResourceV3) string {
	return strings.Split(string(r.URN), "::")[1]
}

// DependOn records that property prop of a resource came from the outputs of others.
func (p *Plan) DependOn(typ, name, prop string, on ...*apitype.ResourceV3) *Plan {
	p.t.Helper()
	r := p.Find(typ, name)
	if r.PropertyDependencies == nil {
		r.PropertyDependencies = map[resource.PropertyKey][]resource.URN{}
	}
	for _, o := range on {
		r.PropertyDependencies[resource.PropertyKey(prop)] = append(r.PropertyDependencies[resource.PropertyKey(prop)], o.URN)
		r.Dependencies = append(r.Dependencies, o.URN)
	}
	return p
}

// DropDependency removes every dependency of a resource on another (explicit, or through
// any property).
func (p *Plan) DropDependency(typ, name string, on *apitype.ResourceV3) *Plan {
	p.t.Helper()
	r := p.Find(typ, name)
	without := func(us []resource.URN) []resource.URN {
		var keep []resource.URN
		for _, u := range us {
			if u != on.URN {
				keep = append(keep, u)
			}
		}
		return keep
	}
	r.Dependencies = without(r.Dependencies)
	for k, us := range r.PropertyDependencies {
		r.PropertyDependencies[k] = without(us)
	}
	return p
}

// Undepend forgets where property prop of a resource came from: its value is then a literal
// copy, as if the program had spelled it out.
func (p *Plan) Undepend(typ, name, prop string) *Plan {
	p.t.Helper()
	r := p.Find(typ, name)
	gone := map[resource.URN]bool{}
	for _, u := range r.PropertyDependencies[resource.PropertyKey(prop)] {
		gone[u] = true
	}
	delete(r.PropertyDependencies, resource.PropertyKey(prop))
	for _, us := range r.PropertyDependencies {
		for _, u := range us {
			delete(gone, u)
		}
	}
	var keep []resource.URN
	for _, d := range r.Dependencies {
		if !gone[d] {
			keep = append(keep, d)
		}
	}
	r.Dependencies = keep
	return p
}

// ProviderRef returns the reference ("<urn>::<id>") of the stack's AWS provider for region.
func (p *Plan) ProviderRef(region string) string {
	p.t.Helper()
	for _, r := range p.All("pulumi:providers:aws") {
		if r.Inputs["region"] == region {
			return string(r.URN) + "::" + string(r.ID)
		}
	}
	p.t.Fatalf("plantest: %s has no AWS provider for %s", p.Stack, region)
	return ""
}

// AddProvider adds an AWS provider for region, a copy of the provider named from, and
// returns its reference.
func (p *Plan) AddProvider(from, name, region string) string {
	p.t.Helper()
	c := p.Copy("pulumi:providers:aws", from, "", name)
	SetProp(p.t, c, "region", region)
	return string(c.URN) + "::" + string(c.ID)
}

// Via moves a resource to another provider.
func (p *Plan) Via(typ, name, providerRef string) *Plan {
	p.t.Helper()
	p.Find(typ, name).Provider = providerRef
	return p
}

// Views returns what the engine presents of the edited plan, with the stack's jurisdiction
// resolved from its output the way the checker does it, judged at p.Now.
func (p *Plan) Views() check.Views {
	v := check.ViewsOf(p.Stack, p.D)
	src := check.JurisdictionSources{}
	if root := v.Stack.RootStack(); root != nil {
		src.Output, _ = root.Props["jurisdiction"].(string)
	}
	check.ResolveJurisdiction(v.Stack, src)
	v.Stack.Now = p.Now
	return v
}

// Rules returns the stack view of the edited plan (see Views).
func (p *Plan) Rules() *rules.Stack { return p.Views().Stack }

// Write writes the edited plan as a `pulumi stack export` file.
func (p *Plan) Write(path string) {
	p.t.Helper()
	raw, err := pulumifiles.EncodeDeployment(p.D)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// JSON renders a value as a JSON string (policy documents).
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
