-- Failed sign-ins, counted per (account, address) and per address to slow
-- password guessing. Kept in PostgreSQL so that every replica counts the
-- same failures. The account is a SHA-256 of the lower-cased e-mail as
-- typed: unknown addresses are counted exactly like known ones (so the
-- limit does not tell which accounts exist), and no typed e-mail is kept.
-- Rows older than the window are deleted as new failures arrive.
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account   text        NOT NULL,
    address   text        NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_address_idx ON login_failures (address, failed_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
