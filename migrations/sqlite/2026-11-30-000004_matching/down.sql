ALTER TABLE bids DROP COLUMN value_chain;
DROP TABLE partner_projects;
