//! `Patch<T>`: one member of a partial update, absent (leave it) or given (set it). A
//! nullable member is a `Patch<Option<T>>`, where `null` is given as `None` (clear it);
//! on any other member `null` is refused like any wrong type, never read as "unchanged".
//! The validator rules of `T` apply to a given value. A request type declares each
//! member `#[serde(default)]` (absent unless sent) and documents it as what it holds,
//! `#[schema(value_type = T)]`.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use validator::{Validate, ValidateEmail, ValidateLength, ValidateRange, ValidationErrors};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Given(T),
}

impl<T> Patch<T> {
    pub fn as_given(&self) -> Option<&T> {
        match self {
            Patch::Absent => None,
            Patch::Given(value) => Some(value),
        }
    }

    pub fn is_given(&self) -> bool {
        matches!(self, Patch::Given(_))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// Called only for members present in the body (request types default the others):
    /// present means given, `null` included where `T` reads it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Patch::Given)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_given().serialize(serializer)
    }
}

/// The value a field holds for a rule to check, if any: plain fields always hold one, a
/// `Patch` only when given (and a nullable one only when given a value).
pub trait Given<V: ?Sized> {
    fn given(&self) -> Option<&V>;
}

impl Given<str> for str {
    fn given(&self) -> Option<&str> {
        Some(self)
    }
}

impl Given<str> for String {
    fn given(&self) -> Option<&str> {
        Some(self)
    }
}

impl Given<chrono::DateTime<chrono::FixedOffset>> for chrono::DateTime<chrono::FixedOffset> {
    fn given(&self) -> Option<&chrono::DateTime<chrono::FixedOffset>> {
        Some(self)
    }
}

impl<V: ?Sized, T: Given<V> + ?Sized> Given<V> for &T {
    fn given(&self) -> Option<&V> {
        (**self).given()
    }
}

impl<V: ?Sized, T: Given<V>> Given<V> for Option<T> {
    fn given(&self) -> Option<&V> {
        self.as_ref().and_then(Given::given)
    }
}

impl<V: ?Sized, T: Given<V>> Given<V> for Patch<T> {
    fn given(&self) -> Option<&V> {
        self.as_given().and_then(Given::given)
    }
}

impl<T: ValidateLength<u64>> ValidateLength<u64> for Patch<T> {
    fn length(&self) -> Option<u64> {
        self.as_given().and_then(ValidateLength::length)
    }
}

impl<N, T: ValidateRange<N>> ValidateRange<N> for Patch<T> {
    fn greater_than(&self, max: N) -> Option<bool> {
        self.as_given().and_then(|value| value.greater_than(max))
    }

    fn less_than(&self, min: N) -> Option<bool> {
        self.as_given().and_then(|value| value.less_than(min))
    }
}

impl<T: ValidateEmail> ValidateEmail for Patch<T> {
    fn as_email_string(&self) -> Option<Cow<'_, str>> {
        self.as_given().and_then(ValidateEmail::as_email_string)
    }
}

impl<T: Validate> Validate for Patch<T> {
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.as_given().map_or(Ok(()), Validate::validate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[validate(length(max = 3))]
        #[serde(default)]
        name: Patch<String>,
        #[validate(range(min = 1))]
        #[serde(default)]
        count: Patch<i32>,
        #[serde(default)]
        note: Patch<Option<String>>,
    }

    fn read(json: &str) -> Result<Sample, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn absent_given_and_null_are_told_apart() {
        let sample = read("{}").expect("empty patch");
        assert_eq!(sample.name, Patch::Absent);
        assert_eq!(sample.note, Patch::Absent);
        let sample = read(r#"{"name": "abc", "note": null}"#).expect("patch");
        assert_eq!(sample.name, Patch::Given("abc".to_owned()));
        assert_eq!(sample.note, Patch::Given(None));
        assert!(read(r#"{"name": null}"#).is_err(), "null is not a name");
    }

    #[test]
    fn rules_apply_to_given_values_only() {
        assert!(read("{}").expect("patch").validate().is_ok());
        let too_long = read(r#"{"name": "abcd", "count": 0}"#).expect("patch");
        let errors = too_long.validate().expect_err("invalid");
        assert!(errors.field_errors().contains_key("name"));
        assert!(errors.field_errors().contains_key("count"));
    }
}
