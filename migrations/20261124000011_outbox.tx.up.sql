-- The outbox's bookkeeping for outbound messages that go to a platform
-- (WhatsApp, Messenger, Instagram, Telegram). messages.delivery_status
-- stays the one status clients see; this row holds the claim that keeps
-- two runs of a delivery job from sending together, and what the platform
-- answered.
CREATE TABLE message_deliveries (
    message_id      uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Set while a run sends the message, cleared when it records the
    -- outcome. A claim older than the delivery's claim timeout belongs to
    -- a run that died mid-send, and may be taken over.
    claimed_at      timestamptz,
    -- Sends started, takeovers included.
    attempts        integer NOT NULL DEFAULT 0,
    -- Every id the platform gave (a long text is split into several
    -- messages; messages.external_id keeps the first).
    platform_ids    text[] NOT NULL DEFAULT '{}',
    -- The latest failure: our reason (OUTSIDE_WINDOW, UNREACHABLE, ...),
    -- the platform's code and message.
    error_reason    text,
    error_code      integer,
    error_message   text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A customer the platform says cannot be messaged (blocked the bot,
-- deleted the account): nothing more is sent until they write again.
ALTER TABLE contact_identities
    ADD COLUMN unreachable_at     timestamptz,
    ADD COLUMN unreachable_reason text;
