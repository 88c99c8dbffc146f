-- A disabled account keeps its rows (orders stay for accounting) but can neither log in nor
-- use a token issued before it was disabled.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
