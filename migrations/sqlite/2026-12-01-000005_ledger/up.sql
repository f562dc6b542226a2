-- The revenue-share ledger: each contract's agreement, double-entry accounts with their
-- stored balances, the hash-chained transactions and their postings, the chain's head
-- (the one row every posting transaction locks, then advances), and signed checkpoints.
CREATE TABLE revenue_shares (
    contract_id TEXT PRIMARY KEY NOT NULL REFERENCES contracts (id),
    platform_fee_bps INTEGER NOT NULL CHECK (platform_fee_bps BETWEEN 0 AND 10000),
    upstream_bps INTEGER NOT NULL CHECK (upstream_bps BETWEEN 0 AND 10000),
    -- Set by the first posting on the contract: from then on the agreement is history.
    frozen BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (platform_fee_bps + upstream_bps <= 10000)
);

CREATE TABLE revenue_share_projects (
    contract_id TEXT NOT NULL REFERENCES revenue_shares (contract_id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id),
    position INTEGER NOT NULL,
    weight INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 1000),
    PRIMARY KEY (contract_id, project_id)
);

CREATE TABLE revenue_share_members (
    contract_id TEXT NOT NULL REFERENCES revenue_shares (contract_id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    position INTEGER NOT NULL,
    share_bps INTEGER NOT NULL CHECK (share_bps BETWEEN 1 AND 10000),
    PRIMARY KEY (contract_id, partner_id)
);

-- Contracts awarded before the ledger existed get the agreement an award makes now, with
-- the default fee and upstream part (500 and 300 bps; an admin may change them until the
-- first payment): the bid's members and shares, and the projects linked to the lot's
-- required skills, weighted by those skills' weights, the heaviest 50.
INSERT INTO revenue_shares (contract_id, platform_fee_bps, upstream_bps, frozen, created_at, updated_at, version)
SELECT id, 500, 300, FALSE, created_at, created_at, 1 FROM contracts;
INSERT INTO revenue_share_members (contract_id, partner_id, position, share_bps)
SELECT contract_id, partner_id, position, share_bps FROM contract_members;
INSERT INTO revenue_share_projects (contract_id, project_id, position, weight)
SELECT contract_id, project_id, position, weight FROM (
    SELECT c.id AS contract_id, ps.project_id AS project_id,
           CAST(ROW_NUMBER() OVER (
               PARTITION BY c.id ORDER BY SUM(ls.weight) DESC, ps.project_id
           ) - 1 AS INTEGER) AS position,
           CAST(CASE WHEN SUM(ls.weight) > 1000 THEN 1000 ELSE SUM(ls.weight) END AS INTEGER) AS weight
    FROM contracts c
    JOIN lot_skills ls ON ls.lot_id = c.lot_id
    JOIN project_skills ps ON ps.skill_id = ls.skill_id
    GROUP BY c.id, ps.project_id
) ranked
WHERE position < 50;

CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('cash', 'platform_fees', 'partner_payable', 'project_fund', 'buyer_receivable')),
    -- The partner, project or buyer; none for the network's own accounts.
    owner_id TEXT,
    currency TEXT NOT NULL,
    -- kind, owner and currency in one text: an account exists once.
    account_key TEXT NOT NULL UNIQUE,
    -- On the account's normal side; no posting ever takes it below zero.
    balance_minor BIGINT NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
    -- How many postings the balance sums.
    entries INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((kind IN ('cash', 'platform_fees')) = (owner_id IS NULL))
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_id, id);

CREATE TABLE ledger_transactions (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL UNIQUE CHECK (seq >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('payment', 'payout', 'reversal')),
    contract_id TEXT REFERENCES contracts (id),
    -- A transaction is reversed at most once.
    reverses_id TEXT UNIQUE REFERENCES ledger_transactions (id),
    reference TEXT NOT NULL,
    received_on DATE,
    recorded_at TIMESTAMP NOT NULL,
    -- The user or API client who posted it.
    recorded_by TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
);
CREATE INDEX ledger_transactions_contract ON ledger_transactions (contract_id, seq);
CREATE INDEX ledger_transactions_recorded ON ledger_transactions (recorded_at);

CREATE TABLE ledger_postings (
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    position INTEGER NOT NULL,
    account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    direction TEXT NOT NULL CHECK (direction IN ('debit', 'credit')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor BETWEEN 1 AND 9007199254740991),
    currency TEXT NOT NULL,
    -- The transaction's seq, and the account's balance once this posting applied:
    -- statements page and show running balances without summing history.
    seq BIGINT NOT NULL,
    balance_after_minor BIGINT NOT NULL,
    PRIMARY KEY (transaction_id, position)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id, seq);
-- A transaction's postings by its place in the chain: the head's check and verification.
CREATE INDEX ledger_postings_seq ON ledger_postings (seq);

CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The database's own check of the double-entry rule: the head advances one transaction
-- at a time, onto a transaction with at least two postings that balance per currency.
CREATE TRIGGER ledger_head_advances BEFORE UPDATE ON ledger_head
BEGIN
    SELECT RAISE(ABORT, 'the ledger head advances by one transaction at a time')
    WHERE NEW.seq <> OLD.seq + 1
       OR NEW.hash IS NOT (SELECT hash FROM ledger_transactions WHERE seq = NEW.seq);
    SELECT RAISE(ABORT, 'unbalanced ledger transaction')
    WHERE (SELECT COUNT(*) FROM ledger_postings WHERE seq = NEW.seq) < 2
       OR EXISTS (
           SELECT 1 FROM ledger_postings WHERE seq = NEW.seq GROUP BY currency
           HAVING SUM(CASE direction WHEN 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
       );
END;

CREATE TABLE ledger_checkpoints (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
