-- Foundation schema: organisations, people, channels, conversations, messages
-- and the append-only event log that subscriptions, metrics and audit read.

CREATE TABLE organizations (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug                text NOT NULL UNIQUE,
    time_zone           text NOT NULL DEFAULT 'UTC',
    country             text NOT NULL DEFAULT 'US',
    currency            text NOT NULL DEFAULT 'USD',
    team_language       text NOT NULL DEFAULT 'en',
    handoff_sla_seconds integer NOT NULL DEFAULT 600 CHECK (handoff_sla_seconds > 0),
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           text NOT NULL,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MANAGER', 'AGENT', 'EMPLOYEE')),
    password_hash   text NOT NULL DEFAULT '',
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Login is by e-mail alone, so an address belongs to one user in the whole system.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (organization_id, id);

CREATE TABLE contacts (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    phone           text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_org_idx ON contacts (organization_id, id);

CREATE TABLE channel_accounts (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('WHATSAPP', 'INSTAGRAM', 'MESSENGER', 'TELEGRAM', 'WEBCHAT', 'STAFF')),
    name            text NOT NULL,
    public_key      text UNIQUE,
    settings        jsonb NOT NULL DEFAULT '{}',
    -- AES-GCM sealed JSON; the key comes from FRONTDESK_SECRET_KEY, never the database.
    credentials     bytea,
    status          text NOT NULL DEFAULT 'ACTIVE',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_accounts_org_idx ON channel_accounts (organization_id, kind);

-- One contact may be reachable on several channels; each identity is the
-- platform's own user id within one channel account.
CREATE TABLE contact_identities (
    id                 uuid PRIMARY KEY,
    organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    contact_id         uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel_account_id uuid NOT NULL REFERENCES channel_accounts (id) ON DELETE CASCADE,
    external_id        text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_account_id, external_id)
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id);

CREATE TABLE conversations (
    id                 uuid PRIMARY KEY,
    organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_account_id uuid NOT NULL REFERENCES channel_accounts (id),
    -- A customer conversation has a contact; a staff conversation has the employee.
    contact_id         uuid REFERENCES contacts (id),
    staff_user_id      uuid REFERENCES users (id),
    status             text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'WAITING', 'CLOSED')),
    owner              text NOT NULL DEFAULT 'BOT' CHECK (owner IN ('BOT', 'HUMAN')),
    handoff_reason     text NOT NULL DEFAULT '',
    handed_off_at      timestamptz,
    urgent             boolean NOT NULL DEFAULT false,
    assignee_id        uuid REFERENCES users (id),
    language           text NOT NULL DEFAULT '',
    unread_count       integer NOT NULL DEFAULT 0,
    last_inbound_at    timestamptz,
    last_outbound_at   timestamptz,
    last_human_reply_at timestamptz,
    last_activity_at   timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((contact_id IS NULL) <> (staff_user_id IS NULL))
);
CREATE INDEX conversations_inbox_idx ON conversations (organization_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_contact_idx ON conversations (contact_id);
CREATE UNIQUE INDEX conversations_staff_key ON conversations (staff_user_id) WHERE staff_user_id IS NOT NULL;

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    direction       text NOT NULL CHECK (direction IN ('IN', 'OUT')),
    author          text NOT NULL CHECK (author IN ('CONTACT', 'BOT', 'USER', 'SYSTEM')),
    author_user_id  uuid REFERENCES users (id),
    text            text NOT NULL DEFAULT '',
    attachments     jsonb NOT NULL DEFAULT '[]',
    buttons         jsonb NOT NULL DEFAULT '[]',
    payload         text NOT NULL DEFAULT '',
    external_id     text,
    delivery_status text NOT NULL DEFAULT 'NONE',
    -- Private notes are for the team only: never delivered, never shown to visitors.
    private         boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Ids are UUIDv7, so (conversation_id, id) is chronological.
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
CREATE UNIQUE INDEX messages_external_key ON messages (conversation_id, external_id) WHERE external_id IS NOT NULL;

-- The event log. txid is the writing transaction's id: readers only return
-- events of transactions older than the oldest one still running
-- (pg_snapshot_xmin), so an event can never appear behind a cursor that a
-- subscriber has already passed, however commits interleave.
CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      uuid REFERENCES messages (id) ON DELETE CASCADE,
    actor_user_id   uuid,
    type            text NOT NULL,
    -- Events a visitor must not see (private notes, internal assignment).
    private         boolean NOT NULL DEFAULT false,
    payload         jsonb NOT NULL DEFAULT '{}',
    occurred_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_log_idx ON events (txid, id);
CREATE INDEX events_org_idx ON events (organization_id, txid, id);
CREATE INDEX events_conversation_idx ON events (conversation_id, txid, id);
