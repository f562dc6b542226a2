//! Authentication and authorisation: tokens, password hashes, and the principal a
//! request acts as.

pub mod jwt;
pub mod login;
pub mod password;
pub mod principal;

pub use principal::{MaybePrincipal, Principal, PrincipalKind};
