package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Message is a plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender delivers email (app/mail has the SES and the local directory adapters).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Mailer sends in the background, so that a request that sends mail (password reset) takes
// as long as one that does not: the answer cannot reveal whether an account exists.
type Mailer struct {
	Sender  Sender
	Log     *slog.Logger
	Timeout time.Duration // per message; 0 means 30 s
	wg      sync.WaitGroup
}

// Send queues m; delivery failures are logged (the link can be requested again).
func (m *Mailer) Send(m2 Message) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		timeout := m.Timeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := m.Sender.Send(ctx, m2); err != nil && m.Log != nil {
			m.Log.Error("sending email failed", "subject", m2.Subject, "err", err)
		}
	}()
}

// Go runs fn (the work that leads to a message) in the background, like Send.
func (m *Mailer) Go(what string, fn func(ctx context.Context) error) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := fn(ctx); err != nil && m.Log != nil {
			m.Log.Error(what+" failed", "err", err)
		}
	}()
}

// Wait returns when every queued message was sent or failed.
func (m *Mailer) Wait() { m.wg.Wait() }
