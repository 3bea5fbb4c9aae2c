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
    // Also the spellings people use against spam: "jan [at] school [dot] be",
    // "jan(at)school(punt)be", "jan apenstaartje school punt be". Group 1 is
    // the top-level domain, group 2 set when no "@" was written.
    let spelled_at = r"\s*[\[({]\s*(?:at|apenstaartje)\s*[\])}]\s*|\s+(?:at|apenstaartje)\s+";
    let at = format!(r"(?:\s*@\s*|(?P<spelled>{spelled_at}))");
    let dot = r"(?:\.|\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*|\s+(?:dot|punt)\s+)";
    Regex::new(&format!(
        r"(?i)[\p{{L}}\d._%+-]+{at}[\p{{L}}\d-]+(?:{dot}[\p{{L}}\d-]+)*{dot}(?P<tld>[a-z]{{2,}})\b"
    ))
    .unwrap()
});

/// Top-level domains an address spelled out with "at" must end in: "at"
/// and "punt" are ordinary words ("we met at noon. Then"), so the spelled
/// form counts only with the whole user-at-domain-dot-domain shape.
const SPELLED_TLDS: &[&str] = &[
    "be",
    "com",
    "org",
    "net",
    "eu",
    "nl",
    "fr",
    "de",
    "lu",
    "uk",
    "info",
    "edu",
    "io",
    "vlaanderen",
    "brussels",
    "gent",
    "antwerpen",
];

/// A capitalised first name and surname (with particles such as "van der"
/// or "De"), the shape of a person named beside contact data.
const PERSON: &str = r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?\s+(?:(?:[Vv]an|[Dd]e|[Dd]en|[Dd]er|[Tt]er|[Tt]en|[Ee]l|[Ll]e|[Dd]a|[Dd]os)\s+){0,2}\p{Lu}\p{Ll}[\p{L}'-]*";

#[allow(clippy::unwrap_used)]
static PERSON_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    // Only spaces, a colon, comma, dash or opening bracket between the name and the contact data.
    Regex::new(&format!(r"(?:^|[^\p{{L}}])({PERSON})[\s:,(–-]*$")).unwrap()
});

#[allow(clippy::unwrap_used)]
static PERSON_AFTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^[\s:,()–-]*({PERSON})(?:[^\p{{L}}]|$)")).unwrap());

/// A person named directly before or after contact data at `hit`, by the
/// shape of the name alone (on a roster or not): its byte span.
pub(crate) fn people_beside(text: &str, hit: &Hit) -> Vec<(usize, usize)> {
    // A name stands within a few words of its contact data.
    let mut from = hit.start.saturating_sub(80);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (hit.end + 80).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let before = PERSON_BEFORE
        .captures(&text[from..hit.start])
        .and_then(|c| c.get(1))
        .map(|m| (from + m.start(), from + m.end()));
    let after = PERSON_AFTER
        .captures(&text[hit.end..to])
        .and_then(|c| c.get(1))
        .map(|m| (hit.end + m.start(), hit.end + m.end()));
    before.into_iter().chain(after).collect()
}

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
    let mut from = 0;
    while let Some(c) = EMAIL.captures_at(text, from) {
        let Some(m) = c.get(0) else { break };
        let tld = c.name("tld").map_or("", |t| t.as_str()).to_lowercase();
        if c.name("spelled").is_some() && !SPELLED_TLDS.contains(&tld.as_str()) {
            // Not an address; a real one may start inside it ("Tom at
            // tom.peeters@school.be"): look again from the next character.
            from = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        add(m.start(), m.end(), Rule::Email);
        from = m.end();
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

    /// Each spelling of "@" with each spelling of "." found whole, in a
    /// Dutch and an English sentence.
    #[test]
    fn e_mail_addresses_spelled_out_in_dutch_and_english() {
        for at in [
            " at ",
            " [at] ",
            "(at)",
            " apenstaartje ",
            " (apenstaartje) ",
        ] {
            for dot in [" dot ", "[dot]", " (punt) ", " punt ", "."] {
                let address = format!("an.peeters{at}school-x{dot}be");
                for text in [
                    format!("Mail naar {address} voor een afspraak."),
                    format!("Write to {address} for an appointment."),
                ] {
                    assert_eq!(found(&text), [(address.as_str(), Rule::Email)], "{text}");
                }
            }
        }
        assert_eq!(
            found("jan(at)kiel(dot)antwerpen(dot)be"),
            [("jan(at)kiel(dot)antwerpen(dot)be", Rule::Email)]
        );
    }

    /// "at" is an English word and "punt" a Dutch one: without the whole
    /// user-at-domain-dot-domain shape, ending in a known domain, they stay.
    #[test]
    fn ordinary_sentences_with_at_and_punt_are_not_addresses() {
        for text in [
            "Pupils arrive at school at 8.30 and leave at noon.",
            "We met at school.Then we talked.",
            "Dat is een goed punt, en op dat punt begon het project.",
            "Op de speelplaats punt uit, at least that is the plan.",
            "Look at the gate dot matrix punt nl.",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    /// A capitalised first name and surname right before or after contact
    /// data is found whoever it is; a single capitalised word or a name
    /// further away is not.
    #[test]
    fn a_name_beside_contact_data_by_its_shape() {
        let beside = |text: &str| -> Vec<String> {
            find(text)
                .iter()
                .flat_map(|h| people_beside(text, h))
                .map(|(s, e)| text[s..e].to_owned())
                .collect()
        };
        assert_eq!(
            beside("Vragen? Sofie Janssens, 0470 12 34 56."),
            ["Sofie Janssens"]
        );
        assert_eq!(
            beside("Questions: 03 123 45 67 (Pieter van den Broeck) or mail"),
            ["Pieter van den Broeck"]
        );
        assert_eq!(
            beside("Mail Anne-Marie De Smet: am [at] school [dot] be"),
            ["Anne-Marie De Smet"]
        );
        assert_eq!(
            beside("Write to Tom Peeters at tom.peeters@school.be today"),
            Vec::<String>::new(),
            "\"at\" between them: not directly beside"
        );
        assert!(beside("Bel 03 123 45 67 voor een afspraak.").is_empty());
    }
}
