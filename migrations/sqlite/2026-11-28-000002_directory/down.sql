-- Rebuild users and API clients without their foreign keys, then drop the directory.
DROP INDEX api_clients_buyer;
DROP INDEX api_clients_partner;
DROP INDEX users_buyer;
DROP INDEX users_partner;
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'partner', 'buyer')),
    partner_id TEXT,
    buyer_id TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO users_new SELECT id, email, password_hash, role, partner_id, buyer_id, active,
    token_generation, created_at, updated_at, version FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE api_clients_new (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'partner', 'buyer')),
    partner_id TEXT,
    buyer_id TEXT,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO api_clients_new SELECT id, client_id, name, secret_hash, role, partner_id,
    buyer_id, revoked_at, created_at, updated_at, version FROM api_clients;
DROP TABLE api_clients;
ALTER TABLE api_clients_new RENAME TO api_clients;
DROP TABLE project_skills;
DROP TABLE projects;
DROP TABLE partner_skills;
DROP TABLE buyers;
DROP TABLE partners;
ALTER TABLE skills DROP COLUMN search_text;
