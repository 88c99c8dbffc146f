package rules

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Ordering rules: an input that names another resource of the stack (its id, ARN or name,
// also inside a policy document or as the start of a longer ARN) is sent to the cloud when the
// engine gets to it, and the engine orders a resource only after what it depends on: its
// dependencies and property dependencies (values that came from outputs carry them), followed
// transitively, and its parent when the parent is a custom resource. A reference without such
// an order may reach the cloud before the resource it names exists.

// resourcePolicyHolders are the resource-based policies whose IAM principals the service
// resolves when the policy is set, with the property holding the document. A role or user
// created moments earlier is refused until IAM has propagated it: OpenSearch
// (InvalidTypeException "Error setting policy"), KMS ("the principals in the key policy must
// exist and be visible to KMS ... the new principal might not be immediately visible",
// https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html), S3, SQS, SNS,
// Secrets Manager and ECR ("Invalid principal"), and IAM itself for trust policies (the ARN is
// turned into the principal's unique id when the policy is saved:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
var resourcePolicyHolders = map[string]struct{ prop, service string }{
	tOpenSearch: {"accessPolicies", "OpenSearch"},
	"aws:opensearch/domainPolicy:DomainPolicy":    {"accessPolicies", "OpenSearch"},
	"aws:elasticsearch/domain:Domain":             {"accessPolicies", "OpenSearch"},
	"aws:elasticsearch/domainPolicy:DomainPolicy": {"accessPolicies", "OpenSearch"},
	tKMSKey:                            {"policy", "KMS"},
	tKMSKeyPolicy:                      {"policy", "KMS"},
	tKMSReplicaKey:                     {"policy", "KMS"},
	"aws:s3/bucketPolicy:BucketPolicy": {"policy", "S3"},
	tBucket:                            {"policy", "S3"},
	"aws:secretsmanager/secretPolicy:SecretPolicy": {"policy", "Secrets Manager"},
	tSecret:                                     {"policy", "Secrets Manager"},
	"aws:sqs/queuePolicy:QueuePolicy":           {"policy", "SQS"},
	"aws:sqs/queue:Queue":                       {"policy", "SQS"},
	"aws:sns/topicPolicy:TopicPolicy":           {"policy", "SNS"},
	"aws:sns/topic:Topic":                       {"policy", "SNS"},
	"aws:ecr/repositoryPolicy:RepositoryPolicy": {"policy", "ECR"},
	tIAMRole: {"assumeRolePolicy", "IAM"},
}

// mirrors are outputs that report what other resources attach to this one after a refresh (a
// role's managed policies, attached by policy attachments), not inputs; tags are free text
// where a Name tag may spell another resource's name.
var mirrors = map[string]map[string]bool{
	tIAMRole:              {"managedPolicyArns": true, "inlinePolicies": true},
	tIAMUser:              {"managedPolicyArns": true, "inlinePolicies": true},
	"aws:iam/group:Group": {"managedPolicyArns": true, "inlinePolicies": true},
}

// reference is one input of a resource that names another resource of the stack.
type reference struct {
	from, to *Resource
	path     string // input path, e.g. accessPolicies (Statement[0].Principal.AWS)
	why      string // what goes wrong when the cloud sees it first
}

// orderingFindings is everything both ordering rules report, computed once per stack.
type orderingFindings struct {
	traps    []reference // known eventual-consistency traps (mandatory)
	implicit []reference // other references the engine does not order (advisory)
	unknown  []string
}

// graph answers "is a created after b" from the recorded dependencies.
type graph struct {
	s        *Stack
	children map[string][]*Resource
}

func newGraph(s *Stack) *graph {
	g := &graph{s: s, children: map[string][]*Resource{}}
	for _, r := range s.Resources {
		if r.Parent != "" {
			g.children[r.Parent] = append(g.children[r.Parent], r)
		}
	}
	return g
}

// direct returns what the engine creates before r: its dependencies and property
// dependencies, and its parent when the parent is a custom resource (a child registers only
// once its parent exists). A component stands for its descendants.
func (g *graph) direct(r *Resource, visit func(urn string)) {
	for _, u := range r.Dependencies {
		visit(u)
	}
	for _, us := range r.PropertyDependencies {
		for _, u := range us {
			visit(u)
		}
	}
	if p := g.s.ByURN(r.Parent); p != nil && isCustom(p) {
		visit(p.URN)
	}
}

// isCustom tells a custom resource from a component: every custom resource is managed through
// a provider, which the state records and the engine passes to AnalyzeStack
// (pkg/resource/deploy/step_generator.go, AnalyzeResources); components have none.
func isCustom(r *Resource) bool {
	return r.Provider != nil || strings.HasPrefix(r.Type, "pulumi:providers:")
}

// after reports whether a is created after b.
func (g *graph) after(a, b *Resource) bool {
	seen := map[string]bool{a.URN: true}
	stack := []string{}
	push := func(u string) {
		if !seen[u] {
			seen[u] = true
			stack = append(stack, u)
		}
	}
	g.direct(a, push)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if u == b.URN {
			return true
		}
		r := g.s.ByURN(u)
		if r == nil {
			continue
		}
		if !isCustom(r) {
			for _, c := range g.children[u] {
				push(c.URN)
			}
			continue
		}
		g.direct(r, push)
	}
	return false
}

func ordering(s *Stack) *orderingFindings {
	return s.Memo("ordering", func() any { return findOrdering(s) }).(*orderingFindings)
}

func orderingGraph(s *Stack) *graph {
	return s.Memo("ordering-graph", func() any { return newGraph(s) }).(*graph)
}

func findOrdering(s *Stack) *orderingFindings {
	g := orderingGraph(s)
	f := &orderingFindings{}
	trapped := map[[2]string]bool{}
	trap := func(from, to *Resource, path, why string) {
		key := [2]string{from.URN, to.URN}
		if trapped[key] || g.after(from, to) {
			return
		}
		trapped[key] = true
		f.traps = append(f.traps, reference{from: from, to: to, path: path, why: why})
	}
	principals := iamIndex(s)

	holders := make([]string, 0, len(resourcePolicyHolders))
	for t := range resourcePolicyHolders {
		holders = append(holders, t)
	}
	sort.Strings(holders)
	for _, t := range holders {
		h := resourcePolicyHolders[t]
		for _, r := range s.OfType(t) {
			doc, present := r.Props.Get(h.prop)
			if !present || doc == nil {
				continue
			}
			if HasUnknown(doc) || strings.Contains(fmt.Sprint(doc), unknownSentinel) {
				f.unknown = append(f.unknown, r.Name+" "+h.prop)
				continue
			}
			stmts, err := ParsePolicy(doc)
			if err != nil {
				continue // the least-privilege rules report unreadable policies
			}
			for i, st := range stmts {
				for _, p := range st.Principal["AWS"] {
					if to := principals.resolve(p); to != nil && to != r {
						trap(r, to, fmt.Sprintf("%s (Statement[%d].Principal.AWS)", h.prop, i),
							h.service+" resolves the principals of a policy when it is set and refuses one IAM does not know yet")
					}
				}
			}
		}
	}
	for _, r := range s.OfType(tKMSGrant) {
		for _, prop := range []string{"granteePrincipal", "retiringPrincipal"} {
			v := r.Props[prop]
			if IsUnknown(v) {
				f.unknown = append(f.unknown, r.Name+" "+prop)
				continue
			}
			p, _ := v.(string)
			if to := principals.resolve(p); to != nil {
				// The provider retries CreateGrant's InvalidArnException only for IAM's propagation
				// window (internal/service/kms/grant.go: "a newly created IAM Role doesn't show up").
				trap(r, to, prop, "KMS refuses a grant to a principal IAM does not know yet (InvalidArnException)")
			}
		}
	}

	for _, r := range s.Resources {
		if !r.IsAWS() && !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		for k, v := range r.Props {
			if k == "tags" || k == "tagsAll" || mirrors[r.Type][k] {
				continue
			}
			walkStrings(v, k, func(path, str string) {
				if owns(r, k, str) {
					return // its own identifier, which another resource may share (a record and its certificate)
				}
				named := namedBy(s, str, lastKey(path))
				for _, to := range named {
					// Ordered either way round: an output that names something created from
					// this resource (a VPC's default security group) is no forward reference.
					// When several resources share the value (a secret and its version both
					// report the secret's ARN), an order with any of them is the intended one.
					if to == r || trapped[[2]string{r.URN, to.URN}] || g.after(r, to) || g.after(to, r) {
						return
					}
				}
				for _, to := range named {
					f.implicit = append(f.implicit, reference{from: r, to: to, path: path,
						why: "the cloud may see the reference before the resource exists"})
				}
			})
		}
	}
	sort.SliceStable(f.implicit, func(i, j int) bool {
		a, b := f.implicit[i], f.implicit[j]
		if a.from.URN != b.from.URN {
			return a.from.URN < b.from.URN
		}
		return a.path < b.path
	})
	return f
}

// namedBy returns the resources of the stack a string at a key names: resources whose own
// id, ARN or identifier it is, or for an ARN, the ARN cut at a "/" or ":"
// ("arn:aws:es:...:domain/x/*" names domain x). A plain name (not an ARN or an AWS id) counts
// only at a key that names that kind of resource ("role", "clusterName", "dbSubnetGroupName"):
// short names such as a stack's name recur in unrelated fields.
func namedBy(s *Stack, str, key string) []*Resource {
	if len(str) < 3 || accountID.MatchString(str) {
		// An account id names the account, which exists before any stack. The resources
		// identified by it (Security Hub's account, the account's S3 public access block) are
		// settings of the account, not something a policy's account condition waits for.
		return nil
	}
	distinct := distinctive(str)
	match := func(v string) []*Resource {
		var out []*Resource
		for _, r := range s.Find(v) {
			if !isCustom(r) || strings.HasPrefix(r.Type, "pulumi:") || !ownedBy(r, v) {
				continue
			}
			if distinct || kindMatches(key, r.Type) {
				out = append(out, r)
			}
		}
		return out
	}
	if out := match(str); len(out) > 0 || !strings.HasPrefix(str, "arn:") {
		return out
	}
	// The service, region and account fields are never a resource's ARN on their own.
	base := 0
	for i, n := 0, 0; i < len(str); i++ {
		if str[i] == ':' {
			if n++; n == 5 {
				base = i
				break
			}
		}
	}
	for cut := len(str) - 1; base > 0 && cut > base; cut-- {
		if str[cut] != '/' && str[cut] != ':' {
			continue
		}
		if found := match(str[:cut]); len(found) > 0 {
			return found
		}
	}
	return nil
}

// awsID is the shape of generated AWS ids (sg-0123abcd..., subnet-..., vpc-...).
var awsID = regexp.MustCompile(`^[a-z]{1,16}-[0-9a-f]{8,32}$`)

// distinctive reports whether a value can only be an identifier: an ARN, an AWS id or an AWS
// endpoint name.
var accountID = regexp.MustCompile(`^\d{12}$`)

func distinctive(v string) bool {
	return strings.HasPrefix(v, "arn:") || awsID.MatchString(v) || strings.HasSuffix(v, ".amazonaws.com")
}

// ownKeys are the properties that identify a resource of a type besides its id, ARN and name
// (which every type owns): other types carry the same keys as references.
var ownKeys = map[string][]string{
	tBucket:             {"bucket", "bucketDomainName", "bucketRegionalDomainName"},
	tBucketV2:           {"bucket", "bucketDomainName", "bucketRegionalDomainName"},
	tKMSKey:             {"keyId"},
	tRDSCluster:         {"clusterIdentifier"},
	tRDSClusterInstance: {"identifier"},
	tRDSInstance:        {"identifier"},
	tRDSGlobalCluster:   {"globalClusterIdentifier"},
	tCacheRG:            {"replicationGroupId"},
	tCacheGlobalRG:      {"globalReplicationGroupId"},
	tOpenSearch:         {"domainName"},
	tDistribution:       {"domainName"},
	tCertificate:        {"domainName"},
}

// ownedBy reports whether v is one of r's own identifiers.
func ownedBy(r *Resource, v string) bool {
	for _, k := range append([]string{"id", "arn", "name"}, ownKeys[r.Type]...) {
		if own, _ := r.Props[k].(string); own == v {
			return true
		}
	}
	return false
}

// owns reports whether the top-level property k of r holds one of r's own identifiers.
func owns(r *Resource, k, v string) bool {
	if k != "id" && k != "arn" && k != "name" && !slices.Contains(ownKeys[r.Type], k) {
		return false
	}
	own, _ := r.Props[k].(string)
	return own == v
}

// lastKey is the last property name of a path ("vpcConfig.subnetIds[0]" -> "subnetIds",
// "policy (Statement[0].Resource)" -> "Resource").
func lastKey(path string) string {
	path = strings.TrimSuffix(path, ")")
	if i := strings.LastIndexAny(path, ".( "); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

// kindMatches reports whether a key names resources of type typ: "role" and "roleName" name
// roles, "clusterName" clusters, "dbSubnetGroupName" subnet groups.
func kindMatches(key, typ string) bool {
	base := strings.ToLower(key)
	for _, suffix := range []string{"names", "name", "ids", "id", "arns", "arn"} {
		if strings.HasSuffix(base, suffix) {
			base = strings.TrimSuffix(base, suffix)
			break
		}
	}
	kind := strings.ToLower(typ[strings.LastIndexByte(typ, ':')+1:])
	kind = strings.TrimSuffix(kind, "v2")
	return base != "" && strings.HasSuffix(base, kind)
}

// walkStrings calls fn for every string inside v, with its path; a string holding a JSON
// document (a policy) is walked too.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch t := v.(type) {
	case string:
		trimmed := strings.TrimSpace(t)
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			var doc any
			if json.Unmarshal([]byte(trimmed), &doc) == nil {
				walkDoc(doc, path, "", fn)
				return
			}
		}
		fn(path, t)
	case []any:
		for i, e := range t {
			walkStrings(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			walkStrings(t[k], path+"."+k, fn)
		}
	case Props:
		walkStrings(map[string]any(t), path, fn)
	}
}

// walkDoc walks a decoded JSON document; inner paths are shown in parentheses after the
// property holding the document.
func walkDoc(v any, prop, inner string, fn func(path, s string)) {
	at := func() string {
		if inner == "" {
			return prop
		}
		return prop + " (" + strings.TrimPrefix(inner, ".") + ")"
	}
	switch t := v.(type) {
	case string:
		fn(at(), t)
	case []any:
		for i, e := range t {
			walkDoc(e, prop, fmt.Sprintf("%s[%d]", inner, i), fn)
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			walkDoc(t[k], prop, inner+"."+k, fn)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// iamPrincipals finds the roles and users of the stack a principal ARN names.
type iamPrincipals struct {
	s      *Stack
	byName map[string][]*Resource // "role/<name>" or "user/<name>"
}

func iamIndex(s *Stack) iamPrincipals {
	ix := iamPrincipals{s: s, byName: map[string][]*Resource{}}
	for _, t := range []string{tIAMRole, tIAMUser} {
		kind := "role/"
		if t == tIAMUser {
			kind = "user/"
		}
		for _, r := range s.OfType(t) {
			if n, _ := r.Props["name"].(string); n != "" {
				ix.byName[kind+n] = append(ix.byName[kind+n], r)
			}
		}
	}
	return ix
}

// resolve returns the role or user of the stack that principal ARN names: by its ARN, or by
// the name in an ARN spelled by hand ("arn:aws:iam::<account>:role/<path>/<name>").
func (ix iamPrincipals) resolve(arn string) *Resource {
	if found := ix.s.Find(arn, tIAMRole, tIAMUser); len(found) > 0 {
		return found[0]
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return nil
	}
	res := parts[5]
	kind, rest, ok := strings.Cut(res, "/")
	if !ok || (kind != "role" && kind != "user") {
		return nil
	}
	name := rest[strings.LastIndex(rest, "/")+1:]
	for _, r := range ix.byName[kind+"/"+name] {
		own, _ := r.Props["arn"].(string)
		if f := strings.SplitN(own, ":", 6); len(f) < 6 || f[4] == parts[4] {
			return r // same account, or the role's ARN is not known yet
		}
	}
	return nil
}

// checkLogBucketACLs reports a distribution whose standard logging (legacy) targets a bucket of
// the stack whose ACLs are not enabled before the distribution is created.
func checkLogBucketACLs(c *Ctx, s *Stack) {
	g := orderingGraph(s)
	controls := map[string][]*Resource{}
	for _, oc := range s.OfType(tOwnershipControls) {
		if b, _ := oc.Props["bucket"].(string); b != "" {
			controls[b] = append(controls[b], oc)
		}
	}
	forEachDistributionLog(c, s, func(d *Resource, dom string) {
		buckets := s.Find(dom, bucketTypes...)
		if len(buckets) == 0 {
			name, _, _ := strings.Cut(dom, ".s3")
			buckets = s.Find(name, bucketTypes...)
		}
		for _, b := range buckets {
			name, _ := b.Props["bucket"].(string)
			var ocs []*Resource
			for _, key := range []string{name, idOf(b)} {
				if key != "" {
					ocs = append(ocs, controls[key]...)
				}
			}
			if len(ocs) == 0 {
				c.FailOn(d.URN, "%q (%s) logs to bucket %q (loggingConfig.bucket), which has no ownership controls enabling ACLs: "+
					"new buckets have ACLs disabled and CloudFront refuses a log bucket without them", d.Name, d.Type, b.Name)
				continue
			}
			for _, oc := range ocs {
				own, _ := oc.Props.Get("rule.objectOwnership")
				switch {
				case IsUnknown(own):
					c.Unknown(oc.Name + " rule.objectOwnership")
				case own == "BucketOwnerEnforced":
					c.FailOn(d.URN, "%q (%s) logs to bucket %q (loggingConfig.bucket), whose ownership controls %q disable ACLs "+
						"(BucketOwnerEnforced): CloudFront delivers standard logs through the bucket ACL", d.Name, d.Type, b.Name, oc.Name)
				case !g.after(d, oc):
					c.FailOn(d.URN, "%q (%s) logs to bucket %q (loggingConfig.bucket) without depending on its ownership controls %q: "+
						"CloudFront grants log delivery access through the bucket ACL when the logging config is set and refuses "+
						"a bucket whose ACLs are not enabled yet", d.Name, d.Type, b.Name, oc.Name)
				}
			}
		}
	})
}

// idOf is a resource's id output ("" when absent).
func idOf(r *Resource) string {
	id, _ := r.Props["id"].(string)
	return id
}

func init() {
	register(
		&Rule{
			ID: "DEP-001", Name: "eventual-consistency-ordering", Pack: Deployability, Severity: High, Level: Mandatory,
			Description: "Resource policies and KMS grants naming a role or user of the stack, and CloudFront log buckets' ownership controls, are ordered before their use.",
			Remediation: "Take the principal from the role's or user's ARN output (or add dependsOn) so the policy or grant is applied after it exists; make the distribution depend on the log bucket's ownership controls (BucketOwnerPreferred or ObjectWriter).",
			Stack: func(c *Ctx, s *Stack) {
				f := ordering(s)
				for _, u := range f.unknown {
					c.Unknown(u)
				}
				for _, r := range f.traps {
					c.FailOn(r.from.URN, "%q (%s) input %s names %q (%s) without depending on it: %s",
						r.from.Name, r.from.Type, r.path, r.to.Name, r.to.Type, r.why)
				}
				checkLogBucketACLs(c, s)
			},
		},
		&Rule{
			ID: "DEP-002", Name: "implicit-reference-ordered", Pack: Deployability, Severity: Medium, Level: Advisory,
			Description: "An input naming another resource of the stack (id, ARN or name, also inside policy documents) depends on that resource.",
			Remediation: "Pass the resource's output (not a copy of its id, ARN or name) or add dependsOn, so the engine creates it first.",
			Stack: func(c *Ctx, s *Stack) {
				for _, r := range ordering(s).implicit {
					c.FailOn(r.from.URN, "%q (%s) input %s names %q (%s) without depending on it: %s",
						r.from.Name, r.from.Type, r.path, r.to.Name, r.to.Type, r.why)
				}
			},
		},
	)
}
