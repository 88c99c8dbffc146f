package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IAMAuth makes every new connection authenticate with an RDS IAM auth token instead of a
// password. A token is a SigV4-presigned request for rds-db:connect, signed locally for
// host:port, user and region, valid for 15 minutes; it only matters when a connection is
// opened, so established connections outlive it.
type IAMAuth struct {
	Region string
	// Credentials sign the tokens (the default AWS chain in production: the pod's IRSA role).
	Credentials aws.CredentialsProvider
}

// checkIAMConfig refuses pool settings under which IAM authentication cannot work or would
// send the token without TLS.
func checkIAMConfig(cfg *pgxpool.Config) error {
	cc := cfg.ConnConfig
	switch {
	case cc.Host == "" || cc.Host[0] == '/':
		return errors.New("PGHOST: IAM database authentication needs the database endpoint's host name, not a Unix socket")
	case cc.TLSConfig == nil:
		return errors.New("PGSSLMODE: IAM database authentication requires TLS; set PGSSLMODE (or sslmode in DATABASE_URL) to require, verify-ca or verify-full")
	case cc.User == "":
		return errors.New("PGUSER: IAM database authentication needs the database user the token is signed for")
	}
	for _, fb := range cc.Fallbacks {
		if fb.TLSConfig == nil {
			return errors.New("PGSSLMODE: IAM database authentication requires TLS; sslmode disable, allow and prefer may connect without it")
		}
		if fb.Host != cc.Host || fb.Port != cc.Port {
			return errors.New("DATABASE_URL: IAM database authentication signs the token for one host; give a single host (the cluster's writer endpoint)")
		}
	}
	return nil
}

// iamBeforeConnect returns the pool hook that puts a fresh auth token into the password of
// every connection it opens.
func iamBeforeConnect(a IAMAuth) func(context.Context, *pgx.ConnConfig) error {
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		endpoint := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
		token, err := auth.BuildAuthToken(ctx, endpoint, a.Region, cc.User, a.Credentials)
		if err != nil {
			return fmt.Errorf("postgres: building the IAM auth token for %s@%s: %w", cc.User, endpoint, err)
		}
		cc.Password = token
		return nil
	}
}

// NewIAMAuth signs tokens for region with the default AWS credential chain (environment,
// web identity token of the pod's IRSA role, shared files, container and instance roles).
// Loading the chain reads no network; credentials are fetched on the first connection,
// cached, and refreshed before they expire.
func NewIAMAuth(ctx context.Context, region string) (*IAMAuth, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("DATABASE_IAM_AUTH: loading the AWS configuration: %w", err)
	}
	return &IAMAuth{Region: region, Credentials: cfg.Credentials}, nil
}
