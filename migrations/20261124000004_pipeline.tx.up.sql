-- The event pipeline: every inbound message is processed exactly once by a
-- job enqueued in the transaction that stored it.

-- processed_at is set in the same transaction as the bot's reply, so a job
-- that runs twice (concurrently, or again after a crash) finds it set and
-- does nothing: one reply per inbound message.
ALTER TABLE messages ADD COLUMN processed_at timestamptz;
-- The built-in classifier's verdict on an inbound message.
ALTER TABLE messages ADD COLUMN classification jsonb;

-- Consecutive clarifying questions asked without an understood answer; the
-- fallback ladder hands off instead of asking twice.
ALTER TABLE conversations ADD COLUMN clarifications integer NOT NULL DEFAULT 0;
-- When the bot first introduced itself (the disclosure line).
ALTER TABLE conversations ADD COLUMN disclosed_at timestamptz;

-- "Stop" / "не пишите": no follow-up of any scenario reaches this contact.
ALTER TABLE contacts ADD COLUMN opted_out_at timestamptz;

-- A scenario run: the contract a conversation is working through.
CREATE TABLE scenario_runs (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    scenario        text NOT NULL,
    state           text NOT NULL,
    fields          jsonb NOT NULL DEFAULT '{}',
    outcome         text CHECK (outcome IN ('DONE', 'HANDED_OFF', 'ABANDONED', 'CLOSED')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK ((outcome IS NULL) = (finished_at IS NULL))
);
-- At most one active run per conversation.
CREATE UNIQUE INDEX scenario_runs_active_key ON scenario_runs (conversation_id) WHERE outcome IS NULL;
CREATE INDEX scenario_runs_org_idx ON scenario_runs (organization_id, scenario, finished_at);
