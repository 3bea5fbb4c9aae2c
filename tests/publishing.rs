//! Publishing: a run's output appears whole or not at all. Two runs on one
//! folder, a killed run's lock, a kill at every step of publishing, a disk
//! that fails after the reports, and a held-back school's earlier mirror.
//! Each on the tiny city of `tests/fixtures/tiny-city` (seven schools, a
//! run takes well under a second).

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, repo};

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::Digest;

/// The tiny city's year and folders under a test's folder.
const PERIOD: &str = "out/2024-2025";
const HISTORY: &str = "out/history";

/// Copies the tiny city to `dir/<name>` and writes `dir/<name>.toml` for
/// it, issued on `issue_date` (a different date makes every PDF differ).
/// Both configurations of a test write to `dir/out` and keep the history in
/// `dir/out/history`.
fn tiny_city(dir: &Path, name: &str, issue_date: &str) -> (PathBuf, PathBuf) {
    let fixture = repo().join("tests/fixtures/tiny-city");
    let city = dir.join(name);
    for f in [
        "registry.csv",
        "enrolments/2024-2025.csv",
        "registrations/2024-2025.csv",
    ] {
        std::fs::create_dir_all(city.join(f).parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(f), city.join(f)).unwrap();
    }
    let config = TestConfig::shipped(dir, &city, &fixture.join("pseudonym.key"))
        .set(
            "calendar",
            fixture.join("calendar.toml").display().to_string(),
        )
        .set("report.issue_date", issue_date)
        .set("privacy.min_pupils", 2)
        .set("privacy.min_peer_schools", 5)
        .write(&dir.join(format!("{name}.toml")));
    (city, config)
}

/// The tiny city as first reported, and the same city a little later:
/// another issue date, a code of school 100005 unknown (row 17: the school
/// is held back) and a problematic half day of school 100004 turned into
/// sickness (row 12: its counts, and so its release history, change).
fn city_and_its_later_data(dir: &Path) -> (PathBuf, PathBuf) {
    let (_, first) = tiny_city(dir, "city", "2025-09-15");
    let (later_city, later) = tiny_city(dir, "later", "2025-09-16");
    let registrations = later_city.join("registrations/2024-2025.csv");
    let text = std::fs::read_to_string(&registrations).unwrap();
    let changed = text.replace("2024-09-13,am,R", "2024-09-13,am,X").replace(
        "40000001,100004,2024-09-12,am,B",
        "40000001,100004,2024-09-12,am,Z",
    );
    assert_eq!(changed.len(), text.len(), "both rows are in the fixture");
    assert_ne!(changed, text);
    std::fs::write(&registrations, changed).unwrap();
    (first, later)
}

fn mirror(dir: &Path, args: &[&str], abort_at: Option<usize>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mirror"));
    command.current_dir(dir).args(args);
    if let Some(step) = abort_at {
        command.env("MIRROR_TEST_ABORT_AT", step.to_string());
    }
    command.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `mirror run` to its end and checks its exit status.
fn run(dir: &Path, config: &Path, extra: &[&str], status: i32) {
    let mut args = vec!["run", "--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = mirror(dir, &args, None);
    assert_eq!(out.status.code(), Some(status), "{}", stderr(&out));
}

/// Every published file under `dir/out` by path, with its bytes: the lock
/// files, the staging folders and the journal are the machinery, not the
/// output, and are left out.
fn published(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            // The city store is a cache any run may replace, read only
            // when it fits the inputs (tests/store.rs), not a run's output.
            if [".lock", ".staging", ".publishing", "city-store"].contains(&name.as_ref()) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let key = path.strip_prefix(root).unwrap().display().to_string();
                files.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&dir.join("out"), &dir.join("out"), &mut files);
    files
}

fn names(files: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    files.keys().map(String::as_str).collect()
}

/// Replaces `dir/out` with `files`.
fn restore(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let out = dir.join("out");
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap();
    }
    for (name, bytes) in files {
        let path = out.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(PERIOD).join("manifest.json")).unwrap()).unwrap()
}

/// The manifest lists exactly the reports in `schools/`, each with the
/// SHA-256 of the file there, and no school both as a report and held back.
fn assert_manifest_matches_folder(dir: &Path) {
    let m = manifest(dir);
    let mut listed = BTreeMap::new();
    for r in m["reports"].as_array().unwrap() {
        let file = r["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(PERIOD).join(file)).unwrap();
        let sha: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r["sha256"].as_str().unwrap(), sha, "{file}");
        listed.insert(file.to_owned(), r["school"].as_str().unwrap().to_owned());
    }
    let mut in_folder: Vec<String> = std::fs::read_dir(dir.join(PERIOD).join("schools"))
        .unwrap()
        .map(|e| format!("schools/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    in_folder.sort();
    assert_eq!(listed.keys().cloned().collect::<Vec<_>>(), in_folder);
    let held_back = m["held_back"].to_string();
    for school in listed.values() {
        assert!(
            !held_back.contains(school.as_str()),
            "{school}: {held_back}"
        );
    }
}

/// No file anywhere under `dir/out` is a half-written `.partial`.
fn assert_no_partial_file(dir: &Path) {
    fn walk(dir: &Path) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert!(
                !path.to_string_lossy().ends_with(".partial"),
                "{}",
                path.display()
            );
            if path.is_dir() {
                walk(&path);
            }
        }
    }
    walk(&dir.join("out"));
}

/// The first run publishes the seven schools; the later one, with
/// --keep-going, the six whose data passed (exit status 2: one held back),
/// removes 100005's earlier mirror in the same publication, and lists the
/// school as held back only.
#[test]
fn a_held_back_schools_earlier_mirror_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (first, later) = city_and_its_later_data(dir);
    run(dir, &first, &[], 0);
    assert!(dir.join(PERIOD).join("schools/100005.pdf").is_file());
    assert_manifest_matches_folder(dir);
    run(dir, &later, &["--keep-going"], 2);
    assert!(!dir.join(PERIOD).join("schools/100005.pdf").exists());
    let m = manifest(dir);
    assert!(m["held_back"].to_string().contains("100005"), "{m}");
    assert_eq!(m["reports"].as_array().unwrap().len(), 6, "{m}");
    assert_manifest_matches_folder(dir);
}

/// Two runs started together on one folder: one publishes, the other stops
/// at once (status 1), naming the lock file and the process holding it, and
/// writes nothing; the folder is the first run's, whole.
#[test]
fn a_second_run_on_the_same_folder_stops_and_names_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_, config) = tiny_city(dir, "city", "2025-09-15");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_mirror"))
            .current_dir(dir)
            .args(["run", "--config", config.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    let pids = [a.id(), b.id()];
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
    let (winner, loser) = match codes.as_slice() {
        [Some(0), Some(1)] => (0, 1),
        [Some(1), Some(0)] => (1, 0),
        _ => panic!("{codes:?}\n{}\n{}", stderr(&outs[0]), stderr(&outs[1])),
    };
    let message = stderr(&outs[loser]);
    // The history folder's lock is taken first, before any data is read.
    let lock = dir.join(HISTORY).join(".lock");
    assert!(
        message.contains(&format!(
            "{}: another mirror is writing to this output: process {} on host",
            lock.display(),
            pids[winner]
        )),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    assert_manifest_matches_folder(dir);
    assert_eq!(
        std::fs::read_dir(dir.join(PERIOD).join("schools"))
            .unwrap()
            .count(),
        7
    );
    // Released on exit.
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), "");
    assert_eq!(
        std::fs::read_to_string(dir.join(PERIOD).join(".lock")).unwrap(),
        ""
    );
}

/// Lock files naming a process that no longer runs (a run killed with
/// `kill -9` leaves them so) are taken over, each with a message naming it.
#[test]
fn the_lock_of_a_killed_run_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_, config) = tiny_city(dir, "city", "2025-09-15");
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let left = format!(
        "process {} on host elsewhere, started 2026-01-01 00:00:00 UTC\n",
        gone.id()
    );
    for folder in [PERIOD, HISTORY] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        std::fs::write(dir.join(folder).join(".lock"), &left).unwrap();
    }
    let out = mirror(dir, &["run", "--config", config.to_str().unwrap()], None);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{message}");
    for folder in [PERIOD, HISTORY] {
        let lock = dir.join(folder).join(".lock");
        assert!(
            message.contains(&format!(
                "{}: taking over the lock of process {} on host elsewhere",
                lock.display(),
                gone.id()
            )),
            "{message}"
        );
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "");
    }
    assert_manifest_matches_folder(dir);
}

/// The advisor's folder cannot be written (a file stands in its place, as
/// good as a full disk for the test and true for root too): the run has
/// made every report by then, yet publishes nothing, exits 1 ("nothing
/// written") and leaves no `.partial` and no staged file.
#[test]
fn a_write_failure_after_the_reports_publishes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (first, later) = city_and_its_later_data(dir);
    run(dir, &first, &[], 0);
    let advisor = dir.join(PERIOD).join("advisor");
    std::fs::remove_dir_all(&advisor).unwrap();
    std::fs::write(&advisor, "not a folder").unwrap();
    let before = published(dir);
    let out = mirror(
        dir,
        &["run", "--config", later.to_str().unwrap(), "--keep-going"],
        None,
    );
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(
        message.contains(&format!("{}: cannot write", advisor.display())),
        "{message}"
    );
    assert_eq!(published(dir), before, "the earlier run's files, untouched");
    assert!(!dir.join(PERIOD).join(".staging").exists());
    assert!(!dir.join(HISTORY).join(".staging").exists());
    assert_no_partial_file(dir);
    assert_manifest_matches_folder(dir);
}

/// The later run is stopped (as by `kill -9`, through the publishing code's
/// test hook) at every step of publishing in turn, each time from the first
/// run's output. Right after the stop the output is the first run's or the
/// later run's, or the journal is written; then the next command finishes
/// the journal before anything else, and the output is the later run's.
/// Either way the reports, the manifest and the release history belong to
/// one run.
#[test]
fn a_run_killed_at_any_step_of_publishing_leaves_one_runs_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (first, later) = city_and_its_later_data(dir);
    run(dir, &first, &[], 0);
    assert_manifest_matches_folder(dir);
    let old = published(dir);
    run(dir, &later, &["--keep-going"], 2);
    assert_manifest_matches_folder(dir);
    let new = published(dir);
    // The runs differ in every part: reports, one removed, the manifest,
    // the release history of 100004 and the metrics snapshot.
    for part in [
        "2024-2025/schools/100001.pdf",
        "2024-2025/manifest.json",
        "history/100004.json",
        "history/metrics/2024-2025.parquet",
    ] {
        assert_ne!(old.get(part), new.get(part), "{part}: {:?}", names(&old));
    }
    assert!(old.contains_key("2024-2025/schools/100005.pdf"));
    assert!(!new.contains_key("2024-2025/schools/100005.pdf"));

    let later_run = ["run", "--config", later.to_str().unwrap(), "--keep-going"];
    let (mut before_commit, mut after_commit) = (0, 0);
    for step in 0.. {
        restore(dir, &old);
        let out = mirror(dir, &later_run, Some(step));
        if out.status.code() == Some(2) {
            // Past the last step: the run ended as it does unhooked.
            assert_eq!(published(dir), new, "after a whole run");
            break;
        }
        assert_eq!(
            out.status.signal(),
            Some(6),
            "step {step}: {}",
            stderr(&out)
        );
        let journal = dir.join(HISTORY).join(".publishing");
        let now = published(dir);
        if journal.exists() {
            after_commit += 1;
            // Any command finishes it first; this one is stopped before it
            // publishes its own output.
            let advisor = ["advisor-list", "--config", later.to_str().unwrap()];
            let out = mirror(dir, &advisor, Some(0));
            assert_eq!(out.status.signal(), Some(6), "{}", stderr(&out));
            assert!(!journal.exists());
            assert_eq!(published(dir), new, "step {step}, finished");
        } else if now == old {
            before_commit += 1;
        } else {
            assert_eq!(now, new, "step {step}: {:?}", names(&now));
        }
    }
    // Stopped once before the journal is written; then once after it and
    // after each of the removal and the moves (reports, quality report,
    // advisor's list, guide, manifest, release history, snapshot).
    assert_eq!(before_commit, 1);
    assert!(after_commit > 15, "{after_commit}");
}
