package rules

import (
	"slices"
	"strings"
)

// Application Load Balancer checks: what an internet-facing load balancer must carry to be
// exposed (WAF, access logs, header hygiene, HTTPS), and the one encryption exception its
// access log bucket needs.

const (
	tLBListener       = "aws:lb/listener:Listener"
	tALBListener      = "aws:alb/listener:Listener"
	tLBListenerRule   = "aws:lb/listenerRule:ListenerRule"
	tLBTargetGroup    = "aws:lb/targetGroup:TargetGroup"
	tALBTargetGroup   = "aws:alb/targetGroup:TargetGroup"
	tALBListenerRule  = "aws:alb/listenerRule:ListenerRule"
	tBucketPolicy     = "aws:s3/bucketPolicy:BucketPolicy"
	tBucketVersioning = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tWAFAssociation   = "aws:wafv2/webAclAssociation:WebAclAssociation"
)

// applicationLBs are the stack's Application Load Balancers (loadBalancerType defaults to
// application); internetFacing keeps only those with public addresses.
func applicationLBs(s *Stack, internetFacing bool) []*Resource {
	var out []*Resource
	for _, lb := range s.OfType(tLB, tALB) {
		if t := str(lb.Props, "loadBalancerType"); t != "" && t != "application" {
			continue
		}
		if internetFacing && boolProp(lb.Props, "internal") {
			continue
		}
		out = append(out, lb)
	}
	return out
}

// listenersOf returns the listeners of a load balancer.
func listenersOf(s *Stack, lb *Resource) []*Resource {
	var out []*Resource
	for _, l := range s.OfType(tLBListener, tALBListener) {
		if slices.Contains(s.Refs(l, "loadBalancerArn", tLB, tALB), lb) {
			out = append(out, l)
		}
	}
	return out
}

// rulesOf returns the listener rules attached to a listener.
func rulesOf(s *Stack, l *Resource) []*Resource {
	var out []*Resource
	for _, r := range s.OfType(tLBListenerRule, tALBListenerRule) {
		if slices.Contains(s.Refs(r, "listenerArn", tLBListener, tALBListener), l) {
			out = append(out, r)
		}
	}
	return out
}

// tls12Policies are the ELB security policy families that negotiate TLS 1.2 or later only
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html):
// ELBSecurityPolicy-TLS13-*, ELBSecurityPolicy-TLS-1-2-* and ELBSecurityPolicy-FS-1-2-*.
// The rest (ELBSecurityPolicy-2016-08, the default of the API, -TLS-1-1-*, -FS-2018-06,
// -FS-1-1-*, -2015-05) also accept TLS 1.0 or 1.1.
var tls12Policies = []string{"ELBSecurityPolicy-TLS13-", "ELBSecurityPolicy-TLS-1-2-", "ELBSecurityPolicy-FS-1-2-"}

func isTLS12Policy(p string) bool {
	for _, prefix := range tls12Policies {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// elbLogBucket reports whether bucket b receives an Application Load Balancer's access or
// connection logs.
func elbLogBucket(s *Stack, b *Resource) bool {
	for _, lb := range s.OfType(tLB, tALB) {
		for _, kind := range []string{"accessLogs", "connectionLogs"} {
			if boolProp(lb.Props, kind+".enabled") && slices.Contains(s.Refs(lb, kind+".bucket", bucketTypes...), b) {
				return true
			}
		}
	}
	return false
}

// sseS3Exception is why an SSE-S3 bucket fails ENC-010, or "" when it is an ELB log bucket
// kept as the exception requires: ELB log delivery supports SSE-S3 only ("The only
// server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)",
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html),
// so such a bucket may use AES256, provided it stays versioned and TLS-only (ENC-011 still
// requires its public access block).
func sseS3Exception(c *Ctx, s *Stack, b *Resource, alg string) string {
	if alg != "AES256" || !elbLogBucket(s, b) {
		return "not SSE-KMS"
	}
	var missing []string
	if !bucketVersioned(s, b) {
		missing = append(missing, "versioning")
	}
	if !bucketDeniesInsecureTransport(c, s, b) {
		missing = append(missing, "a policy denying aws:SecureTransport false")
	}
	if len(missing) > 0 {
		return "allowed for a load balancer log bucket only with " + strings.Join(missing, " and ")
	}
	return ""
}

func bucketVersioned(s *Stack, b *Resource) bool {
	if boolProp(b.Props, "versioning.enabled") {
		return true
	}
	for _, v := range bucketConfigs(s, b, tBucketVersioning) {
		if str(v.Props, "versioningConfiguration.status") == "Enabled" {
			return true
		}
	}
	return false
}

func bucketDeniesInsecureTransport(c *Ctx, s *Stack, b *Resource) bool {
	for _, p := range bucketConfigs(s, b, tBucketPolicy) {
		sts, ok := c.policyAt(p, "policy")
		if !ok {
			continue
		}
		for _, st := range sts {
			if st.Effect == "Deny" && slices.Contains(st.Condition["Bool"]["aws:SecureTransport"], "false") {
				return true
			}
		}
	}
	return false
}

func init() {
	register(
		&Rule{
			ID: "ENC-019", Name: "alb-listener-tls12", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "HTTPS listeners of load balancers use a security policy that negotiates TLS 1.2 or later only.",
			Remediation: "Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another ELBSecurityPolicy-TLS13-*, -TLS-1-2-* or -FS-1-2-* policy).",
			Stack: func(c *Ctx, s *Stack) {
				for _, l := range s.OfType(tLBListener, tALBListener) {
					proto, ok := c.Str(l, "protocol")
					if !ok || (proto != "HTTPS" && proto != "TLS") {
						continue
					}
					pol, ok := c.Str(l, "sslPolicy")
					if !ok {
						continue
					}
					switch {
					case pol == "":
						c.FailOn(l.URN, "%s listener %q has no sslPolicy: ELB then applies ELBSecurityPolicy-2016-08, which accepts TLS 1.0", proto, l.Name)
					case !isTLS12Policy(pol):
						c.FailOn(l.URN, "%s listener %q uses %s, which accepts TLS versions older than 1.2", proto, l.Name, pol)
					}
				}
			},
		},
		&Rule{
			ID: "ENC-020", Name: "alb-http-redirects-to-https", Pack: Encryption, Severity: High, Level: Mandatory,
			Description: "On a load balancer with an HTTPS listener, every HTTP listener redirects to HTTPS and forwards nothing.",
			Remediation: "Give the HTTP listener a default redirect action to protocol HTTPS, port 443 (HTTP_301), and no forwarding rules.",
			Stack: func(c *Ctx, s *Stack) {
				for _, lb := range applicationLBs(s, false) {
					ls := listenersOf(s, lb)
					https := slices.ContainsFunc(ls, func(l *Resource) bool { return str(l.Props, "protocol") == "HTTPS" })
					if !https {
						continue
					}
					for _, l := range ls {
						if str(l.Props, "protocol") != "HTTP" {
							continue
						}
						acts, ok := c.List(l, "defaultActions")
						if !ok {
							continue
						}
						redirects := len(acts) > 0
						for _, a := range acts {
							if t, _ := lookup(a, "type"); t != "redirect" {
								redirects = false
							} else if p, _ := lookup(a, "redirect.protocol"); p != "HTTPS" {
								redirects = false
							}
						}
						if !redirects {
							c.FailOn(l.URN, "HTTP listener %q of load balancer %q does not redirect to HTTPS, though the load balancer serves HTTPS: requests reach the pods in clear text", l.Name, lb.Name)
						}
						for _, r := range rulesOf(s, l) {
							acts, _ := c.List(r, "actions")
							for _, a := range acts {
								if t, _ := lookup(a, "type"); t == "forward" {
									c.FailOn(r.URN, "listener rule %q forwards HTTP requests of listener %q to targets, bypassing the redirect to HTTPS", r.Name, l.Name)
								}
							}
						}
					}
				}
			},
		},
		&Rule{
			ID: "LP-012", Name: "alb-waf-associated", Pack: LeastPrivilege, Severity: High, Level: Mandatory,
			Description: "Every internet-facing Application Load Balancer is associated with a regional WAF web ACL.",
			Remediation: "Create an aws:wafv2/webAclAssociation:WebAclAssociation naming the load balancer's ARN and a REGIONAL web ACL.",
			Stack: func(c *Ctx, s *Stack) {
				protected := map[*Resource]bool{}
				for _, a := range s.OfType(tWAFAssociation) {
					for _, lb := range s.Refs(a, "resourceArn", tLB, tALB) {
						protected[lb] = true
					}
				}
				for _, lb := range applicationLBs(s, true) {
					if !protected[lb] {
						c.FailOn(lb.URN, "internet-facing load balancer %q has no WAF web ACL association: requests reaching it directly are not inspected", lb.Name)
					}
				}
			},
		},
		&Rule{
			ID: "LP-013", Name: "alb-drops-invalid-headers", Pack: LeastPrivilege, Severity: Medium, Level: Mandatory,
			Description: "Internet-facing Application Load Balancers drop HTTP header fields that are not valid (dropInvalidHeaderFields).",
			Remediation: "Set dropInvalidHeaderFields to true on the load balancer (attribute routing.http.drop_invalid_header_fields.enabled).",
			Stack: func(c *Ctx, s *Stack) {
				for _, lb := range applicationLBs(s, true) {
					if on, known := c.Bool(lb, "dropInvalidHeaderFields", false); known && !on {
						c.FailOn(lb.URN, "internet-facing load balancer %q forwards header fields that are not valid HTTP to its targets (dropInvalidHeaderFields is off)", lb.Name)
					}
				}
			},
		},
		&Rule{
			ID: "LP-014", Name: "alb-access-logs", Pack: LeastPrivilege, Severity: Medium, Level: Mandatory,
			Description: "Internet-facing Application Load Balancers write access logs to a bucket in their own region.",
			Remediation: "Set accessLogs {enabled: true, bucket: <a bucket of the load balancer's region whose policy admits ELB log delivery>}.",
			Stack: func(c *Ctx, s *Stack) {
				for _, lb := range applicationLBs(s, true) {
					on, known := c.Bool(lb, "accessLogs.enabled", false)
					bucket, bknown := c.Str(lb, "accessLogs.bucket")
					if !known || !bknown {
						continue
					}
					if !on || bucket == "" {
						c.FailOn(lb.URN, "internet-facing load balancer %q writes no access logs, so requests it answered cannot be traced", lb.Name)
						continue
					}
					lbRegion, ok := lb.EffectiveRegion()
					for _, b := range s.Refs(lb, "accessLogs.bucket", bucketTypes...) {
						if br, bok := b.EffectiveRegion(); ok && bok && br != lbRegion {
							c.FailOn(lb.URN, "load balancer %q (in %s) logs to bucket %q in %s: ELB delivers only to a bucket in the load balancer's region", lb.Name, lbRegion, b.Name, br)
						}
					}
				}
			},
		},
	)
}
