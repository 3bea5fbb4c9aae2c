//! End to end: every document in its reader's language, for the city's own
//! texts. The seed-5 sample city (`mirror sample-data --schools 40 --years 2
//! --seed 5`, four of whose schools read English) writes its support offers,
//! network goals and good practices in Dutch and English and each school's
//! own goals in its language; with the shipped configuration a Dutch
//! school's mirror and the (Dutch) inspiration guide hold none of the
//! English sentences of those texts, and an English school's mirror none of
//! the Dutch ones. The sentences are the generator's
//! (`crates/sample-city/src/practices.rs`); picking is unit-tested in
//! `mirror-model` and `mirror-ingest`.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{pdf_text, run_and_find_period, sample_city};

/// Sentences of the city's English texts: offers, how to ask, goals,
/// evaluations and a practice.
const ENGLISH: &[&str] = &[
    "Ask the truancy advisor of the education division",
    "Register through the school support team",
    "E-mail the coordinator",
    "Ask the school's own CLB worker",
    "Guidance on absence from the first problematic half day",
    "Less bullying as pupils experience it",
    "Pupils feel safe on the way to and around the school",
    "Rules that are clear and the same for everybody",
    "every six weeks",
    "The secretariat calls the parents",
    "For whom",
];

/// The same texts in Dutch.
const DUTCH: &[&str] = &[
    "Vraag het aan de spijbelconsulent van de dienst Onderwijs",
    "Schrijf in via het ondersteuningsteam voor scholen",
    "Mail de coördinator",
    "Vraag het aan de CLB-medewerker van de school",
    "Begeleiding bij afwezigheid vanaf de eerste problematisch afwezige halve dag",
    "Minder pesten, zoals de leerlingen het ervaren",
    "Leerlingen voelen zich veilig op weg naar school en rond de school",
    "Regels die duidelijk zijn en voor iedereen gelden",
    "om de zes weken",
    "Het secretariaat belt",
    "Voor wie",
];

/// Text without white space, hyphens (a word broken at a line's end) and
/// case, so a sentence is found wherever lines break.
fn squeezed(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{AD}' | '\u{2010}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The sentences of `sentences` that `text` holds.
fn found<'a>(text: &str, sentences: &[&'a str]) -> Vec<&'a str> {
    let text = squeezed(text);
    sentences
        .iter()
        .filter(|s| text.contains(&squeezed(s)))
        .copied()
        .collect()
}

#[test]
fn each_document_holds_the_citys_texts_in_its_own_language_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (city, config) = sample_city(dir, 40, 2, 5, &[]);
    let year = run_and_find_period(dir, &config);
    // Each school's report language: the registry's last column but one.
    let registry = std::fs::read_to_string(city.join("registry.csv")).unwrap();
    let language_of = |id: &str| {
        registry
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .and_then(|l| l.rsplit(',').nth(1))
            .unwrap()
            .to_owned()
    };
    let (mut dutch_seen, mut english_seen, mut english_mirrors) = (0, 0, 0);
    for entry in std::fs::read_dir(year.join("schools")).unwrap() {
        let pdf = entry.unwrap().path();
        if pdf.extension().is_none_or(|x| x != "pdf") {
            continue;
        }
        let id = pdf.file_stem().unwrap().to_string_lossy().into_owned();
        let text = pdf_text(&pdf);
        let other = match language_of(&id).as_str() {
            "en" => {
                english_mirrors += 1;
                english_seen += found(&text, ENGLISH).len();
                DUTCH
            }
            _ => {
                dutch_seen += found(&text, DUTCH).len();
                ENGLISH
            }
        };
        let wrong = found(&text, other);
        assert!(wrong.is_empty(), "{id}: {wrong:?}");
    }
    // The sentences are there in the reports' own language: the checks
    // above looked where the texts are printed.
    assert_eq!(english_mirrors, 4);
    assert!(dutch_seen > 20, "{dutch_seen}");
    assert!(english_seen > 0, "{english_seen}");
    let guide = pdf_text(&year.join("inspiration-guide.pdf"));
    assert!(
        found(&guide, ENGLISH).is_empty(),
        "{:?}",
        found(&guide, ENGLISH)
    );
    assert!(
        found(&guide, DUTCH).contains(&"Het secretariaat belt"),
        "the guide shows the Dutch notes"
    );
}
