package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"globalstack/app/store"
)

const userCols = "id, email, name, role, password_hash, created_at, disabled_at IS NOT NULL, email_verified_at IS NOT NULL"

// userColsOf is userCols qualified with a table alias, for joins.
func userColsOf(alias string) string {
	p := alias + "."
	return p + "id, " + p + "email, " + p + "name, " + p + "role, " + p + "password_hash, " + p + "created_at, " + p + "disabled_at IS NOT NULL, " + p + "email_verified_at IS NOT NULL"
}

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.Disabled, &u.EmailVerified)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

func userErr(err error, what any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.NotFound("user", what)
	}
	if code, _ := pgCode(err); code == "23505" {
		return store.Conflict("email_taken", "an account with this email already exists")
	}
	return mapErr(err)
}

// CreateUser inserts an account.
func (d *DB) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	out, err := scanUser(d.pool.QueryRow(ctx, "INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING "+userCols,
		u.Email, u.Name, u.Role, u.PasswordHash))
	return out, userErr(err, u.Email)
}

// GetUser returns an account by id.
func (d *DB) GetUser(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	return u, userErr(err, id)
}

// GetUserByEmail returns an account by normalised email.
func (d *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE email = $1", email))
	return u, userErr(err, email)
}

// UpdateUser changes the profile fields present in p.
func (d *DB) UpdateUser(ctx context.Context, id int64, p store.ProfileUpdate) (store.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "UPDATE users SET name = coalesce($2, name) WHERE id = $1 RETURNING "+userCols, id, p.Name))
	return u, userErr(err, id)
}

// SetRole changes a user's role (used by the admin bootstrap command).
func (d *DB) SetRole(ctx context.Context, email string, role store.Role) (store.User, error) {
	u, err := scanUser(d.pool.QueryRow(ctx, "UPDATE users SET role = $2 WHERE email = $1 RETURNING "+userCols, email, role))
	return u, userErr(err, email)
}
