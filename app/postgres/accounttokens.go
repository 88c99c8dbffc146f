package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

// CreateAccountToken stores a one-time link's token hash unless the user already got
// store.MaxLinksPerWindow links of that purpose within store.LinkWindow.
func (d *DB) CreateAccountToken(ctx context.Context, t store.AccountToken) (bool, error) {
	tag, err := d.pool.Exec(ctx, `
		INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at)
		SELECT $1, $2, $3, $4, $5
		WHERE (SELECT count(*) FROM account_tokens
		       WHERE user_id = $2 AND purpose = $3 AND created_at > now() - $6::interval) < $7`,
		t.Hash, t.UserID, t.Purpose, t.Email, t.ExpiresAt, store.LinkWindow.String(), store.MaxLinksPerWindow)
	return tag.RowsAffected() == 1, mapErr(err)
}

// useToken marks a live token of purpose used and returns its user and address.
func useToken(ctx context.Context, tx pgx.Tx, hash []byte, purpose string) (int64, string, error) {
	var uid int64
	var email string
	err := tx.QueryRow(ctx, `UPDATE account_tokens SET used_at = now()
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
		RETURNING user_id, email`, hash, purpose).Scan(&uid, &email)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", store.NotFound("link", "token")
	}
	return uid, email, err
}

// ResetPassword applies a password reset token: new hash, no sessions, other reset links void.
func (d *DB) ResetPassword(ctx context.Context, hash []byte, passwordHash string) (int64, error) {
	var uid int64
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if uid, _, err = useToken(ctx, tx, hash, store.PurposePasswordReset); err != nil {
			return err
		}
		return setPassword(ctx, tx, uid, passwordHash, "")
	})
	return uid, mapErr(err)
}

// setPassword sets the hash, ends the sessions but keep and voids open reset links.
func setPassword(ctx context.Context, tx pgx.Tx, uid int64, passwordHash, keep string) error {
	if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = $2 WHERE id = $1", uid, passwordHash); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", uid, keep); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL", uid, store.PurposePasswordReset)
	return err
}

// ChangePassword sets a new hash and ends every session but keep.
func (d *DB) ChangePassword(ctx context.Context, userID int64, passwordHash, keep string) error {
	return mapErr(d.inTx(ctx, func(tx pgx.Tx) error { return setPassword(ctx, tx, userID, passwordHash, keep) }))
}

// VerifyEmail applies an email verification token: the address is verified if it is still the
// account's (a link sent to an earlier address verifies nothing, but is used up).
func (d *DB) VerifyEmail(ctx context.Context, hash []byte) (int64, error) {
	var uid int64
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var email string
		var err error
		if uid, email, err = useToken(ctx, tx, hash, store.PurposeEmailVerification); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1 AND email = $2", uid, email)
		return err
	})
	return uid, mapErr(err)
}
