//! Case-folded text for searching and sorting. Folded here rather than by SQL `lower()`,
//! which folds only ASCII on SQLite, so both databases compare the same strings.

/// `text` without surrounding spaces, in lower case (beyond ASCII: "Évry" → "évry").
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The folded `parts`, one per line: what a case-insensitive substring search reads.
pub fn search_text(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| fold(part))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_goes_beyond_ascii() {
        assert_eq!(
            fold("  Établissement du Grand ÉVRY "),
            "établissement du grand évry"
        );
        assert_eq!(fold("dalibo"), fold("DALIBO"));
    }

    #[test]
    fn search_text_keeps_parts_apart() {
        assert_eq!(
            search_text(&["Oslandia", "Oslandia SAS", ""]),
            "oslandia\noslandia sas\n"
        );
        // A search cannot match across two parts.
        assert!(!search_text(&["Open", "Source"]).contains("open source"));
    }
}
