//! ose-api: the HTTP/JSON backend of a one-stop shop for open source expertise.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod logging;
pub mod open_files;
pub mod seed;
pub mod service;
pub mod state;
