package devenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// PrometheusOptions configures a local Prometheus server.
type PrometheusOptions struct {
	// Port to listen on (127.0.0.1); 0 picks a free one.
	Port int
	// Target is the host:port whose /metrics it scrapes (the storefront's metrics listener).
	Target string
	// Rules is a Prometheus rules file (components/monitoring/rules), loaded as is.
	Rules []byte
	// Interval is the scrape and rule evaluation interval (default 5s).
	Interval time.Duration
}

// PrometheusServer is a prometheus child process (Debian package "prometheus") with its data
// in a temporary directory.
type PrometheusServer struct {
	dir  string
	Port int

	process
}

// ErrNoPrometheus means the prometheus binary is not installed.
var ErrNoPrometheus = errors.New("devenv: prometheus not found in PATH; install it with: apt-get install -y prometheus")

// StartPrometheus starts prometheus on 127.0.0.1 scraping opts.Target with opts.Rules.
func StartPrometheus(ctx context.Context, opts PrometheusOptions) (*PrometheusServer, error) {
	if _, err := exec.LookPath("prometheus"); err != nil {
		return nil, ErrNoPrometheus
	}
	if opts.Target == "" {
		return nil, errors.New("devenv: prometheus needs a Target (host:port of a /metrics listener)")
	}
	if opts.Interval == 0 {
		opts.Interval = 5 * time.Second
	}
	dir, err := newRoot("devenv-prometheus-")
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`global:
  scrape_interval: %[1]s
  evaluation_interval: %[1]s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: storefront
    static_configs:
      - targets: [%[2]q]
`, opts.Interval, opts.Target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), opts.Rules, 0o644); err != nil {
		return nil, err
	}
	s := &PrometheusServer{dir: dir}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s.Port = opts.Port
		if s.Port == 0 {
			if s.Port, err = freePort(); err != nil {
				return nil, err
			}
		}
		if lastErr = s.start(ctx); lastErr == nil {
			return s, nil
		}
		if opts.Port != 0 {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

func (s *PrometheusServer) start(ctx context.Context) error {
	cmd := exec.Command("prometheus",
		"--config.file="+filepath.Join(s.dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(s.dir, "data"),
		"--web.listen-address="+s.Addr(),
		"--log.level=warn")
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	done, err := s.launch(cmd, "prometheus")
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: time.Second}
	return awaitReady(ctx, done, 30*time.Second, 50*time.Millisecond,
		func() error {
			res, err := hc.Get(s.URL() + "/-/ready")
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("/-/ready: %s", res.Status)
			}
			return nil
		},
		func() error { return fmt.Errorf("devenv: prometheus exited during start on port %d", s.Port) },
		func(err error) error {
			s.Stop()
			return fmt.Errorf("devenv: prometheus not ready on port %d: %w", s.Port, err)
		})
}

// Addr is host:port.
func (s *PrometheusServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is the web UI and API base URL.
func (s *PrometheusServer) URL() string { return "http://" + s.Addr() }

// Stop terminates the server and waits for it.
func (s *PrometheusServer) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// Close stops the server and removes its directory.
func (s *PrometheusServer) Close() {
	s.Stop()
	_ = os.RemoveAll(s.dir)
}
