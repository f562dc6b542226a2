-- Tenders with their lots, consortium bids, contracts, and the idempotency keys that
-- make retried POSTs safe.
CREATE TABLE tenders (
    id TEXT PRIMARY KEY NOT NULL,
    buyer_id TEXT NOT NULL REFERENCES buyers (id),
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    procedure TEXT NOT NULL CHECK (procedure IN ('open', 'restricted', 'negotiated', 'framework')),
    currency TEXT NOT NULL,
    estimated_value_minor BIGINT NOT NULL CHECK (estimated_value_minor >= 0),
    submission_deadline TIMESTAMP NOT NULL,
    -- As stored; a published tender past its deadline is read as `evaluation`.
    status TEXT NOT NULL
        CHECK (status IN ('draft', 'published', 'evaluation', 'awarded', 'unsuccessful', 'cancelled')),
    -- Set once published: from then on the tender is public.
    published_at TIMESTAMP,
    closed_at TIMESTAMP,
    -- Case-folded reference, title and description, one per line: what `q` searches.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (buyer_id, reference)
);
CREATE INDEX tenders_status_deadline ON tenders (status, submission_deadline);
CREATE INDEX tenders_deadline ON tenders (submission_deadline);

CREATE TABLE lots (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    estimated_value_minor BIGINT NOT NULL CHECK (estimated_value_minor >= 0),
    UNIQUE (tender_id, position)
);

CREATE TABLE lot_skills (
    lot_id TEXT NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    position INTEGER NOT NULL,
    -- A skill level rank, 1 practitioner to 4 maintainer.
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 4),
    weight INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 10),
    PRIMARY KEY (lot_id, skill_id)
);
-- The tender list's skill filter.
CREATE INDEX lot_skills_skill ON lot_skills (skill_id, lot_id);

CREATE TABLE bids (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    lot_id TEXT NOT NULL REFERENCES lots (id),
    lead_partner_id TEXT NOT NULL REFERENCES partners (id),
    price_minor BIGINT NOT NULL CHECK (price_minor > 0),
    currency TEXT NOT NULL,
    technical_summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL
        CHECK (status IN ('draft', 'submitted', 'awarded', 'rejected', 'withdrawn')),
    submitted_at TIMESTAMP,
    -- `lot_id/lead_partner_id` while the bid is live (draft or submitted), NULL after:
    -- the unique index allows one live bid per lead per lot, and any number of old ones.
    live_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX bids_tender ON bids (tender_id, status);
CREATE INDEX bids_lot ON bids (lot_id, status);

CREATE TABLE bid_members (
    bid_id TEXT NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    position INTEGER NOT NULL,
    share_bps INTEGER NOT NULL CHECK (share_bps BETWEEN 1 AND 10000),
    -- pending, confirmed or declined; the lead is confirmed from the start.
    response TEXT NOT NULL CHECK (response IN ('pending', 'confirmed', 'declined')),
    responded_at TIMESTAMP,
    PRIMARY KEY (bid_id, partner_id)
);
CREATE INDEX bid_members_partner ON bid_members (partner_id, bid_id);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    -- One contract per lot and per bid: a lot is never awarded twice.
    lot_id TEXT NOT NULL UNIQUE REFERENCES lots (id),
    bid_id TEXT NOT NULL UNIQUE REFERENCES bids (id),
    buyer_id TEXT NOT NULL REFERENCES buyers (id),
    value_minor BIGINT NOT NULL CHECK (value_minor > 0),
    currency TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contracts_buyer ON contracts (buyer_id, id);
CREATE INDEX contracts_tender ON contracts (tender_id);

CREATE TABLE contract_members (
    contract_id TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    position INTEGER NOT NULL,
    share_bps INTEGER NOT NULL CHECK (share_bps BETWEEN 1 AND 10000),
    PRIMARY KEY (contract_id, partner_id)
);
CREATE INDEX contract_members_partner ON contract_members (partner_id, contract_id);

CREATE TABLE idempotency_keys (
    -- The caller (`user:ID` or `api_client:ID`): keys of different callers never meet.
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint TEXT NOT NULL,
    -- in_flight until the first request ends; completed with its answer after.
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    response_status INTEGER,
    -- JSON object of the headers replayed (Location, ETag).
    response_headers TEXT,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
