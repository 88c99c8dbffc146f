// Package devenv starts PostgreSQL 15 and Redis on loopback from the machine's packages, as
// child processes of the caller that die with it: the local storefront, the benchmark, the DR
// drill and the test helpers (tests/testenv) run on these servers.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPGBinDir is where Debian installs the PostgreSQL 15 server binaries.
const DefaultPGBinDir = "/usr/lib/postgresql/15/bin"

// PGOptions configures a throwaway PostgreSQL cluster.
type PGOptions struct {
	// BinDir holds initdb, postgres, pg_ctl and pg_basebackup. Default: $PG_BIN_DIR or DefaultPGBinDir.
	BinDir string
	// Dir is the data directory parent. Empty means a new temporary directory removed by Close.
	Dir string
	// Port to listen on; 0 picks a free port on loopback.
	Port int
	// Durable keeps fsync and synchronous_commit on (benchmarks, local runs).
	// Tests leave it off: crash safety of a throwaway cluster buys nothing and costs seconds.
	Durable bool
	// Settings are extra postgres -c name=value settings.
	Settings map[string]string
	// Log receives the server log; nil discards it.
	Log *os.File
}

// PGServer is a PostgreSQL cluster owned by this process. The server runs as a child process
// that receives SIGQUIT if this process dies, so nothing outlives a crashed test or tool.
type PGServer struct {
	opts    PGOptions
	root    string // removed by Close when we created it
	ownRoot bool
	DataDir string
	Port    int

	process
}

// StartPostgres initialises a new cluster and starts it on 127.0.0.1.
func StartPostgres(ctx context.Context, opts PGOptions) (*PGServer, error) {
	if opts.BinDir == "" {
		opts.BinDir = os.Getenv("PG_BIN_DIR")
	}
	if opts.BinDir == "" {
		opts.BinDir = DefaultPGBinDir
	}
	if _, err := os.Stat(filepath.Join(opts.BinDir, "initdb")); err != nil {
		return nil, fmt.Errorf("devenv: PostgreSQL server binaries not found in %s (set PG_BIN_DIR or install postgresql-15): %w", opts.BinDir, err)
	}
	s := &PGServer{opts: opts}
	if opts.Dir == "" {
		dir, err := newRoot("devenv-pg-")
		if err != nil {
			return nil, err
		}
		s.root, s.ownRoot = dir, true
	} else {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, err
		}
		s.root = opts.Dir
	}
	s.DataDir = filepath.Join(s.root, "data")
	if err := chownToPostgres(s.root); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(s.DataDir, "PG_VERSION")); err != nil {
		out, err := s.run(ctx, "initdb", "-D", s.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("devenv: initdb: %w: %s", err, out)
		}
	}
	if err := s.Start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Start starts the server (again) on its port and waits until it accepts connections.
func (s *PGServer) Start(ctx context.Context) error {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if s.opts.Port != 0 {
			s.Port = s.opts.Port
		} else if s.Port == 0 || attempt > 0 {
			p, err := freePort()
			if err != nil {
				return err
			}
			s.Port = p
		}
		if lastErr = s.startOnce(ctx); lastErr == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return lastErr
}

func (s *PGServer) startOnce(ctx context.Context) error {
	args := []string{"-D", s.DataDir, "-p", strconv.Itoa(s.Port), "-k", s.root,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
		"-c", "shared_buffers=256MB", "-c", "log_min_messages=warning"}
	if !s.opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, k := range slices.Sorted(maps.Keys(s.opts.Settings)) {
		args = append(args, "-c", k+"="+s.opts.Settings[k])
	}
	cmd := s.command(context.Background(), "postgres", args...)
	if s.opts.Log != nil {
		cmd.Stdout, cmd.Stderr = s.opts.Log, s.opts.Log
	}
	done, err := s.launch(cmd, "postgres")
	if err != nil {
		return err
	}
	return awaitReady(ctx, done, 60*time.Second, 50*time.Millisecond,
		func() error {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			conn, err := pgx.Connect(cctx, s.DSN("postgres"))
			if err == nil {
				_ = conn.Close(ctx)
			}
			return err
		},
		func() error {
			return fmt.Errorf("devenv: postgres exited during start on port %d (see server log in %s)", s.Port, s.DataDir)
		},
		func(err error) error {
			_ = s.signal(syscall.SIGQUIT)
			return fmt.Errorf("devenv: postgres not ready on port %d: %w", s.Port, err)
		})
}

// DSN returns a URL for database db as the trusted superuser.
func (s *PGServer) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// Stop performs a fast shutdown (aborts sessions, checkpoints) and waits for exit.
func (s *PGServer) Stop(ctx context.Context) error { return s.stopWith(ctx, syscall.SIGINT) }

// Kill sends SIGKILL to the postmaster, like a crashed primary, and waits for it to exit.
func (s *PGServer) Kill(ctx context.Context) error { return s.stopWith(ctx, syscall.SIGKILL) }

// Restart stops and starts the server on the same port.
func (s *PGServer) Restart(ctx context.Context) error {
	if err := s.Stop(ctx); err != nil {
		return err
	}
	return s.startSamePort(ctx)
}

func (s *PGServer) startSamePort(ctx context.Context) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = s.startOnce(ctx); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// StartSamePort starts a stopped or killed server on the port it had before, retrying while
// the previous instance's backends finish exiting.
func (s *PGServer) StartSamePort(ctx context.Context) error { return s.startSamePort(ctx) }

// Running reports whether the postmaster process is alive.
func (s *PGServer) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

func (s *PGServer) stopWith(ctx context.Context, sig syscall.Signal) error {
	s.mu.Lock()
	done := s.done
	running := s.cmd != nil
	s.mu.Unlock()
	if !running {
		return nil
	}
	if err := s.signal(sig); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		_ = s.signal(syscall.SIGKILL)
		return ctx.Err()
	}
}

func (s *PGServer) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// StartStandby takes a base backup of s (pg_basebackup -R, streaming WAL) into a new
// directory and starts it as a hot standby replicating from s.
func (s *PGServer) StartStandby(ctx context.Context) (*PGServer, error) {
	st := &PGServer{opts: s.opts}
	st.opts.Port = 0
	dir, err := newRoot("devenv-pg-standby-")
	if err != nil {
		return nil, err
	}
	st.root, st.ownRoot = dir, true
	st.DataDir = filepath.Join(dir, "data")
	if err := chownToPostgres(dir); err != nil {
		st.Close()
		return nil, err
	}
	out, err := st.run(ctx, "pg_basebackup", "-D", st.DataDir, "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port),
		"-U", "postgres", "-R", "-X", "stream", "-c", "fast")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("devenv: pg_basebackup: %w: %s", err, out)
	}
	if err := st.Start(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Promote turns a standby into a primary (pg_ctl promote) and waits for it to accept writes.
func (s *PGServer) Promote(ctx context.Context) error {
	if out, err := s.run(ctx, "pg_ctl", "promote", "-w", "-D", s.DataDir); err != nil {
		return fmt.Errorf("devenv: pg_ctl promote: %w: %s", err, out)
	}
	for {
		conn, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			var inRecovery bool
			err = conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery)
			_ = conn.Close(ctx)
			if err == nil && !inRecovery {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CreateDatabase creates an empty database and returns its DSN.
func (s *PGServer) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := CreateDatabase(ctx, s.DSN("postgres"), name); err != nil {
		return "", err
	}
	return s.DSN(name), nil
}

// Close stops the server and removes a directory this package created.
func (s *PGServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.Stop(ctx)
	if s.ownRoot {
		_ = os.RemoveAll(s.root)
	}
}

func (s *PGServer) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.opts.BinDir, name), args...)
	cmd.Dir = s.root
	// PostgreSQL refuses to run as root, so as root we run it as the postgres user.
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if os.Geteuid() == 0 {
		if uid, gid, err := postgresIDs(); err == nil {
			attr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
		}
	}
	cmd.SysProcAttr = attr
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd
}

func (s *PGServer) run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := s.command(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func postgresIDs() (uint32, uint32, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("devenv: running as root needs a 'postgres' user to run the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uint32(uid), uint32(gid), nil
}

func chownToPostgres(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, gid, err := postgresIDs()
	if err != nil {
		return err
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(uid), int(gid))
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CreateDatabase creates an empty database name on the server adminDSN connects to.
func CreateDatabase(ctx context.Context, adminDSN, name string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("devenv: connect: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// DropDatabase drops database name, ending its sessions, on the server adminDSN connects to.
func DropDatabase(ctx context.Context, adminDSN, name string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// CatchUp waits until standby s has replayed everything primary had written when called.
func (s *PGServer) CatchUp(ctx context.Context, primary *PGServer) error {
	p, err := pgx.Connect(ctx, primary.DSN("postgres"))
	if err != nil {
		return err
	}
	var lsn string
	err = p.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn)
	_ = p.Close(ctx)
	if err != nil {
		return err
	}
	st, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	for {
		var done bool
		if err := st.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devenv: standby did not replay up to %s: %w", lsn, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
