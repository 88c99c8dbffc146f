package devenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const ownerFile = "devenv.owner"

// newRoot creates a temporary directory that records the owning process, so a later run can
// remove it if this process dies without cleaning up (servers die with it via Pdeathsig).
func newRoot(pattern string) (string, error) {
	sweepOnce.Do(sweep)
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

var sweepOnce sync.Once

// sweep removes directories left by dead processes.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "devenv-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			if fi, serr := os.Stat(d); serr == nil && time.Since(fi.ModTime()) > time.Hour {
				_ = os.RemoveAll(d) // from before owner files, or half-created long ago
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
}
