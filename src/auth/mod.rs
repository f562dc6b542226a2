//! Authentication: tokens, password hashes, and the principal a request acts as.

pub mod jwt;
pub mod password;
pub mod principal;

pub use crate::domain::access::{Principal, PrincipalKind};
pub use principal::MaybePrincipal;
