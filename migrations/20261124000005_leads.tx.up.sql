-- Scenario 1, lead qualification: each organisation's price list and
-- qualification rules, the leads the bot qualifies, and the calls it books.

-- One row per organisation; no row means the defaults (lead.Settings).
CREATE TABLE lead_settings (
    organization_id         uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- [{name, keywords, priceFrom, priceTo, currency}], validated in Go.
    price_list              jsonb NOT NULL DEFAULT '[]',
    minimum_budget_amount   numeric CHECK (minimum_budget_amount >= 0),
    minimum_budget_currency text CHECK (minimum_budget_currency ~ '^[A-Z]{3}$'),
    qualify_within_days     integer NOT NULL DEFAULT 30 CHECK (qualify_within_days BETWEEN 1 AND 365),
    -- [{weekday, opens, closes}], the shape of organization.BusinessHours.
    consultation_hours      jsonb NOT NULL DEFAULT '[]',
    slot_minutes            integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 5 AND 480),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((minimum_budget_amount IS NULL) = (minimum_budget_currency IS NULL))
);

-- A lead is the qualification state of one customer conversation.
CREATE TABLE leads (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id   uuid NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id        uuid REFERENCES contacts (id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'NEW'
                      CHECK (status IN ('NEW', 'QUALIFYING', 'QUALIFIED', 'UNQUALIFIED', 'WON', 'LOST')),
    budget_amount     numeric CHECK (budget_amount >= 0),
    budget_currency   text NOT NULL DEFAULT '',
    -- "month" or "year" for a recurring budget, else ''.
    budget_per        text NOT NULL DEFAULT '',
    need              text NOT NULL DEFAULT '',
    city              text NOT NULL DEFAULT '',
    start_date        date,
    preferred_contact text NOT NULL DEFAULT '',
    channel           text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_org_idx ON leads (organization_id, created_at DESC, id DESC);
CREATE INDEX leads_org_status_idx ON leads (organization_id, status, created_at DESC, id DESC);

-- A call booked with a qualified lead in one of the consultation slots.
CREATE TABLE meetings (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id         uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'BOOKED' CHECK (status IN ('BOOKED', 'CANCELLED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
-- One slot cannot be booked twice, however two conversations race for it.
CREATE UNIQUE INDEX meetings_slot_key ON meetings (organization_id, starts_at) WHERE status = 'BOOKED';
CREATE INDEX meetings_lead_idx ON meetings (lead_id, starts_at);
