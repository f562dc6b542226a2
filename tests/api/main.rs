//! Integration tests: the real application, driven over HTTP semantics, on SQLite and,
//! when `TEST_DATABASE_URL` is set, on PostgreSQL (a schema per test).

mod api_clients;
mod auth;
mod bids;
mod buyers;
mod cli;
mod contract;
mod contracts;
mod conventions;
mod fixtures;
mod helpers;
mod idempotency;
mod ledger;
mod ledger_integrity;
mod matching;
mod openapi;
mod ops;
mod partner_projects;
mod partner_skills;
mod partners;
mod projects;
mod races;
mod schema;
mod skills;
mod tenders;
mod users;
