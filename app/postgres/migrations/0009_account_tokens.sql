-- Email verification and one-time links (password reset, email verification). Only the
-- SHA-256 of a link's token is stored, so a copy of the table cannot be used to take over an
-- account; a token is used at most once (used_at) and only before expires_at.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

CREATE TABLE account_tokens (
    token_hash bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    email      text        NOT NULL, -- the address the link went to; verification needs it unchanged
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose, created_at);
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);
