-- Unseen events and email digests. Never content: who, what kind, how many, when.
CREATE SCHEMA IF NOT EXISTS notify;

-- A user's digest preferences; a user without a row has the defaults (hourly, UTC, no quiet hours).
CREATE TABLE notify.digest_settings (
    user_id         uuid PRIMARY KEY REFERENCES accounts."AspNetUsers" ("Id") ON DELETE CASCADE,
    frequency       text        NOT NULL DEFAULT 'hourly' CHECK (frequency IN ('off', 'quarter-hour', 'hourly', 'daily')),
    daily_at        time        NOT NULL DEFAULT '08:00',
    quiet_from      time        NULL,
    quiet_until     time        NULL,
    time_zone       text        NOT NULL DEFAULT 'UTC',
    unsubscribed_at timestamptz NULL,
    last_digest_at  timestamptz NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One open row per (user, contact, kind): the idempotency key of an unseen event. The count is set, not added,
-- so a retried report never makes two. notified_count is how many of them a digest has already told about;
-- waiting_since is when the oldest item not yet told about arrived (null when none is waiting).
-- seen_at closes the row: a device of the user received what waited, or the contact withdrew it.
CREATE TABLE notify.unseen_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        uuid        NOT NULL,
    contact_id     uuid        NOT NULL,
    kind           text        NOT NULL,
    count          integer     NOT NULL CHECK (count >= 0),
    notified_count integer     NOT NULL DEFAULT 0 CHECK (notified_count >= 0),
    first_at       timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    waiting_since  timestamptz NULL,
    seen_at        timestamptz NULL
);
CREATE UNIQUE INDEX unseen_events_open ON notify.unseen_events (user_id, contact_id, kind) WHERE seen_at IS NULL;
CREATE INDEX unseen_events_waiting ON notify.unseen_events (waiting_since) WHERE seen_at IS NULL AND waiting_since IS NOT NULL;

-- Every digest: 'claimed' with the counts it will tell about (a batch at a time), 'sending' from just before
-- its SMTP send, 'sent' after the server took it. A pass that dies leaves 'claimed' digests, which are simply
-- released, and at most one 'sending' digest, which may or may not have left: it is settled 'in-doubt' and
-- never sent again (see DigestPass).
CREATE TABLE notify.digests (
    id         uuid PRIMARY KEY,
    user_id    uuid        NOT NULL,
    status     text        NOT NULL CHECK (status IN ('claimed', 'sending', 'sent', 'in-doubt')),
    claimed_at timestamptz NOT NULL,
    settled_at timestamptz NULL
);
CREATE UNIQUE INDEX digests_one_in_flight ON notify.digests (user_id) WHERE status IN ('claimed', 'sending');
CREATE INDEX digests_by_user ON notify.digests (user_id, claimed_at);

-- What a digest told about: each event up to which count.
CREATE TABLE notify.digest_items (
    digest_id     uuid    NOT NULL REFERENCES notify.digests (id) ON DELETE CASCADE,
    event_id      bigint  NOT NULL REFERENCES notify.unseen_events (id) ON DELETE CASCADE,
    count_through integer NOT NULL,
    PRIMARY KEY (digest_id, event_id)
);
