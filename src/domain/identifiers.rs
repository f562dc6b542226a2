//! French company identifiers: SIREN (9 digits) and SIRET (14 digits), both with a Luhn key.

/// La Poste's SIREN: its establishments outnumber what Luhn keys leave room for under
/// one SIREN, so INSEE accepts their SIRETs when the digit sum is a multiple of 5.
const LA_POSTE_SIREN: &str = "356000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierError {
    /// Not the right number of ASCII digits.
    Format,
    /// The digits are fine but the check key is wrong.
    Checksum,
}

fn all_digits(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_digit())
}

/// The Luhn sum of ASCII digits: from the right, every second digit doubled, minus 9
/// when above 9.
fn luhn_sum(digits: &str) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, b)| {
            let digit = u32::from(b - b'0');
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum()
}

fn luhn_valid(digits: &str) -> bool {
    luhn_sum(digits).is_multiple_of(10)
}

/// Appends the Luhn key to `digits` (ASCII digits), giving a number that passes the check.
pub fn with_luhn_key(digits: &str) -> String {
    let candidate = format!("{digits}0");
    let key = (10 - luhn_sum(&candidate) % 10) % 10;
    format!("{digits}{key}")
}

pub fn check_siren(siren: &str) -> Result<(), IdentifierError> {
    if !all_digits(siren, 9) {
        return Err(IdentifierError::Format);
    }
    if luhn_valid(siren) {
        Ok(())
    } else {
        Err(IdentifierError::Checksum)
    }
}

pub fn check_siret(siret: &str) -> Result<(), IdentifierError> {
    if !all_digits(siret, 14) {
        return Err(IdentifierError::Format);
    }
    let la_poste_rule = || {
        siret.starts_with(LA_POSTE_SIREN)
            && siret
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .sum::<u32>()
                .is_multiple_of(5)
    };
    if luhn_valid(siret) || la_poste_rule() {
        Ok(())
    } else {
        Err(IdentifierError::Checksum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirens_need_nine_digits_and_their_key() {
        // INSEE's documentation example, and a one-digit change of it.
        assert_eq!(check_siren("732829320"), Ok(()));
        assert_eq!(check_siren("732829321"), Err(IdentifierError::Checksum));
        assert_eq!(check_siren("73282932"), Err(IdentifierError::Format));
        assert_eq!(check_siren("7328293200"), Err(IdentifierError::Format));
        assert_eq!(check_siren("73282932a"), Err(IdentifierError::Format));
        assert_eq!(check_siren("٧٣٢٨٢٩٣٢٠"), Err(IdentifierError::Format));
    }

    #[test]
    fn sirets_need_fourteen_digits_and_their_key() {
        assert_eq!(check_siret("73282932000074"), Ok(()));
        assert_eq!(
            check_siret("73282932000075"),
            Err(IdentifierError::Checksum)
        );
        assert_eq!(check_siret("7328293200007"), Err(IdentifierError::Format));
    }

    #[test]
    fn la_poste_sirets_follow_the_digit_sum_rule() {
        // The head office passes Luhn; this establishment only the La Poste rule.
        assert_eq!(check_siret("35600000000048"), Ok(()));
        assert_eq!(check_siret("35600000049837"), Ok(()));
        assert!(!luhn_valid("35600000049837"));
        assert_eq!(
            check_siret("35600000049838"),
            Err(IdentifierError::Checksum)
        );
    }

    #[test]
    fn keys_are_appended_so_that_the_check_passes() {
        for stem in [
            "73282932",
            "00000000",
            "99999999",
            "12345678",
            "1234567890123",
        ] {
            let number = with_luhn_key(stem);
            assert_eq!(number.len(), stem.len() + 1);
            assert!(luhn_valid(&number), "{number}");
        }
        assert_eq!(with_luhn_key("73282932"), "732829320");
    }
}
