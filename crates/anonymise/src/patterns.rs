//! Contact data recognised by its shape: e-mail and web addresses, Belgian
//! phone numbers and national register numbers. Redaction and the leak guard
//! use the same patterns.

use std::sync::LazyLock;

use regex::Regex;

use crate::Rule;

/// A match of one pattern: byte span and the rule it falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub rule: Rule,
}

// The patterns are constants checked by the unit tests below.
#[allow(clippy::unwrap_used)]
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    // Also the spellings people use against spam: "jan [at] school [dot] be".
    let at = r"(?:@|\s*(?:\[at\]|\(at\)|\{at\})\s*)";
    let dot = r"(?:\.|\s*(?:\[dot\]|\(dot\)|\{dot\})\s*)";
    Regex::new(&format!(
        r"(?i)[\p{{L}}\d._%+-]+{at}[\p{{L}}\d-]+(?:{dot}[\p{{L}}\d-]+)*{dot}[a-z]{{2,}}\b"
    ))
    .unwrap()
});

#[allow(clippy::unwrap_used)]
static WEB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:https?://|www\.)[^\s<>()\[\]]+|\b[a-z\d][a-z\d-]*(?:\.[a-z\d-]+)*\.(?:be|com|org|net|eu|nl|fr|info|vlaanderen|brussels)\b(?:/[^\s<>()\[\]]*)?",
    )
    .unwrap()
});

#[allow(clippy::unwrap_used)]
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    // +32 or 0032, optionally (0), or a leading 0; then 8 (fixed) or 9
    // (mobile) more digits, with spaces, dots, slashes or dashes anywhere.
    Regex::new(r"(?:(?:\+|\b00)\s?32\s?(?:\(0\)\s?)?|\b0)[1-9](?:[\s./-]?\d){7,8}\b").unwrap()
});

#[allow(clippy::unwrap_used)]
static NATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    // YY.MM.DD-XXX.CC, with or without the marks.
    Regex::new(r"\b\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}\b").unwrap()
});

/// A Belgian national register number passes its mod-97 check, for people
/// born before 2000 or (with a leading 2) from 2000 on.
pub(crate) fn is_national_number(digits: &str) -> bool {
    let digits: String = digits.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 11 {
        return false;
    }
    let (Ok(body), Ok(check)) = (digits[..9].parse::<u64>(), digits[9..].parse::<u64>()) else {
        return false;
    };
    97 - body % 97 == check || 97 - (2_000_000_000 + body) % 97 == check
}

/// Every e-mail address, web address, national register number and phone
/// number in `text`, in that order of precedence; no two overlap.
pub(crate) fn find(text: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut add = |start: usize, end: usize, rule: Rule| {
        if !hits.iter().any(|h| start < h.end && h.start < end) {
            hits.push(Hit { start, end, rule });
        }
    };
    for m in EMAIL.find_iter(text) {
        add(m.start(), m.end(), Rule::Email);
    }
    for m in WEB.find_iter(text) {
        // A sentence's full stop or comma is not part of the address.
        let trimmed = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'']);
        add(m.start(), m.start() + trimmed.len(), Rule::WebAddress);
    }
    for m in NATIONAL.find_iter(text) {
        if is_national_number(m.as_str()) {
            add(m.start(), m.end(), Rule::NationalNumber);
        }
    }
    for m in PHONE.find_iter(text) {
        add(m.start(), m.end(), Rule::Phone);
    }
    hits.sort_by_key(|h| h.start);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Rule)> {
        find(text)
            .into_iter()
            .map(|h| (&text[h.start..h.end], h.rule))
            .collect()
    }

    #[test]
    fn belgian_phone_numbers_in_every_spelling() {
        for phone in [
            "03 123 45 67",
            "03/123.45.67",
            "03-123-45-67",
            "0470 12 34 56",
            "0470/12.34.56",
            "+32 470 12 34 56",
            "+32 (0)3 123 45 67",
            "0032 3 123 45 67",
            "+3231234567",
            "050 12 34 56",
        ] {
            let text = format!("Bel {phone}, graag.");
            assert_eq!(found(&text), [(phone, Rule::Phone)], "{phone}");
        }
    }

    #[test]
    fn dates_years_and_counts_are_not_phone_numbers() {
        assert!(found("Op 01.09.2025 en in 2025-2026 kwamen 1234 567 leerlingen.").is_empty());
        assert!(found("pupil 10000001 of 0,5 and 12 345 678").is_empty());
    }

    #[test]
    fn national_register_numbers_by_their_check_digits() {
        // 850730 033: 97 - 850730033 mod 97 = 28. From 2000 on: 2 in front.
        assert!(is_national_number("85.07.30-033.28"));
        assert!(!is_national_number("85.07.30-033.29"));
        // 97 - 2010105001 mod 97 = 3.
        assert!(is_national_number("01.01.05-001.03"));
        assert_eq!(
            found("rijksregister 85.07.30-033.28 of 85073003328."),
            [
                ("85.07.30-033.28", Rule::NationalNumber),
                ("85073003328", Rule::NationalNumber)
            ]
        );
    }

    #[test]
    fn e_mail_addresses_also_written_against_spam() {
        assert_eq!(
            found("Mail an.peeters@school-x.be of an.peeters [at] school-x [dot] be."),
            [
                ("an.peeters@school-x.be", Rule::Email),
                ("an.peeters [at] school-x [dot] be", Rule::Email)
            ]
        );
        assert_eq!(found("jan(at)kiel.be"), [("jan(at)kiel.be", Rule::Email)]);
    }

    #[test]
    fn web_addresses_without_the_full_stop_after_them() {
        assert_eq!(
            found("Zie https://www.sint-jozef.be/team. Of sintjozef.be, of www.x.org/a?b=1"),
            [
                ("https://www.sint-jozef.be/team", Rule::WebAddress),
                ("sintjozef.be", Rule::WebAddress),
                ("www.x.org/a?b=1", Rule::WebAddress)
            ]
        );
    }
}
