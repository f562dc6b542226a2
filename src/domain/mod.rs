//! Pure business rules: no HTTP, no SQL. Everything here is unit-tested in place.

pub mod access;
pub mod bid;
pub mod checkpoint;
pub mod directory;
pub mod idempotency;
pub mod identifiers;
pub mod ledger;
pub mod license;
pub mod matching;
pub mod money;
pub mod search;
pub mod skill;
pub mod split;
pub mod tender;
pub mod throttle;
pub mod version;

/// A rule a request breaks, located in the request body (a JSON Pointer such as
/// `#/members/1/share_bps`), with a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub code: String,
    pub detail: String,
}

/// The code of a reference to something that does not exist.
pub const NOT_FOUND: &str = "not_found";

/// Codes of rules that the state of the network decides, not the request: what it names
/// does not exist, is not active, is in another currency, another lot or not submitted;
/// a user's stored role lacks or refuses an organisation. A request refused only by them
/// is well formed, and may be accepted later.
pub const STATE_CODES: &[&str] = &[
    NOT_FOUND,
    "inactive",
    "tender_currency",
    "other_lot",
    "not_submitted",
    "unbound",
    "role_mismatch",
    "not_member",
    "member_missing",
    "not_payable",
    "account_currency",
    "contract_currency",
];

impl Violation {
    pub fn depends_on_state(&self) -> bool {
        STATE_CODES.contains(&self.code.as_str())
    }

    pub fn at(pointer: impl Into<String>, code: &str, detail: impl Into<String>) -> Violation {
        Violation {
            pointer: pointer.into(),
            code: code.to_owned(),
            detail: detail.into(),
        }
    }
}

/// A closed set of values named by text, whatever the enum.
pub trait TextEnum: Sized {
    /// Every name, in declaration order.
    const NAMES: &'static [&'static str];
    fn parse(text: &str) -> Option<Self>;
}

/// A closed set of values sent as text: the enum, its names, and parsing back from a
/// name. The enum is a column type (`Text` unless `stored as` says otherwise); how it is
/// written and read back is the store's business (`src/db/types.rs`). Names are taken
/// as `tt`, not `literal`: a `literal` fragment reaches the derives wrapped in a group
/// that utoipa does not read as a rename, and the document listed the variant names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $crate::domain::text_enum! {
            $(#[$meta])* $name stored as Text { $($(#[$vmeta])* $variant = $text),+ }
        }
    };
    ($(#[$meta:meta])* $name:ident stored as $sql:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::$sql)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::domain::TextEnum for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];

            fn parse(text: &str) -> Option<$name> {
                $name::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;
