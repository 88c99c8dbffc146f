package devenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RedisOptions configures a throwaway Redis server.
type RedisOptions struct {
	// Port to listen on; 0 picks a free port on loopback.
	Port int
	// Databases is the number of logical databases (default 256, so tests can each have one).
	Databases int
}

// RedisServer is a redis-server child process without persistence.
type RedisServer struct {
	opts RedisOptions
	dir  string
	Port int

	process
}

// ErrNoRedisServer means redis-server is not installed.
var ErrNoRedisServer = errors.New("devenv: redis-server not found in PATH; install it with: apt-get install -y redis-server")

// StartRedis starts redis-server on 127.0.0.1.
func StartRedis(ctx context.Context, opts RedisOptions) (*RedisServer, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, ErrNoRedisServer
	}
	if opts.Databases == 0 {
		opts.Databases = 256
	}
	dir, err := newRoot("devenv-redis-")
	if err != nil {
		return nil, err
	}
	s := &RedisServer{opts: opts, dir: dir}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s.Port = opts.Port
		if s.Port == 0 {
			if s.Port, err = freePort(); err != nil {
				return nil, err
			}
		}
		if lastErr = s.Start(ctx); lastErr == nil {
			return s, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

// Start starts a stopped server again on the same port.
func (s *RedisServer) Start(ctx context.Context) error {
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--databases", strconv.Itoa(s.opts.Databases),
		"--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	done, err := s.launch(cmd, "redis-server")
	if err != nil {
		return err
	}
	return awaitReady(ctx, done, 15*time.Second, 20*time.Millisecond,
		func() error { return redisPing(s.Addr()) },
		func() error { return fmt.Errorf("devenv: redis-server exited during start on port %d", s.Port) },
		func(err error) error {
			s.Stop()
			return fmt.Errorf("devenv: redis not ready on port %d: %w", s.Port, err)
		})
}

// Databases is the number of logical databases the server has.
func (s *RedisServer) Databases() int { return s.opts.Databases }

// Addr is host:port.
func (s *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL returns a redis:// URL for logical database db.
func (s *RedisServer) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr(), db) }

// Stop kills the server (no persistence, so nothing is lost that a test relies on) and waits.
func (s *RedisServer) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Close stops the server and removes its directory.
func (s *RedisServer) Close() {
	s.Stop()
	_ = os.RemoveAll(s.dir)
}

// redisPing speaks just enough RESP to check readiness without a client library.
func redisPing(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected reply %q", strings.TrimSpace(line))
	}
	return nil
}
