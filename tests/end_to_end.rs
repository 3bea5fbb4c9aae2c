//! End to end: generate a small city with the `mirror` binary, make its
//! mirrors, and read every PDF back as a person would.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, benchmark, mirror, mirror_output, pdf_text, repo, sample_city};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use mirror_model::{Calendar, SchoolYear};
use polars::prelude::*;
use sha2::Digest;

const YEAR: &str = "2025-2026";

fn text_columns(path: &Path, names: &[&str]) -> Vec<Vec<String>> {
    let df = if path.extension().is_some_and(|e| e == "parquet") {
        ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap()
    } else {
        CsvReadOptions::default()
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .unwrap()
            .finish()
            .unwrap()
    };
    names
        .iter()
        .map(|n| {
            let c = df.column(n).unwrap().cast(&DataType::String).unwrap();
            c.str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}

struct School {
    name: String,
    address: String,
    language: String,
}

/// Each school's problematic-absence rate in `YEAR`, straight from the files:
/// `B` registrations over the lesson half days of every enrolment.
fn rates_by_hand(city: &Path) -> BTreeMap<String, f64> {
    rates_by_hand_up_to(city, YEAR, None)
}

/// The same for school year `year`, up to and including `up_to` if given.
fn rates_by_hand_up_to(city: &Path, year: &str, up_to: Option<NaiveDate>) -> BTreeMap<String, f64> {
    let calendar = Calendar::load(&repo().join("config/calendar.toml")).unwrap();
    let year: SchoolYear = year.parse().unwrap();
    let lessons = calendar.year(year).unwrap();
    let end = up_to.unwrap_or(year.last_day());
    let e = text_columns(
        &city.join(format!("enrolments/{year}.csv")),
        &["school_id", "from", "to"],
    );
    let mut expected: HashMap<&str, usize> = HashMap::new();
    for ((school, from), to) in e[0].iter().zip(&e[1]).zip(&e[2]) {
        let from: NaiveDate = from.parse().unwrap();
        let to = if to.is_empty() {
            year.last_day()
        } else {
            to.parse().unwrap()
        };
        if from <= end {
            *expected.entry(school).or_default() +=
                lessons.lesson_half_days_between(from, to.min(end));
        }
    }
    let r = text_columns(
        &city.join(format!("registrations/{year}.parquet")),
        &["school_id", "code", "date"],
    );
    let mut problematic: HashMap<&str, usize> = HashMap::new();
    for ((school, code), date) in r[0].iter().zip(&r[1]).zip(&r[2]) {
        if code == "B" && date.parse::<NaiveDate>().unwrap() <= end {
            *problematic.entry(school).or_default() += 1;
        }
    }
    expected
        .iter()
        .map(|(school, n)| {
            let b = problematic.get(school).copied().unwrap_or(0);
            (school.to_string(), b as f64 / *n as f64)
        })
        .collect()
}

/// A percentage as reports print it: "3,4 %" in Dutch,
/// "3.4%" in English.
fn percent(rate: f64, language: &str) -> String {
    // The report prints two decimals under 1 % (0.08 %), one otherwise.
    let decimals = if rate > 0.0 && rate * 100.0 < 0.995 {
        2
    } else {
        1
    };
    let digits = format!("{:.decimals$}", rate * 100.0);
    match language {
        "nl" => format!("{} %", digits.replace('.', ",")),
        _ => format!("{digits}%"),
    }
}

/// A configuration in `dir` for the city in `dir/city`, with the repository's
/// templates and code list, writing to `dir/out`.
fn write_config(dir: &Path, calendar: &Path, key_file: &Path) -> PathBuf {
    write_config_with_templates(dir, calendar, key_file, &repo().join("report-templates"))
}

fn write_config_with_templates(
    dir: &Path,
    calendar: &Path,
    key_file: &Path,
    templates: &Path,
) -> PathBuf {
    let abs = |p: &Path| p.canonicalize().unwrap().display().to_string();
    TestConfig::shipped(dir, &dir.join("city"), key_file)
        .set("templates_dir", abs(templates))
        .set("calendar", abs(calendar))
        .write(&dir.join("mirror.toml"))
}

/// A sample city of 16 schools and `years` school years up to `YEAR` in
/// `dir/city`.
fn generate_city(dir: &Path, years: u32) -> PathBuf {
    sample_city(dir, 16, years, 7, &["--last-year", YEAR]).0
}

/// A generated city of `years` school years in `dir/city` with its
/// configuration (see [`write_config`]).
fn city_with_config(dir: &Path, years: u32) -> (PathBuf, PathBuf) {
    let city = generate_city(dir, years);
    let config = write_config(
        dir,
        &repo().join("config/calendar.toml"),
        &city.join("pseudonym.key"),
    );
    (city, config)
}

#[test]
fn every_school_gets_a_mirror_with_its_own_figures_and_nothing_identifying() {
    let tmp = tempfile::tempdir().unwrap();
    let (city, own_config) = city_with_config(tmp.path(), 2);
    mirror(&["run", "--config", own_config.to_str().unwrap()]);

    let reg = text_columns(
        &city.join("registry.csv"),
        &["school_id", "name", "address", "language"],
    );
    let schools: BTreeMap<String, School> = (0..reg[0].len())
        .map(|i| {
            (
                reg[0][i].clone(),
                School {
                    name: reg[1][i].clone(),
                    address: reg[2][i].clone(),
                    language: reg[3][i].clone(),
                },
            )
        })
        .collect();
    let pupil_numbers: HashSet<String> = text_columns(
        &city.join(format!("enrolments/{YEAR}.csv")),
        &["pupil_number"],
    )
    .remove(0)
    .into_iter()
    .collect();
    let rates = rates_by_hand(&city);
    assert_eq!(rates.len(), 16, "every school has pupils in {YEAR}");

    let out = tmp.path().join("out").join(YEAR).join("schools");
    for (id, rate) in &rates {
        let school = &schools[id];
        let pdf = out.join(format!("{id}.pdf"));
        assert!(pdf.is_file(), "no mirror for school {id}");
        let text = pdf_text(&pdf);
        assert!(text.contains(&school.name), "{id}: own name missing");
        let expected = percent(*rate, &school.language);
        assert!(
            text.contains(&expected),
            "{id}: problematic-absence rate {expected} missing from:\n{text}"
        );
        for (other, s) in &schools {
            assert!(
                other == id || !text.contains(&s.name),
                "{id}: names school {other}"
            );
            assert!(!text.contains(&s.address), "{id}: prints an address");
        }
        // Pupil numbers have 8 digits: look at every run of 8 or more digits.
        let digits: Vec<&str> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() >= 8)
            .collect();
        for d in digits {
            assert!(!pupil_numbers.contains(d), "{id}: prints a pupil number");
        }
    }

    // The manifest lists every report with its hash, and counts what was
    // withheld without naming anybody.
    let period = tmp.path().join("out").join(YEAR);
    let m = manifest(&period);
    let reports = m["reports"].as_array().unwrap();
    assert_eq!(reports.len(), rates.len());
    for r in reports {
        let bytes = std::fs::read(period.join(r["file"].as_str().unwrap())).unwrap();
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r["sha256"], digest.as_str());
    }
    assert!(
        m["redactions"]["total"]["school"].as_u64().unwrap() >= 1,
        "{m}"
    );
    let manifest_text = std::fs::read_to_string(period.join("manifest.json")).unwrap();
    for s in schools.values() {
        assert!(!manifest_text.contains(&s.name));
    }

    // The manifest traces every input: the data files, the configuration
    // and the templates, each with its SHA-256.
    let inputs = m["inputs"]["files"].as_array().unwrap();
    let registry = inputs
        .iter()
        .find(|f| f["name"] == "data/registry.csv")
        .unwrap();
    let digest = sha2::Sha256::digest(std::fs::read(city.join("registry.csv")).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(registry["sha256"], hex.as_str());
    assert!(inputs.iter().any(|f| f["name"] == "templates/mirror.typ"));
    assert!(!inputs.iter().any(|f| f["name"] == "data/pseudonym.key"));
    assert_eq!(m["method_version"], "2026.3");
    assert_eq!(m["counts"]["written"], rates.len());
    let data_hash = m["inputs"]["data_sha256"].as_str().unwrap();
    assert!(reports.iter().all(|r| r["data_sha256"] == data_hash));

    // The same inputs give the same bytes: every report and the manifest.
    let first: Vec<Vec<u8>> = rates
        .keys()
        .map(|id| std::fs::read(out.join(format!("{id}.pdf"))).unwrap())
        .collect();
    mirror(&["run", "--config", own_config.to_str().unwrap()]);
    for (id, bytes) in rates.keys().zip(first) {
        assert_eq!(
            std::fs::read(out.join(format!("{id}.pdf"))).unwrap(),
            bytes,
            "{id}: a second run gave other bytes"
        );
    }
    assert_eq!(
        std::fs::read_to_string(period.join("manifest.json")).unwrap(),
        manifest_text,
        "a second run gave another manifest"
    );
}

/// The tiny city in a temporary folder with one registration's code changed
/// to `X`, which is in no code list; `stop_on_error` as given.
fn tiny_city_with_a_bad_code(stop_on_error: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/tiny-city");
    let city = tmp.path().join("city");
    for f in [
        "registry.csv",
        "enrolments/2024-2025.csv",
        "registrations/2024-2025.csv",
    ] {
        std::fs::create_dir_all(city.join(f).parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(f), city.join(f)).unwrap();
    }
    // Row 17 is school 100005's.
    let registrations = city.join("registrations/2024-2025.csv");
    let text = std::fs::read_to_string(&registrations)
        .unwrap()
        .replace("2024-09-13,am,R", "2024-09-13,am,X");
    std::fs::write(&registrations, text).unwrap();
    let config = TestConfig::shipped(tmp.path(), &city, &fixture.join("pseudonym.key"))
        .set(
            "calendar",
            fixture.join("calendar.toml").display().to_string(),
        )
        .set("ingest.stop_on_error", stop_on_error)
        .write(&tmp.path().join("mirror.toml"));
    (tmp, config)
}

fn run_mirror(args: &[&str]) -> (Option<i32>, String) {
    let out = mirror_output(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_row_holds_back_its_school_and_names_file_row_and_column() {
    let (tmp, config) = tiny_city_with_a_bad_code(false);
    let config = config.to_str().unwrap();
    // Without --keep-going the school's errors stop the run: no report.
    let (code, stderr) = run_mirror(&["run", "--config", config]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the data of school(s) 100005 has errors; nothing was rendered"),
        "{stderr}"
    );
    assert!(stderr.contains("--keep-going"), "{stderr}");
    let reports = tmp.path().join("out/2024-2025/schools");
    assert!(!reports.exists());
    let quality =
        std::fs::read_to_string(tmp.path().join("out/2024-2025/quality/data-quality.txt")).unwrap();
    assert!(
        quality.contains(
            "registrations/2024-2025.csv: row 17, column `code`: code `X` is not in the absence code list `flemish`; add it to the code list file with its category"
        ),
        "{quality}"
    );
    assert!(
        quality.contains("  100005            1      0"),
        "{quality}"
    );

    // With it, the other schools get their mirror, and the status still
    // says a school was held back.
    let (code, stderr) = run_mirror(&["run", "--config", config, "--keep-going"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("no mirror for 1 school(s) whose data has errors: 100005"),
        "{stderr}"
    );
    assert!(!reports.join("100005.pdf").exists());
    assert!(reports.join("100001.pdf").exists());
    let m = manifest(&tmp.path().join("out/2024-2025"));
    assert_eq!(m["held_back"], serde_json::json!(["100005"]));
    assert_eq!(m["counts"]["held_back"], 1);

    // `mirror check` says the same and fails, without making reports.
    std::fs::remove_dir_all(tmp.path().join("out")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["check", "--config", config])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("code missing from the code list (error): 1"),
        "{stdout}"
    );
    assert!(tmp.path().join("out/quality/data-quality.csv").exists());
    assert!(!tmp.path().join("out/2024-2025").exists());
}

#[test]
fn stop_on_error_writes_no_report_at_all() {
    let (tmp, config) = tiny_city_with_a_bad_code(true);
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["run", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("registrations/2024-2025.csv: row 17, column `code`"),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("out/2024-2025").exists(),
        "no report, not even a folder"
    );
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// The configuration of `city` with the shipped templates, `mirror.typ`
/// ending in `typ`.
fn config_printing(dir: &Path, city: &Path, typ: &str) -> PathBuf {
    let templates = dir.join("templates");
    std::fs::create_dir_all(templates.join("lang")).unwrap();
    for sub in ["", "lang"] {
        for entry in std::fs::read_dir(repo().join("report-templates").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, templates.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let mut mirror = std::fs::read_to_string(templates.join("mirror.typ")).unwrap();
    mirror.push_str(typ);
    std::fs::write(templates.join("mirror.typ"), mirror).unwrap();
    write_config_with_templates(
        dir,
        &repo().join("config/calendar.toml"),
        &city.join("pseudonym.key"),
        &templates,
    )
}

/// A name no reader sees on the page, only a screen reader (an image's
/// alternative text) or a PDF's properties (its keywords), is refused too.
#[test]
fn the_leak_guard_reads_alternative_texts_and_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let city = generate_city(tmp.path(), 1);
    let reg = text_columns(&city.join("registry.csv"), &["school_id", "name"]);
    let (first, second, other_name) = (&reg[0][0], &reg[0][1], &reg[1][2]);
    assert!(!other_name.contains('"'));
    let config = config_printing(
        tmp.path(),
        &city,
        &format!(
            "\n#if m.school == \"{first}\" {{ image(\"/charts/trend.svg\", width: 1cm, alt: \"After {other_name}\") }}\n#set document(keywords: if m.school == \"{second}\" {{ (\"{other_name}\",) }} else {{ () }})\n"
        ),
    );
    let (code, stderr) = run_mirror(&["run", "--config", config.to_str().unwrap(), "--keep-going"]);
    assert_eq!(code, Some(3), "{stderr}");
    let m = manifest(&tmp.path().join("out").join(YEAR));
    assert_eq!(
        m["refused_by_leak_guard"],
        serde_json::json!([
            { "school": first, "found": { "school": 1 } },
            { "school": second, "found": { "school": 1 } },
        ])
    );
}

/// A template changed to print another school's name in one school's report:
/// that report is refused and not written, the others are, and the message
/// names the rule and the school but not the name found.
#[test]
fn the_leak_guard_refuses_a_report_that_names_another_school() {
    let tmp = tempfile::tempdir().unwrap();
    let city = generate_city(tmp.path(), 1);
    let reg = text_columns(&city.join("registry.csv"), &["school_id", "name"]);
    let (victim, other_name) = (&reg[0][0], &reg[1][1]);
    assert!(!other_name.contains('"'));
    let config = config_printing(
        tmp.path(),
        &city,
        &format!("\n#if m.school == \"{victim}\" {{ \"See also {other_name}.\" }}\n"),
    );
    // A mirror of the school from an earlier run does not stay beside the
    // new manifest.
    let period = tmp.path().join("out").join(YEAR);
    std::fs::create_dir_all(period.join("schools")).unwrap();
    std::fs::write(period.join(format!("schools/{victim}.pdf")), "earlier").unwrap();
    // Without --keep-going the refusal stops the run: nothing is written,
    // the earlier file included.
    let (code, stderr) = run_mirror(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "school {victim}: the leak guard refused the report"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(other_name.as_str()), "{stderr}");
    assert_eq!(
        std::fs::read_dir(period.join("schools")).unwrap().count(),
        1,
        "only the earlier file"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["run", "--config", config.to_str().unwrap(), "--keep-going"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "school {victim}: report not written: the report contains the name of another school (1 time)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(other_name.as_str()), "{stderr}");
    assert!(!period.join(format!("schools/{victim}.pdf")).exists());
    assert!(
        !period
            .join(format!("schools/{victim}.pdf.partial"))
            .exists()
    );
    for id in &reg[0][1..] {
        assert!(period.join(format!("schools/{id}.pdf")).is_file(), "{id}");
    }
    let m = manifest(&period);
    assert_eq!(
        m["refused_by_leak_guard"],
        serde_json::json!([{ "school": victim, "found": { "school": 1 } }])
    );
    assert_eq!(m["reports"].as_array().unwrap().len(), reg[0].len() - 1);
}

/// Render time, size and memory per mirror of the shipped sample city, one
/// renderer (fonts and templates loaded once), one report at a time, eight
/// rounds of different reports (BENCHMARKS.md):
/// `cargo test --workspace --release -- --ignored render_time_of_the_sample_city --nocapture`
#[test]
#[ignore = "a measurement, run by hand"]
// A measurement reports on the terminal.
#[allow(clippy::print_stdout)]
fn render_time_of_the_sample_city() {
    use std::time::Instant;

    let config = mirror_model::Config::load(&repo().join("config/mirror.toml")).unwrap();
    let (anonymised, benchmark) = benchmark(&config);
    let city = &anonymised.city;
    let renderer = mirror_render::Renderer::new(&config.templates_dir).unwrap();
    let meta = |round: u64| mirror_render::ReportMeta {
        // Another date each round: no report is served from typst's cache.
        issue_date: config.issue_date.unwrap() + chrono::Days::new(round),
        min_pupils: config.privacy.min_pupils,
        min_peers: config.privacy.min_peer_schools,
        data_sha256: String::new(),
    };
    let resident_mb = || {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096 / 1_000_000
    };
    for round in 1..=8 {
        let mut times = Vec::new();
        let mut guard_times = Vec::new();
        let mut sizes = Vec::new();
        let mut pages = Vec::new();
        for m in &benchmark.mirrors {
            let start = Instant::now();
            let report = renderer.render(m, &meta(round)).unwrap();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            let start = Instant::now();
            let own = city.schools().iter().position(|s| s.id == m.school);
            anonymised
                .guard
                .check_report(own.map(|i| mirror_model::SchoolRef(i as u32)), &report.text)
                .unwrap();
            let pdf = report.pdf;
            guard_times.push(start.elapsed().as_secs_f64() * 1000.0);
            sizes.push(pdf.len());
            pages.push(lopdf::Document::load_mem(&pdf).unwrap().get_pages().len());
        }
        times.sort_by(f64::total_cmp);
        guard_times.sort_by(f64::total_cmp);
        println!(
            "round {round}: {} mirrors, median {:.1} ms, slowest {:.1} ms, leak guard median {:.1} ms, {}-{} pages, largest {} KB, resident {} MB",
            times.len(),
            times[times.len() / 2],
            times.last().unwrap(),
            guard_times[guard_times.len() / 2],
            pages.iter().min().unwrap(),
            pages.iter().max().unwrap(),
            sizes.iter().max().unwrap() / 1000,
            resident_mb(),
        );
    }
}

/// A run killed while it renders leaves the earlier reports whole and
/// unchanged, and no partial PDF; the next run finishes the job.
#[test]
fn a_run_killed_mid_batch_leaves_no_partial_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, config) = city_with_config(tmp.path(), 1);
    mirror(&["run", "--config", config.to_str().unwrap()]);
    let period = tmp.path().join("out").join(YEAR);
    let schools = period.join("schools");
    let files = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    let before = files(&schools);
    assert_eq!(before.len(), 16);
    // Another issue date: every report of the second run differs.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("2026-09-15", "2026-09-16");
    std::fs::write(&config, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staging = period.join(".staging");
    // Killed as soon as the first new report is finished.
    loop {
        let staged = std::fs::read_dir(&staging).map_or(0, |d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
            })
            .count()
        });
        if staged > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(files(&schools), before, "the earlier reports, whole");

    mirror(&["run", "--config", config.to_str().unwrap()]);
    assert!(!staging.exists());
    let after = files(&schools);
    assert_eq!(after.len(), 16);
    assert!(after.iter().all(|(name, bytes)| &before[name] != bytes));
}

/// The yearly mirror of 2024-2025, then a follow-up of one school in March
/// 2026: the follow-up sets the earlier rate (worked out from the files)
/// beside the rate to date.
#[test]
fn a_follow_up_shows_the_change_since_the_last_mirror() {
    let tmp = tempfile::tempdir().unwrap();
    let (city, config) = city_with_config(tmp.path(), 2);
    let config = config.to_str().unwrap();
    mirror(&["run", "--config", config, "--year", "2024-2025"]);
    let reg = text_columns(&city.join("registry.csv"), &["school_id", "language"]);
    let (school, language) = (&reg[0][0], reg[1][0].as_str());
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 13).unwrap();
    mirror(&[
        "report",
        "--config",
        config,
        "--school",
        school,
        "--as-of",
        "2026-03-13",
        "--follow-up",
    ]);
    let then = rates_by_hand_up_to(&city, "2024-2025", None)[school.as_str()];
    let now = rates_by_hand_up_to(&city, YEAR, Some(as_of))[school.as_str()];
    let period = tmp.path().join("out/2025-2026-to-2026-03-13");
    let text = pdf_text(&period.join(format!("schools/{school}-follow-up.pdf")));
    let heading = match language {
        "en" => "Since your last mirror",
        _ => "Sinds uw vorige spiegel",
    };
    assert!(text.contains(heading), "{text}");
    for rate in [then, now] {
        let printed = percent(rate, language);
        assert!(text.contains(&printed), "{printed} in {text}");
    }
    // Only this school's report was made, and the manifest says so.
    let m = manifest(&period);
    // The PDF's keywords trace it to the inputs the manifest lists, and to
    // the peer set the city's own list names.
    let pdf = std::fs::read(period.join(format!("schools/{school}-follow-up.pdf"))).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let keywords =
        lopdf::decode_text_string(doc.get_dictionary(info).unwrap().get(b"Keywords").unwrap())
            .unwrap();
    let peer_set = m["reports"][0]["peer_set"].as_str().unwrap();
    assert_eq!(
        keywords,
        format!(
            "data-sha256:{}, method-version:2026.3, peer-set:{peer_set}",
            m["inputs"]["data_sha256"].as_str().unwrap()
        )
    );
    let peer_sets = std::fs::read_to_string(period.join("advisor/peer-sets.csv"));
    assert!(
        peer_sets.is_err(),
        "a single report writes no advisor files"
    );
    let listed =
        std::fs::read_to_string(tmp.path().join("out/2024-2025/advisor/peer-sets.csv")).unwrap();
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&format!("{school},{peer_set},"))),
        "{listed}"
    );
    assert_eq!(
        m["reports"][0]["file"],
        format!("schools/{school}-follow-up.pdf")
    );
    assert_eq!(m["reports"].as_array().unwrap().len(), 1);

    // Mistakes get one line each, with the fix.
    // A digit too many: the closest school is suggested.
    let slip = format!("{school}1");
    let (code, stderr) = run_mirror(&["report", "--config", config, "--school", &slip]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!("there is no school {slip} in")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("did you mean {school}?")),
        "{stderr}"
    );
    // Not a school number at all: the command line is refused, status 1.
    let (code, stderr) = run_mirror(&["report", "--config", config, "--school", "10#"]);
    assert_eq!(code, Some(1), "{stderr}");
    let (code, stderr) = run_mirror(&[
        "report",
        "--config",
        config,
        "--school",
        school,
        "--as-of",
        "2027-01-10",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr.trim(),
        "error: --as-of 2027-01-10: the data runs from 2022-09-01 to 2026-06-30; give a day in that range, or --year for a whole school year"
    );
}

/// `mirror config` prints the shipped configuration, which loads.
#[test]
fn the_printed_configuration_is_the_shipped_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .arg("config")
        .output()
        .unwrap();
    assert!(out.status.success());
    let shipped = std::fs::read_to_string(repo().join("config/mirror.toml")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), shipped);
}

/// `mirror advisor-list` writes the advisor's files for the city's staff and
/// no school's report; every peer set names schools of the registry, never
/// the school itself.
#[test]
fn the_advisor_list_alone_writes_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (city, config) = city_with_config(tmp.path(), 1);
    let (code, stderr) = run_mirror(&["advisor-list", "--config", config.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let period = tmp.path().join("out").join(YEAR);
    let csv = std::fs::read_to_string(period.join("advisor/advisor-list.csv")).unwrap();
    assert!(
        csv.starts_with("list,rank,label,school_id,school_name,"),
        "{csv}"
    );
    // The offers each listed school's mirror suggests, for the advisor's call.
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",strength,p_value,evidence,support"),
        "{csv}"
    );
    assert!(period.join("advisor/advisor-list.pdf").is_file());
    assert!(!period.join("schools").exists());
    let registry = text_columns(&city.join("registry.csv"), &["school_id"]).remove(0);
    let sets = std::fs::read_to_string(period.join("advisor/peer-sets.csv")).unwrap();
    let mut lines = sets.lines();
    assert_eq!(lines.next(), Some("school_id,peer_set,peers"));
    let mut rows = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let (school, id, peers) = (fields[0], fields[1], fields[2]);
        assert!(registry.iter().any(|r| r == school), "{line}");
        assert!(
            id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{line}"
        );
        for peer in peers.split(' ') {
            assert!(
                peer != school && registry.iter().any(|r| r == peer),
                "{line}"
            );
        }
        rows += 1;
    }
    assert!(rows > 0 && rows <= registry.len(), "{sets}");
}

/// The inspiration guide holds every good practice of the city, redacted:
/// each note's title, no school's or staff member's name, the same bytes on
/// a second run. A school with an action plan sees its goals.
#[test]
fn the_inspiration_guide_holds_every_practice_and_names_nobody() {
    let tmp = tempfile::tempdir().unwrap();
    let (city, config) = city_with_config(tmp.path(), 2);
    mirror(&["run", "--config", config.to_str().unwrap()]);
    let period = tmp.path().join("out").join(YEAR);
    let guide = period.join("inspiration-guide.pdf");
    let text = pdf_text(&guide);
    let mut titles = 0;
    for entry in std::fs::read_dir(city.join("good-practices")).unwrap() {
        let note = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let title = note
            .lines()
            .find_map(|l| l.strip_prefix("title = \""))
            .unwrap()
            .trim_end_matches('"');
        assert!(text.contains(title), "`{title}` not in the guide:\n{text}");
        titles += 1;
    }
    assert!(titles >= 20, "{titles} notes");
    let reg = text_columns(&city.join("registry.csv"), &["school_id", "name"]);
    for name in &reg[1] {
        assert!(!text.contains(name.as_str()), "the guide names {name}");
    }
    let staff = text_columns(
        &city.join("rosters/staff.csv"),
        &["first_name", "last_name"],
    );
    for (first, last) in staff[0].iter().zip(&staff[1]) {
        assert!(
            !text.contains(&format!("{first} {last}")),
            "the guide names a teacher"
        );
    }
    let first = std::fs::read(&guide).unwrap();
    mirror(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&guide).unwrap(),
        first,
        "a second run gave other bytes"
    );

    let plans = text_columns(&city.join("action-plans/plans.csv"), &["school_id"]);
    let with_goals: HashSet<&String> = plans[0].iter().filter(|id| !id.is_empty()).collect();
    assert!(with_goals.len() >= 3, "{with_goals:?}");
    for id in with_goals {
        let text = pdf_text(&period.join(format!("schools/{id}.pdf")));
        assert!(
            text.contains("Goals of your action plan") || text.contains("Doelen uit uw actieplan"),
            "{id}: no goals in:\n{text}"
        );
    }
}

/// The shipped sample city closes the loop: a catalogue of at least 10
/// offers, 20 or more good practices and action plans of several schools.
#[test]
fn the_shipped_sample_has_offers_practices_and_plans() {
    let data = repo().join("sample-data");
    let offers = std::fs::read_to_string(data.join("support/offers.csv")).unwrap();
    let offers = offers.lines().count() - 1;
    assert!(offers >= 10, "{offers} offers");
    let notes = std::fs::read_dir(data.join("good-practices"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "md")
        })
        .count();
    assert!(notes >= 20, "{notes} practices");
    let plans = text_columns(&data.join("action-plans/plans.csv"), &["school_id"]);
    let schools: HashSet<&String> = plans[0].iter().filter(|id| !id.is_empty()).collect();
    assert!(schools.len() >= 5, "{schools:?}");
}

/// The benchmark configurations measure what a city runs: they are the
/// shipped configuration line for line, but for the paths of the data, the
/// output, the key and the history (and their own opening comment).
#[test]
fn the_benchmark_configurations_are_the_shipped_one_but_for_paths() {
    let settings = |name: &str| -> Vec<String> {
        std::fs::read_to_string(repo().join("config").join(name))
            .unwrap()
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .filter(|l| {
                !["data_dir =", "out_dir =", "key_file =", "history_dir ="]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .map(str::to_owned)
            .collect()
    };
    let shipped = settings("mirror.toml");
    assert!(shipped.len() > 50, "the shipped configuration was read");
    for bench in [
        "scale-benchmark.toml",
        "region-benchmark.toml",
        "region12k-benchmark.toml",
    ] {
        assert_eq!(
            settings(bench),
            shipped,
            "config/{bench} differs from config/mirror.toml"
        );
    }
}
