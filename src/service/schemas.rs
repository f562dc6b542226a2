//! Named schemas for text the server checks against a table or a shape: the document
//! lists what the checks accept, read from the same tables, so the two cannot differ.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use super::validation::MAX_URL_CHARS;
use crate::domain::directory::REGIONS;
use crate::domain::money::CURRENCIES;

/// An ISO 3166-2:FR region code (`valid_region`).
pub struct Region;

impl PartialSchema for Region {
    fn schema() -> RefOr<Schema> {
        let names: Vec<String> = REGIONS
            .iter()
            .map(|(code, name)| format!("`{code}` {name}"))
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(REGIONS.iter().map(|(code, _)| *code)))
            .description(Some(format!(
                "ISO 3166-2:FR region code: {}.",
                names.join(", ")
            )))
            .examples(["FR-IDF"])
            .into()
    }
}

impl ToSchema for Region {}

/// An ISO 4217 currency code (`valid_currency`).
pub struct Currency;

impl PartialSchema for Currency {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(CURRENCIES.iter().copied()))
            .description(Some("ISO 4217 currency code."))
            .examples(["EUR"])
            .into()
    }
}

impl ToSchema for Currency {}

/// An absolute http(s) URL (`web_url`).
pub struct WebUrl;

impl PartialSchema for WebUrl {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("uri".to_owned())))
            .max_length(Some(MAX_URL_CHARS))
            .pattern(Some("^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]"))
            .description(Some("An absolute http or https URL."))
            .examples(["https://www.postgresql.org/"])
            .into()
    }
}

impl ToSchema for WebUrl {}

/// Longest partner id a list may name; ids this API issues are far shorter.
pub const MAX_REF_CHARS: usize = 100;

/// A partner named by its id in a list (`partner_refs`): an id that names no partner is
/// answered by the operation, never refused as malformed.
pub struct PartnerRef;

impl PartialSchema for PartnerRef {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_REF_CHARS))
            .description(Some("A partner's id."))
            .examples(["0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa"])
            .into()
    }
}

impl ToSchema for PartnerRef {}
