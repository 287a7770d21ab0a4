//! The strings of the built-in template, one set per culture, checked and
//! embedded at build time by `build.rs` from `templates/office16/<culture>.toml`.

/// The ADML strings of one culture.
#[derive(Clone, Copy, Debug)]
pub struct CultureStrings {
    /// Culture name as used for the ADML folder (`en-US`, `nl-NL`, ...).
    pub culture: &'static str,
    /// The ADML `<displayName>` (Windows does not show it).
    pub display_name: &'static str,
    /// The ADML `<description>` (Windows does not show it).
    pub description: &'static str,
    /// `(id, text)` for every string id, in [`STRING_IDS`] order.
    pub strings: &'static [(&'static str, &'static str)],
}

impl CultureStrings {
    /// The text of string `id`, if this culture defines it.
    pub fn get(&self, id: &str) -> Option<&'static str> {
        self.strings.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
    }
}

include!(concat!(env!("OUT_DIR"), "/office16_strings.rs"));

/// The strings of `culture`, matched case-insensitively (`nl-nl` finds `nl-NL`).
pub fn culture(culture: &str) -> Option<&'static CultureStrings> {
    CULTURES
        .iter()
        .find(|c| c.culture.eq_ignore_ascii_case(culture))
}

/// Names of every built-in culture, the reference culture (`en-US`) first.
pub fn culture_names() -> impl Iterator<Item = &'static str> {
    CULTURES.iter().map(|c| c.culture)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cultures_of_the_issue_are_built_in() {
        let names: Vec<_> = culture_names().collect();
        assert_eq!(names[0], "en-US");
        for c in ["en-US", "nl-NL", "de-DE", "fr-FR"] {
            assert!(names.contains(&c), "{c} missing from {names:?}");
        }
    }

    #[test]
    fn every_culture_has_every_id_in_the_same_order() {
        for c in CULTURES {
            let ids: Vec<_> = c.strings.iter().map(|(i, _)| *i).collect();
            assert_eq!(ids, STRING_IDS, "{}", c.culture);
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(culture("nl-nl").map(|c| c.culture), Some("nl-NL"));
        assert!(culture("xx-XX").is_none());
    }
}
