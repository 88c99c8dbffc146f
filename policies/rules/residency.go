package rules

import (
	"strings"

	"globalstack/components/regions"
)

// IsGlobalService reports whether r belongs to an account-global service that AWS manages
// through us-east-1 (CloudFront, WAF for CloudFront, IAM, Route 53, CloudFront certificates).
func IsGlobalService(r *Resource) bool {
	t := r.Type
	switch {
	case strings.HasPrefix(t, "aws:cloudfront/"), strings.HasPrefix(t, "aws:iam/"),
		strings.HasPrefix(t, "aws:shield/"), strings.HasPrefix(t, "aws:globalaccelerator/"):
		return true
	case strings.HasPrefix(t, "aws:route53/"):
		return !strings.Contains(strings.ToLower(t), "resolver")
	case t == tCertificate, t == "aws:acm/certificateValidation:CertificateValidation":
		return true // CloudFront only accepts certificates issued in us-east-1
	case t == tWAFLogging:
		arn, _ := r.Props["resourceArn"].(string)
		return strings.Contains(arn, ":global/")
	case strings.HasPrefix(t, "aws:wafv2/"):
		scope, _ := r.Props["scope"].(string)
		return scope == "CLOUDFRONT"
	case t == "aws:cloudwatch/metricAlarm:MetricAlarm":
		// CloudFront and WAF for CloudFront publish their metrics in us-east-1 only, so
		// their alarms live there.
		ns, _ := r.Props["namespace"].(string)
		return ns == "AWS/CloudFront" || ns == "AWS/WAFV2"
	case t == "aws:cloudwatch/eventRule:EventRule":
		// Forwarding those alarms' state changes out of us-east-1.
		pattern, _ := r.Props["eventPattern"].(string)
		return strings.Contains(pattern, `"source":["aws.cloudwatch"]`) && strings.Contains(pattern, `"detail-type":["CloudWatch Alarm State Change"]`)
	case t == "aws:cloudwatch/eventTarget:EventTarget":
		// ... to an event bus, whose region RES-002 checks.
		return IsEventBusARN(r.Props["arn"])
	}
	return false
}

// IsEventBusARN reports whether v is an EventBridge event bus ARN.
func IsEventBusARN(v any) bool {
	s, _ := v.(string)
	return strings.HasPrefix(s, "arn:aws:events:") && strings.Contains(s, ":event-bus/")
}

// regionOf resolves where a referenced resource (id, ARN or name) lives: a resource of this
// stack, one of another known stack, the ARN's region field, or a region spelled in its name.
func regionOf(s *Stack, value string, types ...string) (region, how string, ok bool) {
	for _, r := range s.Find(value, types...) {
		if reg, known := r.EffectiveRegion(); known {
			return reg, "resource " + r.Name, true
		}
	}
	if s.External != nil {
		if reg, ok := s.External(value); ok {
			return reg, "another stack", true
		}
	}
	if reg := RegionOfARN(value); reg != "" {
		return reg, "its ARN", true
	}
	if reg := RegionInName(value); reg != "" {
		return reg, "its name", true
	}
	return "", "", false
}

// s3Target turns an S3 bucket ARN that this stack does not hold as-is into the bucket name,
// which is how the bucket is then looked up ("arn:aws:s3:::name", also with an account field).
func s3Target(s *Stack, v string) string {
	if !strings.HasPrefix(v, "arn:aws:s3:") || len(s.Find(v, bucketTypes...)) > 0 {
		return v
	}
	return v[strings.LastIndex(v, ":")+1:]
}

// checkTarget reports a replication or log target outside the jurisdiction, or one whose region
// cannot be established.
func checkTarget(c *Ctx, s *Stack, owner *Resource, what string, value any, types ...string) {
	if IsUnknown(value) {
		c.Unknown(owner.Name + " " + what)
		return
	}
	v, _ := value.(string)
	if v == "" {
		return
	}
	if strings.Contains(v, unknownSentinel) {
		c.Unknown(owner.Name + " " + what)
		return
	}
	reg, how, ok := regionOf(s, v, types...)
	if !ok {
		c.FailOn(owner.URN, "%q %s %q: its region cannot be established (not in this stack, no region in its ARN or name)", owner.Name, what, v)
		return
	}
	if !s.Jurisdiction.Contains(reg) {
		c.FailOn(owner.URN, "%q %s %q is in %s (from %s), outside jurisdiction %q", owner.Name, what, v, reg, how, s.Jurisdiction)
	}
}

// checkOwnRegion reports r when its own region is outside the jurisdiction.
func checkOwnRegion(c *Ctx, s *Stack, r *Resource, what string) {
	reg, known := r.EffectiveRegion()
	if !known {
		c.Unknown(r.Name + " region")
		return
	}
	if !s.Jurisdiction.Contains(reg) {
		c.FailOn(r.URN, "%s %q is in %s, outside jurisdiction %q", what, r.Name, reg, s.Jurisdiction)
	}
}

func withJurisdiction(f func(c *Ctx, s *Stack)) func(c *Ctx, s *Stack) {
	return func(c *Ctx, s *Stack) {
		if s.Jurisdiction == "" {
			return // RES-001 reports the missing jurisdiction
		}
		f(c, s)
	}
}

func init() {
	register(
		&Rule{
			ID: "RES-001", Name: "stack-jurisdiction-declared", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "The stack declares a valid jurisdiction (globalstack:jurisdiction) and nothing contradicts it.",
			Remediation: "Set globalstack:jurisdiction to us, eu or jp in the stack's configuration and export it as the stack output \"jurisdiction\".",
			Stack: func(c *Ctx, s *Stack) {
				root := ""
				if r := s.RootStack(); r != nil {
					root = r.URN
				}
				if s.JurisdictionProblem != "" {
					c.FailOn(root, "stack %q: %s", s.Name, s.JurisdictionProblem)
				} else if s.Jurisdiction == "" {
					c.FailOn(root, "stack %q declares no jurisdiction", s.Name)
				}
			},
		},
		&Rule{
			ID: "RES-002", Name: "resource-region-in-jurisdiction", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "Every AWS resource's effective region is inside the stack's jurisdiction (global services may live in us-east-1).",
			Remediation: "Create the resource through the stack's regional provider; only CloudFront, WAF for CloudFront, IAM, Route 53, CloudFront certificates and the alarms on CloudFront/WAF metrics (with the rule forwarding their state changes to a bus in the jurisdiction) may use a us-east-1 provider.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				for _, r := range s.Resources {
					if !r.IsAWS() {
						continue
					}
					reg, known := r.EffectiveRegion()
					if !known {
						if r.Provider != nil {
							c.Unknown(r.Name + " region")
						}
						continue
					}
					if !regions.Known(reg) {
						c.FailOn(r.URN, "%q is in %q, which is not a known AWS region", r.Name, reg)
						continue
					}
					if reg == regions.Global && IsGlobalService(r) && IsEventBusARN(r.Props["arn"]) {
						// The target's own "arn" is the bus: its region is the ARN's.
						if bus, _ := r.Props["arn"].(string); !s.Jurisdiction.Contains(RegionOfARN(bus)) {
							c.FailOn(r.URN, "%q forwards events to %q, outside jurisdiction %q", r.Name, bus, s.Jurisdiction)
						}
						continue
					}
					if s.Jurisdiction.Contains(reg) || (reg == regions.Global && IsGlobalService(r)) {
						continue
					}
					c.FailOn(r.URN, "%q (%s) is in %s, outside jurisdiction %q", r.Name, r.Type, reg, s.Jurisdiction)
				}
			}),
		},
		&Rule{
			ID: "RES-003", Name: "global-service-logs-in-jurisdiction", Pack: DataResidency, Severity: High, Level: Mandatory,
			Description: "Logs of global services (CloudFront, WAF for CloudFront, Route 53) land inside the jurisdiction.",
			Remediation: "Point CloudFront logging, WAF logging and query logging at a bucket, stream or log group in one of the jurisdiction's regions.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				forEachDistributionLog(c, s, func(d *Resource, dom string) {
					name, rest, _ := strings.Cut(dom, ".s3")
					if len(s.Find(dom, bucketTypes...)) > 0 || RegionInName(rest) != "" {
						checkTarget(c, s, d, "access-log bucket", dom, bucketTypes...)
					} else {
						checkTarget(c, s, d, "access-log bucket", name, bucketTypes...)
					}
				})
				for _, r := range s.OfType(tRealtimeLogConfig) {
					v, _ := r.Props.Get("endpoint.kinesisStreamConfig.streamArn")
					checkTarget(c, s, r, "real-time log stream", v)
				}
				for _, r := range s.OfType(tWAFLogging) {
					v := r.Props["logDestinationConfigs"]
					if IsUnknown(v) {
						c.Unknown(r.Name + " logDestinationConfigs")
						continue
					}
					for _, dst := range Strings(v) {
						checkTarget(c, s, r, "log destination", s3Target(s, dst), bucketTypes...)
					}
				}
				for _, r := range s.OfType(tQueryLog) {
					checkTarget(c, s, r, "query log group", r.Props["cloudwatchLogGroupArn"])
				}
			}),
		},
		&Rule{
			ID: "RES-004", Name: "aurora-global-members-in-jurisdiction", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "Every member of an Aurora global cluster (and its source cluster) is inside the jurisdiction.",
			Remediation: "Add secondary clusters only in the jurisdiction's regions (the cell's DR region).",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				globalMembers(c, s, tRDSCluster, "globalClusterIdentifier", "Aurora global cluster member",
					tRDSGlobalCluster, "sourceDbClusterIdentifier", "source cluster")
			}),
		},
		&Rule{
			ID: "RES-005", Name: "s3-replication-in-jurisdiction", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "S3 replication destinations are inside the jurisdiction.",
			Remediation: "Replicate only to buckets in the jurisdiction's regions (the cell's DR bucket).",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				dest := func(owner *Resource, rules any) {
					if IsUnknown(rules) {
						c.Unknown(owner.Name + " rules")
						return
					}
					l, _ := rules.([]any)
					for _, rule := range l {
						v, _ := lookup(rule, "destination.bucket")
						if str, ok := v.(string); ok {
							v = s3Target(s, str)
						}
						checkTarget(c, s, owner, "replication destination", v, bucketTypes...)
					}
				}
				for _, r := range s.OfType(tBucketReplication) {
					dest(r, r.Props["rules"])
				}
				for _, r := range s.OfType(tBucket) {
					if v, ok := r.Props.Get("replicationConfiguration.rules"); ok {
						dest(r, v)
					}
				}
			}),
		},
		&Rule{
			ID: "RES-006", Name: "elasticache-global-members-in-jurisdiction", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "Every member of an ElastiCache global datastore is inside the jurisdiction.",
			Remediation: "Add secondary replication groups only in the jurisdiction's regions.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				globalMembers(c, s, tCacheRG, "globalReplicationGroupId", "ElastiCache global datastore member",
					tCacheGlobalRG, "primaryReplicationGroupId", "primary replication group")
			}),
		},
		&Rule{
			ID: "RES-007", Name: "kms-replicas-in-jurisdiction", Pack: DataResidency, Severity: High, Level: Mandatory,
			Description: "KMS replica keys and their primary keys are inside the jurisdiction.",
			Remediation: "Replicate multi-Region keys only to the jurisdiction's regions.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				for _, r := range s.OfType(tKMSReplicaKey, "aws:kms/replicaExternalKey:ReplicaExternalKey") {
					checkOwnRegion(c, s, r, "KMS replica key")
					checkTarget(c, s, r, "primary key", r.Props["primaryKeyArn"], tKMSKey)
				}
			}),
		},
		&Rule{
			ID: "RES-008", Name: "backup-copies-in-jurisdiction", Pack: DataResidency, Severity: Critical, Level: Mandatory,
			Description: "Backup copy destinations (AWS Backup copy actions, RDS automated-backup replication) are inside the jurisdiction.",
			Remediation: "Copy backups only to vaults or regions of the jurisdiction.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				for _, p := range s.OfType(tBackupPlan) {
					rules, _ := p.Props["rules"].([]any)
					if IsUnknown(p.Props["rules"]) {
						c.Unknown(p.Name + " rules")
					}
					for _, rule := range rules {
						acts, _ := lookup(rule, "copyActions")
						if IsUnknown(acts) {
							c.Unknown(p.Name + " copyActions")
							continue
						}
						l, _ := acts.([]any)
						for _, a := range l {
							v, _ := lookup(a, "destinationVaultArn")
							checkTarget(c, s, p, "backup copy destination", v)
						}
					}
				}
				for _, r := range s.OfType(tRDSBackupRepl) {
					checkOwnRegion(c, s, r, "automated-backup replication")
					checkTarget(c, s, r, "source instance", r.Props["sourceDbInstanceArn"])
				}
			}),
		},
		&Rule{
			ID: "RES-009", Name: "other-replicas-in-jurisdiction", Pack: DataResidency, Severity: High, Level: Mandatory,
			Description: "DynamoDB global-table replicas, Secrets Manager replicas and ECR replication stay inside the jurisdiction.",
			Remediation: "List only the jurisdiction's regions as replica regions.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				region := func(owner *Resource, what string, v any) {
					if IsUnknown(v) {
						c.Unknown(owner.Name + " " + what)
						return
					}
					if reg, _ := v.(string); reg != "" && !s.Jurisdiction.Contains(reg) {
						c.FailOn(owner.URN, "%q %s is %s, outside jurisdiction %q", owner.Name, what, reg, s.Jurisdiction)
					}
				}
				for _, r := range s.OfType(tDynamoTable) {
					l, _ := r.Props["replicas"].([]any)
					for _, rep := range l {
						region(r, "replica region", mustGet(rep, "regionName"))
					}
				}
				for _, r := range s.OfType(tSecret) {
					l, _ := r.Props["replicas"].([]any)
					for _, rep := range l {
						region(r, "replica region", mustGet(rep, "region"))
					}
				}
				for _, r := range s.OfType(tECRReplication) {
					rules, _ := lookup(r.Props, "replicationConfiguration.rules")
					l, _ := rules.([]any)
					for _, rule := range l {
						ds, _ := lookup(rule, "destinations")
						dl, _ := ds.([]any)
						for _, d := range dl {
							region(r, "replication destination region", mustGet(d, "region"))
						}
					}
				}
			}),
		},
	)
}

// globalMembers checks a global database's members: every memberType resource that names a
// global resource in idProp must be in the jurisdiction, and so must each global resource's
// source member (sourceProp).
func globalMembers(c *Ctx, s *Stack, memberType, idProp, memberLabel, globalType, sourceProp, sourceLabel string) {
	for _, r := range s.OfType(memberType) {
		v := r.Props[idProp]
		if IsUnknown(v) {
			c.Unknown(r.Name + " " + idProp)
			continue
		}
		if g, _ := v.(string); g != "" {
			checkOwnRegion(c, s, r, memberLabel)
		}
	}
	for _, g := range s.OfType(globalType) {
		checkTarget(c, s, g, sourceLabel, g.Props[sourceProp], memberType)
	}
}

// forEachDistributionLog calls fn with every CloudFront distribution that logs to a bucket and
// that bucket's domain (loggingConfig.bucket); a domain not known until apply is reported.
func forEachDistributionLog(c *Ctx, s *Stack, fn func(d *Resource, domain string)) {
	for _, d := range s.OfType(tDistribution) {
		v, _ := d.Props.Get("loggingConfig.bucket")
		if IsUnknown(v) {
			c.Unknown(d.Name + " loggingConfig.bucket")
			continue
		}
		if dom, _ := v.(string); dom != "" {
			fn(d, dom)
		}
	}
}
