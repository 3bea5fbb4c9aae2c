//! Faults in the data that must not end in a wrong mirror with exit 0, nor
//! in a school that silently gets none: rows of a school that cannot be
//! placed, a refused registry row, missing registrations, good-practice
//! notes as people save them, and every registry school accounted for.
//! Each on a copy of the tiny city of `tests/fixtures/tiny-city` (seven
//! schools; its README works out every figure), where a run takes well
//! under a second.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, repo};

use std::path::PathBuf;
use std::process::Command;

const PERIOD: &str = "out/2024-2025";

/// A copy of the tiny city in a temporary folder, with its configuration.
struct City {
    tmp: tempfile::TempDir,
    config: PathBuf,
}

impl City {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let fixture = repo()
            .join("tests/fixtures/tiny-city")
            .canonicalize()
            .unwrap();
        for f in [
            "registry.csv",
            "enrolments/2024-2025.csv",
            "registrations/2024-2025.csv",
        ] {
            let to = tmp.path().join("city").join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(fixture.join(f), to).unwrap();
        }
        let config = TestConfig::shipped(
            tmp.path(),
            &tmp.path().join("city"),
            &fixture.join("pseudonym.key"),
        )
        .set(
            "calendar",
            fixture.join("calendar.toml").display().to_string(),
        )
        .set("report.issue_date", "2025-09-15")
        .set("privacy.min_pupils", 2)
        .set("privacy.min_peer_schools", 5)
        .write(&tmp.path().join("mirror.toml"));
        Self { tmp, config }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.tmp.path().join(file)
    }

    /// Replaces `from` by `to` in the city's `file`, which must hold it.
    fn edit(self, file: &str, from: &str, to: &str) -> Self {
        let path = self.path("city").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} holds {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        self
    }

    fn add(self, file: &str, text: &str) -> Self {
        let path = self.path("city").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// `mirror run` with `extra`: exit status, stdout and stderr.
    fn run(&self, extra: &[&str]) -> (Option<i32>, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
            .current_dir(self.tmp.path())
            .args(["run", "--config", self.config.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn manifest(&self) -> serde_json::Value {
        let bytes = std::fs::read(self.path(PERIOD).join("manifest.json")).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn quality(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(PERIOD).join("quality").join(file)).unwrap()
    }
}

/// A good-practice note of school 100001 with `body` as its sections.
fn note(body: &str) -> String {
    format!(
        "+++\nschool = \"100001\"\nthemes = [\"truancy\"]\ntitle = \"Welkom terug\"\n+++\n{body}"
    )
}

/// Registration rows with a mistyped school number (100091 for 100001, on
/// rows 2-3 of pupil 10000001, who is enrolled at 100001 from 2 September):
/// today the rows are dropped and 100001's mirror shows too little absence.
/// The school is held back instead: exit 2, named.
#[test]
fn a_mistyped_school_on_registrations_holds_back_the_enrolled_school() {
    let city = City::new().edit(
        "registrations/2024-2025.csv",
        "10000001,100001,2024-09-02,am,B\n10000001,100001,2024-09-02,pm,B",
        "10000001,100091,2024-09-02,am,B\n10000001,100091,2024-09-02,pm,B",
    );
    let (code, _, stderr) = city.run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the data of school(s) 100001 has errors; nothing was rendered"),
        "{stderr}"
    );
    assert!(
        city.quality("data-quality.txt").contains(
            "registrations/2024-2025.csv: row 2, column `school_id`: school 100091 is not in the registry; add it there or correct the number; this pupil is enrolled at school 100001 that day, so school 100001 is held back until the row is corrected"
        ),
        "{}",
        city.quality("data-quality.txt")
    );
    assert!(!city.path(PERIOD).join("schools").exists());
}

/// A row of a school not in the registry that no enrolment places (pupil
/// 99999999 is enrolled nowhere): which mirror lacks it cannot be told, so
/// the run stops (exit 1) and writes no report.
#[test]
fn a_row_that_cannot_be_placed_stops_the_run() {
    let city = City::new().edit(
        "registrations/2024-2025.csv",
        "70000001,100007,2024-09-12,pm,B\n",
        "70000001,100007,2024-09-12,pm,B\n99999999,100091,2024-09-12,pm,B\n",
    );
    let (code, _, stderr) = city.run(&["--keep-going"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("1 row(s) with errors name a school that is not in the registry, and no enrolment tells which school they belong to"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 24, column `school_id`: school 100091"),
        "{stderr}"
    );
    assert!(!city.path(PERIOD).join("schools").exists());
}

/// `0100007` in the enrolments, `100007` in the registry: the message
/// says the leading zeros differ, and 100007 is held back.
#[test]
fn a_leading_zero_mismatch_gets_a_hint() {
    let city = City::new().edit(
        "enrolments/2024-2025.csv",
        "70000001,100007,",
        "70000001,0100007,",
    );
    let (code, _, stderr) = city.run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the data of school(s) 100007 has errors"),
        "{stderr}"
    );
    assert!(
        city.quality("data-quality.txt").contains(
            "school 0100007 is not in the registry; did you mean 100007? leading zeros differ"
        ),
        "{}",
        city.quality("data-quality.txt")
    );
}

/// A registry row refused (a share of 1.5 for 100001): the school is held
/// back and named, in the error without --keep-going, and with it in the
/// summary and the manifest, while the six others get their mirror.
#[test]
fn a_refused_registry_row_names_its_school() {
    let city = City::new().edit("registry.csv", ",0.200,0.100,", ",1.5,0.100,");
    let (code, _, stderr) = city.run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the data of school(s) 100001 has errors"),
        "{stderr}"
    );
    let (code, stdout, stderr) = city.run(&["--keep-going"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.contains("6 mirror(s)"), "{stdout}");
    assert!(
        stdout.contains("no mirror, held back for data errors (see data-quality.txt) (1): 100001"),
        "{stdout}"
    );
    // The registry row's error, no other.
    assert!(
        stdout.contains("data-quality errors: 1, warnings: 0"),
        "{stdout}"
    );
    let m = city.manifest();
    assert_eq!(m["held_back"], serde_json::json!(["100001"]));
    assert_eq!(
        m["without_mirror"],
        serde_json::json!([{"school": "100001", "reason": "held_back"}])
    );
}

/// An empty registrations folder is not a city without absence: today it
/// gives seven mirrors of 0 %. The run stops with a message that says so.
#[test]
fn an_empty_registrations_folder_stops_the_run() {
    let city = City::new();
    std::fs::remove_file(city.path("city/registrations/2024-2025.csv")).unwrap();
    let (code, _, stderr) = city.run(&["--keep-going"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "7 of the 7 schools with pupils enrolled in school year 2024-2025 have no registration at all in this folder"
        ),
        "{stderr}"
    );
    assert!(!city.path(PERIOD).join("schools").exists());
}

/// Every registry school gets a mirror or is listed with its reason in the
/// summary, the manifest and the quality report. 100007 has no data for the
/// period (its only enrolment and its registrations removed: a warning,
/// exit 0); with --schools 100001 the six others are "not in the
/// selection" (100007 too: not being asked for comes first).
#[test]
fn every_registry_school_is_accounted_for() {
    let city = City::new()
        .edit(
            "enrolments/2024-2025.csv",
            "70000001,100007,2024-09-02,,S2,aso,2011\n",
            "",
        )
        .edit(
            "registrations/2024-2025.csv",
            "70000001,100007,2024-09-12,am,B\n70000001,100007,2024-09-12,pm,B\n",
            "",
        );
    let (code, stdout, stderr) = city.run(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("6 mirror(s)"), "{stdout}");
    assert!(
        stdout.contains("no mirror, no pupil-level data for the period (1): 100007"),
        "{stdout}"
    );
    assert_eq!(
        city.manifest()["without_mirror"],
        serde_json::json!([{"school": "100007", "reason": "no_data"}])
    );
    assert_eq!(
        city.quality("schools-without-mirror.csv"),
        "school_id,reason\n100007,\"no pupil-level data for the period\"\n"
    );

    let (code, stdout, stderr) = city.run(&["--schools", "100001"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("1 mirror(s)"), "{stdout}");
    assert!(
        stdout.contains("no mirror, not in the selection: 6 school(s), named in the manifest"),
        "{stdout}"
    );
    // Every school of the registry: written, or listed once.
    let m = city.manifest();
    let listed: Vec<&str> = m["without_mirror"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["school"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["100002", "100003", "100004", "100005", "100006", "100007"]
    );
    let csv = city.quality("schools-without-mirror.csv");
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.contains("100002,\"not in the selection\""), "{csv}");
}

/// A note without front matter is named in the run's summary, with what
/// to add; today it is only in the quality report, and the run says nothing.
#[test]
fn a_note_without_front_matter_is_named_in_the_summary() {
    let city = City::new().add(
        "good-practices/welkom.md",
        "## Wat\nEen gesprek.\n## Voor wie\nAlle leerlingen.\n## Wat veranderde\nMinder.\n",
    );
    let (code, stdout, stderr) = city.run(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("left out: ")
            && stdout.contains(
                "good-practices/welkom.md: row 1: no front matter: start the note with a `+++` line"
            ),
        "{stdout}"
    );
    assert!(
        stdout.contains("data-quality errors: 1, warnings: 0"),
        "{stdout}"
    );
}

/// A note saved by Notepad (CR LF) with a list, emphasis and a `#set` line:
/// the inspiration guide prints the list as a list (bullets, no `-`), the
/// emphasis in italics and without its asterisks, and `#set` as text.
#[test]
fn a_crlf_note_prints_its_list_and_emphasis_in_the_guide() {
    let body = "## Wat\nWe bellen *elke* ouder.\n#set de toon\n\n- een gesprek\n- een brief\n## Voor wie\nAlle leerlingen.\n## Wat veranderde\nMinder afwezigheid.\n";
    let city = City::new().add(
        "good-practices/welkom.md",
        &note(body).replace('\n', "\r\n"),
    );
    let (code, stdout, stderr) = city.run(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("data-quality errors: 0, warnings: 0"),
        "{stdout}"
    );
    let guide = city.path(PERIOD).join("inspiration-guide.pdf");
    let bytes = std::fs::read(&guide).unwrap();
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("We bellen elke ouder. #set de toon"),
        "{words}"
    );
    assert!(words.contains("• een gesprek • een brief"), "{words}");
    assert!(!words.contains('*') && !words.contains("- een"), "{words}");
    // Emphasis is set in the italic face, which the guide uses nowhere else.
    let pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let fonts: Vec<String> = pdf
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"BaseFont").ok())
        .filter_map(|n| n.as_name().ok())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    assert!(fonts.iter().any(|f| f.contains("Italic")), "{fonts:?}");
}
