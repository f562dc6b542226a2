//! ose-api: the HTTP/JSON backend of a one-stop shop for open source expertise.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod seed;
pub mod service;
pub mod state;
