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
