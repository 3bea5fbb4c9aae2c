//! End to end: the city store (docs/privacy.md, "The city store"). A run
//! over unchanged sources takes the pupil records from the store and makes
//! byte for byte the reports a run reading the sources makes; a change to
//! a pupil source, the registry or the configuration makes the next run
//! read the sources again, a change elsewhere does not; a damaged store is
//! never read but made again.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{mirror, mirror_output, sample_city};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const YEAR: &str = "2025-2026";
const FROM_STORE: &str = "pupil records: from the city store";
const FROM_SOURCES: &str = "pupil records: read from the sources";

/// A 16-school sample city with CSV registrations (so that a test can edit
/// one) in `dir/city`, and the shipped configuration for it.
fn city(dir: &Path) -> (PathBuf, PathBuf) {
    let (city, config) = sample_city(dir, 16, 2, 7, &["--last-year", YEAR, "--csv-registrations"]);
    (city, config.write(&dir.join("mirror.toml")))
}

fn run(config: &Path) -> String {
    mirror(&["run", "--config", config.to_str().unwrap(), "--year", YEAR])
}

/// `mirror run` for `YEAR` with `extra` arguments, whatever it does: its
/// exit status and what it said.
fn run_with(config: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["run", "--config", config.to_str().unwrap(), "--year", YEAR];
    args.extend(extra);
    let out = mirror_output(&args);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), said)
}

/// The first CSV file under `dir`, by name.
fn first_csv(dir: &Path) -> PathBuf {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap()
}

/// Writes `path` again without its last line.
fn drop_last_line(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(path, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
}

/// Every PDF under `out`, by path, with its bytes.
fn pdfs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| {
            let name = e.path().strip_prefix(out).unwrap().display().to_string();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Asserts two sets of PDFs are the same, naming those that differ.
fn assert_same(made: &BTreeMap<String, Vec<u8>>, expected: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        made.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    let differ: Vec<&String> = made
        .iter()
        .filter(|(name, bytes)| expected[*name] != **bytes)
        .map(|(name, _)| name)
        .collect();
    assert!(differ.is_empty(), "these PDFs differ: {differ:?}");
}

/// Everything a run wrote but the city store: the next run starts from the
/// same release history as the first, so its reports can be compared.
fn keep_only_the_store(dir: &Path) {
    let out = dir.join("out");
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "history" {
            std::fs::remove_dir_all(&path)
                .or_else(|_| std::fs::remove_file(&path))
                .unwrap();
        }
    }
    for entry in std::fs::read_dir(out.join("history")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "city-store" {
            std::fs::remove_dir_all(&path)
                .or_else(|_| std::fs::remove_file(&path))
                .unwrap();
        }
    }
}

fn store(dir: &Path) -> PathBuf {
    dir.join("out/history/city-store")
}

/// The reports of a run reading the sources, with no store at all.
fn without_store(dir: &Path, config: &Path) -> BTreeMap<String, Vec<u8>> {
    keep_only_the_store(dir);
    std::fs::remove_dir_all(store(dir)).unwrap();
    let said = run(config);
    assert!(said.contains(FROM_SOURCES), "{said}");
    let made = pdfs(&dir.join("out"));
    keep_only_the_store(dir);
    made
}

#[test]
fn a_run_from_the_store_makes_the_reports_of_a_run_from_the_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_, config) = city(dir);
    let said = run(&config);
    assert!(said.contains(FROM_SOURCES), "{said}");
    let read = pdfs(&dir.join("out"));
    // 16 schools' mirrors and the advisor's list, at least.
    assert!(read.len() > 16, "{:?}", read.keys());
    keep_only_the_store(dir);
    let said = run(&config);
    assert!(said.contains(FROM_STORE), "{said}");
    assert_same(&pdfs(&dir.join("out")), &read);
}

#[test]
fn a_changed_file_makes_the_next_run_read_the_pupil_sources_only_when_it_is_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (city, config) = city(dir);
    run(&config);
    keep_only_the_store(dir);

    // A questionnaire's answers are read every run: the store stays good,
    // and the reports are those of a run without it.
    let responses = first_csv(&city.join("questionnaires"));
    drop_last_line(&responses);
    let said = run(&config);
    assert!(said.contains(FROM_STORE), "{said}");
    let kept = pdfs(&dir.join("out"));
    assert_same(&kept, &without_store(dir, &config));

    // One registration less: the store no longer fits, the sources are read.
    let registrations = first_csv(&city.join("registrations"));
    drop_last_line(&registrations);
    let said = run(&config);
    assert!(said.contains(FROM_SOURCES), "{said}");
    keep_only_the_store(dir);
    let said = run(&config);
    assert!(said.contains(FROM_STORE), "{said}");

    // So does a change of the configuration.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n# changed\n")).unwrap();
    keep_only_the_store(dir);
    let said = run(&config);
    assert!(said.contains(FROM_SOURCES), "{said}");
}

#[test]
fn a_truncated_or_altered_store_is_made_again_and_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_, config) = city(dir);
    run(&config);
    let read = pdfs(&dir.join("out"));
    for (file, damage) in [
        ("absences.parquet", "truncate"),
        ("records.json", "append"),
        ("store.json", "truncate"),
    ] {
        keep_only_the_store(dir);
        let path = store(dir).join(file);
        let bytes = std::fs::read(&path).unwrap();
        let damaged = match damage {
            "truncate" => bytes[..bytes.len() / 2].to_vec(),
            // Still valid JSON with the same records: only the hash tells.
            _ => [bytes.as_slice(), b" "].concat(),
        };
        std::fs::write(&path, damaged).unwrap();
        let (status, said) = run_with(&config, &[]);
        assert_eq!(status, Some(0), "{file}: {said}");
        assert!(said.contains(FROM_SOURCES), "{file}: {said}");
        assert!(said.contains("damaged"), "{file}: {said}");
        assert_same(&pdfs(&dir.join("out")), &read);
        // Made again: the next run reads it.
        keep_only_the_store(dir);
        let said = run(&config);
        assert!(said.contains(FROM_STORE), "{file}: {said}");
    }
}

#[test]
fn a_follow_up_from_the_store_is_the_follow_up_from_the_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (city, config) = city(dir);
    let registry = std::fs::read_to_string(city.join("registry.csv")).unwrap();
    let school = registry.lines().nth(1).unwrap().split(',').next().unwrap();
    let follow_up = || {
        mirror(&[
            "report",
            "--config",
            config.to_str().unwrap(),
            "--school",
            school,
            "--as-of",
            "2026-03-13",
            "--follow-up",
            "--issued-on",
            "2026-03-16",
        ]);
        pdfs(&dir.join("out"))
    };
    let read = follow_up();
    assert!(store(dir).join("store.json").is_file());
    assert!(
        read.keys()
            .any(|k| k.starts_with("2025-2026-to-2026-03-13/schools/")),
        "{:?}",
        read.keys()
    );
    keep_only_the_store(dir);
    let modified = || {
        std::fs::metadata(store(dir).join("store.json"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let saved = modified();
    assert_same(&follow_up(), &read);
    // Read, not made again.
    assert_eq!(modified(), saved);
}

/// Every file of `out/<YEAR>/quality`, by name, with its bytes.
fn quality(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("out").join(YEAR).join("quality"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// A registration whose code cell holds a name from the staff roster:
/// ingest refuses the row, quoting the cell, and holds its school back. The
/// store keeps that problem with the name redacted, and a run from the
/// store reports it, holds the school back and writes the same reports and
/// data-quality report as the run that read it.
#[test]
fn problems_of_the_pupil_sources_are_kept_redacted_and_reported_as_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (city, config) = city(dir);
    let roster = std::fs::read_to_string(city.join("rosters/staff.csv")).unwrap();
    let person: Vec<&str> = roster.lines().nth(1).unwrap().split(',').collect();
    let name = format!("{} {}", person[0], person[1]);
    let registrations = first_csv(&city.join("registrations"));
    let text = std::fs::read_to_string(&registrations).unwrap();
    let last = text.lines().last().unwrap();
    let (row, _code) = last.rsplit_once(',').unwrap();
    std::fs::write(&registrations, format!("{text}{row},{name}\n")).unwrap();
    let run = || {
        let (status, said) = run_with(&config, &["--keep-going"]);
        assert_eq!(status, Some(2), "{said}");
        said
    };
    let said = run();
    assert!(said.contains(FROM_SOURCES), "{said}");
    let read_quality = quality(dir);
    let report = String::from_utf8(read_quality["data-quality.txt"].clone()).unwrap();
    assert!(
        report.contains("code `[person]` is not in the absence code list"),
        "{report}"
    );
    assert!(!report.contains(&name), "{report}");
    let kept = std::fs::read_to_string(store(dir).join("records.json")).unwrap();
    assert!(kept.contains("code `[person]`"));
    assert!(!kept.contains(&name));
    let read = pdfs(&dir.join("out"));

    keep_only_the_store(dir);
    let said = run();
    assert!(said.contains(FROM_STORE), "{said}");
    assert_eq!(quality(dir), read_quality);
    assert_same(&pdfs(&dir.join("out")), &read);
}
