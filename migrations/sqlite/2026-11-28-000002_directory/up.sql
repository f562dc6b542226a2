-- The partner directory: partners, buyers, upstream projects and partner skills.
CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- Case-folded name, computed by the application: the key of the name sort orders.
    name_key TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    siren TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
        CHECK (kind IN ('publisher', 'integrator', 'independent_expert', 'foundation', 'community')),
    membership TEXT NOT NULL CHECK (membership IN ('founding', 'member', 'supporter')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended')),
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    website TEXT,
    contact_email TEXT NOT NULL,
    region TEXT NOT NULL,
    headcount INTEGER CHECK (headcount >= 0),
    description TEXT NOT NULL DEFAULT '',
    -- Case-folded name, legal name and description, one per line: what `q` searches.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- Keysets of the four sort orders, and the equality filters.
CREATE INDEX partners_name_key ON partners (name_key, id);
CREATE INDEX partners_created ON partners (created_at, id);
CREATE INDEX partners_status ON partners (status, name_key);
CREATE INDEX partners_region ON partners (region);
CREATE INDEX partners_kind ON partners (kind);
CREATE INDEX partners_membership ON partners (membership);

CREATE TABLE buyers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    siret TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('public_body', 'private_company')),
    contact_email TEXT NOT NULL,
    -- Case-folded name: what `q` searches.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE partner_skills (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    -- 1 practitioner, 2 expert, 3 contributor, 4 maintainer: compared as numbers.
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    certified_experts INTEGER NOT NULL DEFAULT 0 CHECK (certified_experts >= 0),
    -- JSON array of URLs.
    evidence_urls TEXT NOT NULL DEFAULT '[]',
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at TIMESTAMP,
    -- The admin (user or API client) who verified it.
    verified_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (partner_id, skill_id)
);
-- The directory's skill filter: partners holding a skill at a level or above.
CREATE INDEX partner_skills_skill_level ON partner_skills (skill_id, level, partner_id);

CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    repository_url TEXT NOT NULL,
    website TEXT,
    -- The SPDX expression as given, and its license ids space-separated with a space
    -- at each end, so that `LIKE '% MIT %'` finds a license without matching MIT-0.
    license TEXT NOT NULL,
    license_ids TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    steward_partner_id TEXT REFERENCES partners (id),
    -- Case-folded slug, name and description, one per line: what `q` searches.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX projects_steward ON projects (steward_partner_id);

CREATE TABLE project_skills (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    skill_id TEXT NOT NULL REFERENCES skills (id),
    PRIMARY KEY (project_id, skill_id)
);
CREATE INDEX project_skills_skill ON project_skills (skill_id, project_id);

-- Skills are searched like the rest: on text the application folds. Existing rows get
-- the database's lower(), which the application replaces on their next write.
ALTER TABLE skills ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE skills SET search_text = lower(slug) || char(10) || lower(name) || char(10) || lower(description);

-- Users and API clients act for partners and buyers that exist. SQLite cannot add a
-- foreign key to a table, so both are rebuilt (nothing references them yet).
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'partner', 'buyer')),
    partner_id TEXT REFERENCES partners (id),
    buyer_id TEXT REFERENCES buyers (id),
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
    partner_id TEXT REFERENCES partners (id),
    buyer_id TEXT REFERENCES buyers (id),
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO api_clients_new SELECT id, client_id, name, secret_hash, role, partner_id,
    buyer_id, revoked_at, created_at, updated_at, version FROM api_clients;
DROP TABLE api_clients;
ALTER TABLE api_clients_new RENAME TO api_clients;
CREATE INDEX users_partner ON users (partner_id);
CREATE INDEX users_buyer ON users (buyer_id);
CREATE INDEX api_clients_partner ON api_clients (partner_id);
CREATE INDEX api_clients_buyer ON api_clients (buyer_id);
