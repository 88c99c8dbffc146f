package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsInDevelopment(t *testing.T) {
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.CacheTTL != 5*time.Minute || c.RateLimitRPS != 50 || c.MaxBodyBytes != 1<<20 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if len(c.TokenSecret) < 32 || c.TokenSecretSource != "generated" {
		t.Fatalf("development must generate a token secret, got %d bytes from %q", len(c.TokenSecret), c.TokenSecretSource)
	}
}

func TestProductionRequiresTokenSecret(t *testing.T) {
	_, err := Load(env(map[string]string{}))
	if err == nil || !strings.Contains(err.Error(), "TOKEN_SECRET") {
		t.Fatalf("want TOKEN_SECRET error, got %v", err)
	}
}

func TestEveryBadVariableIsNamed(t *testing.T) {
	_, err := Load(env(map[string]string{
		"STOREFRONT_ADDR":      "nonsense",
		"REDIS_URL":            "http://x",
		"RATE_LIMIT_RPS":       "-1",
		"RATE_LIMIT_BURST":     "zero",
		"MAX_BODY_BYTES":       "10",
		"TOKEN_SECRET":         "short",
		"LOG_LEVEL":            "loud",
		"CACHE_TTL":            "forever",
		"SHUTDOWN_TIMEOUT":     "1h",
		"CORS_ALLOWED_ORIGINS": "*,ftp://x",
		"OPENSEARCH_URL":       "localhost:9200",
		"TRUSTED_PROXIES":      "10.0.0.1",
	}))
	if err == nil {
		t.Fatal("want error")
	}
	for _, name := range []string{"STOREFRONT_ADDR", "REDIS_URL", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST", "MAX_BODY_BYTES",
		"TOKEN_SECRET", "LOG_LEVEL", "CACHE_TTL", "SHUTDOWN_TIMEOUT", "CORS_ALLOWED_ORIGINS", "OPENSEARCH_URL", "TRUSTED_PROXIES"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestCORSOriginsParsed(t *testing.T) {
	c, err := Load(env(map[string]string{"TOKEN_SECRET": strings.Repeat("k", 32), "CORS_ALLOWED_ORIGINS": "https://a.example.com, https://b.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example.com" {
		t.Fatalf("origins: %v", c.CORSOrigins)
	}
}

func TestReadQueryBound(t *testing.T) {
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBMaxReadQueries != DefaultMaxReadQueries() || c.DBMaxReadQueries < 2 {
		t.Fatalf("default DB_MAX_READ_QUERIES = %d, want %d", c.DBMaxReadQueries, DefaultMaxReadQueries())
	}
	c, err = Load(env(map[string]string{"STOREFRONT_ENV": "development", "DB_MAX_READ_QUERIES": "0"}))
	if err != nil || c.DBMaxReadQueries != 0 {
		t.Fatalf("DB_MAX_READ_QUERIES=0 (unbounded): %d, %v", c.DBMaxReadQueries, err)
	}
	if _, err := Load(env(map[string]string{"STOREFRONT_ENV": "development", "DB_MAX_READ_QUERIES": "-1"})); err == nil || !strings.Contains(err.Error(), "DB_MAX_READ_QUERIES:") {
		t.Fatalf("want DB_MAX_READ_QUERIES error, got %v", err)
	}
}

func TestOpenSearchAuth(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"STOREFRONT_ENV": "development", "OPENSEARCH_URL": "https://search.example.com"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name               string
		env                map[string]string
		wantAuth, wantRegn string
	}{
		{"no credentials", base(), "none", ""},
		{"username implies basic", base("OPENSEARCH_USERNAME", "u", "OPENSEARCH_PASSWORD", "p"), "basic", ""},
		{"explicit basic", base("OPENSEARCH_AUTH", "basic", "OPENSEARCH_USERNAME", "u", "OPENSEARCH_PASSWORD", "p"), "basic", ""},
		{"explicit none", base("OPENSEARCH_AUTH", "none"), "none", ""},
		{"sigv4 own region", base("OPENSEARCH_AUTH", "aws-sigv4", "OPENSEARCH_AWS_REGION", "eu-west-1", "AWS_REGION", "us-east-1"), "aws-sigv4", "eu-west-1"},
		{"sigv4 AWS_REGION", base("OPENSEARCH_AUTH", "AWS-SigV4", "AWS_REGION", "us-gov-west-1"), "aws-sigv4", "us-gov-west-1"},
		{"region ignored outside sigv4", base("AWS_REGION", "us-east-1"), "none", ""},
	} {
		c, err := Load(env(tc.env))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.OpenSearchAuth != tc.wantAuth || c.OpenSearchRegion != tc.wantRegn {
			t.Errorf("%s: auth %q region %q, want %q %q", tc.name, c.OpenSearchAuth, c.OpenSearchRegion, tc.wantAuth, tc.wantRegn)
		}
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // the variable named first, then words the message must contain
	}{
		{"unknown mode", base("OPENSEARCH_AUTH", "iam"), []string{"OPENSEARCH_AUTH:", `"iam"`, "basic, aws-sigv4 or none"}},
		{"sigv4 with username", base("OPENSEARCH_AUTH", "aws-sigv4", "AWS_REGION", "eu-west-1", "OPENSEARCH_USERNAME", "u", "OPENSEARCH_PASSWORD", "p"), []string{"OPENSEARCH_AUTH:", "OPENSEARCH_USERNAME"}},
		{"sigv4 with password only", base("OPENSEARCH_AUTH", "aws-sigv4", "AWS_REGION", "eu-west-1", "OPENSEARCH_PASSWORD", "p"), []string{"OPENSEARCH_AUTH:", "OPENSEARCH_PASSWORD"}},
		{"sigv4 with credentials in the URL", base("OPENSEARCH_AUTH", "aws-sigv4", "AWS_REGION", "eu-west-1", "OPENSEARCH_URL", "https://u:p@search.example.com"), []string{"OPENSEARCH_AUTH:", "OPENSEARCH_URL"}},
		{"sigv4 without region", base("OPENSEARCH_AUTH", "aws-sigv4"), []string{"OPENSEARCH_AWS_REGION:", "required", "AWS_REGION"}},
		{"sigv4 bad own region", base("OPENSEARCH_AUTH", "aws-sigv4", "OPENSEARCH_AWS_REGION", "Ireland"), []string{"OPENSEARCH_AWS_REGION:", `"Ireland"`}},
		{"sigv4 bad AWS_REGION", base("OPENSEARCH_AUTH", "aws-sigv4", "AWS_REGION", "eu west 1"), []string{"\nAWS_REGION:", `"eu west 1"`}},
		{"basic without username", base("OPENSEARCH_AUTH", "basic"), []string{"OPENSEARCH_AUTH:", "OPENSEARCH_USERNAME"}},
		{"none with username", base("OPENSEARCH_AUTH", "none", "OPENSEARCH_USERNAME", "u", "OPENSEARCH_PASSWORD", "p"), []string{"OPENSEARCH_AUTH:", "OPENSEARCH_USERNAME"}},
	} {
		_, err := Load(env(tc.env))
		if err == nil {
			t.Errorf("%s: want an error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error does not contain %q:\n%v", tc.name, w, err)
			}
		}
	}
}

func TestMetricsListenOnTheirOwnPort(t *testing.T) {
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("default METRICS_ADDR %q, want loopback 127.0.0.1:9090", c.MetricsAddr)
	}
	for _, bad := range []string{":8080", "0.0.0.0:8080", "nonsense", "127.0.0.1:70000"} {
		_, err := Load(env(map[string]string{"STOREFRONT_ENV": "development", "METRICS_ADDR": bad}))
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR:") {
			t.Errorf("METRICS_ADDR=%s: %v, want it refused by name", bad, err)
		}
	}
}

func TestMailSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development"}))
	if err != nil || c.MailBackend != "none" || c.PasswordResetTTL != 30*time.Minute || c.EmailVerifyTTL != 48*time.Hour {
		t.Fatalf("defaults: backend %q, reset %s, verify %s, err %v; want none, 30m, 48h", c.MailBackend, c.PasswordResetTTL, c.EmailVerifyTTL, err)
	}
	c, err = Load(env(map[string]string{"STOREFRONT_ENV": "development", "MAIL_BACKEND": "dir", "MAIL_DIR": "/tmp/m", "PUBLIC_URL": "http://localhost:8080/"}))
	if err != nil || c.MailDir != "/tmp/m" || c.PublicURL != "http://localhost:8080" || c.MailFrom == "" {
		t.Fatalf("dir backend: %+v %v", c, err)
	}
	c, err = Load(env(map[string]string{"TOKEN_SECRET": strings.Repeat("k", 32), "MAIL_BACKEND": "ses", "AWS_REGION": "eu-west-1",
		"MAIL_FROM": "Shop <no-reply@shop.example.com>", "PUBLIC_URL": "https://shop.example.com"}))
	if err != nil || c.MailSESRegion != "eu-west-1" {
		t.Fatalf("ses backend: region %q, %v", c.MailSESRegion, err)
	}
	for _, tc := range []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"MAIL_BACKEND": "smtp"}, "MAIL_BACKEND"},
		{map[string]string{"MAIL_BACKEND": "dir", "PUBLIC_URL": "http://localhost"}, "MAIL_DIR"},
		{map[string]string{"MAIL_BACKEND": "ses", "MAIL_FROM": "a@b.example", "PUBLIC_URL": "https://s.example"}, "MAIL_SES_REGION"},
		{map[string]string{"MAIL_BACKEND": "ses", "AWS_REGION": "eu-west-1", "PUBLIC_URL": "https://s.example"}, "MAIL_FROM"},
		{map[string]string{"MAIL_BACKEND": "dir", "MAIL_DIR": "/tmp/m"}, "PUBLIC_URL"},
		{map[string]string{"MAIL_BACKEND": "dir", "MAIL_DIR": "/tmp/m", "PUBLIC_URL": "http://shop.example.com", "STOREFRONT_ENV": "production"}, "PUBLIC_URL"},
		{map[string]string{"MAIL_BACKEND": "dir", "MAIL_DIR": "/tmp/m", "PUBLIC_URL": "http://localhost", "MAIL_FROM": "not an address"}, "MAIL_FROM"},
		{map[string]string{"PASSWORD_RESET_TTL": "48h"}, "PASSWORD_RESET_TTL"},
	} {
		vars := map[string]string{"STOREFRONT_ENV": "development", "TOKEN_SECRET": strings.Repeat("k", 32)}
		for k, v := range tc.vars {
			vars[k] = v
		}
		if _, err := Load(env(vars)); err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%v: error %v, want one naming %s", tc.vars, err, tc.name)
		}
	}
}

func TestPendingOrderTTL(t *testing.T) {
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development"}))
	if err != nil || c.PendingOrderTTL != 30*time.Minute {
		t.Fatalf("default PENDING_ORDER_TTL %s (%v), want 30m", c.PendingOrderTTL, err)
	}
	if _, err := Load(env(map[string]string{"STOREFRONT_ENV": "development", "PENDING_ORDER_TTL": "0s"})); err == nil || !strings.Contains(err.Error(), "PENDING_ORDER_TTL") {
		t.Fatalf("PENDING_ORDER_TTL=0s: %v, want an error naming it", err)
	}
}
