//! Layouts for exports: the tiny city written in a Dutch-headed package
//! export (`tests/fixtures/layouts`, read through the example layout of
//! `config/export-layouts.toml`) gives the same ingested data and the same
//! mirrors as the tiny city in our own columns.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, repo};

use std::path::{Path, PathBuf};
use std::process::Command;

use mirror_model::{Calendar, Config};

/// The September 2023 totals of the layout fixture's README, in our own
/// columns and periods.
const OWN_TOTALS: &str = "school_id,period,enrolled,present,sick,authorised_by_law,authorised_by_head,problematic,other\n\
    100001,2023-09,3,48,3,0,1,2,0\n\
    100002,2023-09-04,2,3,0,0,0,1,0\n\
    100002,2023-09-05,2,4,0,0,0,0,0\n";

/// The shipped configuration in `dir` for the city in `data`, writing to
/// `dir/out`; with `layouts`, the shipped example layouts, else none.
fn write_config(dir: &Path, data: &Path, layouts: bool) -> PathBuf {
    let fixtures = repo().join("tests/fixtures");
    let config = TestConfig::shipped(dir, data, &fixtures.join("tiny-city/pseudonym.key"))
        .set(
            "calendar",
            fixtures.join("layouts/calendar.toml").display().to_string(),
        )
        .set("peers.method", "nearest")
        .set("peers.size", 6)
        .set("privacy.min_pupils", 2)
        .set("privacy.min_peer_schools", 5)
        .set("report.issue_date", "2025-09-15");
    let config = if layouts {
        config
    } else {
        config.without("export_layouts")
    };
    config.write(&dir.join("mirror.toml"))
}

/// The two cities, each with its configuration: our own columns (the tiny
/// city and the totals above) and the Dutch-headed export.
struct Cities {
    _tmp: tempfile::TempDir,
    own: PathBuf,
    dutch: PathBuf,
}

fn cities() -> Cities {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny-city");
    let city = tmp.path().join("own/city");
    for f in [
        "registry.csv",
        "enrolments/2024-2025.csv",
        "registrations/2024-2025.csv",
        "guidance/2024-2025.csv",
    ] {
        std::fs::create_dir_all(city.join(f).parent().unwrap()).unwrap();
        std::fs::copy(tiny.join(f), city.join(f)).unwrap();
    }
    std::fs::create_dir_all(city.join("attendance-totals")).unwrap();
    std::fs::write(city.join("attendance-totals/2023-2024.csv"), OWN_TOTALS).unwrap();
    let own = write_config(&tmp.path().join("own"), &city, false);
    std::fs::create_dir_all(tmp.path().join("dutch")).unwrap();
    let dutch = write_config(
        &tmp.path().join("dutch"),
        &repo().join("tests/fixtures/layouts"),
        true,
    );
    Cities {
        _tmp: tmp,
        own,
        dutch,
    }
}

fn ingest(config: &Path) -> mirror_ingest::Ingested {
    let config = Config::load(config).unwrap();
    let calendar = Calendar::load(&config.calendar).unwrap();
    mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap()
}

#[test]
fn a_dutch_headed_export_reads_as_our_own_columns() {
    let cities = cities();
    let own = ingest(&cities.own);
    let dutch = ingest(&cities.dutch);
    let problems = |i: &mirror_ingest::Ingested| -> Vec<String> {
        i.quality.problems().iter().map(|p| p.to_string()).collect()
    };
    assert_eq!(problems(&own), Vec::<String>::new());
    assert_eq!(problems(&dutch), Vec::<String>::new());
    assert_eq!(dutch.city.registry, own.city.registry);
    let (own_registry, dutch_registry) = (own.city.registry, dutch.city.registry);
    let (own, dutch) = (own.pupils.unwrap(), dutch.pupils.unwrap());
    assert_eq!(dutch.pupil_numbers, own.pupil_numbers);
    assert_eq!(dutch.enrolments, own.enrolments);
    assert_eq!(dutch.absences, own.absences);
    assert_eq!(dutch.guidance, own.guidance);
    assert_eq!(dutch.attendance_totals, own.attendance_totals);
    // Not two empty cities: the tiny city's 7 schools, 15 enrolments, 21
    // absences (22 registrations, one of them the present mark `AW`/`|`),
    // one guidance file and the README's 3 rows of totals.
    assert_eq!(
        (
            own_registry.len(),
            own.enrolments.len(),
            own.absences.len(),
            own.guidance.len(),
            own.attendance_totals.len()
        ),
        (7, 15, 21, 1, 3)
    );
    // Coded values went through the layout: College Ceder reports in
    // English (`Engels`), school 100001's totals are the month of September.
    assert_eq!(dutch_registry[2].language.as_str(), "en");
    assert_eq!(dutch.attendance_totals[0].half_days, [48, 3, 0, 1, 2, 0]);
}

/// PDF text with white space folded and every SHA-256 (the data hash, which
/// differs because the files do) masked.
fn pdf_text_without_hashes(path: &Path) -> String {
    common::pdf_text(path)
        .split_whitespace()
        .map(|w| {
            if w.len() >= 12 && w.chars().all(|c| c.is_ascii_hexdigit()) {
                "<hash>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(config: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["run", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every mirror of the Dutch export reads word for word as the mirror of
/// the same data in our own columns, and prints the rate worked out by hand
/// in tests/fixtures/tiny-city/README.md.
#[test]
fn a_dutch_headed_export_gives_the_same_mirrors() {
    let cities = cities();
    run(&cities.own);
    run(&cities.dutch);
    let schools = |config: &Path| config.parent().unwrap().join("out/2024-2025/schools");
    let mut compared = 0;
    for entry in std::fs::read_dir(schools(&cities.own)).unwrap() {
        let own = entry.unwrap().path();
        let dutch = schools(&cities.dutch).join(own.file_name().unwrap());
        let own_text = pdf_text_without_hashes(&own);
        assert_eq!(
            pdf_text_without_hashes(&dutch),
            own_text,
            "{}",
            own.display()
        );
        if own.ends_with("100001.pdf") {
            // Aster: 6 problematic half days of 45 expected, 13,3 %.
            assert!(own_text.contains("13,3 %"), "{own_text}");
        }
        compared += 1;
    }
    assert_eq!(compared, 7);
}
