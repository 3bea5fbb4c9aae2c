//! End to end: the safety and wellbeing part of the mirrors of the sample
//! city issue 23 was read on (`mirror sample-data --schools 40 --years 2
//! --seed 5`, the shipped configuration but for the peers: the 19 nearest
//! schools, so that scores have peers' quartiles to be lower than; the
//! shipped rules give this city groups under 10), checked in the rendered
//! text:
//! the perception gaps' difference is the rounded difference of the
//! unrounded means, a school that invited some grades is compared with
//! those grades, a low response is cautioned beside every figure, and no
//! score is called lower than most similar schools by a difference the
//! number of respondents cannot carry.
//!
//! The figures a PDF must print are taken from benchmark's own mirrors of
//! the same city; the rules that turn them into words are worked by hand in
//! the unit tests of `crates/benchmark/src/survey.rs` and
//! `crates/render/src/survey_tests.rs`.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{benchmark, mirror, pdf_text, sample_city};

use std::path::Path;

use mirror_benchmark::survey::InstrumentMirror;
use mirror_benchmark::{Figure, SchoolMirror, Side};
use mirror_model::{Config, RespondentGroup};

/// The seed-5 city in `dir/city`, its mirrors rendered by `mirror run`, and
/// benchmark's mirrors of the same year made in this process as the
/// pipeline makes them (no earlier releases: the run is the first).
fn seed_5(dir: &Path) -> (Vec<SchoolMirror>, std::path::PathBuf) {
    let (_, config) = sample_city(dir, 40, 2, 5, &[]);
    let path = config
        .set("peers.method", "nearest")
        .set("peers.size", 19)
        .write(&dir.join("mirror.toml"));
    mirror(&["run".as_ref(), "--config".as_ref(), path.as_os_str()]);
    let config = Config::load(&path).unwrap();
    let (_, b) = benchmark(&config);
    let year = b.mirrors[0].year.to_string();
    (b.mirrors, dir.join("out").join(year).join("schools"))
}

/// A whole score as the template prints it (halves away from zero), with
/// its sign for a difference.
fn signed(x: f64) -> String {
    let r = x.round() as i64;
    match r.signum() {
        1 => format!("+{r}"),
        -1 => format!("\u{2212}{}", -r),
        _ => "±0".to_owned(),
    }
}

fn dutch(m: &SchoolMirror) -> bool {
    m.language.as_str() == "nl"
}

fn group_name(m: &SchoolMirror, group: RespondentGroup) -> &'static str {
    match (dutch(m), group) {
        (true, RespondentGroup::Pupils) => "Leerlingen",
        (true, RespondentGroup::Teachers) => "Leerkrachten",
        (true, RespondentGroup::Staff) => "Ander personeel",
        (false, RespondentGroup::Pupils) => "Pupils",
        (false, RespondentGroup::Teachers) => "Teachers",
        (false, RespondentGroup::Staff) => "Other staff",
    }
}

#[test]
fn survey_flags_gaps_representativeness_and_low_response_in_the_rendered_text() {
    let dir = tempfile::tempdir().unwrap();
    let (mirrors, schools) = seed_5(dir.path());
    let text_of = |m: &SchoolMirror| pdf_text(&schools.join(format!("{}.pdf", m.school)));
    let with_survey: Vec<(&SchoolMirror, &InstrumentMirror, String)> = mirrors
        .iter()
        .flat_map(|m| m.survey.instruments.iter().map(move |i| (m, i)))
        .map(|(m, i)| (m, i, text_of(m)))
        .collect();
    assert!(!with_survey.is_empty());

    // 1. Gap rows: the difference of the unrounded means, rounded once. The
    // issue counted 9 of 27 rows where the difference of the rounded means
    // differs; each such row must print the once-rounded one.
    let mut off_by_one = 0;
    for (m, i, text) in &with_survey {
        for d in i.gaps.iter().flat_map(|g| &g.disagreements) {
            let [a, b] = d.means.map(|x| x.round());
            let row = format!("{a} {b} {}", signed(d.difference));
            assert!(text.contains(&row), "{} {}: no `{row}`", m.school, d.item);
            if signed(a - b) != signed(d.difference) {
                off_by_one += 1;
            }
        }
    }
    assert!(
        off_by_one > 0,
        "no gap row where rounding twice would differ"
    );

    // 2. Schools that invited some grades are compared with those grades,
    // and every invited grade without a respondent is named.
    let mut some_grades = 0;
    for (m, i, text) in &with_survey {
        for g in &i.groups {
            let Some(r) = &g.representativeness else {
                continue;
            };
            let (invited, like, nobody) = if dutch(m) {
                (
                    "De school nodigde de leerlingen van",
                    "ongeveer zo over de leerjaren verdeeld als de uitgenodigde leerlingen",
                    "Geen enkele leerling antwoordde in:",
                )
            } else {
                (
                    "The school invited the pupils of",
                    "spread over the grades much like the pupils invited",
                    "No pupil answered in:",
                )
            };
            assert_eq!(
                text.contains(invited),
                r.some_grades_invited,
                "{}",
                m.school
            );
            assert_eq!(text.contains(like), !r.unlike_the_school, "{}", m.school);
            assert_eq!(
                text.contains(nobody),
                !r.grades_without_respondents.is_empty(),
                "{}",
                m.school
            );
            if r.some_grades_invited {
                some_grades += 1;
                // Seed 5's such schools invited the upper grades and their
                // pupils answered across them (100180: index 0.07 against
                // S4-S6, 0.51 against the whole school).
                assert!(!r.unlike_the_school, "{}: {r:?}", m.school);
            }
        }
    }
    assert!(some_grades >= 1, "no school invited some grades");

    // 3. A low response rate: the caution, with the group's name, beside
    // the who-answered table, the scores chart, the favourable shares and
    // the answers per question at least.
    let mut low = 0;
    for (m, i, text) in &with_survey {
        for g in i.groups.iter().filter(|g| g.low_response && g.shown) {
            low += 1;
            let caution = if dutch(m) {
                format!("‡ {}: slechts ", group_name(m, g.group))
            } else {
                format!("‡ {}: only ", group_name(m, g.group))
            };
            let n = text.matches(&caution).count();
            assert!(n >= 4, "{}: `{caution}` {n} times", m.school);
        }
        let rates: Vec<f64> = i.groups.iter().filter_map(|g| g.response_rate).collect();
        for g in &i.groups {
            assert_eq!(
                g.low_response,
                g.response_rate.is_some_and(|r| r < 0.25),
                "{} {rates:?}",
                m.school
            );
        }
    }
    assert!(low >= 1, "no group with a low response rate");

    // 4. A score below the peers' lower quartile by less than 1.96 standard
    // errors is not called lower (100010's 67.17 against 67.41 was).
    let mut not_called = 0;
    for (m, i, text) in &with_survey {
        for scale in &i.scales {
            let any_lower = scale
                .groups
                .iter()
                .any(|s| matches!(s.outside_peers(), Some((Side::Lower, _))));
            let below_quartile = scale.groups.iter().any(|s| {
                matches!((s.mean, s.peers.and_then(|p| p.middle_half())),
                    (Figure::Value(mean), Some([lower, _])) if mean < lower)
            });
            if any_lower || !below_quartile {
                continue;
            }
            not_called += 1;
            let said = if dutch(m) {
                format!("„{}” minder gunstig dan op drie kwart", scale.name.nl)
            } else {
                format!("“{}” less favourably than at three quarters", scale.name.en)
            };
            assert!(!text.contains(&said), "{}: `{said}`", m.school);
        }
    }
    assert!(
        not_called >= 1,
        "no score below the quartile within its standard error"
    );
}
