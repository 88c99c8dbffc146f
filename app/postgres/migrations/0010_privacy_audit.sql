-- Account deletion keeps the row (orders reference it for accounting) with its personal fields
-- overwritten; deleted_at marks it.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- Who did what to which account, order, product or review: personal data exports and account
-- deletions, and every admin action. Entries name ids, not personal data.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint      REFERENCES users (id),
    action      text        NOT NULL,
    target_type text        NOT NULL,
    target_id   text        NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
