package rules

// The audit pack: what components/baseline gives every stack, checked on what one state
// shows. Which stack owns a region's single pieces is the stack's own claim (its
// baselineOwnsRegion output); that no two stacks claim the same region is checked by
// `make plan` across the stack files (stacks/plan.CheckOwnership), which one state cannot see.

func init() {
	register(
		&Rule{
			ID: "AUD-001", Name: "audit-trail-with-validation", Pack: Audit, Severity: High, Level: Mandatory,
			Description: "Every stack has a logging, KMS-encrypted CloudTrail trail with log file validation.",
			Remediation: "Build the stack's components/baseline (it creates the trail); keep enableLogFileValidation true, enableLogging true and kmsKeyId set on the trail.",
			Stack: func(c *Ctx, s *Stack) {
				trails := s.OfType(tTrail)
				if len(trails) == 0 {
					root := ""
					if r := s.RootStack(); r != nil {
						root = r.URN
					}
					c.FailOn(root, "stack %q has no CloudTrail trail: its API activity is not recorded", s.Name)
					return
				}
				for _, t := range trails {
					if v, known := c.Bool(t, "enableLogFileValidation", false); known && !v {
						c.FailOn(t.URN, "trail %q has enableLogFileValidation off: a changed or deleted log file would go unnoticed", t.Name)
					}
					if v, known := c.Bool(t, "enableLogging", true); known && !v {
						c.FailOn(t.URN, "trail %q has enableLogging off: it records nothing", t.Name)
					}
					if k, known := c.Str(t, "kmsKeyId"); known && k == "" {
						c.FailOn(t.URN, "trail %q has no kmsKeyId: its log files are not encrypted with the stack's key", t.Name)
					}
				}
			},
		},
		&Rule{
			ID: "AUD-002", Name: "region-owner-detects", Pack: Audit, Severity: High, Level: Mandatory,
			Description: "A stack whose baseline owns its region (output baselineOwnsRegion) carries an enabled GuardDuty detector and an enabled AWS Config recorder with a delivery channel.",
			Remediation: "Keep the region pieces of components/baseline (globalstack:baseline.region: true builds them), or give the region to the stack that has them.",
			Stack: func(c *Ctx, s *Stack) {
				root := s.RootStack()
				if root == nil {
					return
				}
				owns, known := c.Bool(root, "baselineOwnsRegion", false)
				if !known || !owns {
					return
				}
				var missing []string
				detected := false
				for _, d := range s.OfType(tGuardDutyDetector) {
					if on, _ := c.Bool(d, "enable", true); on {
						detected = true
					}
				}
				if !detected {
					missing = append(missing, "an enabled GuardDuty detector")
				}
				recording := false
				for _, st := range s.OfType(tConfigRecorderStatus) {
					if on, _ := c.Bool(st, "isEnabled", false); on {
						recording = true
					}
				}
				if len(s.OfType(tConfigRecorder)) == 0 || !recording {
					missing = append(missing, "an enabled AWS Config recorder")
				}
				if len(s.OfType(tConfigDelivery)) == 0 {
					missing = append(missing, "a Config delivery channel")
				}
				for _, m := range missing {
					c.FailOn(root.URN, "stack %q owns its region's baseline pieces (output baselineOwnsRegion) but lacks %s: the region's threats or configuration go unrecorded", s.Name, m)
				}
			},
		},
		&Rule{
			ID: "AUD-003", Name: "audit-logs-in-jurisdiction", Pack: Audit, Severity: Critical, Level: Mandatory,
			Description: "Trails and Config deliver into buckets inside the jurisdiction, trails record their own region only, and Security Hub aggregates no findings across regions.",
			Remediation: "Deliver to the stack's log-archive bucket (components/baseline), keep isMultiRegionTrail false and create no Security Hub finding aggregator.",
			Stack: withJurisdiction(func(c *Ctx, s *Stack) {
				for _, t := range s.OfType(tTrail) {
					checkOwnRegion(c, s, t, "trail")
					if multi, known := c.Bool(t, "isMultiRegionTrail", false); known && multi {
						c.FailOn(t.URN, "trail %q is multi-Region: it gathers events of every region, other jurisdictions' included, into one bucket", t.Name)
					}
					bucket, known := c.Str(t, "s3BucketName")
					if known {
						checkTarget(c, s, t, "log bucket", bucket, bucketTypes...)
					}
				}
				for _, d := range s.OfType(tConfigDelivery) {
					checkOwnRegion(c, s, d, "Config delivery channel")
					if bucket, known := c.Str(d, "s3BucketName"); known {
						checkTarget(c, s, d, "delivery bucket", bucket, bucketTypes...)
					}
				}
				for _, a := range s.OfType(tHubFindingAggregator) {
					mode, _ := c.Str(a, "linkingMode")
					c.FailOn(a.URN, "Security Hub finding aggregator %q (linkingMode %q) copies findings across regions", a.Name, mode)
				}
			}),
		},
	)
}
