//! Checking input: validator findings turned into JSON-pointer violations, and the
//! custom field rules that request types share.

use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::patch::Given;
use super::{ServiceError, ServiceResult};
use crate::domain::{TextEnum, Violation, money};

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Invalid(violations(&errors))
    }
}

/// One violation per invalid field (its first failure), nested structs and lists
/// included, in document order.
pub fn violations(errors: &ValidationErrors) -> Vec<Violation> {
    let mut found = Vec::new();
    collect(String::from("#"), errors, &mut found);
    found.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    found.dedup_by(|a, b| a.pointer == b.pointer);
    found
}

/// The findings of `body`'s own rules, to be reported with those of other checks.
pub fn findings_of(body: &impl Validate) -> Vec<Violation> {
    body.validate()
        .err()
        .map(|errors| violations(&errors))
        .unwrap_or_default()
}

/// Validates `body` and adds the findings of rules that span fields, so that one 422
/// lists every bad field at once.
pub fn validate_with(body: &impl Validate, cross_field: Vec<Violation>) -> ServiceResult<()> {
    let mut found = findings_of(body);
    found.extend(cross_field);
    if found.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(found))
    }
}

fn collect(prefix: String, errors: &ValidationErrors, out: &mut Vec<Violation>) {
    for (field, kind) in errors.errors() {
        let pointer = format!("{prefix}/{field}");
        match kind {
            ValidationErrorsKind::Field(list) => {
                if let Some(first) = list.first() {
                    out.push(Violation::at(pointer, &first.code, describe(first)));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(pointer, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(format!("{pointer}/{index}"), inner, out);
                }
            }
        }
    }
}

fn describe(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "length" => {
            // Lists are counted in items, text in characters.
            let unit = match error.params.get("value") {
                Some(serde_json::Value::Array(_)) => "items",
                _ => "characters",
            };
            match (param("min"), param("max")) {
                (Some(min), Some(max)) => format!("must have {min} to {max} {unit}"),
                (Some(min), None) => format!("must have at least {min} {unit}"),
                (None, Some(max)) => format!("must have at most {max} {unit}"),
                _ => "has the wrong length".to_owned(),
            }
        }
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".to_owned(),
        },
        "email" => "must be an email address".to_owned(),
        "url" => "must be an absolute URL".to_owned(),
        code => format!("is invalid ({code})"),
    }
}

/// A name that validation has already checked (`one_of`), as its enum; failing here is
/// a bug, never a default.
pub fn checked<T: TextEnum>(name: &str) -> ServiceResult<T> {
    T::parse(name).ok_or_else(|| {
        ServiceError::Internal(format!("`{name}` passed validation but names no value"))
    })
}

/// A `validator` check with a fixed code and message, for custom rules.
pub fn invalid(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// Runs `rule` on the text a field was given, if any (a plain field always is; a
/// [`Patch`](super::patch::Patch) only when sent with a value).
pub fn on_text(
    value: &(impl Given<str> + ?Sized),
    rule: impl FnOnce(&str) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    value.given().map_or(Ok(()), rule)
}

/// A text field holding one of the names of `T` (a closed set such as a kind or status).
pub fn one_of<T: TextEnum>(value: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(value, |text| {
        if T::parse(text).is_some() {
            Ok(())
        } else {
            Err(ValidationError::new("enum")
                .with_message(format!("must be one of: {}", T::NAMES.join(", ")).into()))
        }
    })
}

/// An ISO 4217 currency code a contract can be paid in.
pub fn valid_currency(code: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(code, |code| {
        if money::is_currency(code) {
            Ok(())
        } else {
            Err(invalid(
                "currency",
                "must be an ISO 4217 currency code such as EUR",
            ))
        }
    })
}

/// A field that must say something: not empty, not only spaces.
pub fn non_blank(value: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(value, |text| {
        if text.trim().is_empty() {
            Err(invalid("blank", "must not be blank"))
        } else {
            Ok(())
        }
    })
}

/// Longest URL accepted in any field.
pub const MAX_URL_CHARS: usize = 2000;

/// Each URL of the list `field` that [`web_url`] refuses, at its index.
pub fn url_violations(field: &str, urls: &[String]) -> Vec<Violation> {
    urls.iter()
        .enumerate()
        .filter_map(|(index, url)| {
            web_url(url).err().map(|e| {
                Violation::at(
                    format!("#/{field}/{index}"),
                    &e.code,
                    e.message.map(|m| m.to_string()).unwrap_or_default(),
                )
            })
        })
        .collect()
}

/// An absolute `http` or `https` URL with a host: the only links worth following from a
/// profile (no `javascript:`, `file:` or relative references).
pub fn web_url(value: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(value, |text| {
        let parsed = url::Url::parse(text).ok().filter(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty())
        });
        if parsed.is_some() && text.len() <= MAX_URL_CHARS {
            Ok(())
        } else {
            Err(invalid(
                "url",
                "must be an absolute http(s) URL of at most 2000 characters",
            ))
        }
    })
}

/// Organisation ids are the API's opaque ids (UUIDs).
pub fn valid_id(value: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(value, |text| {
        uuid::Uuid::parse_str(text)
            .map(drop)
            .map_err(|_| invalid("format", "must be an id issued by this API"))
    })
}
