package devenv

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// process is a server child process: started once, reaped in the background, and polled
// until it answers. PostgreSQL and Redis embed it.
type process struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// launch starts cmd unless a process is already running; what names it in errors.
func (p *process) launch(cmd *exec.Cmd, what string) (<-chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil, errors.New("devenv: " + what + " already running")
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devenv: start %s: %w", what, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		_ = cmd.Wait()
		close(done)
		p.mu.Lock()
		if p.cmd == cmd {
			p.cmd = nil
		}
		p.mu.Unlock()
	}()
	return done, nil
}

// awaitReady polls ready every interval until it succeeds, the process exits (exited), or
// timeout or ctx ends (then giveUp runs and the last probe error is returned, wrapped).
func awaitReady(ctx context.Context, done <-chan struct{}, timeout, interval time.Duration,
	ready func() error, exited func() error, giveUp func(error) error) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-done:
			return exited()
		default:
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return giveUp(err)
		}
		time.Sleep(interval)
	}
}
