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
