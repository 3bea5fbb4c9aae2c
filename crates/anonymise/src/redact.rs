//! Redaction of free text: every school, person, street, address and contact
//! detail becomes a placeholder such as `[school]` before the text leaves
//! anonymise. When in doubt, redact.

use std::collections::BTreeMap;
use std::path::Path;

use mirror_ingest::{RegistryEntry, RosterName};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::names::{self, AllowedPhrases, NameSet};
use crate::{AnonymiseError, PupilNumbers, Rule, patterns};

/// Words of school names that say what kind of school it is, not which one:
/// alone they are ordinary text.
const GENERIC_SCHOOL_WORDS: &[&str] = &[
    "academie",
    "atheneum",
    "basisschool",
    "beroepsschool",
    "bs",
    "buitengewoon",
    "buso",
    "cam",
    "campus",
    "col",
    "college",
    "de",
    "den",
    "der",
    "gbs",
    "gemeentelijk",
    "gemeentelijke",
    "go",
    "grote",
    "heilig",
    "heilige",
    "het",
    "humaniora",
    "instituut",
    "international",
    "ka",
    "kha",
    "kleine",
    "kleuterschool",
    "koninklijk",
    "koninklijke",
    "kunsthumaniora",
    "lagere",
    "lieve",
    "lyceum",
    "middenschool",
    "nieuwe",
    "noord",
    "onderwijs",
    "onze",
    "oost",
    "oude",
    "sbs",
    "school",
    "scholen",
    "scholengroep",
    "secundair",
    "secundaire",
    "sg",
    "sint",
    "stedelijk",
    "stedelijke",
    "technisch",
    "technische",
    "ten",
    "ter",
    "ti",
    "van",
    "vbs",
    "vrij",
    "vrije",
    "vrouw",
    "west",
    "zuid",
];

/// Parts of surnames that are ordinary words on their own.
const SURNAME_PARTICLES: &[&str] = &[
    "al", "ben", "da", "das", "de", "del", "den", "der", "di", "dos", "du", "el", "het", "la",
    "le", "op", "t", "ten", "ter", "van", "vanden", "vander", "von",
];

/// A capitalised word ending as only street names end: `Kioskstraat`,
/// `Ter Heydelaan`'s last word, `Boomsesteenweg`. Endings that ordinary
/// words share (-weg, -baan, -plaats) are left to the city's list.
// A constant pattern, checked by the unit tests below.
#[allow(clippy::unwrap_used)]
static UNLISTED_STREET: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"\b\p{Lu}[\p{L}'-]*(?:straat|laan|steenweg|dreef|kaai|lei|singel|plein)\b").unwrap()
});

/// A name after a title or form of address: "Mr Peeters", "juf Sara",
/// "mevrouw De Smet". The title stays; the name (group 1) is a person's,
/// roster or not.
// A constant pattern, checked by the unit tests below.
#[allow(clippy::unwrap_used)]
static TITLED_NAME: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    let name = r"\p{Lu}[\p{L}'-]*";
    let particle = r"(?:[Vv]an(?:\s+(?:der|den|de))?|[Dd]e|[Dd]en|[Tt]er|[Tt]en|[Ee]l|[Aa]l)";
    Regex::new(&format!(
        r"\b(?i:mr|mrs|ms|miss|dr|sir|madam|juf|juffrouw|meester|meneer|mevrouw|dhr|mevr|mw)\.?\s+((?:{particle}\s+)?{name}(?:\s+(?:{particle}\s+)?{name})?)"
    ))
    .unwrap()
});

/// Words with a street's ending that are ordinary words, folded.
const ORDINARY_PLACE_WORDS: &[&str] = &["speelplein", "schoolplein"];

/// The city's streets and municipalities (`config/places.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    pub municipalities: Vec<String>,
    pub streets: Vec<String>,
}

impl Places {
    pub fn load(path: &Path) -> Result<Self, AnonymiseError> {
        let invalid = |message: String| AnonymiseError::Places {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        toml::from_str(&text).map_err(|e| invalid(e.to_string()))
    }
}

/// Free text after redaction. Only anonymise makes one, so a field of this
/// type in a later stage is known to be redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RedactedText(String);

impl RedactedText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RedactedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RedactedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many times each rule replaced something.
pub type RedactionCounts = BTreeMap<Rule, u32>;

/// Everything free text must not name, gathered once per run.
#[derive(Debug)]
pub struct Redactor {
    schools: NameSet<()>,
    people: NameSet<()>,
    streets: NameSet<()>,
    addresses: Vec<Regex>,
    pupil_numbers: PupilNumbers,
    public_web_hosts: Vec<String>,
    allowed: AllowedPhrases,
}

impl Redactor {
    pub fn new(
        registry: &[RegistryEntry],
        rosters: &[RosterName],
        places: &Places,
        pupil_numbers: &PupilNumbers,
        public_web_hosts: &[String],
    ) -> Self {
        let mut schools = NameSet::default();
        for school in registry {
            for name in std::iter::once(&school.name).chain(&school.aliases) {
                schools.add(name, false, ());
                // "bij de Aster" names the school too; generic words alone do not.
                for word in names::words(name) {
                    if word.folded.chars().count() >= 3
                        && !word.folded.chars().all(|c| c.is_ascii_digit())
                        && !GENERIC_SCHOOL_WORDS.contains(&word.folded.as_str())
                    {
                        schools.add(&name[word.start..word.end], true, ());
                    }
                }
            }
        }
        let mut people = NameSet::default();
        for person in rosters {
            let (first, last) = (&person.first_name, &person.last_name);
            if !first.is_empty() && !last.is_empty() {
                people.add(&format!("{first} {last}"), false, ());
                people.add(&format!("{last} {first}"), false, ());
            }
            people.add(last, true, ());
            // Each part alone, written with a capital: "Yusuf", "Amrani".
            for part in [first, last] {
                for word in names::words(part) {
                    if word.folded.chars().count() >= 2
                        && !SURNAME_PARTICLES.contains(&word.folded.as_str())
                    {
                        people.add(&part[word.start..word.end], true, ());
                    }
                }
            }
        }
        let mut streets = NameSet::default();
        for street in &places.streets {
            streets.add(street, false, ());
        }
        Self {
            schools,
            people,
            streets,
            addresses: address_patterns(places),
            pupil_numbers: pupil_numbers.clone(),
            public_web_hosts: public_web_hosts.iter().map(|h| h.to_lowercase()).collect(),
            allowed: AllowedPhrases::default(),
        }
    }

    /// The redactor keeping each of `phrases` whole: no school, person or
    /// street is found inside one. A phrase that is itself a school's name,
    /// or one of its distinctive words, is not allowed.
    pub fn allowing(mut self, phrases: &[String]) -> Self {
        self.allowed = AllowedPhrases::new(phrases, &self.schools);
        self
    }

    /// `text` with every name, address and contact detail replaced by its
    /// rule's placeholder; `counts` adds one per replacement. Finds that
    /// overlap ("Wenzel" of a school's alias inside the person "Wenzel
    /// Yamgor") become one placeholder over all of them, with the rule of
    /// the longest (the first found on a tie), so no part of either stays.
    pub fn redact(&self, text: &str, counts: &mut RedactionCounts) -> RedactedText {
        let mut found: Vec<(usize, usize, Rule)> = Vec::new();
        let mut claim = |start: usize, end: usize, rule: Rule| found.push((start, end, rule));
        for hit in patterns::find(text) {
            if hit.rule == Rule::WebAddress {
                if !self.is_public(&text[hit.start..hit.end]) {
                    claim(hit.start, hit.end, hit.rule);
                }
                continue;
            }
            claim(hit.start, hit.end, hit.rule);
            // "Sofie Janssens, 0470 12 34 56": whoever the contact data
            // belongs to, roster or not.
            for (start, end) in patterns::people_beside(text, &hit) {
                claim(start, end, Rule::Person);
            }
        }
        for pattern in &self.addresses {
            for m in pattern.find_iter(text) {
                claim(m.start(), m.end(), Rule::Address);
            }
        }
        let mut words = names::words(text);
        let allowed = self.allowed.mask(text, &mut words);
        for (set, rule) in [
            (&self.streets, Rule::Street),
            (&self.schools, Rule::School),
            (&self.people, Rule::Person),
        ] {
            for found in set.find(text, &words, false) {
                claim(found.start, found.end, rule);
            }
        }
        // A street not on the city's list (after the listed ones, which may be longer), by the shape of its name.
        for m in UNLISTED_STREET.find_iter(text) {
            if !ORDINARY_PLACE_WORDS.contains(&names::fold(m.as_str()).as_str()) {
                claim(m.start(), m.end(), Rule::Street);
            }
        }
        for c in TITLED_NAME.captures_iter(text) {
            if let Some(name) = c.get(1) {
                claim(name.start(), name.end(), Rule::Person);
            }
        }
        for word in &words {
            if self.pupil_numbers.contains(&text[word.start..word.end]) {
                claim(word.start, word.end, Rule::PupilNumber);
            }
        }
        // A name the patterns find inside an allowed phrase is the phrase's.
        found.retain(|(start, end, rule)| {
            !(matches!(rule, Rule::School | Rule::Person | Rule::Street)
                && allowed.iter().any(|(s, e)| s <= start && end <= e))
        });
        let mut spans = merge(found);
        // "Marieke" and "Verhoeven" found apart are one person.
        spans.dedup_by(|next, prev| {
            let joined = next.2 == prev.2 && text[prev.1..next.0].trim().is_empty();
            if joined {
                prev.1 = next.1;
            }
            joined
        });
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, rule) in spans {
            out.push_str(&text[at..start]);
            out.push_str(rule.placeholder());
            *counts.entry(rule).or_default() += 1;
            at = end;
        }
        out.push_str(&text[at..]);
        RedactedText(out)
    }

    /// A web address on a public host that names no school or person.
    fn is_public(&self, address: &str) -> bool {
        let lower = address.to_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .unwrap_or(&lower);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.strip_prefix("www.").unwrap_or(host);
        let public = self
            .public_web_hosts
            .iter()
            .any(|h| host == h || host.ends_with(&format!(".{h}")));
        let words = names::words(address);
        public
            && [&self.schools, &self.people]
                .iter()
                .all(|set| set.find(address, &words, true).is_empty())
    }
}

/// Overlapping finds as one span each, with the rule of the longest find
/// in it (the earliest found among equals); sorted by start.
fn merge(mut found: Vec<(usize, usize, Rule)>) -> Vec<(usize, usize, Rule)> {
    // A stable sort keeps the order found within one start.
    found.sort_by_key(|f| f.0);
    let mut spans: Vec<(usize, usize, Rule, usize)> = Vec::new();
    for (start, end, rule) in found {
        match spans.last_mut() {
            Some(last) if start < last.1 => {
                last.1 = last.1.max(end);
                if end - start > last.3 {
                    (last.2, last.3) = (rule, end - start);
                }
            }
            _ => spans.push((start, end, rule, end - start)),
        }
    }
    spans.into_iter().map(|(s, e, r, _)| (s, e, r)).collect()
}

/// A street with a house number (and bus, postcode and municipality when
/// given), and a postcode with a listed municipality.
fn address_patterns(places: &Places) -> Vec<Regex> {
    let listed = |names: &[String]| {
        names
            .iter()
            .map(|n| regex::escape(n).replace(' ', r"\s+"))
            .collect::<Vec<_>>()
            .join("|")
    };
    // An empty list of streets would make an empty alternative that matches
    // before any number ("with 15 or more" would lose "15").
    let streets = if places.streets.is_empty() {
        String::new()
    } else {
        format!(r"(?i:\b(?:{}))|", listed(&places.streets))
    };
    let street = format!(
        r"(?:{streets}\b\p{{Lu}}[\p{{L}}'-]*(?:straat|laan|lei|baan|steenweg|weg|plein|plaats|dreef|kaai|markt|singel|vest|dijk|hof|pad|wijk|berg|veld|kade|rei))"
    );
    let with_number = format!(
        r"{street}\s+\d{{1,4}}(?:\s?[a-zA-Z])?\b(?:\s*(?:bus|b\.)\s*\d+[a-zA-Z]?)?(?:\s*,?\s*[1-9]\d{{3}}\s+\p{{Lu}}[\p{{L}}-]*)?"
    );
    let mut out = Vec::new();
    // Built from escaped names: always a valid pattern.
    if let Ok(r) = Regex::new(&with_number) {
        out.push(r);
    }
    if !places.municipalities.is_empty() {
        let town = format!(
            r"\b[1-9]\d{{3}}\s+(?i:{})\b",
            listed(&places.municipalities)
        );
        if let Ok(r) = Regex::new(&town) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn school(id: &str, name: &str, aliases: &[&str]) -> RegistryEntry {
        RegistryEntry {
            id: id.parse().unwrap(),
            name: name.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            level: mirror_model::Level::Secondary,
            forms: Vec::new(),
            address: String::new(),
            neighbourhood: String::new(),
            pupils: 0,
            profile: mirror_model::SocioEconomicProfile {
                home_language_not_dutch: 0.0,
                mother_without_diploma: 0.0,
                school_allowance: 0.0,
            },
            language: mirror_model::ReportLanguage::new("nl").unwrap(),
            network: None,
        }
    }

    pub(crate) fn person(first: &str, last: &str) -> RosterName {
        RosterName {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
        }
    }

    fn redactor() -> Redactor {
        Redactor::new(
            &[
                school("100001", "Atheneum Aster Kiel", &["KA Aster"]),
                school("100002", "College Het Klavertje Wilrijk", &["Klavertje"]),
                school(
                    "100003",
                    "Vrije Basisschool Sint-Ludgardis",
                    &["VBS Ludgardis"],
                ),
            ],
            &[person("Yusuf", "El Amrani"), person("Marieke", "Verhoeven")],
            &Places {
                municipalities: vec!["Antwerpen".into(), "Wilrijk".into()],
                streets: vec!["Kapelstraat".into(), "Pastoor Coplaan".into()],
            },
            &PupilNumbers::of(&["10000001"]),
            &["vlaanderen.be".to_owned()],
        )
    }

    /// Without listed streets, "with 15 or more" is no address; a street
    /// recognised by its ending still is.
    #[test]
    fn without_listed_streets_a_number_after_a_word_stays() {
        let redactor = Redactor::new(&[], &[], &Places::default(), &PupilNumbers::default(), &[]);
        let mut counts = RedactionCounts::new();
        assert_eq!(
            redactor
                .redact(
                    "Fewer pupils with 15 or more half days; office at Kerkstraat 12.",
                    &mut counts
                )
                .as_str(),
            "Fewer pupils with 15 or more half days; office at [address]."
        );
    }

    /// A note by Atheneum Aster Kiel naming itself, two other schools (one by
    /// its alias, one in lower case), a pupil, a teacher, a street and
    /// contact data in several spellings. Worked out word by word.
    #[test]
    fn an_adversarial_good_practice_is_redacted_completely_and_only_there() {
        let note = "At Atheneum Aster Kiel, juf Marieke Verhoeven phones parents before ten. \
            We copied it from Klavertje and from college het klavertje wilrijk. \
            Yusuf (pupil 10000001) now walks with a buddy along the Kapelstraat. \
            Questions: marieke.verhoeven@aster.be, m.verhoeven [at] aster [dot] be, \
            03/123.45.67, +32 470 12 34 56 or 0470.12.34.56. \
            Our office: Pastoor Coplaan 5 bus 2, 2610 Wilrijk. \
            Parent's national number 85.07.30-033.28 was on the form by mistake. \
            See www.atheneum-aster.be/team and https://onderwijs.vlaanderen.be/spijbelen.";
        let mut counts = RedactionCounts::new();
        let redacted = redactor().redact(note, &mut counts);
        assert_eq!(
            redacted.as_str(),
            "At [school], juf [person] phones parents before ten. \
            We copied it from [school] and from [school]. \
            [person] (pupil [pupil number]) now walks with a buddy along the [street]. \
            Questions: [e-mail], [e-mail], \
            [phone], [phone] or [phone]. \
            Our office: [address]. \
            Parent's national number [national number] was on the form by mistake. \
            See [web address] and https://onderwijs.vlaanderen.be/spijbelen."
        );
        let expected: RedactionCounts = [
            (Rule::School, 3),
            (Rule::Person, 2),
            (Rule::PupilNumber, 1),
            (Rule::Street, 1),
            (Rule::Email, 2),
            (Rule::Phone, 3),
            (Rule::Address, 1),
            (Rule::NationalNumber, 1),
            (Rule::WebAddress, 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(counts, expected);
    }

    #[test]
    fn distinctive_words_need_a_capital_and_ordinary_words_stay() {
        let mut counts = RedactionCounts::new();
        let r = redactor();
        assert_eq!(
            r.redact(
                "Pupils at the Aster school read about an aster and a college.",
                &mut counts
            )
            .as_str(),
            "Pupils at the [school] school read about an aster and a college."
        );
        assert_eq!(
            r.redact(
                "De Kerkstraat 12 en de Schoolweg; 2020 was een goed jaar.",
                &mut counts
            )
            .as_str(),
            "De [address] en de Schoolweg; 2020 was een goed jaar."
        );
    }

    /// "Verhoeven" is also the distinctive word of a school's name: the
    /// person's full name is longer and wins, and nothing of it stays.
    #[test]
    fn overlapping_finds_become_one_placeholder_of_the_longest() {
        let r = Redactor::new(
            &[school("100009", "Lyceum Verhoeven", &[])],
            &[person("Marieke", "Verhoeven")],
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        );
        let mut counts = RedactionCounts::new();
        assert_eq!(
            r.redact("Verhoeven Marieke and Lyceum Verhoeven.", &mut counts)
                .as_str(),
            "[person] and [school]."
        );
        assert_eq!(counts[&Rule::Person], 1);
        assert_eq!(counts[&Rule::School], 1);
        assert_eq!(
            merge(vec![
                (0, 6, Rule::School),
                (0, 13, Rule::Person),
                (10, 20, Rule::Street),
                (25, 30, Rule::Email)
            ]),
            [(0, 20, Rule::Person), (25, 30, Rule::Email)]
        );
    }

    #[test]
    fn names_found_apart_next_to_each_other_are_one_placeholder() {
        let r = Redactor::new(
            &[],
            &[person("Marieke", "Peeters"), person("Bram", "Verhoeven")],
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        );
        let mut counts = RedactionCounts::new();
        assert_eq!(
            r.redact("Ask Marieke Verhoeven or Bram, Marieke.", &mut counts)
                .as_str(),
            "Ask [person] or [person], [person]."
        );
        assert_eq!(counts[&Rule::Person], 3);
    }

    #[test]
    fn a_name_after_a_title_is_a_person_even_off_the_rosters() {
        let mut counts = RedactionCounts::new();
        assert_eq!(
            redactor()
                .redact(
                    "Mr Peeters reads them; juf Sara and mevrouw Van der Berg help. Dr. Janssens too. The mister is here, meester.",
                    &mut counts
                )
                .as_str(),
            "Mr [person] reads them; juf [person] and mevrouw [person] help. Dr. [person] too. The mister is here, meester."
        );
        assert_eq!(counts[&Rule::Person], 4);
    }

    #[test]
    fn a_street_not_on_the_list_is_known_by_its_ending() {
        let mut counts = RedactionCounts::new();
        assert_eq!(
            redactor()
                .redact(
                    "Teachers stand at the corner of the Kioskstraat. Op het Speelplein en in de Boomsesteenweg; een straat, een laan.",
                    &mut counts
                )
                .as_str(),
            "Teachers stand at the corner of the [street]. Op het Speelplein en in de [street]; een straat, een laan."
        );
        assert_eq!(counts[&Rule::Street], 2);
    }

    #[test]
    fn a_public_address_that_names_a_school_or_person_is_redacted() {
        let mut counts = RedactionCounts::new();
        assert_eq!(
            redactor()
                .redact(
                    "vlaanderen.be/klavertje and vlaanderen.be/yusuf",
                    &mut counts
                )
                .as_str(),
            "[web address] and [web address]"
        );
    }

    /// Each anti-spam spelling, Dutch and English, becomes one `[e-mail]`,
    /// and the person named beside it, on no roster, one `[person]`.
    #[test]
    fn spelled_out_addresses_and_the_names_beside_them_are_redacted() {
        let r = redactor();
        for (text, expected) in [
            (
                "Vragen? Mail Sofie Janssens: sofie.janssens at sterre dot be.",
                "Vragen? Mail [person]: [e-mail].",
            ),
            (
                "Questions? Write to sofie [at] sterre [dot] be (Sofie Janssens).",
                "Questions? Write to [e-mail] ([person]).",
            ),
            (
                "Contact: Pieter van den Broeck, pieter(at)sterre(punt)be.",
                "Contact: [person], [e-mail].",
            ),
            (
                "Mail naar p.broeck apenstaartje sterre punt be of bel 0470 12 34 56, Els Wouters.",
                "Mail naar [e-mail] of bel [phone], [person].",
            ),
            (
                "Lessons at home (at) school: tom (at) sterre (dot) be.",
                "Lessons at home (at) school: [e-mail].",
            ),
        ] {
            let mut counts = RedactionCounts::new();
            assert_eq!(r.redact(text, &mut counts).as_str(), expected, "{text}");
        }
    }

    /// "Buurtwerk De Brug" is allowed: kept whole where it stands, while the
    /// school's alias "De Brug" and its distinctive word "Brug" alone are
    /// still redacted; allowing the alias itself is refused.
    #[test]
    fn an_allowed_phrase_stays_whole_and_the_name_alone_is_redacted() {
        let r = Redactor::new(
            &[school(
                "100004",
                "Basisschool De Brug Kiel",
                &["BS De Brug", "De Brug"],
            )],
            &[],
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        )
        .allowing(&[
            "Buurtwerk De Brug".to_owned(),
            "De Brug".to_owned(),
            "brug".to_owned(),
        ]);
        let mut counts = RedactionCounts::new();
        assert_eq!(
            r.redact(
                "Met Buurtwerk De Brug en de leerlingen van De Brug; ook Brug.",
                &mut counts
            )
            .as_str(),
            "Met Buurtwerk De Brug en de leerlingen van [school]; ook [school]."
        );
        assert_eq!(r.allowed.refused(), ["De Brug", "brug"]);
    }
}
