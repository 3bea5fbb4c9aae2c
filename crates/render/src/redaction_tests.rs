//! Property test: for generated registries and rosters, no school or person
//! name in a good practice survives redaction into a rendered mirror, and no
//! word of the ordinary text around the names is lost.
//!
//! Each case draws a registry, a roster and notes from a seeded generator;
//! the seeds are fixed, so a failure names a case that can be run again.

use mirror_anonymise::{Places, PupilNumbers, RedactionCounts, Redactor, SharedPractice};
use mirror_benchmark::PracticeShown;
use mirror_ingest::{RegistryEntry, RosterName};
use mirror_model::{Level, SchoolRef, SchoolYear};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Renderer;
use crate::tests::{meta, mirror, templates, text_of};

/// Syllables for names that are no ordinary word in Dutch or English.
const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mir", "vex", "dra", "qui", "zel", "tor", "bru", "nyx", "fal", "wen", "gor", "sil",
    "yam", "pex",
];
const SCHOOL_KINDS: [&str; 6] = [
    "Atheneum",
    "Basisschool",
    "College",
    "Lyceum",
    "Sint-",
    "Campus",
];
const PARTICLES: [&str; 3] = ["Van der", "De", "El"];

/// Ordinary sentences, none of which holds a name: every word must survive.
const ORDINARY: [&str; 6] = [
    "The team talks with every pupil who missed a morning.",
    "Parents are called before ten o'clock on the first day.",
    "Older pupils walk with first-years to the bus stop.",
    "De leerkrachten staan 's ochtends aan de poort.",
    "A small group meets every week after lunch.",
    "Absences in the autumn fell by a third.",
];

fn word(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(2..4);
    let w: String = (0..n)
        .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
        .collect();
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

struct Case {
    registry: Vec<RegistryEntry>,
    roster: Vec<RosterName>,
}

fn case(rng: &mut ChaCha8Rng) -> Case {
    let registry = (0..rng.random_range(3..8))
        .map(|i| {
            let distinct = word(rng);
            let kind = SCHOOL_KINDS[rng.random_range(0..SCHOOL_KINDS.len())];
            let name = if kind.ends_with('-') {
                format!("{kind}{distinct}")
            } else {
                format!("{kind} {distinct}")
            };
            RegistryEntry {
                id: format!("{}", 200_000 + i).parse().unwrap(),
                name,
                aliases: vec![format!("{} {}", word(rng), distinct)],
                level: Level::Secondary,
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
        })
        .collect();
    let roster = (0..rng.random_range(2..8))
        .map(|_| {
            let last = if rng.random_bool(0.3) {
                format!(
                    "{} {}",
                    PARTICLES[rng.random_range(0..PARTICLES.len())],
                    word(rng)
                )
            } else {
                word(rng)
            };
            RosterName {
                first_name: word(rng),
                last_name: last,
            }
        })
        .collect();
    Case { registry, roster }
}

/// A mention of a school or a person, written as people write it.
fn mention(rng: &mut ChaCha8Rng, c: &Case) -> String {
    let school = &c.registry[rng.random_range(0..c.registry.len())];
    let person = &c.roster[rng.random_range(0..c.roster.len())];
    match rng.random_range(0..7) {
        0 => school.name.clone(),
        1 => school.name.to_lowercase(),
        2 => school.aliases[0].to_uppercase(),
        3 => format!("{} {}", person.first_name, person.last_name),
        4 => format!("{}, {}", person.last_name, person.first_name),
        5 => person.first_name.clone(),
        _ => format!(
            "{}.{}@school.be",
            person.first_name.to_lowercase(),
            person.last_name.to_lowercase().replace(' ', "")
        ),
    }
}

/// Lower case, accents kept (the generator makes none), every run of
/// non-letters one space: names are found however a line was broken.
fn normalise(text: &str) -> String {
    let spaced: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    format!(
        " {} ",
        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

#[test]
fn no_generated_name_survives_into_a_rendered_mirror() {
    let renderer = Renderer::new(&templates()).unwrap();
    for seed in 0..40u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let c = case(&mut rng);
        let redactor = Redactor::new(
            &c.registry,
            &c.roster,
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        );
        let mut counts = RedactionCounts::new();
        let language = if seed % 2 == 0 { "nl" } else { "en" };
        let mut practices = Vec::new();
        for p in 0..3 {
            let mut field = |rng: &mut ChaCha8Rng| {
                let mut text = String::new();
                for _ in 0..4 {
                    text.push_str(ORDINARY[rng.random_range(0..ORDINARY.len())]);
                    text.push_str(" With ");
                    text.push_str(&mention(rng, &c));
                    text.push_str(". ");
                }
                let redacted = redactor.redact(&text, &mut counts);
                // No word of ordinary text is lost.
                for sentence in ORDINARY {
                    assert_eq!(
                        text.matches(sentence).count(),
                        redacted.as_str().matches(sentence).count(),
                        "seed {seed}: {sentence:?} damaged in {redacted}"
                    );
                }
                redacted
            };
            practices.push(PracticeShown {
                from_level: Level::Secondary,
                similar_population: false,
                chosen_for: None,
                evidence: None,
                practice: SharedPractice {
                    school: SchoolRef(p),
                    themes: Vec::new(),
                    year: Some(SchoolYear::starting(2025)),
                    texts: mirror_model::Texts::new(
                        mirror_model::ReportLanguage::new(language).unwrap(),
                        mirror_model::PracticeText {
                            title: field(&mut rng),
                            what_was_done: field(&mut rng).into(),
                            for_whom: field(&mut rng).into(),
                            what_changed: field(&mut rng).into(),
                        },
                    ),
                },
            });
        }
        let mut m = mirror(language);
        m.practices = practices;
        let text = normalise(&text_of(&renderer.render(&m, &meta()).unwrap().pdf));
        assert!(
            text.contains(" with "),
            "seed {seed}: the appendix is missing"
        );
        let names = c
            .registry
            .iter()
            .flat_map(|s| std::iter::once(&s.name).chain(&s.aliases))
            .chain(c.roster.iter().flat_map(|p| [&p.first_name, &p.last_name]));
        for name in names {
            let name = normalise(name);
            // Every name word the generator made is distinctive on its own.
            for w in name.split_whitespace().filter(|w| w.len() > 3) {
                if SCHOOL_KINDS.iter().any(|k| normalise(k).trim() == w) {
                    continue;
                }
                let at = text.find(&format!(" {w} "));
                assert!(
                    at.is_none(),
                    "seed {seed}: `{w}` of a name is in the rendered mirror: ...{}... {:?}",
                    at.map_or("", |i| &text
                        [i.saturating_sub(80)..(i + 80).min(text.len())]),
                    c.registry
                        .iter()
                        .map(|s| (&s.name, &s.aliases))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}
