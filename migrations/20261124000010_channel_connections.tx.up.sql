-- Channel accounts connected to a platform: the platform's own id for the
-- account (WhatsApp phone number id, page id, Instagram account id,
-- Telegram bot id), and what admins see of its health.
ALTER TABLE channel_accounts
    ADD COLUMN external_id     text,
    ADD COLUMN last_inbound_at timestamptz,
    ADD COLUMN last_error      text,
    ADD COLUMN last_error_at   timestamptz,
    ADD COLUMN updated_at      timestamptz NOT NULL DEFAULT now();

ALTER TABLE channel_accounts
    ADD CONSTRAINT channel_accounts_status_check CHECK (status IN ('ACTIVE', 'ERROR', 'DISCONNECTED'));

-- One platform account feeds one Frontdesk account at a time: two
-- organisations connecting the same page would each answer its customers.
CREATE UNIQUE INDEX channel_accounts_external_key ON channel_accounts (kind, external_id)
    WHERE external_id IS NOT NULL AND status <> 'DISCONNECTED';
