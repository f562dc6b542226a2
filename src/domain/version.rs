//! Optimistic concurrency: the tag naming a resource at a version, and what a writer's
//! `If-Match` expectation allows.

/// The opaque tag of a resource at a version; ids keep tags of different resources apart.
pub fn tag(id: &str, version: i32) -> String {
    format!("{id}.{version}")
}

/// The version a writer expects to change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Expected {
    /// The writer named no version: its change applies to whatever is current.
    #[default]
    Any,
    /// `If-Match: *`: any existing version, but the resource must exist.
    Existing,
    /// One of these tags must be the current one.
    OneOf(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The resource is at another version than the writer expected.
    Stale,
    /// The operation needs the writer to name the version it read.
    Required,
}

impl Expected {
    /// Whether a write expecting this may change the resource now tagged `current`;
    /// `required` operations refuse writers that named no version.
    pub fn admits(&self, current: &str, required: bool) -> Result<(), Mismatch> {
        match self {
            Expected::Any if required => Err(Mismatch::Required),
            Expected::Any | Expected::Existing => Ok(()),
            Expected::OneOf(tags) if tags.iter().any(|tag| tag == current) => Ok(()),
            Expected::OneOf(_) => Err(Mismatch::Stale),
        }
    }

    /// Whether the writer named a version (and so may be told it is stale).
    pub fn is_conditional(&self) -> bool {
        !matches!(self, Expected::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_without_expectation_is_never_stale() {
        assert_eq!(Expected::Any.admits("a.7", false), Ok(()));
        assert_eq!(Expected::Any.admits("a.7", true), Err(Mismatch::Required));
        assert_eq!(Expected::Existing.admits("a.7", true), Ok(()));
        let named = Expected::OneOf(vec![tag("a", 6), tag("a", 7)]);
        assert_eq!(named.admits("a.7", true), Ok(()));
        assert_eq!(named.admits("a.8", false), Err(Mismatch::Stale));
        assert!(!Expected::Any.is_conditional() && Expected::Existing.is_conditional());
    }
}
