-- Upstream contributions (who contributes to, maintains or publishes which project) and
-- the value-chain check recorded with each bid at its submission.
CREATE TABLE partner_projects (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- 'steward' mirrors projects.steward_partner_id, and is written with it in one
    -- transaction: partners claim 'contributor' or 'maintainer'.
    role TEXT NOT NULL CHECK (role IN ('contributor', 'maintainer', 'steward')),
    -- JSON array of URLs.
    evidence_urls TEXT NOT NULL DEFAULT '[]',
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at TIMESTAMP,
    -- The admin (user or API client) who verified it.
    verified_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (partner_id, project_id)
);
CREATE INDEX partner_projects_project ON partner_projects (project_id, partner_id);

-- Stewards named before this table existed; an admin named them, so they are verified.
INSERT INTO partner_projects
    (partner_id, project_id, role, evidence_urls, verified, verified_at, created_at, updated_at, version)
SELECT steward_partner_id, id, 'steward', json_build_array(repository_url)::TEXT, TRUE, updated_at, created_at, updated_at, 1
FROM projects
WHERE steward_partner_id IS NOT NULL;

-- The value-chain flags as JSON, computed when the bid is submitted.
ALTER TABLE bids ADD COLUMN value_chain TEXT;
