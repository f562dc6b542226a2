//! Skill catalogue rules: slug format and the parent tree without cycles.

/// Longest parent chain walked; a deeper tree is refused rather than walked forever.
pub const MAX_DEPTH: usize = 16;

pub const SLUG_RULE: &str = "^[a-z0-9][a-z0-9-]{1,62}$";

/// `^[a-z0-9][a-z0-9-]{1,62}$`: lower-case ASCII, digits and dashes, 2 to 63 characters.
pub fn is_valid_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    (2..=63).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[derive(Debug, PartialEq, Eq)]
pub enum ParentError {
    /// The skill would become its own ancestor.
    Cycle,
    /// The tree would grow deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Checks that `skill_id` may take `new_parent` as parent, given the chain of ancestors
/// of `new_parent` (nearest first, root last).
pub fn check_parent(
    skill_id: &str,
    new_parent: &str,
    ancestors_of_parent: &[String],
) -> Result<(), ParentError> {
    if new_parent == skill_id || ancestors_of_parent.iter().any(|a| a == skill_id) {
        return Err(ParentError::Cycle);
    }
    if ancestors_of_parent.len() + 1 >= MAX_DEPTH {
        return Err(ParentError::TooDeep);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_documented_pattern() {
        for good in [
            "postgresql",
            "qgis",
            "c4",
            "open-ldap",
            "9p",
            &"a".repeat(63),
        ] {
            assert!(is_valid_slug(good), "{good} should be valid");
        }
        for bad in [
            "",
            "a",
            "-pg",
            "Postgres",
            "post_gres",
            "pg sql",
            "é-t",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_slug(bad), "{bad} should be invalid");
        }
    }

    #[test]
    fn a_skill_cannot_become_its_own_ancestor() {
        let chain = vec!["b".to_owned(), "a".to_owned()];
        assert_eq!(check_parent("c", "c", &[]), Err(ParentError::Cycle));
        assert_eq!(check_parent("a", "c", &chain), Err(ParentError::Cycle));
        assert_eq!(check_parent("d", "c", &chain), Ok(()));
    }

    #[test]
    fn the_tree_depth_is_bounded() {
        let deep: Vec<String> = (0..MAX_DEPTH).map(|i| format!("s{i}")).collect();
        assert_eq!(check_parent("x", "p", &deep), Err(ParentError::TooDeep));
    }
}
