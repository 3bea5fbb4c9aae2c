//! The leak guard: reads every text of each finished report and refuses it
//! when it holds another school's name, a roster name, a pupil number or
//! contact data. The last line of defence; redaction and the type boundary
//! are the first.

use std::collections::{BTreeSet, HashSet};

use mirror_ingest::{RawCity, RegistryEntry, RosterName};
use mirror_model::{SchoolRef, SupportOffer};

use crate::names::{self, AllowedPhrases, NameSet, Word};
use crate::{PupilNumbers, Rule, patterns};

/// One kind of thing the guard found, and how often; never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leak {
    pub rule: Rule,
    pub count: usize,
}

/// What the guard found in a report it refused.
#[derive(Debug, thiserror::Error)]
#[error("the report contains {}", describe(.0))]
pub struct LeakError(pub Vec<Leak>);

fn describe(leaks: &[Leak]) -> String {
    leaks
        .iter()
        .map(|l| {
            format!(
                "{} ({} time{})",
                l.rule.describe(),
                l.count,
                if l.count == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every name and number a report must not hold, gathered from the raw city
/// before anonymise drops it. Only the command that writes reports holds one.
pub struct LeakGuard {
    schools: NameSet<SchoolRef>,
    people: NameSet<()>,
    pupil_numbers: PupilNumbers,
    /// Contact data of the city's support catalogue, which reports may show,
    /// with spaces removed.
    public_contacts: HashSet<String>,
    allowed: AllowedPhrases,
}

/// A school's name or alias in a text of the city's own (a strings file,
/// the support catalogue, an action plan): the guard would refuse every
/// report that prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The file and the field or key.
    pub place: String,
    /// The school's name or alias, as the text writes it.
    pub name: String,
    /// The whole phrase around it, to allow in `privacy.allowed_phrases`
    /// when it names no school.
    pub phrase: String,
}

// Debug shows sizes, never names.
impl std::fmt::Debug for LeakGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LeakGuard({} pupil numbers, ..)",
            self.pupil_numbers.len()
        )
    }
}

fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

impl LeakGuard {
    pub fn new(raw: &RawCity, pupil_numbers: &PupilNumbers) -> Self {
        Self::from_parts(
            &raw.registry,
            &raw.rosters,
            pupil_numbers,
            &raw.support_offers,
        )
    }

    fn from_parts(
        registry: &[RegistryEntry],
        rosters: &[RosterName],
        pupil_numbers: &PupilNumbers,
        support_offers: &[SupportOffer],
    ) -> Self {
        let mut schools = NameSet::default();
        for (i, school) in registry.iter().enumerate() {
            for name in std::iter::once(&school.name).chain(&school.aliases) {
                schools.add(name, false, SchoolRef(i as u32));
            }
        }
        let mut people = NameSet::default();
        for p in rosters
            .iter()
            .filter(|p| !p.first_name.is_empty() && !p.last_name.is_empty())
        {
            people.add(&format!("{} {}", p.first_name, p.last_name), false, ());
            people.add(&format!("{} {}", p.last_name, p.first_name), false, ());
        }
        let public_contacts = support_offers
            .iter()
            .flat_map(|o| o.how_to_ask.versions().map(|(_, t)| t).chain(&o.contact))
            .flat_map(|text| {
                patterns::find(text)
                    .into_iter()
                    .map(|h| compact(&text[h.start..h.end]))
                    .collect::<Vec<_>>()
            })
            .collect();
        Self {
            schools,
            people,
            pupil_numbers: pupil_numbers.clone(),
            public_contacts,
            allowed: AllowedPhrases::default(),
        }
    }

    /// The guard reading each of `phrases` as one phrase, never as a school
    /// or person named inside it; a phrase that is itself a school's name
    /// is not allowed (see [`LeakGuard::refused_phrases`]).
    pub fn allowing(mut self, phrases: &[String]) -> Self {
        self.allowed = AllowedPhrases::new(phrases, &self.schools);
        self
    }

    /// Allowed phrases left out because each is a school's name or alias.
    pub fn refused_phrases(&self) -> &[String] {
        self.allowed.refused()
    }

    /// Every school name or alias in the city's own `texts`, each given with
    /// where it stands; allowed phrases excepted.
    pub fn collisions<'a>(
        &self,
        texts: impl IntoIterator<Item = (String, &'a str)>,
    ) -> Vec<Collision> {
        let mut out = Vec::new();
        for (place, text) in texts {
            let all = names::words(text);
            let mut words = all.clone();
            self.allowed.mask(text, &mut words);
            for f in self.schools.find(text, &words, false) {
                out.push(Collision {
                    place: place.clone(),
                    name: text[f.start..f.end].to_owned(),
                    phrase: phrase_around(text, &all, f.start, f.end),
                });
            }
        }
        out
    }

    /// What `text` holds that a report of `own` (`None`: a report of no
    /// school, such as the good-practice guide) must not.
    pub fn check_text(&self, own: Option<SchoolRef>, text: &str) -> Vec<Leak> {
        let mut found: Vec<Rule> = Vec::new();
        let mut words = names::words(text);
        self.allowed.mask(text, &mut words);
        for f in self.schools.find(text, &words, false) {
            // A name the school shares with another is its own name here.
            if !own.is_some_and(|o| f.owners.contains(&o)) {
                found.push(Rule::School);
            }
        }
        found.extend(
            self.people
                .find(text, &words, false)
                .iter()
                .map(|_| Rule::Person),
        );
        found.extend(
            words
                .iter()
                .filter(|w| self.pupil_numbers.contains(&text[w.start..w.end]))
                .map(|_| Rule::PupilNumber),
        );
        for hit in patterns::find(text)
            .into_iter()
            .filter(|h| h.rule != Rule::WebAddress)
            .filter(|h| {
                !self
                    .public_contacts
                    .contains(&compact(&text[h.start..h.end]))
            })
        {
            found.push(hit.rule);
            // Whoever is named beside it, on a roster or not.
            found.extend(
                patterns::people_beside(text, &hit)
                    .iter()
                    .map(|_| Rule::Person),
            );
        }
        let rules: BTreeSet<Rule> = found.iter().copied().collect();
        rules
            .into_iter()
            .map(|rule| Leak {
                rule,
                count: found.iter().filter(|r| **r == rule).count(),
            })
            .collect()
    }

    /// Checks every text a finished report carries (render's
    /// `RenderedReport::text`): `own` is the school the report is about.
    pub fn check_report(&self, own: Option<SchoolRef>, text: &str) -> Result<(), LeakError> {
        let leaks = self.check_text(own, text);
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(LeakError(leaks))
        }
    }
}

/// The texts the city writes itself and reports print as they are or
/// redacted: each field of the support catalogue and of the action plans,
/// named by folder, row and field.
pub(crate) fn city_texts(raw: &RawCity) -> Vec<(String, &str)> {
    let mut texts = Vec::new();
    for (i, o) in raw.support_offers.iter().enumerate() {
        let place = |field: &str| format!("support/ (offer {}, {field})", i + 1);
        texts.push((place("organisation"), o.organisation.as_str()));
        for (language, offer) in o.offer.versions() {
            texts.push((
                place(&format!("offer, {}", language.as_str())),
                offer.as_str(),
            ));
        }
        for (language, how) in o.how_to_ask.versions() {
            texts.push((
                place(&format!("how_to_ask, {}", language.as_str())),
                how.as_str(),
            ));
        }
        if let Some(contact) = &o.contact {
            texts.push((place("contact"), contact.as_str()));
        }
    }
    for (i, g) in raw.action_plans.iter().enumerate() {
        let place = |field: &str| format!("action-plans/ (goal {}, {field})", i + 1);
        for (language, goal) in g.goal.versions() {
            texts.push((
                place(&format!("goal, {}", language.as_str())),
                goal.as_str(),
            ));
        }
        texts.push((place("partner"), g.partner.as_str()));
        for (language, evaluation) in g.evaluation.iter().flat_map(|e| e.versions()) {
            texts.push((
                place(&format!("evaluation, {}", language.as_str())),
                evaluation.as_str(),
            ));
        }
    }
    texts
}

/// The phrase a name at `start..end` stands in: the run of capitalised words
/// it belongs to ("Buurtwerk De Brug"), or, for a name written in lower case
/// or standing alone, the name with a word on each side ("de brug van").
fn phrase_around(text: &str, words: &[Word], start: usize, end: usize) -> String {
    let first = words.iter().position(|w| w.start == start).unwrap_or(0);
    let last = words.iter().rposition(|w| w.end == end).unwrap_or(first);
    // Only spaces, a hyphen or an apostrophe between words of one phrase.
    let next_to = |a: &Word, b: &Word| matches!(text[a.end..b.start].trim(), "" | "-" | "'");
    let (mut i, mut j) = (first, last);
    if words[first].capitalised {
        while i > 0 && words[i - 1].capitalised && next_to(&words[i - 1], &words[i]) {
            i -= 1;
        }
        while j + 1 < words.len() && words[j + 1].capitalised && next_to(&words[j], &words[j + 1]) {
            j += 1;
        }
    }
    if (i, j) == (first, last) {
        if i > 0 && next_to(&words[i - 1], &words[i]) {
            i -= 1;
        }
        if j + 1 < words.len() && next_to(&words[j], &words[j + 1]) {
            j += 1;
        }
    }
    text[words[i].start..words[j].end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use mirror_model::{ReportLanguage, Texts};

    use super::*;
    use crate::redact::tests::{person, school};

    /// Two schools sharing nothing; the first's alias "De Brug" is also in
    /// the name of the neighbourhood organisation "Buurtwerk De Brug".
    fn guard() -> LeakGuard {
        LeakGuard::from_parts(
            &[
                school(
                    "100004",
                    "Basisschool De Brug Kiel",
                    &["BS De Brug", "De Brug"],
                ),
                school("100005", "Atheneum Aster Wilrijk", &["KA Aster"]),
            ],
            &[person("Marieke", "Verhoeven")],
            &PupilNumbers::of(&["10000001"]),
            &[],
        )
    }

    fn rules(leaks: &[Leak]) -> Vec<(Rule, usize)> {
        leaks.iter().map(|l| (l.rule, l.count)).collect()
    }

    #[test]
    fn an_allowed_phrase_is_read_whole_and_the_alias_alone_still_refused() {
        let allowing = guard().allowing(&["Buurtwerk De Brug".to_owned(), "de brug".to_owned()]);
        assert_eq!(allowing.refused_phrases(), ["de brug"]);
        let city = "Straatcoaches van Buurtwerk\nDe Brug aan de schoolpoort.";
        assert!(allowing.check_text(None, city).is_empty());
        assert_eq!(
            rules(&guard().check_text(None, city)),
            [(Rule::School, 1)],
            "without the allowed phrase"
        );
        let leak = "Straatcoaches van Buurtwerk De Brug, zoals bij De Brug.";
        assert_eq!(rules(&allowing.check_text(None, leak)), [(Rule::School, 1)]);
        // In the school's own report its alias is its own name.
        assert!(allowing.check_text(Some(SchoolRef(0)), leak).is_empty());
    }

    /// Each collision with its place, the name as written and the phrase
    /// to allow: the capitalised run around a capitalised name, one word
    /// each side of a name in lower case, the name itself when it stands
    /// alone (which cannot be allowed).
    #[test]
    fn collisions_name_the_place_the_name_and_the_phrase_to_allow() {
        let texts = [
            (
                "support/ (offer 5, organisation)".to_owned(),
                "Buurtwerk De Brug",
            ),
            (
                "lang/nl.toml (key `a.b`)".to_owned(),
                "Toon de brug van de school.",
            ),
            ("action-plans/ (goal 2, partner)".to_owned(), "De Brug"),
            ("lang/en.toml (key `c`)".to_owned(), "No school named here."),
        ];
        let found = guard().collisions(texts.clone());
        let found: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|c| (c.place.as_str(), c.name.as_str(), c.phrase.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "support/ (offer 5, organisation)",
                    "De Brug",
                    "Buurtwerk De Brug"
                ),
                ("lang/nl.toml (key `a.b`)", "de brug", "Toon de brug van"),
                ("action-plans/ (goal 2, partner)", "De Brug", "De Brug"),
            ]
        );
        let allowing = guard().allowing(&["Buurtwerk De Brug".to_owned()]);
        assert_eq!(allowing.collisions(texts).len(), 2);
    }

    /// A planted text of each spelled-out form is refused, with the person
    /// named beside it though on no roster; the catalogue's own public
    /// contact data is not.
    #[test]
    fn the_guard_refuses_each_spelled_out_form_and_the_name_beside_it() {
        for text in [
            "Vragen? Sofie Janssens, sofie.janssens at sterre dot be",
            "Questions: sofie [at] sterre [dot] be (Sofie Janssens)",
            "Contact: Pieter van den Broeck, pieter(at)sterre(punt)be",
            "Mail Els Wouters: els apenstaartje sterre punt be",
            "Write to Tom Aerts: tom (at) sterre (dot) be",
        ] {
            assert_eq!(
                rules(&guard().check_text(Some(SchoolRef(1)), text)),
                [(Rule::Person, 1), (Rule::Email, 1)],
                "{text}"
            );
        }
        let offer = SupportOffer {
            organisation: "Buurtwerk De Brug".to_owned(),
            offer: Texts::new(
                ReportLanguage::new("en").unwrap(),
                "Street coaches".to_owned(),
            ),
            themes: vec!["safety".to_owned()],
            levels: Vec::new(),
            how_to_ask: Texts::new(
                ReportLanguage::new("en").unwrap(),
                "Mail info [at] debrug [dot] be".to_owned(),
            ),
            contact: None,
        };
        let public = LeakGuard::from_parts(&[], &[], &PupilNumbers::default(), &[offer]);
        assert!(
            public
                .check_text(None, "Mail info [at] debrug [dot] be.")
                .is_empty()
        );
    }
}
