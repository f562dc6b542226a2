//! Roles and the organisation a principal acts for.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Partner,
    Buyer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Partner => "partner",
            Role::Buyer => "buyer",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "partner" => Some(Role::Partner),
            "buyer" => Some(Role::Buyer),
            _ => None,
        }
    }
}

/// Shortest password accepted for a user.
pub const MIN_PASSWORD_CHARS: u64 = 12;

/// Why a role and its organisation ids do not fit together; names the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingError {
    pub field: &'static str,
    pub code: &'static str,
    pub detail: &'static str,
}

/// A partner principal acts for exactly one partner, a buyer for one buyer, an admin
/// for none.
pub fn check_binding(
    role: Role,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> Result<(), BindingError> {
    let required = |field| BindingError {
        field,
        code: "required",
        detail: "required for this role",
    };
    let forbidden = |field| BindingError {
        field,
        code: "not_allowed",
        detail: "not allowed for this role",
    };
    match role {
        Role::Admin if partner_id.is_some() => Err(forbidden("partner_id")),
        Role::Admin if buyer_id.is_some() => Err(forbidden("buyer_id")),
        Role::Partner if partner_id.is_none() => Err(required("partner_id")),
        Role::Partner if buyer_id.is_some() => Err(forbidden("buyer_id")),
        Role::Buyer if buyer_id.is_none() => Err(required("buyer_id")),
        Role::Buyer if partner_id.is_some() => Err(forbidden("partner_id")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Admin, Role::Partner, Role::Buyer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_needs_exactly_its_organisation() {
        assert!(check_binding(Role::Admin, None, None).is_ok());
        assert!(check_binding(Role::Partner, Some("p"), None).is_ok());
        assert!(check_binding(Role::Buyer, None, Some("b")).is_ok());
        assert_eq!(
            check_binding(Role::Admin, Some("p"), None)
                .unwrap_err()
                .field,
            "partner_id"
        );
        assert_eq!(
            check_binding(Role::Admin, None, Some("b"))
                .unwrap_err()
                .field,
            "buyer_id"
        );
        assert_eq!(
            check_binding(Role::Partner, None, None).unwrap_err().code,
            "required"
        );
        assert_eq!(
            check_binding(Role::Partner, Some("p"), Some("b"))
                .unwrap_err()
                .field,
            "buyer_id"
        );
        assert_eq!(
            check_binding(Role::Buyer, None, None).unwrap_err().field,
            "buyer_id"
        );
        assert_eq!(
            check_binding(Role::Buyer, Some("p"), Some("b"))
                .unwrap_err()
                .field,
            "partner_id"
        );
    }
}
