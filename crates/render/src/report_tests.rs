//! The mirror as a reader meets it: its sections in order, optional ones
//! left out cleanly, key messages only where benchmark flagged something,
//! and hostile names and texts printed literally.

use chrono::NaiveDate;
use mirror_anonymise::{Places, PupilNumbers, RedactionCounts, Redactor, SharedPractice};
use mirror_benchmark::follow_up::{FigureSince, SinceLastMirror};
use mirror_benchmark::funnel::{Limits, Position};
use mirror_benchmark::significance::{Change, ChangeTest};
use mirror_benchmark::{
    Against, CategoryRate, Comparison, Figure, FunnelPlot, FunnelPoint, Judgement, PatternRate,
    Period, PracticeShown, SchoolMirror,
};
use mirror_model::{AbsenceCategory, Level, SchoolRef, SchoolYear};

use crate::Renderer;
use crate::messages::key_messages;
use crate::tests::{keep, meta, mirror, templates, templates_copy, text_of, written_in};

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
    text_of(&renderer.render(m, &meta()).unwrap().pdf)
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
    let pdf = renderer.render(&full("en"), &meta()).unwrap().pdf;
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
        "Hoe leest u deze spiegel?",
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
        text.contains("Problematic absence (2.7% of the half days) is higher than at similar schools (median 2.1%)."),
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
    let redactor = Redactor::new(&[], &[], &Places::default(), &PupilNumbers::default(), &[]);
    let mut counts = RedactionCounts::new();
    let mut text_of_practice = |t: &str| redactor.redact(t, &mut counts);
    m.practices = vec![PracticeShown {
        from_level: Level::Secondary,
        similar_population: false,
        chosen_for: None,
        evidence: None,
        practice: SharedPractice {
            school: SchoolRef(1),
            themes: Vec::new(),
            year: None,
            texts: written_in(
                "en",
                mirror_model::PracticeText {
                    title: text_of_practice(&format!("Title {hostile}")),
                    what_was_done: text_of_practice(&format!("Done {hostile}")).into(),
                    for_whom: text_of_practice("Pupils of the first grade").into(),
                    what_changed: text_of_practice("#set page(width: 1cm) less absence").into(),
                },
            ),
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
    let pdf = renderer.render(&full("nl"), &meta()).unwrap().pdf;
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
    let text = text_of(&renderer.render(&full("fr"), &meta()).unwrap().pdf);
    assert!(text.contains("In short"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A hand-made follow-up: the last mirror a whole year earlier; a rate that
/// fell, a threshold withheld in both mirrors, a kind of absence new since
/// then, and three goals (the school's own, the network's questionnaire
/// goal and a manual one).
fn follow_up(language: &str) -> SchoolMirror {
    let mut m = full(language);
    let figure = |metric: &str, then, now, peer_median_then, peer_median_now| FigureSince {
        metric: metric.to_owned(),
        then,
        now,
        peer_median_then,
        peer_median_now,
        comparable: true,
    };
    m.since_last_mirror = Some(SinceLastMirror {
        last: Period::whole(SchoolYear::starting(2024)),
        figures: vec![
            figure(
                "problematic_rate",
                Some(0.031),
                Some(0.0272),
                Some(0.0204),
                Some(0.021),
            ),
            figure("from_5", Some(0.21), Some(0.18), Some(0.15), Some(0.15)),
            figure("from_30", None, None, Some(0.011), Some(0.012)),
            figure("rate_problematic", Some(0.031), Some(0.0272), None, None),
            figure("rate_sick", None, Some(0.051), None, Some(0.049)),
            figure(
                "guidance_with_file",
                Some(0.81),
                Some(0.81),
                Some(0.7),
                None,
            ),
        ],
    });
    m
}

#[test]
fn since_your_last_mirror_sets_both_mirrors_side_by_side_in_english() {
    let text = render(&follow_up("en"));
    let at = positions(
        &text,
        &[
            "In short",
            "Since your last mirror",
            "Who are we compared with?",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    for expected in [
        "Your last mirror covered the school year 2024-2025; this one covers the school year 2025-2026.",
        // The rate then and now, each with the peers' median below it,
        // and the change from 3.1% to 2.7%.
        "Problematic absence (% of half days) 3.1% 2.0% 2.7% 2.1% ↓ −0.4",
        "5 or more half days 21.0% 15.0% 18.0% 15.0% ↓ −3.0",
        // Withheld in both mirrors: not shown, never 0, and no change.
        "30 or more half days not shown* 1.1% not shown* 1.2% –",
        "Sick (Z) not shown* 5.1% 4.9% –",
        "Pupils from 5 problematic half days with a guidance file (% of them) 81.0% 70.0% 81.0% → ±0.0",
        "Dark: your school; grey below it: median of similar schools.",
        "* not shown: withheld to protect pupils (about fewer than 5 pupils",
        "Whether problematic absence changed by more than chance is under “More than chance?”.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
    // The problematic kind of absence is the first row's rate: not twice.
    assert!(!text.contains("Problematic (B) 3.1%"), "{text}");
}

#[test]
fn since_your_last_mirror_sets_both_mirrors_side_by_side_in_dutch() {
    let text = render(&follow_up("nl"));
    for expected in [
        "Sinds uw vorige spiegel",
        "Uw vorige spiegel ging over het schooljaar 2024-2025; deze gaat over het schooljaar 2025-2026.",
        "Problematische afwezigheid (% van de halve dagen) 3,1 % 2,0 % 2,7 % 2,1 % ↓ −0,4",
        "30 of meer halve dagen niet getoond* 1,1 % niet getoond* 1,2 % –",
        "staat onder „Meer dan toeval?”.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
}

/// Mirrors of part of a year say up to when, and a year-to-date "now" that
/// it is so far; without a test of the change the caveat says so.
#[test]
fn since_your_last_mirror_says_year_to_date() {
    let mut m = follow_up("en");
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    m.period = Period::up_to(day(2026, 3, 15));
    let n = m.history.len();
    m.history[n - 1].change = None;
    if let Some(since) = &mut m.since_last_mirror {
        since.last = Period::up_to(day(2025, 3, 14));
    }
    let renderer = Renderer::new(&templates()).unwrap();
    let pdf = renderer.render(&m, &meta()).unwrap().pdf;
    keep("follow-up-year-to-date.pdf", &pdf);
    let text = text_of(&pdf);
    for expected in [
        "Your last mirror covered the school year 2024-2025 up to 14 March 2025; this one covers the school year 2025-2026 so far, up to 15 March 2026.",
        "Last mirror 2024-2025 up to 14 March 2025 Now 2025-2026 up to 15 March 2026",
        "This mirror could not test whether it is more than chance.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
}

/// A whole year's mirror followed by one of the year so far: the share from
/// 5 half days (21.0% then, 18.0% now) gets no arrow, as shares grow over
/// the year; the rate (3.1% to 2.7%) keeps its −0.4.
#[test]
fn shares_of_pupils_over_different_parts_of_the_year_get_no_arrow() {
    let mut m = follow_up("en");
    if let Some(since) = &mut m.since_last_mirror {
        for f in &mut since.figures {
            f.comparable = !f.metric.starts_with("from_");
        }
    }
    let text = render(&m);
    for expected in [
        "Problematic absence (% of half days) 3.1% 2.0% 2.7% 2.1% ↓ −0.4",
        "5 or more half days 21.0% 15.0% 18.0% 15.0% –",
        "Shares of pupils grow as the school year goes on: they get no arrow when the two mirrors cover different parts of the year.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
    assert!(!render(&follow_up("en")).contains("Shares of pupils grow"));
}

#[test]
fn a_mirror_without_an_earlier_one_has_no_since_section() {
    assert!(!render(&full("en")).contains("Since your last mirror"));
    assert!(!render(&full("nl")).contains("Sinds uw vorige spiegel"));
}

#[test]
fn a_follow_up_renders_the_same_pdf_twice() {
    let renderer = Renderer::new(&templates()).unwrap();
    let m = follow_up("nl");
    let pdf = renderer.render(&m, &meta()).unwrap().pdf;
    keep("follow-up-nl.pdf", &pdf);
    keep(
        "follow-up-en.pdf",
        &renderer.render(&follow_up("en"), &meta()).unwrap().pdf,
    );
    assert_eq!(pdf, renderer.render(&m, &meta()).unwrap().pdf);
}

/// The PDF's keywords in its Info dictionary and in its XMP metadata.
fn keywords(pdf: &[u8]) -> (String, String) {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let in_info = lopdf::decode_text_string(info.get(b"Keywords").unwrap()).unwrap();
    let metadata = doc
        .catalog()
        .unwrap()
        .get(b"Metadata")
        .unwrap()
        .as_reference()
        .unwrap();
    let stream = doc.get_object(metadata).unwrap().as_stream().unwrap();
    let xmp = String::from_utf8(
        stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone()),
    )
    .unwrap();
    let (_, rest) = xmp.split_once("<pdf:Keywords>").unwrap();
    let (in_xmp, _) = rest.split_once("</pdf:Keywords>").unwrap();
    (in_info, in_xmp.to_owned())
}

/// The data hash, method version and peer set the report was made with, on
/// the methodology page and in the PDF's keywords; "none" without peers.
#[test]
fn the_mirror_carries_its_data_hash_method_version_and_peer_set() {
    let renderer = Renderer::new(&templates()).unwrap();
    let meta = meta();
    let hash = &meta.data_sha256;
    assert_eq!(mirror_benchmark::METHOD_VERSION, "2026.3");
    let pdf = renderer.render(&full("en"), &meta).unwrap().pdf;
    let expected = format!("data-sha256:{hash}, method-version:2026.3, peer-set:9c1e0d2b7a4f5e61");
    assert_eq!(keywords(&pdf), (expected.clone(), expected));
    // The extraction puts a space where the font changes back after the hash.
    let text = text_of(&pdf).replace(" ,", ",");
    let line =
        format!("Traceability: data {hash}, method version 2026.3, peer set 9c1e0d2b7a4f5e61");
    assert!(text.contains(&line), "`{line}` not in:\n{text}");
    let at = positions(&text, &["How to read this mirror", "Traceability:"]);
    assert!(at[0] < at[1], "{at:?}");

    let mut lonely = full("nl");
    lonely.peer_group = None;
    let pdf = renderer.render(&lonely, &meta).unwrap().pdf;
    let expected = format!("data-sha256:{hash}, method-version:2026.3, peer-set:none");
    assert_eq!(keywords(&pdf), (expected.clone(), expected));
    let text = text_of(&pdf).replace(" ,", ",");
    let line =
        format!("Herleidbaarheid: gegevens {hash}, methodeversie 2026.3, geen vergelijkingsgroep");
    assert!(text.contains(&line), "`{line}` not in:\n{text}");
}

fn redacted(text: &str) -> mirror_anonymise::RedactedText {
    let redactor = Redactor::new(&[], &[], &Places::default(), &PupilNumbers::default(), &[]);
    redactor.redact(text, &mut RedactionCounts::new())
}

/// The full mirror with two goals, one support offer and one practice:
/// - the school's goal on pupils from 15 half days: 10%, 9%, 8% in the
///   school years to June 2024, 2025, 2026 (the worked example of
///   benchmark's goals tests, two years later): -1.0 point a year, target
///   6.5% by 30 June 2028, 731 days (2.001369 years) on, needing
///   (6.5 - 8) / 2.001369 = -0.749 points a year: on track;
/// - the network's questionnaire goal: one score, 68.4, so no trend;
/// - the truancy coach, for a rate flagged higher (2.7% against 2.1%) and
///   rising;
/// - a practice from a school like it whose absence fell by a third over
///   two years.
fn closing_the_loop(language: &str) -> SchoolMirror {
    use mirror_benchmark::goals::{GoalPoint, GoalProgress, judge};
    use mirror_benchmark::practices::{Evidence, Fraction};
    use mirror_benchmark::support::{Finding, SupportSuggestion};
    use mirror_model::{Measure, RespondentGroup, SupportOffer, Trigger, Wording};
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let points = |values: &[(i32, f64)]| -> Vec<GoalPoint> {
        values
            .iter()
            .map(|(end, v)| GoalPoint {
                year: SchoolYear::starting(end - 1),
                to: day(*end, 6, 30),
                part_of_year: false,
                value: Some(*v),
            })
            .collect()
    };
    let mut m = full(language);
    let shares = points(&[(2024, 0.10), (2025, 0.09), (2026, 0.08)]);
    let score = points(&[(2026, 68.4)]);
    let goal = GoalProgress {
        goal: written_in(
            language,
            redacted("Fewer pupils reaching the truancy threshold"),
        ),
        network: false,
        indicator: Measure::PupilsFrom { threshold: 15 },
        target: 0.065,
        baseline: Some(0.10),
        deadline: day(2028, 6, 30),
        partner: redacted("CLB Centrum"),
        evaluation: Some(written_in(language, redacted("termly"))),
        judgement: judge(&shares, 0.065, day(2028, 6, 30), true, true),
        series: shares,
    };
    m.goals = vec![
        goal.clone(),
        GoalProgress {
            goal: written_in(language, redacted("Pupils feel safe around the schools")),
            network: true,
            indicator: Measure::Scale {
                scale: "safe-around-school".to_owned(),
                group: Some(RespondentGroup::Pupils),
            },
            target: 75.0,
            baseline: None,
            deadline: day(2027, 6, 30),
            evaluation: None,
            judgement: judge(&score, 75.0, day(2027, 6, 30), false, false),
            series: score,
            ..goal
        },
    ];
    let finding = |trigger, value, compared_with| Finding {
        trigger,
        group: None,
        value,
        compared_with,
        // The fixture's peers: a median of 2.1%.
        peer_figure: compared_with.map(|_| mirror_benchmark::PeerFigure::Median),
        themes: vec!["truancy".to_owned()],
    };
    m.support = vec![SupportSuggestion {
        offer: SupportOffer {
            organisation: "City education service".to_owned(),
            offer: written_in(language, "Truancy coach".to_owned()),
            themes: vec!["truancy".to_owned()],
            levels: vec![Level::Secondary],
            how_to_ask: written_in(language, "Ask the truancy advisor".to_owned()),
            contact: Some("coach@city.example".to_owned()),
        },
        findings: vec![
            finding(
                Trigger::WorseThanPeers {
                    figure: Measure::ProblematicRate,
                },
                Some(0.0272),
                Some(0.021),
            ),
            finding(Trigger::Rising, Some(0.0272), None),
        ],
    }];
    m.practices = vec![PracticeShown {
        from_level: Level::Secondary,
        similar_population: true,
        chosen_for: Some(Wording {
            nl: "Spijbelen en schoolverzuim".to_owned(),
            en: "Truancy and absence".to_owned(),
        }),
        evidence: Some(Evidence::AbsenceFell {
            by: Fraction::Third,
            years: 2,
        }),
        practice: SharedPractice {
            school: SchoolRef(1),
            themes: vec!["truancy".to_owned()],
            year: Some(SchoolYear::starting(2025)),
            texts: written_in(
                language,
                mirror_model::PracticeText {
                    title: redacted("A phone call before ten"),
                    what_was_done: redacted("The secretariat calls home.").into(),
                    for_whom: redacted("All pupils.").into(),
                    what_changed: redacted("Fewer absences.").into(),
                },
            ),
        },
    }];
    m
}

#[test]
fn goals_support_and_practices_in_english() {
    let text = render(&closing_the_loop("en"));
    let at = positions(
        &text,
        &[
            "Goals of your action plan",
            "Support you can ask for",
            "Good practices from other schools",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    for expected in [
        "Fewer pupils reaching the truancy threshold",
        "Pupils with 15 or more problematic half days (% of pupils) · target 6.5% by 30 June 2028 (baseline 10.0%)",
        "Responsible: CLB Centrum · evaluated termly",
        "Your school 10.0% 9.0% 8.0% 6.5%",
        "On track: the figure moves −1.0 percentage points a year; −0.7 percentage points a year reaches the target by the deadline.",
        "Pupils feel safe around the schools (goal of the local network)",
        "target 75 by 30 June 2027",
        "Too early to tell: one figure so far (68 in 2025-2026): no trend to judge by yet.",
        "What this mirror found",
        "1. Problematic absence is higher than at similar schools (2.7% against median 2.1%). 2. Problematic absence rose by more than chance since the year before.",
        "What you can ask for Truancy coach",
        "City education service · How to ask: Ask the truancy advisor · Contact: coach@city.example Called for by 1, 2 above",
        "Shared by a secondary school with a similar pupil population where problematic absence fell by about a third over 2 school years. · 2025-2026",
        "Chosen because “Truancy and absence” is among the themes where your school's figures are weakest.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
}

#[test]
fn goals_support_and_practices_in_dutch() {
    let text = render(&closing_the_loop("nl"));
    for expected in [
        "Doelen uit uw actieplan",
        "streefwaarde 6,5 % tegen 30 juni 2028 (startwaarde 10,0 %)",
        "Uw school 10,0 % 9,0 % 8,0 % 6,5 %",
        "Op schema: het cijfer beweegt −1,0 procentpunt per jaar; −0,7 procentpunt per jaar haalt de streefwaarde tegen de deadline.",
        "Ondersteuning die u kunt vragen",
        "Wat deze spiegel vond",
        "1. De problematische afwezigheid ligt hoger dan bij vergelijkbare scholen (2,7 % tegenover mediaan 2,1 %).",
        "Naar aanleiding van 1, 2 hierboven",
        "Gedeeld door een secundaire school met een gelijkaardige leerlingenpopulatie waar de problematische afwezigheid over 2 schooljaren met ongeveer een derde daalde.",
        "Gekozen omdat „Spijbelen en schoolverzuim”",
    ] {
        assert!(text.contains(expected), "`{expected}` not in:\n{text}");
    }
}

/// Without goals, findings or practices the sections are left out, headings
/// and all.
#[test]
fn without_goals_or_findings_there_is_no_section() {
    let mut m = full("en");
    m.practices.clear();
    let text = render(&m);
    for absent in [
        "Goals of your action plan",
        "Support you can ask for",
        "Good practices from other schools",
    ] {
        assert!(!text.contains(absent), "`{absent}` in:\n{text}");
    }
}

/// The Flemish words of nl.toml on a rendered mirror, each worked out from
/// the fixture: the city's name from the configuration in the header, the
/// reader "u", months as a Flemish school abbreviates them (the month table
/// runs September to June: "mrt", never "maa"), grades by name (P1 is the
/// "1ste leerjaar", S3 the "3de jaar"), the change's p = 0.012 with a
/// decimal comma, and a rate of exactly 1/16 (6.25 %) rounded half away
/// from zero to 6,3 %, not to the even 6,2 %.
#[test]
fn a_dutch_mirror_writes_as_a_flemish_school() {
    let mut m = full("nl");
    let rate = m.categories[0].rate;
    m.patterns.grades = ["P1", "S3"]
        .map(|part| PatternRate {
            part: part.to_owned(),
            rate,
        })
        .to_vec();
    let n = m.history.len();
    m.history[n - 1].problematic_rate.school = Figure::Value(1.0 / 16.0);
    let renderer = Renderer::new(&templates())
        .unwrap()
        .with_city_name(Some("Voorbeeldstad"));
    let pdf = renderer.render(&m, &meta()).unwrap().pdf;
    keep("flemish.pdf", &pdf);
    let text = text_of(&pdf);
    for words in [
        "SPIJBELSPIEGEL · Voorbeeldstad",
        "Hoe leest u deze spiegel?",
        " jan feb mrt apr ",
        "1ste leerjaar",
        "3de jaar",
        "(p = 0,012)",
        "6,3 %",
    ] {
        assert!(text.contains(words), "`{words}` missing: {text}");
    }
    for wrong in [
        " maa ",
        " P1 ",
        " S3 ",
        "p = 0.",
        "6,2 %",
        "Hoe lees je",
        "· Stad",
    ] {
        assert!(!text.contains(wrong), "`{wrong}` in: {text}");
    }
}

/// Without `[report] city_name` the header names the report only.
#[test]
fn without_a_city_name_the_header_names_the_report_only() {
    let text = render(&full("en"));
    assert!(text.starts_with("TRUANCY MIRROR "), "{text}");
    assert!(!text.contains("TRUANCY MIRROR ·"), "{text}");
}

/// The text the leak guard checks holds every word a PDF reader extracts
/// from the finished PDF, in each language and for a follow-up, and what
/// such a reader never sees: the charts' labels, the alternative texts and
/// the metadata.
#[test]
fn the_checked_text_holds_all_the_pdf_shows_and_what_readers_do_not_extract() {
    let renderer = Renderer::new(&templates()).unwrap();
    for m in [full("nl"), full("en"), follow_up("nl")] {
        let report = renderer.render(&m, &meta()).unwrap();
        let checked: String = report.text.split_whitespace().collect();
        let lines: Vec<String> = report
            .text
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        // The PDF reader glues a line's end to the start of one beside it
        // (a heading's last word to a chart label's first).
        let glued = |word: &str| {
            (1..word.len())
                .filter(|&i| word.is_char_boundary(i))
                .any(|i| {
                    lines.iter().any(|l| l.ends_with(&word[..i]))
                        && lines.iter().any(|l| l.starts_with(&word[i..]))
                })
        };
        let extracted = pdf_extract::extract_text_from_mem(&report.pdf).unwrap();
        let words: Vec<&str> = extracted.split_whitespace().collect();
        assert!(words.len() > 300, "{} words", words.len());
        for word in words {
            assert!(
                checked.contains(word) || glued(word),
                "{}: `{word}` is in the PDF but not in the checked text:\n{}",
                m.language.as_str(),
                report.text
            );
        }
    }
    let en = renderer.render(&full("en"), &meta()).unwrap().text;
    let lines: Vec<&str> = en.lines().collect();
    for line in [
        // A chart's axis title, inside the SVG.
        "Problematic half days in the school year",
        "Median of similar schools",
        // The keywords of the metadata.
        "data-sha256:3f2a9b7c1d0e5f4a6b8c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
    ] {
        assert!(lines.contains(&line), "`{line}` is not a line of:\n{en}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Funnel plot: your school's rate of problematic absence,")),
        "{en}"
    );
}
