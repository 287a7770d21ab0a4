//! The one registry of every diagnostic code gpforge emits, gathered from
//! the per-area tables. `gpforge rules` lists it, `gpforge explain` reads it.

use crate::diagnostic::Rule;

/// Every registered rule, in table order (validation, registry.pol, backups).
pub fn all() -> impl Iterator<Item = &'static Rule> {
    crate::validate::RULES
        .iter()
        .chain(crate::pol::RULES.iter())
        .chain(crate::backup::RULES.iter())
}

/// Looks a rule up by code, case-insensitively.
pub fn find(code: &str) -> Option<&'static Rule> {
    all().find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            let (letters, digits) = r.code.split_at(r.code.len() - 3);
            assert!(
                !letters.is_empty() && letters.chars().all(|c| c.is_ascii_uppercase()),
                "{}",
                r.code
            );
            assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", r.code);
            assert!(
                !r.explanation.trim().is_empty(),
                "{} has no explanation",
                r.code
            );
            assert!(
                !r.summary.ends_with('.'),
                "{}: summary ends with a period",
                r.code
            );
        }
    }
}
