//! SPDX license expressions: validation against the SPDX license list, and the license
//! ids an expression names (so projects can be found by license).

use spdx::{Expression, LicenseItem, ParseMode};

/// The SPDX license list version the expressions are checked against.
pub const SPDX_LIST_VERSION: &str = spdx::identifiers::VERSION;

/// A valid expression, as given, and the distinct license ids it names in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub expression: String,
    pub ids: Vec<String>,
}

/// Parses `expression` strictly: ids from the SPDX list (case-sensitive, none deprecated),
/// `LicenseRef-` references, `AND`/`OR`/`WITH` and parentheses. The error says what is
/// wrong and where.
pub fn parse(expression: &str) -> Result<License, String> {
    let trimmed = expression.trim();
    let parsed = Expression::parse_mode(trimmed, ParseMode::STRICT).map_err(|e| {
        let term = trimmed.get(e.span.clone()).unwrap_or_default();
        if term.is_empty() {
            format!("not an SPDX license expression: {}", e.reason)
        } else {
            format!(
                "not an SPDX license expression: {} at `{term}` (SPDX list {SPDX_LIST_VERSION})",
                e.reason
            )
        }
    })?;
    let mut ids: Vec<String> = Vec::new();
    for requirement in parsed.requirements() {
        let id = match &requirement.req.license {
            LicenseItem::Spdx { id, .. } => id.name.to_owned(),
            LicenseItem::Other(reference) => reference.to_string(),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(License {
        expression: trimmed.to_owned(),
        ids,
    })
}

/// The id as the SPDX list spells it (`mit` → `MIT`), since SPDX ids match regardless of
/// case; `LicenseRef-` ids are kept as given. `None` for anything else.
/// Whether `id` has the shape of one SPDX license id (`idstring`, with `+` for "or
/// later"): no spaces, no operators, no parentheses.
pub fn is_id_syntax(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
}

pub fn canonical_id(id: &str) -> Option<String> {
    let id = id.trim();
    if id.starts_with("LicenseRef-") && id.len() > "LicenseRef-".len() {
        return Some(id.to_owned());
    }
    spdx::identifiers::LICENSES
        .iter()
        .find(|license| license.name.eq_ignore_ascii_case(id))
        .map(|license| license.name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ids_and_compound_expressions_are_accepted() {
        assert_eq!(parse("PostgreSQL").unwrap().ids, ["PostgreSQL"]);
        assert_eq!(
            parse("MIT OR Apache-2.0").unwrap().ids,
            ["MIT", "Apache-2.0"]
        );
        let ocaml = parse("LGPL-2.1-only WITH OCaml-LGPL-linking-exception").unwrap();
        assert_eq!(ocaml.ids, ["LGPL-2.1-only"]);
        let nested = parse(" (MIT OR Apache-2.0) AND (BSD-3-Clause OR MIT) ").unwrap();
        assert_eq!(
            nested.expression,
            "(MIT OR Apache-2.0) AND (BSD-3-Clause OR MIT)"
        );
        assert_eq!(nested.ids, ["MIT", "Apache-2.0", "BSD-3-Clause"]);
        assert_eq!(
            parse("LicenseRef-Acme-1.0").unwrap().ids,
            ["LicenseRef-Acme-1.0"]
        );
    }

    #[test]
    fn ids_are_found_whatever_their_case() {
        assert_eq!(canonical_id("mit").as_deref(), Some("MIT"));
        assert_eq!(canonical_id(" apache-2.0 ").as_deref(), Some("Apache-2.0"));
        assert_eq!(
            canonical_id("LicenseRef-Acme").as_deref(),
            Some("LicenseRef-Acme")
        );
        assert_eq!(canonical_id("Nope-1.0"), None);
        assert_eq!(canonical_id("LicenseRef-"), None);
    }

    #[test]
    fn unknown_ids_bad_syntax_and_deprecated_ids_are_refused() {
        for bad in [
            "",
            "Nope-1.0",
            "mit",
            "MIT OR",
            "(MIT",
            "MIT AND AND Apache-2.0",
            "GPL-2.0+",
            "MIT WITH Nope-exception",
            "MIT / Apache-2.0",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
        let error = parse("MIT OR Nope-1.0").unwrap_err();
        assert!(error.contains("`Nope-1.0`"), "{error}");
    }
}
