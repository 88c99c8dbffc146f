package postgres_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"globalstack/app/postgres"
)

// staticCreds are fixed test credentials: building a token is local signing, no AWS call.
var staticCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Source: "test"}, nil
})

func TestIAMAuthPutsATokenIntoEveryNewConnection(t *testing.T) {
	ctx := context.Background()
	t.Setenv("PGPASSWORD", "must-not-be-used")
	db, err := postgres.Open(ctx, "host=db.cluster-x.eu-west-1.rds.amazonaws.com port=5432 user=storefront_app dbname=shop sslmode=require",
		postgres.Options{IAMAuth: &postgres.IAMAuth{Region: "eu-west-1", Credentials: staticCreds}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := db.Pool().Config()
	if cfg.ConnConfig.Password != "" {
		t.Fatalf("a password from the environment survived: %q", cfg.ConnConfig.Password)
	}
	if cfg.BeforeConnect == nil {
		t.Fatal("no BeforeConnect hook")
	}
	cc := cfg.ConnConfig.Copy()
	if err := cfg.BeforeConnect(ctx, cc); err != nil {
		t.Fatal(err)
	}
	tok := cc.Password
	prefix := "db.cluster-x.eu-west-1.rds.amazonaws.com:5432?"
	if !strings.HasPrefix(tok, prefix) {
		t.Fatalf("token %q does not start with %q", tok, prefix)
	}
	q, err := url.ParseQuery(strings.TrimPrefix(tok, prefix))
	if err != nil {
		t.Fatalf("token query: %v", err)
	}
	want := map[string]string{
		"Action":              "connect",
		"DBUser":              "storefront_app",
		"X-Amz-Algorithm":     "AWS4-HMAC-SHA256",
		"X-Amz-Expires":       "900",
		"X-Amz-SignedHeaders": "host",
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("token %s = %q, want %q", k, got, v)
		}
	}
	if c := q.Get("X-Amz-Credential"); !regexp.MustCompile(`^AKIDEXAMPLE/\d{8}/eu-west-1/rds-db/aws4_request$`).MatchString(c) {
		t.Errorf("token credential scope %q", c)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(q.Get("X-Amz-Signature")) {
		t.Errorf("token signature %q", q.Get("X-Amz-Signature"))
	}
	if _, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date")); err != nil {
		t.Errorf("token date %q: %v", q.Get("X-Amz-Date"), err)
	}
}

func TestIAMAuthRefusesPlaintextAndSeveralHosts(t *testing.T) {
	opts := postgres.Options{IAMAuth: &postgres.IAMAuth{Region: "eu-west-1", Credentials: staticCreds}}
	for dsn, want := range map[string]string{
		"host=db.example user=app sslmode=disable":                              "PGSSLMODE",
		"host=db.example user=app sslmode=allow":                                "PGSSLMODE",
		"host=db.example user=app sslmode=prefer":                               "PGSSLMODE",
		"host=/var/run/postgresql user=app sslmode=require":                     "PGHOST",
		"postgres://app@a.example:5432,b.example:5432/shop?sslmode=require":     "DATABASE_URL",
		"host=db.example user=app sslmode=verify-full sslrootcert=system":       "",
		"postgres://app@db.example:5432/shop?sslmode=require&connect_timeout=3": "",
	} {
		db, err := postgres.Open(context.Background(), dsn, opts)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", dsn, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want+":")):
			t.Errorf("%s: want an error naming %s, got %v", dsn, want, err)
		}
		if db != nil {
			db.Close()
		}
	}
}
