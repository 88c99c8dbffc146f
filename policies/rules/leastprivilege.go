package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

const (
	worldIPv4         = "0.0.0.0/0"
	worldIPv6         = "::/0"
	serviceAccountPfx = "system:serviceaccount:"
)

// identity-policy documents: type -> property paths holding a JSON policy.
var identityPolicyTypes = []string{tIAMPolicy, tIAMRolePolicy, tIAMUserPolicy, tIAMGroupPolicy, tIAMRole}

// identityPolicies returns the identity policy documents of r with a label each.
// eachAllowed calls fn for every Allow statement of r's identity policies, documents in
// label order so findings come out in a stable order.
func eachAllowed(c *Ctx, r *Resource, fn func(label string, i int, st Statement)) {
	docs := identityPolicies(c, r)
	labels := make([]string, 0, len(docs))
	for l := range docs {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, label := range labels {
		for i, st := range docs[label] {
			if st.Allow() {
				fn(label, i, st)
			}
		}
	}
}

func identityPolicies(c *Ctx, r *Resource) (docs map[string][]Statement) {
	docs = map[string][]Statement{}
	if r.Type == tIAMRole {
		l, ok := c.List(r, "inlinePolicies")
		if !ok {
			return docs
		}
		for i, p := range l {
			name, _ := lookup(p, "name")
			label := fmt.Sprintf("inline policy %v", name)
			if n, _ := name.(string); n == "" {
				label = fmt.Sprintf("inlinePolicies[%d]", i)
			}
			st, ok := c.policyAt(&Resource{URN: r.URN, Name: r.Name, Props: Props{"policy": mustGet(p, "policy")}}, "policy")
			if ok {
				docs[label] = st
			}
		}
		return docs
	}
	if st, ok := c.policyAt(r, "policy"); ok {
		docs["policy"] = st
	}
	return docs
}

// stmt names a statement for messages: its index, and its Sid when it has one.
func stmt(i int, st Statement) string {
	if st.Sid != "" {
		return fmt.Sprintf("%d (%s)", i, st.Sid)
	}
	return fmt.Sprint(i)
}

func mustGet(v any, path string) any {
	x, _ := lookup(v, path)
	return x
}

// globMatch matches IAM-style wildcards (* and ?) case-insensitively.
func globMatch(pattern, s string) bool {
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	var match func(p, t string) bool
	match = func(p, t string) bool {
		for len(p) > 0 {
			switch p[0] {
			case '*':
				for i := 0; i <= len(t); i++ {
					if match(p[1:], t[i:]) {
						return true
					}
				}
				return false
			case '?':
				if len(t) == 0 {
					return false
				}
				p, t = p[1:], t[1:]
			default:
				if len(t) == 0 || p[0] != t[0] {
					return false
				}
				p, t = p[1:], t[1:]
			}
		}
		return len(t) == 0
	}
	return match(p, t)
}

// readVerbs are action-name prefixes that only read.
var readVerbs = []string{"get", "list", "describe", "head", "batchget", "query", "scan", "search", "lookup", "view"}

// sensitiveActions read or use secrets and key material.
var sensitiveActions = []string{"secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
	"ssm:GetParametersByPath", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
	"kms:ReEncryptTo", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "s3:GetObject"}

func isWriteAction(a string) bool {
	if a == "*" {
		return true
	}
	_, name, ok := strings.Cut(a, ":")
	if !ok {
		return true
	}
	name = strings.ToLower(name)
	if name == "*" {
		return true
	}
	for _, v := range readVerbs {
		if strings.HasPrefix(name, v) {
			return false
		}
	}
	return true
}

func isSensitiveAction(a string) bool {
	for _, s := range sensitiveActions {
		if globMatch(a, s) {
			return true
		}
	}
	svc, _, _ := strings.Cut(strings.ToLower(a), ":")
	return svc == "secretsmanager" && isWriteAction(a)
}

func hasWildcardResource(st Statement) bool {
	if len(st.NotResource) > 0 {
		return true
	}
	for _, r := range st.Resource {
		if r == "*" {
			return true
		}
	}
	return false
}

// resourceScopingKeys are fragments of condition keys that narrow which resources a statement
// reaches (tags on the resource or request, the owning account or organization, the VPC, the
// creating action, the one AWS service a service-linked role or passed role is for);
// conditions such as aws:SecureTransport or aws:SourceIp do not.
var resourceScopingKeys = []string{"resourcetag/", "requesttag/", "resourceaccount", "resourceorgid",
	"resourceorgpaths", "createaction", ":vpc", "sourcevpc", "sourcevpce", "iam:awsservicename",
	"iam:passedtoservice", "kms:viaservice"}

func scopesResources(st Statement) bool {
	for op, kv := range st.Condition {
		for k, vs := range kv {
			lk := strings.ToLower(k)
			for _, frag := range resourceScopingKeys {
				if strings.Contains(lk, frag) && narrows(op, lk, vs) {
					return true
				}
			}
		}
	}
	return false
}

// narrows reports whether a condition admits only the requests whose key matches one of
// the listed values. It does not when the operator negates (StringNotEquals admits every
// other value), when it ends in IfExists or starts with ForAllValues (both are true when the
// request lacks the key), or when a value is wildcards only
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
// Null with "false" requires a tag key to be present, which scopes to the tagged resources.
func narrows(op, lowerKey string, values []string) bool {
	base := op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		if !strings.EqualFold(q, "ForAnyValue") {
			return false
		}
		base = rest
	}
	if len(values) == 0 || strings.HasSuffix(base, "IfExists") {
		return false
	}
	switch base {
	case "Null":
		if !strings.Contains(lowerKey, "tag/") {
			return false
		}
		for _, v := range values {
			if v != "false" {
				return false
			}
		}
		return true
	case "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool":
	default:
		return false
	}
	for _, v := range values {
		if strings.Trim(v, "*?") == "" {
			return false
		}
	}
	return true
}

// accountScopingKeys are condition keys that pin a wildcard principal to known accounts, an
// organization, or a network path (a VPC or VPC endpoint of ours).
var accountScopingKeys = []string{"kms:CallerAccount", "aws:PrincipalAccount", "aws:PrincipalOrgID",
	"aws:PrincipalOrgPaths", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths",
	"aws:PrincipalArn", "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce"}

// scopedToAccount reports whether a condition really pins the statement's principals: the
// operator narrows, and every value names one account, organization, VPC or endpoint (no
// wildcard), or an ARN whose account field is literal or that has no wildcard at all.
func scopedToAccount(st Statement) bool {
	for op, kv := range st.Condition {
		for k, vs := range kv {
			for _, key := range accountScopingKeys {
				if strings.EqualFold(k, key) && narrows(op, strings.ToLower(k), vs) && allPin(key, vs) {
					return true
				}
			}
		}
	}
	return false
}

func allPin(key string, values []string) bool {
	for _, v := range values {
		if !strings.HasSuffix(key, "Arn") {
			if strings.ContainsAny(v, "*?") {
				return false
			}
			continue
		}
		f := strings.SplitN(v, ":", 6)
		literalAccount := len(f) == 6 && len(f[4]) == 12 && !strings.ContainsAny(f[4], "*?")
		if !literalAccount && strings.ContainsAny(v, "*?") {
			return false
		}
	}
	return true
}

// metadataReadServices are the services whose Describe*/List* actions return configuration
// only (no stored content, no secret or key material) and mostly cannot be scoped to resource
// ARNs, so a verb wildcard on Resource "*" is accepted there. Get* is never accepted
// (s3:GetObject, ssm:GetParameter, logs:GetLogEvents read content), nor any service holding
// secrets, keys or data (secretsmanager, ssm, kms, s3, dynamodb, sqs, iam).
var metadataReadServices = []string{"autoscaling", "cloudwatch", "ec2", "eks", "elasticache",
	"elasticloadbalancing", "es", "logs", "rds", "route53", "acm", "tag"}

// broadActionWildcard reports whether an action with a wildcard inside its name reaches
// more than the accepted metadata reads.
func broadActionWildcard(a string) bool {
	if !strings.ContainsAny(a, "*?") {
		return false
	}
	svc, name, ok := strings.Cut(strings.ToLower(a), ":")
	if !ok || !slices.Contains(metadataReadServices, svc) {
		return true
	}
	literal := name[:strings.IndexAny(name, "*?")]
	return !strings.HasPrefix(literal, "describe") && !strings.HasPrefix(literal, "list")
}

// grantsAction reports whether an Allow statement grants action a, through Action or through
// a NotAction that does not exclude it.
func grantsAction(st Statement, a string) bool {
	if len(st.NotAction) > 0 {
		for _, n := range st.NotAction {
			if globMatch(n, a) {
				return false
			}
		}
		return true
	}
	for _, x := range st.Action {
		if globMatch(x, a) {
			return true
		}
	}
	return false
}

var adminPolicies = []string{"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}

func init() {
	register(
		&Rule{
			ID: "LP-001", Name: "iam-no-wildcard-action", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "IAM policies never allow \"*\" or service-wide (\"svc:*\") actions, Allow with NotAction, or wildcard action names on \"*\" beyond metadata Describe*/List*.",
			Remediation: "List the exact actions the principal needs; a verb wildcard on Resource \"*\" is accepted only as Describe*/List* of the metadata services listed in policies/README.md.",
			Types:       identityPolicyTypes,
			Resource: func(c *Ctx, r *Resource) {
				eachAllowed(c, r, func(label string, i int, st Statement) {
					if len(st.NotAction) > 0 {
						c.Fail("%q %s statement %s allows everything except %v (NotAction)", r.Name, label, stmt(i, st), st.NotAction)
					}
					for _, a := range st.Action {
						switch {
						case a == "*" || strings.HasSuffix(a, ":*"):
							c.Fail("%q %s statement %s allows wildcard action %q", r.Name, label, stmt(i, st), a)
						case hasWildcardResource(st) && broadActionWildcard(a):
							c.Fail("%q %s statement %s allows wildcard action %q on every resource (\"*\"); only Describe*/List* of metadata services are accepted there", r.Name, label, stmt(i, st), a)
						}
					}
				})
			},
		},
		&Rule{
			ID: "LP-002", Name: "iam-no-wildcard-resource-write", Pack: LeastPrivilege, Severity: High, Level: Mandatory,
			Description: "IAM policies never grant write actions (or NotAction) on Resource \"*\" without a resource-scoping condition, nor secret/key use on \"*\".",
			Remediation: "Scope Resource to the ARNs the principal manages; secret and key actions must name the secret or key ARNs.",
			Types:       identityPolicyTypes,
			Resource: func(c *Ctx, r *Resource) {
				eachAllowed(c, r, func(label string, i int, st Statement) {
					if !hasWildcardResource(st) {
						return
					}
					if len(st.NotAction) > 0 {
						c.Fail("%q %s statement %s grants every action except %v (NotAction) on every resource", r.Name, label, stmt(i, st), st.NotAction)
						return
					}
					var bad []string
					for _, a := range st.Action {
						if isSensitiveAction(a) || (isWriteAction(a) && !scopesResources(st)) {
							bad = append(bad, a)
						}
					}
					if len(bad) > 0 {
						c.Fail("%q %s statement %s grants %v on every resource (\"*\")", r.Name, label, stmt(i, st), bad)
					}
				})
			},
		},
		&Rule{
			ID: "LP-003", Name: "iam-passrole-scoped", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "iam:PassRole is never granted on Resource \"*\".",
			Remediation: "Grant iam:PassRole only on the ARNs of the roles the principal must pass, ideally with an iam:PassedToService condition.",
			Types:       identityPolicyTypes,
			Resource: func(c *Ctx, r *Resource) {
				eachAllowed(c, r, func(label string, i int, st Statement) {
					if !hasWildcardResource(st) {
						return
					}
					if !grantsAction(st, "iam:PassRole") {
						return
					}
					how := fmt.Sprintf("NotAction %v", st.NotAction)
					for _, a := range st.Action {
						if globMatch(a, "iam:PassRole") {
							how = fmt.Sprintf("%q", a)
							break
						}
					}
					c.Fail("%q %s statement %s lets the principal pass any role (%s on \"*\")", r.Name, label, stmt(i, st), how)
				})
			},
		},
		&Rule{
			ID: "LP-004", Name: "iam-no-admin-attachment", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "The AdministratorAccess, PowerUserAccess and IAMFullAccess managed policies are never attached.",
			Remediation: "Attach a purpose-built policy listing the needed actions and resources.",
			Types:       []string{tRoleAttach, tUserAttach, tGroupAttach, tPolicyAttach, tIAMRole},
			Resource: func(c *Ctx, r *Resource) {
				var arns []string
				if r.Type == tIAMRole {
					l, ok := c.List(r, "managedPolicyArns")
					if !ok {
						return
					}
					arns = Strings(l)
				} else {
					a, ok := c.Str(r, "policyArn")
					if !ok {
						return
					}
					arns = []string{a}
				}
				for _, a := range arns {
					for _, p := range adminPolicies {
						if strings.HasSuffix(a, ":policy/"+p) {
							c.Fail("%q attaches the %s managed policy (%s)", r.Name, p, a)
						}
					}
				}
			},
		},
		&Rule{
			ID: "LP-005", Name: "iam-trust-scoped", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "Role trust policies name their principals; IRSA trust is conditioned on one exact service account.",
			Remediation: "Replace wildcard principals; for IRSA use StringEquals on <issuer>:sub = system:serviceaccount:<namespace>:<name> and <issuer>:aud = sts.amazonaws.com.",
			Types:       []string{tIAMRole},
			Resource: func(c *Ctx, r *Resource) {
				sts, ok := c.policyAt(r, "assumeRolePolicy")
				if !ok {
					return
				}
				for i, st := range sts {
					if !st.Allow() {
						continue
					}
					if st.WildcardPrincipal() {
						c.Fail("role %q trust statement %s lets any principal assume it", r.Name, stmt(i, st))
						continue
					}
					for _, fed := range st.Principal["Federated"] {
						if !strings.Contains(fed, "oidc-provider/") {
							continue
						}
						checkIRSATrust(c, r, stmt(i, st), st, fed)
					}
				}
			},
		},
		&Rule{
			ID: "LP-006", Name: "kms-key-policy-principals", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "KMS key policies never allow a wildcard principal unless pinned to the account by a condition.",
			Remediation: "Name the account root, roles or services as principals, or add a kms:CallerAccount / aws:PrincipalAccount condition.",
			Types:       []string{tKMSKey, tKMSReplicaKey, tKMSKeyPolicy},
			Resource: func(c *Ctx, r *Resource) {
				sts, ok := c.policyAt(r, "policy")
				if !ok {
					return
				}
				for i, st := range sts {
					if st.Allow() && st.WildcardPrincipal() && !scopedToAccount(st) {
						c.Fail("KMS key policy of %q statement %s allows any principal (%v)", r.Name, stmt(i, st), st.Action)
					}
				}
			},
		},
		&Rule{
			ID: "LP-007", Name: "sg-no-world-ingress", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "Security groups allow no ingress from 0.0.0.0/0 or ::/0, except TCP 80/443 on load balancers.",
			Remediation: "Restrict the source to a security group or private CIDR; only load balancer groups may open 80/443 to the world.",
			Stack:       checkWorldIngress,
		},
		&Rule{
			ID: "LP-008", Name: "datastore-not-public", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "Databases and search domains are never publicly accessible.",
			Remediation: "Set publiclyAccessible: false on database instances; place OpenSearch domains in a VPC (vpcOptions.subnetIds).",
			Types:       []string{tRDSClusterInstance, tRDSInstance, tOpenSearch, tElasticsearch},
			Resource: func(c *Ctx, r *Resource) {
				if r.Type == tOpenSearch || r.Type == tElasticsearch {
					v, _ := r.Props.Get("vpcOptions.subnetIds")
					if IsUnknown(v) {
						c.Unknown("vpcOptions.subnetIds")
						return
					}
					if len(Strings(v)) == 0 && !HasUnknown(v) {
						c.Fail("%s %q has a public endpoint (no vpcOptions.subnetIds)", searchDomainKind(r), r.Name)
					}
					return
				}
				if pub, ok := c.Bool(r, "publiclyAccessible", false); ok && pub {
					c.Fail("database %q is publicly accessible", r.Name)
				}
			},
		},
		&Rule{
			ID: "LP-009", Name: "datastore-private-subnets", Pack: LeastPrivilege, Severity: Critical, Level: Mandatory,
			Description: "Data stores live only in subnets without a route to an internet gateway.",
			Remediation: "Use a DB/cache subnet group (or vpcOptions) made of private or isolated subnets whose route tables have no igw-* default route.",
			Stack:       checkDataStoreSubnets,
		},
		&Rule{
			ID: "LP-010", Name: "eks-endpoint-not-public", Pack: LeastPrivilege, Severity: High, Level: Mandatory,
			Description: "The EKS API endpoint is not open to 0.0.0.0/0.",
			Remediation: "Set vpcConfig.endpointPublicAccess: false (with endpointPrivateAccess: true), or restrict publicAccessCidrs to known ranges.",
			Types:       []string{tEKSCluster},
			Resource: func(c *Ctx, r *Resource) {
				pub, ok := c.Bool(r, "vpcConfig.endpointPublicAccess", true)
				if !ok || !pub {
					return
				}
				cidrs, ok := c.List(r, "vpcConfig.publicAccessCidrs")
				if !ok {
					return
				}
				list := Strings(cidrs)
				if len(list) == 0 {
					c.Fail("EKS cluster %q exposes its API endpoint to 0.0.0.0/0 (public access without publicAccessCidrs)", r.Name)
					return
				}
				for _, cidr := range list {
					if cidr == worldIPv4 || cidr == worldIPv6 {
						c.Fail("EKS cluster %q exposes its API endpoint to %s", r.Name, cidr)
					}
				}
			},
		},
		&Rule{
			ID: "LP-011", Name: "imdsv2-required", Pack: LeastPrivilege, Severity: High, Level: Mandatory,
			Description: "EC2 instances, launch templates and EKS node groups require IMDSv2 (session tokens).",
			Remediation: "Set metadataOptions.httpTokens: required; give EKS node groups a launch template that does so (or use an AL2023 AMI type, which requires IMDSv2).",
			Types:       []string{tInstance, tLaunchTemplate, tEKSNodeGroup},
			Resource: func(c *Ctx, r *Resource) {
				if r.Type == tEKSNodeGroup {
					lt, _ := r.Props.Get("launchTemplate")
					if lt != nil {
						return // the launch template itself is checked
					}
					ami, ok := c.Str(r, "amiType")
					if ok && !strings.HasPrefix(ami, "AL2023") {
						c.Fail("EKS node group %q has no launch template and AMI type %q does not require IMDSv2", r.Name, ami)
					}
					return
				}
				tok, ok := c.Str(r, "metadataOptions.httpTokens")
				if ok && tok != "required" {
					if tok == "" {
						tok = "unset (optional)"
					}
					c.Fail("%q does not require IMDSv2 (metadataOptions.httpTokens is %s)", r.Name, tok)
				}
			},
		},
	)
}

func checkIRSATrust(c *Ctx, r *Resource, i string, st Statement, fed string) {
	issuer := fed[strings.Index(fed, "oidc-provider/")+len("oidc-provider/"):]
	subKey := issuer + ":sub"
	audKey := issuer + ":aud"
	var subs []string
	exact := true
	for op, kv := range st.Condition {
		for k, vs := range kv {
			if !strings.EqualFold(k, subKey) {
				continue
			}
			subs = append(subs, vs...)
			if op != "StringEquals" {
				exact = false
			}
		}
	}
	switch {
	case len(subs) == 0:
		c.Fail("role %q trust statement %s lets any service account of %s assume it (no %s condition)", r.Name, i, issuer, subKey)
	case !exact:
		c.Fail("role %q trust statement %s matches service accounts by pattern; use StringEquals on %s", r.Name, i, subKey)
	default:
		for _, s := range subs {
			if !strings.HasPrefix(s, serviceAccountPfx) || strings.ContainsAny(s, "*?") || strings.Count(s, ":") != 3 {
				c.Fail("role %q trust statement %s condition %s = %q is not one exact service account", r.Name, i, subKey, s)
			}
		}
	}
	for op, kv := range st.Condition {
		for k, vs := range kv {
			if strings.EqualFold(k, audKey) {
				for _, v := range vs {
					if v != "sts.amazonaws.com" || op != "StringEquals" {
						c.Fail("role %q trust statement %s audience condition %s %s %q is not sts.amazonaws.com", r.Name, i, op, audKey, v)
					}
				}
			}
		}
	}
}

type ingress struct {
	urn      string
	sg       []*Resource
	from, to float64
	protocol string
	cidrs    []string
	where    string
}

func checkWorldIngress(c *Ctx, s *Stack) {
	var rules []ingress
	for _, g := range s.OfType(tSG) {
		l, _ := g.Props["ingress"].([]any)
		if IsUnknown(g.Props["ingress"]) {
			c.Unknown(g.Name + ".ingress")
		}
		for i, in := range l {
			from, _ := mustGet(in, "fromPort").(float64)
			to, _ := mustGet(in, "toPort").(float64)
			proto, _ := mustGet(in, "protocol").(string)
			cidrs := append(Strings(mustGet(in, "cidrBlocks")), Strings(mustGet(in, "ipv6CidrBlocks"))...)
			rules = append(rules, ingress{urn: g.URN, sg: []*Resource{g}, from: from, to: to, protocol: proto, cidrs: cidrs,
				where: fmt.Sprintf("security group %q ingress[%d]", g.Name, i)})
		}
	}
	for _, r := range s.OfType(tSGRule) {
		if t, _ := r.Props["type"].(string); t != "ingress" {
			continue
		}
		from, _ := r.Props["fromPort"].(float64)
		to, _ := r.Props["toPort"].(float64)
		proto, _ := r.Props["protocol"].(string)
		cidrs := append(Strings(r.Props["cidrBlocks"]), Strings(r.Props["ipv6CidrBlocks"])...)
		rules = append(rules, ingress{urn: r.URN, sg: s.Refs(r, "securityGroupId", tSG), from: from, to: to, protocol: proto,
			cidrs: cidrs, where: fmt.Sprintf("security group rule %q", r.Name)})
	}
	for _, r := range s.OfType(tSGIngress) {
		from, _ := r.Props["fromPort"].(float64)
		to, _ := r.Props["toPort"].(float64)
		proto, _ := r.Props["ipProtocol"].(string)
		cidrs := append(Strings(r.Props["cidrIpv4"]), Strings(r.Props["cidrIpv6"])...)
		rules = append(rules, ingress{urn: r.URN, sg: s.Refs(r, "securityGroupId", tSG), from: from, to: to, protocol: proto,
			cidrs: cidrs, where: fmt.Sprintf("security group ingress rule %q", r.Name)})
	}
	lbGroups := map[*Resource]bool{}
	for _, lb := range s.OfType(tLB, tALB) {
		for _, g := range s.Refs(lb, "securityGroups", tSG) {
			lbGroups[g] = true
		}
	}
	for _, in := range rules {
		for _, cidr := range in.cidrs {
			if cidr != worldIPv4 && cidr != worldIPv6 {
				continue
			}
			web := in.from == in.to && (in.from == 80 || in.from == 443) && (in.protocol == "tcp" || in.protocol == "6")
			onLB := len(in.sg) > 0
			for _, g := range in.sg {
				onLB = onLB && lbGroups[g]
			}
			if web && onLB {
				continue
			}
			ports := fmt.Sprintf("%s %v-%v", in.protocol, in.from, in.to)
			if in.protocol == "-1" || in.protocol == "all" {
				ports = "all traffic"
			}
			if web {
				c.FailOn(in.urn, "%s opens %s to %s on a group that is not attached to a load balancer", in.where, ports, cidr)
			} else {
				c.FailOn(in.urn, "%s opens %s to %s", in.where, ports, cidr)
			}
		}
	}
}

// internetRoute returns the internet gateway a subnet routes 0.0.0.0/0 or ::/0 to ("" when none).
func internetRoute(s *Stack, sub *Resource) string {
	idx := s.Memo("subnet-igw", func() any { return subnetInternetRoutes(s) }).(map[*Resource]string)
	return idx[sub]
}

// subnetInternetRoutes maps every subnet with an internet-gateway default route to that gateway.
func subnetInternetRoutes(s *Stack) map[*Resource]string {
	world := func(v any) bool { x, _ := v.(string); return x == worldIPv4 || x == worldIPv6 }
	// route table -> internet gateway of its default route
	tableIGW := map[*Resource]string{}
	for _, t := range s.OfType(tRouteTable) {
		l, _ := t.Props["routes"].([]any)
		for _, rt := range l {
			gw, _ := mustGet(rt, "gatewayId").(string)
			if (world(mustGet(rt, "cidrBlock")) || world(mustGet(rt, "ipv6CidrBlock"))) && strings.HasPrefix(gw, "igw-") {
				tableIGW[t] = gw
			}
		}
	}
	for _, rt := range s.OfType(tRoute) {
		if !world(rt.Props["destinationCidrBlock"]) && !world(rt.Props["destinationIpv6CidrBlock"]) {
			continue
		}
		gw, _ := rt.Props["gatewayId"].(string)
		if !strings.HasPrefix(gw, "igw-") {
			gw = ""
			if g := s.Refs(rt, "gatewayId", tIGW); len(g) > 0 {
				gw = g[0].Name
			}
		}
		if gw == "" {
			continue
		}
		for _, t := range s.Refs(rt, "routeTableId", tRouteTable) {
			tableIGW[t] = gw
		}
	}
	// subnet -> explicitly associated route tables; vpc -> main route tables
	subnetTables := map[*Resource][]*Resource{}
	for _, a := range s.OfType(tRTAssoc) {
		tables := s.Refs(a, "routeTableId", tRouteTable)
		for _, sub := range s.Refs(a, "subnetId", tSubnet) {
			subnetTables[sub] = append(subnetTables[sub], tables...)
		}
	}
	vpcMain := map[*Resource][]*Resource{}
	for _, m := range s.OfType(tMainRTAssoc) {
		tables := s.Refs(m, "routeTableId", tRouteTable)
		for _, v := range s.Refs(m, "vpcId", tVpc) {
			vpcMain[v] = append(vpcMain[v], tables...)
		}
	}
	out := map[*Resource]string{}
	for _, sub := range s.OfType(tSubnet) {
		tables := subnetTables[sub]
		if len(tables) == 0 {
			for _, vpc := range s.Refs(sub, "vpcId", tVpc) {
				tables = append(tables, vpcMain[vpc]...)
				for _, k := range []string{"mainRouteTableId", "defaultRouteTableId"} {
					tables = append(tables, s.Refs(vpc, k, tRouteTable)...)
				}
			}
		}
		for _, t := range tables {
			if gw := tableIGW[t]; gw != "" {
				out[sub] = gw
				break
			}
		}
	}
	return out
}

func checkDataStoreSubnets(c *Ctx, s *Stack) {
	checkSubnets := func(store *Resource, subnets []*Resource) {
		var public []string
		gws := map[string]bool{}
		for _, sub := range subnets {
			if gw := internetRoute(s, sub); gw != "" {
				public = append(public, sub.Name)
				gws[gw] = true
			}
		}
		if len(public) > 0 {
			var gwList []string
			for gw := range gws {
				gwList = append(gwList, gw)
			}
			sort.Strings(gwList)
			c.FailOn(store.URN, "%q is placed in subnets %s, which route to internet gateway %s",
				store.Name, strings.Join(public, ", "), strings.Join(gwList, ", "))
		}
	}
	group := func(store *Resource, prop, groupType, what string) {
		v, _ := store.Props.Get(prop)
		if IsUnknown(v) {
			c.Unknown(store.Name + "." + prop)
			return
		}
		if name, _ := v.(string); name == "" && len(store.PropertyDependencies[prop]) == 0 {
			c.FailOn(store.URN, "%q has no %s, so it lands in the default VPC's public subnets", store.Name, what)
			return
		}
		for _, g := range s.Refs(store, prop, groupType) {
			checkSubnets(store, s.Refs(g, "subnetIds", tSubnet))
		}
	}
	for _, r := range s.OfType(tRDSCluster) {
		group(r, "dbSubnetGroupName", tRDSSubnetGroup, "dbSubnetGroupName")
	}
	for _, r := range s.OfType(tRDSInstance) {
		group(r, "dbSubnetGroupName", tRDSSubnetGroup, "dbSubnetGroupName")
	}
	for _, r := range s.OfType(tCacheRG) {
		group(r, "subnetGroupName", tCacheSubnetGroup, "subnetGroupName")
	}
	for _, r := range s.OfType(searchDomainTypes...) {
		checkSubnets(r, s.Refs(r, "vpcOptions.subnetIds", tSubnet))
	}
}
