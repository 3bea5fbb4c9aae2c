//! The leak guard: reads the text of every finished report and refuses it
//! when it holds another school's name, a roster name, a pupil number or
//! contact data. The last line of defence; redaction and the type boundary
//! are the first.

use std::collections::{BTreeSet, HashSet};

use mirror_ingest::RawCity;
use mirror_model::SchoolRef;

use crate::names::{self, NameSet};
use crate::{Rule, patterns};

/// One kind of thing the guard found, and how often; never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leak {
    pub rule: Rule,
    pub count: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum LeakError {
    #[error("the report contains {}", describe(.0))]
    Found(Vec<Leak>),
    #[error("the report's text cannot be read back to check it: {0}")]
    Unreadable(String),
}

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
    pupil_numbers: HashSet<String>,
    /// Contact data of the city's support catalogue, which reports may show,
    /// with spaces removed.
    public_contacts: HashSet<String>,
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
    pub fn new(raw: &RawCity) -> Self {
        let mut schools = NameSet::default();
        for (i, school) in raw.registry.iter().enumerate() {
            for name in std::iter::once(&school.name).chain(&school.aliases) {
                schools.add(name, false, SchoolRef(i as u32));
            }
        }
        let mut people = NameSet::default();
        for p in raw
            .rosters
            .iter()
            .filter(|p| !p.first_name.is_empty() && !p.last_name.is_empty())
        {
            people.add(&format!("{} {}", p.first_name, p.last_name), false, ());
            people.add(&format!("{} {}", p.last_name, p.first_name), false, ());
        }
        let public_contacts = raw
            .support_offers
            .iter()
            .flat_map(|o| std::iter::once(&o.how_to_ask).chain(&o.contact))
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
            pupil_numbers: raw
                .pupil_numbers
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
            public_contacts,
        }
    }

    /// What `text` holds that a report of `own` (`None`: a report of no
    /// school, such as the good-practice guide) must not.
    pub fn check_text(&self, own: Option<SchoolRef>, text: &str) -> Vec<Leak> {
        let mut found: Vec<Rule> = Vec::new();
        let words = names::words(text);
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
        found.extend(
            patterns::find(text)
                .into_iter()
                .filter(|h| h.rule != Rule::WebAddress)
                .filter(|h| {
                    !self
                        .public_contacts
                        .contains(&compact(&text[h.start..h.end]))
                })
                .map(|h| h.rule),
        );
        let rules: BTreeSet<Rule> = found.iter().copied().collect();
        rules
            .into_iter()
            .map(|rule| Leak {
                rule,
                count: found.iter().filter(|r| **r == rule).count(),
            })
            .collect()
    }

    /// Extracts the text of a finished PDF and checks it.
    pub fn check_pdf(&self, own: Option<SchoolRef>, pdf: &[u8]) -> Result<(), LeakError> {
        let text = pdf_extract::extract_text_from_mem(pdf)
            .map_err(|e| LeakError::Unreadable(e.to_string()))?;
        let leaks = self.check_text(own, &text);
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(LeakError::Found(leaks))
        }
    }
}
