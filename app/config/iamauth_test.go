package config

import (
	"strings"
	"testing"
)

func iamEnv(extra map[string]string) func(string) string {
	m := map[string]string{
		"STOREFRONT_ENV":    "development",
		"DATABASE_IAM_AUTH": "true",
		"AWS_REGION":        "eu-west-1",
		"PGHOST":            "db.cluster-x.eu-west-1.rds.amazonaws.com",
		"PGPORT":            "5432",
		"PGUSER":            "storefront_app",
		"PGDATABASE":        "shop",
		"PGSSLMODE":         "require",
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return env(m)
}

func TestDatabaseIAMAuthAccepted(t *testing.T) {
	for name, extra := range map[string]map[string]string{
		"PG variables": nil,
		"verify-full":  {"PGSSLMODE": "verify-full"},
		"URL":          {"PGHOST": "", "PGUSER": "", "PGSSLMODE": "", "DATABASE_URL": "postgres://storefront_app@db.example:5432/shop?sslmode=verify-full"},
		"key=value":    {"PGHOST": "", "PGSSLMODE": "", "DATABASE_URL": "host=db.example dbname='my shop' sslmode=require"},
	} {
		c, err := Load(iamEnv(extra))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !c.DatabaseIAMAuth || c.DatabaseRegion != "eu-west-1" {
			t.Errorf("%s: IAM auth %v region %q", name, c.DatabaseIAMAuth, c.DatabaseRegion)
		}
	}
	c, err := Load(env(map[string]string{"STOREFRONT_ENV": "development", "PGPASSWORD": "x"}))
	if err != nil || c.DatabaseIAMAuth {
		t.Errorf("IAM auth must be off by default: %v %v", c.DatabaseIAMAuth, err)
	}
}

func TestDatabaseIAMAuthRefusals(t *testing.T) {
	for _, tc := range []struct {
		extra map[string]string
		want  string // variable named first in the message, and a phrase of it
	}{
		{map[string]string{"PGPASSWORD": "master"}, "PGPASSWORD: must be unset"},
		{map[string]string{"DATABASE_URL": "postgres://storefront_app:pw@db.example/shop?sslmode=require"}, "DATABASE_URL: must not contain a password"},
		{map[string]string{"DATABASE_URL": "host=db.example user=storefront_app password='p w' sslmode=require"}, "DATABASE_URL: must not contain a password"},
		{map[string]string{"PGSSLMODE": "disable"}, `PGSSLMODE: sslmode "disable" is refused`},
		{map[string]string{"PGSSLMODE": "allow"}, `PGSSLMODE: sslmode "allow" is refused`},
		{map[string]string{"PGSSLMODE": "prefer"}, `PGSSLMODE: sslmode "prefer" is refused`},
		{map[string]string{"PGSSLMODE": ""}, "PGSSLMODE: must be require, verify-ca or verify-full"},
		{map[string]string{"DATABASE_URL": "postgres://storefront_app@db.example/shop?sslmode=prefer"}, `DATABASE_URL: sslmode "prefer" is refused`},
		{map[string]string{"AWS_REGION": ""}, "AWS_REGION: is required"},
		{map[string]string{"AWS_REGION": "Europe"}, "AWS_REGION: must be an AWS region"},
		{map[string]string{"PGHOST": ""}, "PGHOST: is required"},
		{map[string]string{"PGHOST": "/var/run/postgresql"}, "PGHOST: \"/var/run/postgresql\" is a Unix socket"},
		{map[string]string{"PGHOST": "a.example,b.example"}, "PGHOST: \"a.example,b.example\" lists several hosts"},
		{map[string]string{"PGHOST": "", "DATABASE_URL": "postgres://storefront_app@a.example:5432,b.example:5432/shop?sslmode=require"}, "lists several hosts"},
		{map[string]string{"PGUSER": ""}, "PGUSER: is required"},
		{map[string]string{"DATABASE_IAM_AUTH": "yes please"}, "DATABASE_IAM_AUTH: must be true or false"},
	} {
		_, err := Load(iamEnv(tc.extra))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error containing %q, got %v", tc.extra, tc.want, err)
		}
	}
}

func TestLoadDatabaseNeedsOnlyDatabaseSettings(t *testing.T) {
	c, err := LoadDatabase(env(map[string]string{"PGHOST": "db.example", "PGPASSWORD": "master"}))
	if err != nil || c.DatabaseIAMAuth {
		t.Fatalf("master credentials without server settings: %+v %v", c, err)
	}
	_, err = LoadDatabase(iamEnv(map[string]string{"PGPASSWORD": "master", "LOG_LEVEL": "loud"}))
	if err == nil || !strings.Contains(err.Error(), "PGPASSWORD") || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("want PGPASSWORD and LOG_LEVEL errors, got %v", err)
	}
}
