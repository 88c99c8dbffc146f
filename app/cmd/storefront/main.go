// Command storefront runs the storefront API and its maintenance tasks.
//
//	storefront [serve]        run the HTTP server (migrates first unless MIGRATE_ON_START=false)
//	storefront migrate        apply database migrations and exit
//	storefront seed N         insert N generated products (then re-index when OpenSearch is configured)
//	storefront reindex        rebuild the OpenSearch index from PostgreSQL and swap the alias
//	storefront make-admin EMAIL   grant the admin role to a registered user
//	storefront db-bootstrap --app-user NAME   as the schema owner (master user): migrate, create
//	                          the application's login role and grant it what the app needs
//
// Configuration comes from the environment (see app/README.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"globalstack/app/config"
	"globalstack/app/postgres"
	"globalstack/app/server"
	"globalstack/app/store"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "storefront:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "db-bootstrap" {
		return dbBootstrap(args)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	logs := server.NewLogBuffer(os.Stdout)
	defer logs.Close()
	log := server.NewLogger(logs, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	switch cmd {
	case "serve":
		if cfg.TokenSecretSource == "generated" {
			log.Warn("TOKEN_SECRET not set: generated a random one (development mode); sessions end at restart")
		}
		return m.Run(ctx)
	case "migrate":
		return m.Migrate(ctx)
	case "seed":
		if len(args) != 1 {
			return fmt.Errorf("usage: storefront seed N")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > 10_000_000 {
			return fmt.Errorf("seed: N must be an integer from 1 to 10000000, got %q", args[0])
		}
		if err := m.Migrate(ctx); err != nil {
			return err
		}
		start := time.Now()
		cnt, err := m.DB.SeedProducts(ctx, n, uint64(time.Now().UnixNano()))
		if err != nil {
			return err
		}
		log.Info("seeded products", "count", cnt, "took", time.Since(start).String())
		if m.Search != nil {
			_, err := m.Search.Reindex(ctx, m.DB)
			return err
		}
		return nil
	case "reindex":
		if m.Search == nil {
			return fmt.Errorf("reindex: OPENSEARCH_URL is not set")
		}
		n, err := m.Search.Reindex(ctx, m.DB)
		if err != nil {
			return err
		}
		log.Info("re-indexed products", "count", n, "alias", m.Search.Alias)
		return nil
	case "make-admin":
		if len(args) != 1 {
			return fmt.Errorf("usage: storefront make-admin EMAIL")
		}
		email, err := store.NormalizeEmail(args[0])
		if err != nil {
			return err
		}
		u, err := m.DB.SetRole(ctx, email, store.RoleAdmin)
		if err != nil {
			return err
		}
		log.Info("granted admin role", "user_id", u.ID, "email", u.Email)
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, seed N, reindex, make-admin EMAIL or db-bootstrap --app-user NAME)", cmd)
	}
}

// dbBootstrap needs only the database settings: it runs as a one-off job with the master
// credentials, without the HTTP, cache or session configuration of the server.
func dbBootstrap(args []string) error {
	fs := flag.NewFlagSet("db-bootstrap", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	appUser := fs.String("app-user", "", "login role the application connects as (created when missing)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *appUser == "" {
		return fmt.Errorf("usage: storefront db-bootstrap --app-user NAME")
	}
	cfg, err := config.LoadDatabase(os.Getenv)
	if err != nil {
		return err
	}
	logs := server.NewLogBuffer(os.Stdout)
	defer logs.Close()
	log := server.NewLogger(logs, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := postgres.Options{MaxConns: cfg.DBMaxConns, Log: log}
	if cfg.DatabaseIAMAuth {
		if opts.IAMAuth, err = postgres.NewIAMAuth(ctx, cfg.DatabaseRegion); err != nil {
			return err
		}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	// The job may start before the database accepts connections (new cluster, failover).
	delay := 250 * time.Millisecond
	for {
		res, err := db.Bootstrap(ctx, *appUser)
		if err == nil {
			log.Info("database bootstrapped", "app_user", *appUser, "migrations_applied", res.Migrations,
				"role_created", res.RoleCreated, "rds_iam", res.RDSIAM)
			return nil
		}
		if store.KindOf(err) != store.KindUnavailable {
			return err
		}
		log.Warn("database not reachable; retrying", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("db-bootstrap: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
