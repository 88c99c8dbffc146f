// Command storefront-local runs the storefront on this machine for development: it starts
// PostgreSQL and Redis on loopback from the machine's packages when DATABASE_URL / REDIS_URL
// are not set (installing redis-server with apt if it is missing), applies migrations, loads a
// generated catalog, creates an admin account, and serves until interrupted. With -prometheus
// it also runs Prometheus (Debian package) on loopback scraping the metrics listener with the
// storefront's recording and alerting rules (components/monitoring/rules).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"globalstack/app/config"
	"globalstack/app/server"
	"globalstack/app/store"
	"globalstack/components/monitoring/rules"
	"globalstack/internal/devenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "storefront-local:", err)
		os.Exit(1)
	}
}

func run() error {
	products := flag.Int("products", 10000, "size of the generated catalog")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (STOREFRONT_ADDR overrides)")
	withPrometheus := flag.Bool("prometheus", false, "also run Prometheus on loopback, scraping the metrics listener with the storefront's alerting rules")
	promPort := flag.Int("prometheus-port", 9091, "Prometheus's loopback port (0 picks a free one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	mailDir := filepath.Join(os.TempDir(), "storefront-mail")
	// Email (password reset, verification links) lands as .eml files in mailDir.
	env := map[string]string{"STOREFRONT_ENV": "development", "STOREFRONT_ADDR": *addr,
		"MAIL_BACKEND": "dir", "MAIL_DIR": mailDir, "PUBLIC_URL": "http://" + *addr}
	if os.Getenv("DATABASE_URL") == "" && os.Getenv("PGHOST") == "" {
		fmt.Println("starting PostgreSQL on loopback ...")
		pg, err := devenv.StartPostgres(ctx, devenv.PGOptions{Durable: true})
		if err != nil {
			return err
		}
		defer pg.Close()
		if env["DATABASE_URL"], err = pg.CreateDatabase(ctx, "storefront"); err != nil {
			return err
		}
	}
	if os.Getenv("REDIS_URL") == "" {
		if err := ensureRedis(ctx); err != nil {
			return err
		}
		fmt.Println("starting Redis on loopback ...")
		rs, err := devenv.StartRedis(ctx, devenv.RedisOptions{Databases: 16})
		if err != nil {
			return err
		}
		defer rs.Close()
		env["REDIS_URL"] = rs.URL(0)
	}
	cfg, err := config.Load(func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return env[k]
	})
	if err != nil {
		return err
	}
	logs := server.NewLogBuffer(os.Stdout)
	defer logs.Close()
	log := server.NewLogger(logs, cfg.LogLevel)
	m, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Migrate(ctx); err != nil {
		return err
	}
	var have int
	if err := m.DB.Pool().QueryRow(ctx, "SELECT count(*) FROM products").Scan(&have); err != nil {
		return err
	}
	if have < *products {
		fmt.Printf("generating %d products ...\n", *products-have)
		start := time.Now()
		if _, err := m.DB.SeedProducts(ctx, *products-have, uint64(time.Now().UnixNano())); err != nil {
			return err
		}
		fmt.Printf("catalog ready in %s\n", time.Since(start).Round(time.Millisecond))
	}
	email, password, err := ensureAdmin(ctx, m)
	if err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	promLine := ""
	if *withPrometheus {
		if err := ensurePackage(ctx, "prometheus", "prometheus"); err != nil {
			return err
		}
		p, err := devenv.StartPrometheus(ctx, devenv.PrometheusOptions{Port: *promPort, Target: m.MetricsAddr(), Rules: rules.Storefront})
		if err != nil {
			return err
		}
		defer p.Close()
		promLine = fmt.Sprintf("  prometheus: %s/alerts  (rules: components/monitoring/rules/%s)\n", p.URL(), rules.StorefrontFile)
	}
	url := "http://" + m.Addr()
	fmt.Printf(`
storefront is running at %s
  catalog:  curl '%s/api/products?limit=3'
  search:   curl '%s/api/search?q=walnut+chair'
  health:   curl %s/readyz
  metrics:  curl http://%s/metrics
  admin:    %s / %s  (POST %s/api/users/login)
  email:    %s  (MAIL_BACKEND=%s; reset and verification links as .eml files)
%spress Ctrl-C to stop
`, url, url, url, url, m.MetricsAddr(), email, password, url, cfg.MailDir, cfg.MailBackend, promLine)
	return m.Run(ctx)
}

func ensureRedis(ctx context.Context) error {
	if _, err := exec.LookPath("redis-server"); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return devenv.ErrNoRedisServer
	}
	return ensurePackage(ctx, "redis-server", "redis-server")
}

// ensurePackage installs the Debian package pkg with apt when binary is missing (as root).
func ensurePackage(ctx context.Context, binary, pkg string) error {
	if _, err := exec.LookPath(binary); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s is missing: apt-get install -y %s", binary, pkg)
	}
	fmt.Printf("%s is missing: apt-get install -y %s ...\n", binary, pkg)
	cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", pkg)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("installing %s: %w", pkg, err)
	}
	return nil
}

// ensureAdmin creates (or resets) the local admin account with a fresh random password.
func ensureAdmin(ctx context.Context, m *server.Main) (string, string, error) {
	const email = "admin@storefront.local"
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	password := hex.EncodeToString(b)
	hash, err := store.HashPassword(password)
	if err != nil {
		return "", "", err
	}
	if _, err := m.DB.Pool().Exec(ctx, `INSERT INTO users (email, name, password_hash, role) VALUES ($1, 'Admin', $2, 'admin')
		ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, role = 'admin'`, email, hash); err != nil {
		return "", "", err
	}
	return email, password, nil
}
