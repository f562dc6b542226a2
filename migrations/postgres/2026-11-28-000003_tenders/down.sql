DROP TABLE idempotency_keys;
DROP TABLE contract_members;
DROP TABLE contracts;
DROP TABLE bid_members;
DROP TABLE bids;
DROP TABLE lot_skills;
DROP TABLE lots;
DROP TABLE tenders;
