// Package settings defines the tunable settings of the storefront workload (the keys of the
// stack's globalstack:storefront object), their presets and their validation, apart from the
// component so that the stack configuration reads them without the Kubernetes SDK.
package settings

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"globalstack/components/base/validate"
)

// DefaultImageTag is the tag the presets deploy: the first release pushed by the procedure in
// the README.
const DefaultImageTag = "1.0.0"

// Settings are the tunable settings of the storefront workload: the keys of the stack's
// globalstack:storefront object.
type Settings struct {
	// Image is a pinned reference (tag or digest). When empty, the component creates the ECR
	// repository Repository in the cell's region and deploys Repository:ImageTag from it.
	Image            string `json:"image" doc:"a full reference pinned to a tag (not latest) or a sha256 digest; replaces repository and imageTag" zero:"unset: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<imageTag>"`
	Repository       string `json:"repository" doc:"the ECR repository the cell creates and deploys from"`
	ImageTag         string `json:"imageTag" doc:"a pinned tag (not latest); a cell and its DR stack deploy the same"`
	Replicas         int    `json:"replicas" doc:"pods, also the autoscaler's minimum: 1 to maxReplicas"`
	MaxReplicas      int    `json:"maxReplicas" doc:"the autoscaler's maximum"`
	CPUTargetPercent int    `json:"cpuTargetPercent" doc:"the autoscaler's CPU utilisation target, 1-100"`
	CPURequest       string `json:"cpuRequest" doc:"a Kubernetes quantity"`
	MemoryRequest    string `json:"memoryRequest" doc:"a Kubernetes quantity"`
	CPULimit         string `json:"cpuLimit" doc:"a Kubernetes quantity"`
	MemoryLimit      string `json:"memoryLimit" doc:"a Kubernetes quantity"`
	LogLevel         string `json:"logLevel" doc:"debug, info, warn or error"`
	// CORSAllowedOrigins defaults to https://<Domain> when a domain is set.
	CORSAllowedOrigins []string `json:"corsAllowedOrigins" doc:"https:// origins allowed to call the API" zero:"[https://<domain>] with a domain"`
	PGSSLMode          string   `json:"pgSslMode" doc:"require or verify-full"`
	// Env holds extra plain (non-secret) environment variables.
	Env map[string]string `json:"env" doc:"extra plain environment variables; never secrets nor what the component sets" zero:"none"`
}

// Prod and Dev are the presets of the production cells and of a cheap trial stack.
var (
	Prod = Settings{Repository: "globalstack/storefront", ImageTag: DefaultImageTag, Replicas: 3, MaxReplicas: 12,
		CPUTargetPercent: 70, CPURequest: "250m", MemoryRequest: "256Mi", CPULimit: "1", MemoryLimit: "512Mi",
		LogLevel: "info", PGSSLMode: "require"}
	Dev = Settings{Repository: "globalstack/storefront", ImageTag: DefaultImageTag, Replicas: 2, MaxReplicas: 4,
		CPUTargetPercent: 70, CPURequest: "100m", MemoryRequest: "128Mi", CPULimit: "500m", MemoryLimit: "256Mi",
		LogLevel: "debug", PGSSLMode: "require"}
)

// LogLevels are the levels the storefront logs at.
var LogLevels = []string{"debug", "info", "warn", "error"}

// Validate reports every problem with the settings, each naming its key under prefix
// (validate.SettingKey).
func (s Settings) Validate(prefix string) error {
	p := validate.NewProblems("")
	key := func(k string) string { return validate.SettingKey(prefix, k) }
	switch {
	case s.Image == "" && s.Repository == "":
		p.Addf(key("image"), "an image or a repository and imageTag are required")
	case s.Image == "":
		p.Require(repository.MatchString(s.Repository), key("repository"), "%q is not an ECR repository name", s.Repository)
		p.Require(imageTag.MatchString(s.ImageTag) && s.ImageTag != "latest", key("imageTag"), "%q must be a pinned tag (not latest)", s.ImageTag)
	case strings.HasSuffix(s.Image, ":latest") || !pinnedImage.MatchString(s.Image):
		p.Addf(key("image"), "%q must be pinned to a tag (not latest) or a sha256 digest", s.Image)
	}
	p.Require(s.Replicas >= 1 && s.Replicas <= s.MaxReplicas, key("replicas"), "need 1 <= replicas (%d) <= maxReplicas (%d)", s.Replicas, s.MaxReplicas)
	p.Require(s.CPUTargetPercent >= 1 && s.CPUTargetPercent <= 100, key("cpuTargetPercent"), "%d is outside 1-100", s.CPUTargetPercent)
	for _, q := range []struct{ key, value string }{
		{"cpuRequest", s.CPURequest}, {"memoryRequest", s.MemoryRequest}, {"cpuLimit", s.CPULimit}, {"memoryLimit", s.MemoryLimit},
	} {
		p.Require(quantity.MatchString(q.value), key(q.key), "%q is not a Kubernetes quantity", q.value)
	}
	p.Require(slices.Contains(LogLevels, s.LogLevel), key("logLevel"), "%q is not one of %v", s.LogLevel, LogLevels)
	p.Require(s.PGSSLMode == "require" || s.PGSSLMode == "verify-full", key("pgSslMode"), "%q: must be require or verify-full", s.PGSSLMode)
	for _, o := range s.CORSAllowedOrigins {
		p.Require(strings.HasPrefix(o, "https://"), key("corsAllowedOrigins"), "%q must be an https:// origin", o)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		switch {
		case ReservedEnv[k]:
			p.Addf(key("env."+k), "%s is set by the component (secrets come from Secrets Manager, never from plain config)", k)
		case !envName.MatchString(k):
			p.Addf(key("env."+k), "%q is not an environment variable name", k)
		}
	}
	return p.Err()
}

// ReservedEnv are set by the component (or are secrets) and cannot come from Env.
var ReservedEnv = map[string]bool{
	"PGPASSWORD": true, "REDIS_PASSWORD": true, "TOKEN_SECRET": true, "OPENSEARCH_PASSWORD": true,
	"OPENSEARCH_USERNAME": true, "DATABASE_URL": true, "PGHOST": true, "PGPORT": true, "PGUSER": true,
	"PGDATABASE": true, "PGSSLMODE": true, "REDIS_URL": true, "OPENSEARCH_URL": true, "STOREFRONT_ADDR": true,
	"OPENSEARCH_AUTH": true, "OPENSEARCH_AWS_REGION": true, "DATABASE_IAM_AUTH": true, "AWS_REGION": true,
	"MIGRATE_ON_START": true, "METRICS_ADDR": true,
}

var (
	pinnedImage = regexp.MustCompile(`^[a-z0-9][a-z0-9.\-/:]*[a-z0-9](:[\w][\w.\-]{0,127}|@sha256:[a-f0-9]{64})$`)
	envName     = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	repository  = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*$`)
	imageTag    = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	quantity    = regexp.MustCompile(`^\d+(\.\d+)?(m|Mi|Gi|Ki)?$`)
)
