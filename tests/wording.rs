//! End to end: Dutch as a Flemish school writes it (issue 23). The seed-5
//! sample city of the issue is run with the shipped configuration and a
//! city name of its own; every Dutch mirror and the advisor's list are read
//! as text for each wording the issue found wrong. The Flemish words
//! themselves (grades, months, "u") live in report-templates/lang/nl.toml.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{benchmark, mirror, pdf_text, repo, sample_city};

use std::path::{Path, PathBuf};

const YEAR: &str = "2025-2026";
/// Not the sample data's own city: the header can only have it from the
/// configuration.
const CITY: &str = "Voorbeeldstad";

/// The issue's city, run (see [`seed_5_city`]); returns the period's output
/// folder.
fn seed_5_city_run(dir: &Path) -> PathBuf {
    let config = seed_5_city(dir);
    mirror(&["run", "--config", config.to_str().unwrap()]);
    dir.join("out").join(YEAR)
}

/// The issue's city (`sample-data --schools 40 --years 2 --seed 5`) in
/// `dir/city` with the shipped configuration and `CITY` as its name;
/// returns the configuration's path.
fn seed_5_city(dir: &Path) -> PathBuf {
    let (_, config) = sample_city(dir, 40, 2, 5, &["--last-year", YEAR]);
    config
        .set("report.city_name", CITY)
        .set("report.city_language", "nl")
        .write(&dir.join("mirror.toml"))
}

/// The words of a strings file's table (`advisor`), every string at any depth.
fn strings_of(table: &toml::Value, out: &mut Vec<String>) {
    match table {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Table(t) => t.values().for_each(|v| strings_of(v, out)),
        toml::Value::Array(a) => a.iter().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

#[test]
fn dutch_mirrors_and_the_advisors_list_read_as_a_flemish_school_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let period = seed_5_city_run(tmp.path());

    let mut dutch = Vec::new();
    for entry in std::fs::read_dir(period.join("schools")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            let text = pdf_text(&path);
            if text.contains("SPIJBELSPIEGEL") {
                dutch.push((path, text));
            }
        }
    }
    assert!(dutch.len() >= 20, "{} Dutch mirrors", dutch.len());

    for (path, text) in &dutch {
        let school = path.display();
        // The city's name from the configuration, not "Stad".
        assert!(
            text.contains(&format!("SPIJBELSPIEGEL · {CITY}")),
            "{school}: {text}"
        );
        assert!(!text.contains("SPIJBELSPIEGEL · Stad"), "{school}");
        // The reader is "u".
        assert!(text.contains("Hoe leest u deze spiegel?"), "{school}");
        for wrong in [
            "Hoe lees je",
            // A collective subject with a plural verb.
            "Ander personeel geven",
            "ander personeel geven",
            "of er is er nog geen",
            // A decimal point in Dutch.
            "p = 0.",
            "p < 0.",
            // "maart" cut to three letters.
            " maa ",
            "tot nu toe, tot",
        ] {
            assert!(!text.contains(wrong), "{school}: `{wrong}` in {text}");
        }
        // Grades by their Flemish names, never by the registry's codes.
        for stage in ["K", "P", "S"] {
            for n in 1..=7 {
                let code = format!(" {stage}{n} ");
                assert!(!text.contains(&code), "{school}: `{code}` in {text}");
            }
        }
    }
    // What only some mirrors print, each printed somewhere in the city:
    // a p-value with a decimal comma (2 school years: a change is tested),
    // the month tables' "mrt", primary and secondary grades.
    let somewhere = |words: &str| dutch.iter().any(|(_, text)| text.contains(words));
    assert!(
        somewhere("p = 0,") || somewhere("p < 0,001"),
        "no Dutch p-value"
    );
    assert!(somewhere(" mrt "), "no month abbreviated as mrt");
    assert!(somewhere("1ste leerjaar"), "no primary grade by its name");
    assert!(somewhere("1ste jaar"), "no secondary grade by its name");

    // The advisor's list of a Dutch-speaking city is in Dutch: no string
    // of its English version appears, only the Dutch ones.
    let advisor = pdf_text(&period.join("advisor/advisor-list.pdf"));
    assert!(
        advisor.contains("Lijst voor de spijbelconsulent"),
        "{advisor}"
    );
    assert!(advisor.contains(&format!("INTERN · {CITY}")), "{advisor}");
    assert!(advisor.contains("Deden het goed"), "{advisor}");
    let en: toml::Value = std::fs::read_to_string(repo().join("report-templates/lang/en.toml"))
        .unwrap()
        .parse::<toml::Table>()
        .unwrap()
        .into();
    let mut english = Vec::new();
    strings_of(&en["advisor"], &mut english);
    for sentence in &english {
        // The fixed words between placeholders, each of a few words.
        for part in sentence.split(['{', '}']).filter(|p| p.trim().len() >= 12) {
            let part = part.trim();
            assert!(
                !advisor.contains(part),
                "English `{part}` in the Dutch advisor's list: {advisor}"
            );
        }
    }
    // Never "across all 0 schools tested".
    assert!(!advisor.contains(" 0 scholen"), "{advisor}");
    assert!(!advisor.contains("across all"), "{advisor}");
    // Its CSV keeps its machine-readable columns.
    let csv = std::fs::read_to_string(period.join("advisor/advisor-list.csv")).unwrap();
    assert!(
        csv.starts_with(
            "list,rank,label,school_id,school_name,level,rate,previous_rate,change,change_z,change_p,position_against_peers,peer_average,lower_95,upper_95,funnel_z,strength,p_value,evidence,support\n"
        ),
        "{csv}"
    );

    // The key is documented where the city reads its configuration.
    let config = mirror(&["config"]);
    assert!(config.contains("city_name = "), "{config}");
    assert!(config.contains("city_language = "), "{config}");
}

/// One rounding rule for every printed number: a share of exactly 62.5 %
/// prints 63 %, as a score of 62.5 prints 63 (half away from zero; the
/// share printed 62 % before). A Dutch mirror of the seed-5 city is rendered
/// twice, its first shown questionnaire score and favourable share set to
/// 62.4 and 0.624 (printed 62 and 62 %) and then to 62.5 and 0.625: one
/// "62 %" becomes "63 %", and a "62" score label becomes "63".
#[test]
fn a_half_rounds_up_for_shares_and_scores_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let config = mirror_model::Config::load(&seed_5_city(tmp.path())).unwrap();
    let (_, benchmark) = benchmark(&config);
    let shown = |m: &mirror_benchmark::SchoolMirror| {
        m.survey
            .instruments
            .iter()
            .enumerate()
            .find_map(|(i, inst)| {
                inst.scales.iter().enumerate().find_map(|(k, scale)| {
                    let g = scale.groups.iter().position(|g| {
                        matches!(g.mean, mirror_benchmark::Figure::Value(_))
                            && matches!(g.favourable, mirror_benchmark::Figure::Value(_))
                    })?;
                    Some((i, k, g))
                })
            })
    };
    let mut m = benchmark
        .mirrors
        .into_iter()
        .find(|m| m.language.as_str() == "nl" && shown(m).is_some())
        .expect("a Dutch mirror with a questionnaire score");
    let (i, k, g) = shown(&m).unwrap();
    let renderer = mirror_render::Renderer::new(&config.templates_dir)
        .unwrap()
        .with_city_name(config.city_name.as_deref());
    let meta = mirror_render::ReportMeta {
        issue_date: config.issue_date.unwrap(),
        min_pupils: config.privacy.min_pupils,
        min_peers: config.privacy.min_peer_schools,
        data_sha256: String::new(),
    };
    let mut text_with = |mean: f64, share: f64| {
        let group = &mut m.survey.instruments[i].scales[k].groups[g];
        group.mean = mirror_benchmark::Figure::Value(mean);
        group.favourable = mirror_benchmark::Figure::Value(share);
        let pdf = tmp.path().join("half.pdf");
        std::fs::write(&pdf, renderer.render(&m, &meta).unwrap().pdf).unwrap();
        pdf_text(&pdf)
    };
    let below = text_with(62.4, 0.624);
    let half = text_with(62.5, 0.625);
    let count = |text: &str, words: &str| text.matches(words).count();
    assert_eq!(count(&half, "63 %"), count(&below, "63 %") + 1, "{half}");
    assert_eq!(count(&half, "62 %") + 1, count(&below, "62 %"), "{half}");
    assert!(!half.contains("62,5"), "{half}");
    // The score: "62" once fewer, "63" once more among the whole words.
    let words = |text: &str, w: &str| text.split(' ').filter(|x| *x == w).count();
    assert!(words(&half, "63") > words(&below, "63"), "{half}");
    assert!(words(&half, "62") < words(&below, "62"), "{half}");
}
