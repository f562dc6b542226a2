//! Pure business rules: no HTTP, no SQL. Everything here is unit-tested in place.

pub mod access;
pub mod skill;
pub mod throttle;
