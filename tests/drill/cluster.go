package drill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"globalstack/internal/devenv"
)

// Lag is one pg_stat_replication sample of the standby, taken on the primary.
type Lag struct {
	At time.Time
	// Write, Flush and Replay are PostgreSQL's write_lag, flush_lag and replay_lag: how long the
	// standby took to write, flush and apply recent WAL. Known is false when PostgreSQL had no
	// recent measurement (NULL), which happens on an idle primary.
	Write, Flush, Replay time.Duration
	Known                bool
	// Bytes of WAL the primary has written that the standby has not flushed / not replayed.
	UnflushedBytes, UnreplayedBytes int64
	State, SyncState                string
}

func (l Lag) String() string {
	if !l.Known {
		return fmt.Sprintf("n/a, %d B unflushed", l.UnflushedBytes)
	}
	return fmt.Sprintf("replay %s, %d B unflushed", fmtDur(l.Replay), l.UnflushedBytes)
}

const lagQuery = `SELECT state, coalesce(sync_state, ''),
	extract(epoch FROM write_lag)::float8, extract(epoch FROM flush_lag)::float8, extract(epoch FROM replay_lag)::float8,
	coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn), 0)::bigint,
	coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint
FROM pg_stat_replication ORDER BY pid LIMIT 1`

// sampleLag reads the replication state of the (only) standby from the primary.
func sampleLag(ctx context.Context, conn *pgx.Conn) (Lag, error) {
	var l Lag
	var w, f, r *float64
	err := conn.QueryRow(ctx, lagQuery).Scan(&l.State, &l.SyncState, &w, &f, &r, &l.UnflushedBytes, &l.UnreplayedBytes)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, errors.New("no standby in pg_stat_replication")
	}
	if err != nil {
		return l, err
	}
	l.At = time.Now()
	if w != nil && f != nil && r != nil {
		l.Known = true
		l.Write, l.Flush, l.Replay = secs(*w), secs(*f), secs(*r)
	}
	return l, nil
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// maxLag keeps the worst value of every field.
func maxLag(a, b Lag) Lag {
	if b.Known {
		a.Known = true
		a.Write, a.Flush, a.Replay = max(a.Write, b.Write), max(a.Flush, b.Flush), max(a.Replay, b.Replay)
	}
	a.UnflushedBytes, a.UnreplayedBytes = max(a.UnflushedBytes, b.UnflushedBytes), max(a.UnreplayedBytes, b.UnreplayedBytes)
	a.State, a.SyncState, a.At = b.State, b.SyncState, b.At
	return a
}

// waitForStandby waits until the standby streams from the primary and, when wantSync is set,
// until the primary reports it as its synchronous standby.
func waitForStandby(ctx context.Context, primaryDSN string, wantSync bool) (Lag, error) {
	conn, err := pgx.Connect(ctx, primaryDSN)
	if err != nil {
		return Lag{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if wantSync {
		// Set on the primary only, after the base backup: the standby must not inherit it, or
		// once promoted (and without a standby of its own) it would block every commit.
		if _, err := conn.Exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = '*'"); err != nil {
			return Lag{}, err
		}
		if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
			return Lag{}, err
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, err := sampleLag(ctx, conn)
		if err == nil && l.State == "streaming" && (!wantSync || l.SyncState == "sync") {
			return l, nil
		}
		if time.Now().After(deadline) {
			return l, fmt.Errorf("standby not ready (state %q, sync_state %q, err %v)", l.State, l.SyncState, err)
		}
		select {
		case <-ctx.Done():
			return l, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stallWALSender stops the primary's WAL sender with SIGSTOP and returns its pid. It dies
// stopped with the rest of the instance.
func stallWALSender(ctx context.Context, conn *pgx.Conn) (int, error) {
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pid FROM pg_stat_replication ORDER BY pid LIMIT 1").Scan(&pid); err != nil {
		return 0, err
	}
	return pid, syscall.Kill(pid, syscall.SIGSTOP)
}

// killInstance kills the postmaster and every process it started with SIGKILL at once, as a
// lost host would. SIGKILL of the postmaster alone leaves its backends running for a moment,
// and they could still commit and acknowledge writes that the standby never sees. The
// postmaster is stopped first so that it cannot fork while its children are listed.
// It returns the number of processes killed.
func killInstance(ctx context.Context, s *devenv.PGServer) (int, error) {
	pid, err := postmasterPID(s.DataDir)
	if err != nil {
		return 0, err
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return 0, fmt.Errorf("stop postmaster %d: %w", pid, err)
	}
	kids := childrenOf(pid)
	killed := 0
	for _, p := range append([]int{pid}, kids...) {
		if syscall.Kill(p, syscall.SIGKILL) == nil {
			killed++
		}
	}
	// Reaps the postmaster (devenv owns the process) and waits for its exit.
	if err := s.Kill(ctx); err != nil {
		return killed, err
	}
	// Children are reparented once the postmaster is gone; wait until each has died.
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range kids {
		for alive(p) {
			if time.Now().After(deadline) {
				return killed, fmt.Errorf("postgres process %d survived SIGKILL", p)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return killed, nil
}

func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("postmaster.pid: bad pid %q", line)
	}
	return pid, nil
}

// childrenOf lists the processes whose parent is pid (from /proc).
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(p); ok && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids
}

func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name is in parentheses and may contain spaces; fields resume after ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// alive reports whether pid is still a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
