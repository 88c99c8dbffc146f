package postgres

import (
	"context"

	"globalstack/app/store"
)

// CreateSession stores a new session.
func (d *DB) CreateSession(ctx context.Context, s store.Session) error {
	_, err := d.pool.Exec(ctx, "INSERT INTO sessions (id, user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)",
		s.ID, s.UserID, s.ExpiresAt, s.UserAgent, s.IP)
	return mapErr(err)
}

// SessionUser returns the account of a live (not revoked, not expired) session in one lookup.
func (d *DB) SessionUser(ctx context.Context, sessionID string) (store.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "SELECT "+userColsOf("u")+" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > now()", sessionID))
	if err != nil {
		return u, userErr(err, "of session")
	}
	return u, nil
}

// ListSessions returns the live sessions of a user, newest first.
func (d *DB) ListSessions(ctx context.Context, userID int64) ([]store.Session, error) {
	rows, err := d.pool.Query(ctx, "SELECT id, user_id, created_at, expires_at, user_agent, ip FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY created_at DESC, id", userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		var s store.Session
		if err := rows.Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.UserAgent, &s.IP); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// DeleteSession revokes one session of a user; not found when the user has no such session.
func (d *DB) DeleteSession(ctx context.Context, userID int64, sessionID string) error {
	tag, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE id = $1 AND user_id = $2", sessionID, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return store.NotFound("session", sessionID)
	}
	return nil
}

// DeleteSessions revokes every session of a user except keep ("" keeps none).
func (d *DB) DeleteSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	tag, err := d.pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keep)
	return tag.RowsAffected(), mapErr(err)
}
