//! Helpers every end-to-end test binary shares. Each binary uses a subset,
//! so the unused rest is allowed rather than reported per binary.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's top level (templates, config, fixtures).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A PDF's text with runs of white space as one space and typst's
/// ligatures and non-breaking spaces written out, so tests can look for words.
pub fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    text.replace('\u{FB01}', "fi")
        .replace('\u{FB02}', "fl")
        .replace('\u{00A0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shipped configuration (`config/mirror.toml`, every feature on), its
/// paths made absolute, pointed at a test's city: tests run what a city
/// runs and change only what they name.
pub struct TestConfig(toml::Table);

impl TestConfig {
    /// For the city in `data` with its key file `key`, writing to `dir/out`
    /// and keeping the history in `dir/out/history`.
    pub fn shipped(dir: &Path, data: &Path, key: &Path) -> Self {
        let config_dir = repo().join("config");
        let mut table: toml::Table = std::fs::read_to_string(config_dir.join("mirror.toml"))
            .unwrap()
            .parse()
            .unwrap();
        // Every file or folder the shipped file names relative to itself.
        for (_, value) in table.iter_mut() {
            if let toml::Value::String(p) = value
                && config_dir.join(p.as_str()).exists()
            {
                *p = config_dir.join(p.as_str()).display().to_string();
            }
        }
        let abs = |p: &Path| std::path::absolute(p).unwrap().display().to_string();
        Self(table)
            .set("data_dir", abs(data))
            .set("out_dir", abs(&dir.join("out")))
            .set("pseudonyms.key_file", abs(key))
            .set("privacy.history_dir", abs(&dir.join("out/history")))
    }

    /// Sets `key`, a dotted path such as `privacy.min_pupils`.
    pub fn set(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        let (sections, name) = key
            .rsplit_once('.')
            .map_or((None, key), |(s, n)| (Some(s), n));
        let mut table = &mut self.0;
        for section in sections.into_iter().flat_map(|s| s.split('.')) {
            table = table
                .entry(section)
                .or_insert_with(|| toml::Table::new().into())
                .as_table_mut()
                .unwrap();
        }
        table.insert(name.to_owned(), value.into());
        self
    }

    /// Leaves out the top-level key `key`, so its default applies.
    pub fn without(mut self, key: &str) -> Self {
        self.0.remove(key);
        self
    }

    /// Writes the configuration to `path` and returns it.
    pub fn write(&self, path: &Path) -> PathBuf {
        std::fs::write(path, toml::to_string(&self.0).unwrap()).unwrap();
        path.to_owned()
    }
}

/// Runs the binary; whatever it does is the test's to judge.
pub fn mirror_output<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(args)
        .output()
        .expect("the mirror binary runs")
}

/// Runs the binary; its stdout and stderr, the test failing with them
/// unless it succeeds.
pub fn mirror<S: AsRef<OsStr>>(args: &[S]) -> String {
    let out = mirror_output(args);
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
    assert!(out.status.success(), "mirror {args:?} failed:\n{said}");
    said
}

/// A sample city in `dir/city` (`mirror sample-data --schools <schools>
/// --years <years> --seed <seed>` and `extra`, generated for the shipped
/// configuration), and the shipped configuration pointed at it.
pub fn sample_city(
    dir: &Path,
    schools: u32,
    years: u32,
    seed: u32,
    extra: &[&str],
) -> (PathBuf, TestConfig) {
    let city = dir.join("city");
    let shipped = repo().join("config/mirror.toml");
    let mut args: Vec<&OsStr> = Vec::new();
    let (schools, years, seed) = (schools.to_string(), years.to_string(), seed.to_string());
    for a in [
        "sample-data",
        "--schools",
        &schools,
        "--years",
        &years,
        "--seed",
        &seed,
    ] {
        args.push(a.as_ref());
    }
    args.extend(extra.iter().map(|a| OsStr::new(*a)));
    args.extend([OsStr::new("--out"), city.as_os_str()]);
    args.extend([OsStr::new("--config"), shipped.as_os_str()]);
    mirror(&args);
    let config = TestConfig::shipped(dir, &city, &city.join("pseudonym.key"));
    (city, config)
}

/// Anonymise's output (the city, the leak guard ...) and the mirrors for
/// the reported year, made in this
/// process as `mirror run` makes them (crates/mirror/src/pipeline.rs), with
/// no earlier releases.
pub fn benchmark(
    config: &mirror_model::Config,
) -> (
    mirror_anonymise::Anonymised,
    mirror_benchmark::CityBenchmark,
) {
    let calendar = mirror_model::Calendar::load(&config.calendar).unwrap();
    let read = mirror_ingest::run(config, calendar, mirror_ingest::PupilSources::Read).unwrap();
    let key =
        mirror_anonymise::PseudonymKey::load(config.pseudonym_key_file.as_deref(), &config.source)
            .unwrap();
    let places = mirror_anonymise::Places::load(&config.places).unwrap();
    let pupils = mirror_anonymise::PupilRecords::pseudonymise(read.pupils.unwrap(), &key);
    let anonymised = mirror_anonymise::run(read.city, pupils, &key, &places, &config.privacy);
    let settings = mirror_benchmark::BenchmarkSettings {
        thresholds: config.thresholds.clone(),
        peers: config.peers.clone(),
        privacy: config.privacy.clone(),
        cohort: mirror_benchmark::Cohort::Enrolled,
        practices_per_report: config.practices.per_report,
    };
    let reported = mirror_benchmark::Reported::Latest;
    let b =
        mirror_benchmark::run(&anonymised.city, &settings, reported, &Default::default()).unwrap();
    (anonymised, b)
}

/// Writes `config` to `dir/mirror.toml`, runs `mirror run` on it and returns
/// the period folder it wrote (`dir/out/<period>`).
pub fn run_and_find_period(dir: &Path, config: &TestConfig) -> PathBuf {
    let path = config.write(&dir.join("mirror.toml"));
    mirror(&[OsStr::new("run"), OsStr::new("--config"), path.as_os_str()]);
    std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("schools").is_dir())
        .unwrap()
}
