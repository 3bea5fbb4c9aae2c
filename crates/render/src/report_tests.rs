//! The mirror as a reader meets it: its sections in order, optional ones
//! left out cleanly, key messages only where benchmark flagged something,
//! and hostile names and texts printed literally.

use mirror_anonymise::{Places, RedactionCounts, Redactor, SharedPractice};
use mirror_benchmark::funnel::{Limits, Position};
use mirror_benchmark::significance::{Change, ChangeTest};
use mirror_benchmark::{
    Against, CategoryRate, Comparison, Figure, FunnelPlot, FunnelPoint, Judgement, PatternRate,
    PracticeShown, SchoolMirror,
};
use mirror_model::{AbsenceCategory, Level, SchoolRef};

use crate::Renderer;
use crate::messages::key_messages;
use crate::tests::{meta, mirror, templates, templates_copy, text_of};

fn judged(position: Position, target: f64) -> Option<Judgement> {
    Some(Judgement {
        position,
        against: Against::Peers,
        target,
        limits: Limits {
            lower95: target * 0.6,
            upper95: target * 1.4,
            lower998: target * 0.4,
            upper998: target * 1.6,
        },
        z: 2.5,
        overdispersed: true,
    })
}

fn change(change: Change) -> Option<ChangeTest> {
    Some(ChangeTest {
        change,
        difference: 0.004,
        z: 2.6,
        p_value: 0.012,
    })
}

/// The fixture mirror with every optional truancy section filled: a
/// judgement and a rise two years running, the funnel, kinds of absence,
/// months and weekdays.
fn full(language: &str) -> SchoolMirror {
    let mut m = mirror(language);
    let n = m.history.len();
    m.history[n - 2].change = change(Change::Rising);
    let now = &mut m.history[n - 1];
    now.change = change(Change::Rising);
    now.problematic_rate.judged = judged(Position::High95, 0.021);
    let rate = now.problematic_rate.school.value().unwrap();
    m.funnel = Some(FunnelPlot {
        target: 0.021,
        against: Against::Peers,
        school_trials: 60_000,
        school_rate: rate,
        curve: [6_000, 60_000, 600_000]
            .map(|trials| FunnelPoint {
                trials,
                limits: judged(Position::Within, 0.021).unwrap().limits,
            })
            .to_vec(),
    });
    let c = |value: f64| Comparison {
        school: Figure::Value(value),
        peers: m.history[0].problematic_rate.peers,
        city: Some(value),
        judged: judged(Position::Within, value),
    };
    m.categories = vec![
        CategoryRate {
            category: AbsenceCategory::Problematic,
            rate: c(rate),
        },
        CategoryRate {
            category: AbsenceCategory::Sick,
            rate: c(0.051),
        },
    ];
    m.patterns.months = (0..10)
        .map(|k| PatternRate {
            part: ((k + 8) % 12 + 1).to_string(),
            rate: c(0.02 + f64::from(k) * 0.001),
        })
        .collect();
    m.patterns.weekdays = ["mon-am", "mon-pm", "fri-pm"]
        .map(|part| PatternRate {
            part: part.to_owned(),
            rate: c(0.03),
        })
        .to_vec();
    m
}

fn render(m: &SchoolMirror) -> String {
    let renderer = Renderer::new(&templates()).unwrap();
    text_of(&renderer.render(m, &meta()).unwrap())
}

/// Each heading's position in the text, failing on one that is missing.
fn positions(text: &str, headings: &[&str]) -> Vec<usize> {
    headings
        .iter()
        .map(|h| {
            text.find(h)
                .unwrap_or_else(|| panic!("`{h}` is not in the report:\n{text}"))
        })
        .collect()
}

#[test]
fn the_sections_come_in_reading_order_in_english() {
    let text = render(&full("en"));
    let headings = [
        "In short",
        "Who are we compared with?",
        "Key figures 2025-2026",
        "Problematic absence over the years",
        "Pupils by number of problematic half days",
        "More than chance?",
        "Kinds of absence and when problematic absence happens",
        "Which days, grades and courses",
        "Follow-up from 5 problematic half days",
        "How to read this mirror",
    ];
    let at = positions(&text, &headings);
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{headings:?} at {at:?}");
    assert!(text.contains("2.7%"), "{text}");
}

/// The text alternatives (`/Alt`) of the PDF's figures, in document order.
fn alternatives(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let mut out: Vec<(lopdf::ObjectId, String)> = doc
        .objects
        .iter()
        .filter_map(|(id, object)| {
            let alt = object.as_dict().ok()?.get(b"Alt").ok()?;
            Some((*id, lopdf::decode_text_string(alt).ok()?))
        })
        .collect();
    out.sort_by_key(|(id, _)| *id);
    out.into_iter().map(|(_, alt)| alt).collect()
}

/// Every chart has a one-sentence alternative with its figures, in the
/// order the charts appear.
#[test]
fn every_chart_has_a_text_alternative_with_its_figures() {
    let renderer = Renderer::new(&templates()).unwrap();
    let pdf = renderer.render(&full("en"), &meta()).unwrap();
    let alts = alternatives(&pdf);
    let starts: Vec<&str> = alts
        .iter()
        .map(|a| &a[..a.find(':').unwrap_or(a.len())])
        .collect();
    assert_eq!(
        starts,
        [
            "Line chart of problematic absence from 2023-2024 to 2025-2026",
            "Bar chart of pupils by number of problematic half days",
            "Funnel plot"
        ],
        "{alts:?}"
    );
    assert!(
        alts[2].contains("2.7%") && alts[2].contains("2.1%"),
        "{alts:?}"
    );
}

#[test]
fn the_sections_come_in_reading_order_in_dutch() {
    let text = render(&full("nl"));
    let headings = [
        "Kort samengevat",
        "Kerncijfers 2025-2026",
        "Meer dan toeval?",
        "Welke dagen, leerjaren en onderwijsvormen",
        "Hoe lees je deze spiegel?",
    ];
    let at = positions(&text, &headings);
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{headings:?} at {at:?}");
    assert!(text.contains("2,7"), "{text}");
}

/// The fixture without judgement, change, funnel, kinds of absence,
/// patterns, practices or questionnaires: none of those headings stays
/// behind empty.
#[test]
fn an_absent_optional_section_leaves_no_heading() {
    let text = render(&mirror("en"));
    for heading in [
        "More than chance?",
        "Kinds of absence",
        "Which days, grades and courses",
        "Good practices from other schools",
    ] {
        assert!(!text.contains(heading), "`{heading}` in:\n{text}");
    }
    // The key messages have nothing flagged to say: the rate is shown but
    // not judged, so no message and no heading.
    assert!(key_messages(&mirror("en")).is_empty());
    assert!(!text.contains("In short"), "{text}");
}

/// A rate above the 95% limit and a significant rise two years running:
/// "higher", and "rose ... 2 school years in a row"; nothing about the
/// thresholds, which were not judged.
#[test]
fn key_messages_say_only_what_was_flagged() {
    let keys: Vec<(String, Option<usize>)> = key_messages(&full("en"))
        .into_iter()
        .map(|k| (k.key, k.years))
        .collect();
    assert_eq!(
        keys,
        [
            ("rate_higher".to_owned(), None),
            ("rising_last_year".to_owned(), Some(2)),
        ]
    );
    let text = render(&full("en"));
    assert!(
        text.contains("Problematic absence (2.7% of the half days) is higher than at similar schools (average 2.1%)."),
        "{text}"
    );
    assert!(
        text.contains("That makes 2 school years in a row."),
        "{text}"
    );
}

/// Markup in a school's name and in free text prints as the characters
/// they are: data reaches Typst as JSON, never as markup, and nothing is
/// read from outside the templates.
#[test]
fn hostile_names_and_texts_print_literally() {
    let hostile = r#"#read("/lang/en.toml") [x] $y$ @ref <l> \ *b* _i_ #import "style.typ": *"#;
    let mut m = full("en");
    m.name = format!("School {hostile}");
    let redactor = Redactor::new(&[], &[], &Places::default(), [], &[]);
    let mut counts = RedactionCounts::new();
    let mut text_of_practice = |t: &str| redactor.redact(t, &mut counts);
    m.practices = vec![PracticeShown {
        from_level: Level::Secondary,
        practice: SharedPractice {
            school: SchoolRef(1),
            themes: Vec::new(),
            title: text_of_practice(&format!("Title {hostile}")),
            year: None,
            what_was_done: text_of_practice(&format!("Done {hostile}")),
            for_whom: text_of_practice("Pupils of the first grade"),
            what_changed: text_of_practice("#set page(width: 1cm) less absence"),
        },
    }];
    let text = render(&m);
    let squeezed: String = text.split_whitespace().collect();
    for literal in [
        format!("School {hostile}"),
        format!("Title {hostile}"),
        "#set page(width: 1cm) less absence".to_owned(),
    ] {
        let literal: String = literal.split_whitespace().collect();
        assert!(squeezed.contains(&literal), "`{literal}` not in:\n{text}");
    }
    // No strings file was read into the report.
    assert!(!text.contains("percent_space"), "{text}");
}

/// A template may read only the templates folder and the report's own
/// files: a path outside it is not found.
#[test]
fn templates_cannot_read_outside_their_folder() {
    let dir = templates_copy("outside", |dir| {
        let path = dir.join("mirror.typ");
        let mut typ = std::fs::read_to_string(&path).unwrap();
        typ.push_str("\n#read(\"../Cargo.toml\")\n");
        std::fs::write(path, typ).unwrap();
    });
    let renderer = Renderer::new(&dir).unwrap();
    let e = renderer.render(&mirror("en"), &meta()).unwrap_err();
    assert!(
        e.to_string().contains("not found") || e.to_string().contains("Cargo.toml"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The mirror declares PDF/UA-1 in its metadata: typst checked at export
/// that every figure has an alternative and the document a title.
#[test]
fn the_mirror_is_an_accessible_pdf() {
    let renderer = Renderer::new(&templates()).unwrap();
    let pdf = renderer.render(&full("nl"), &meta()).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("<pdfuaid:part>1</pdfuaid:part>"),
        "no PDF/UA-1 identification"
    );
}

/// A new language is a strings file and nothing else: with `lang/fr.toml`
/// (here the English one, as a translator would start) a school whose
/// registry language is `fr` gets its mirror.
#[test]
fn a_new_language_needs_only_its_strings_file() {
    let dir = templates_copy("french", |dir| {
        std::fs::copy(dir.join("lang/en.toml"), dir.join("lang/fr.toml")).unwrap();
    });
    let renderer = Renderer::new(&dir).unwrap();
    let text = text_of(&renderer.render(&full("fr"), &meta()).unwrap());
    assert!(text.contains("In short"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}
