//! End to end: schools known only from attendance totals (half days per kind
//! of absence for a day, a month or a school year) get a mirror of what
//! totals allow, alone in a city or beside schools with pupil-level data.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, mirror, pdf_text, repo, sample_city};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use mirror_model::{Calendar, SchoolYear};
use polars::prelude::*;

const YEAR: &str = "2025-2026";

/// A percentage with one decimal as reports print it.
fn percent(events: u64, trials: u64, language: &str) -> String {
    let digits = format!("{:.1}", events as f64 * 100.0 / trials as f64);
    match language {
        "nl" => format!("{} %", digits.replace('.', ",")),
        _ => format!("{digits}%"),
    }
}

/// The shipped configuration in `dir` for the city in `data`, with the
/// calendar and key given, writing to `dir/out`.
fn write_config(dir: &Path, data: &Path, calendar: &Path, key: &Path) -> PathBuf {
    let abs = |p: &Path| p.canonicalize().unwrap().display().to_string();
    TestConfig::shipped(dir, data, key)
        .set("calendar", abs(calendar))
        .write(&dir.join("mirror.toml"))
}

/// Text columns of a CSV file (any separator the city uses: `,` or `;`).
fn csv_columns(path: &Path, names: &[&str]) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let separator = if text.lines().next().unwrap().contains(';') {
        b';'
    } else {
        b','
    };
    let df = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_separator(separator))
        .try_into_reader_with_file_path(Some(path.to_owned()))
        .unwrap()
        .finish()
        .unwrap();
    names
        .iter()
        .map(|n| {
            df.column(n)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}

const CATEGORIES: [&str; 6] = [
    "present",
    "sick",
    "authorised_by_law",
    "authorised_by_head",
    "problematic",
    "other",
];

/// Each school's problematic half days and every half day its totals
/// register, straight from a totals file.
fn rates_from_totals(path: &Path) -> BTreeMap<String, (u64, u64)> {
    let mut names = vec!["school_id"];
    names.extend(CATEGORIES);
    let c = csv_columns(path, &names);
    let mut rates: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (row, school) in c[0].iter().enumerate() {
        let n = |k: usize| c[k][row].parse::<u64>().unwrap();
        let r = rates.entry(school.clone()).or_default();
        r.0 += n(5);
        r.1 += (1..=6).map(n).sum::<u64>();
    }
    rates
}

/// The schools of a registry with their language.
fn languages(registry: &Path) -> BTreeMap<String, String> {
    let c = csv_columns(registry, &["school_id", "language"]);
    c[0].iter().cloned().zip(c[1].iter().cloned()).collect()
}

/// The sentences of `lang/<language>.toml` a totals school's mirror says.
fn totals_strings(language: &str) -> toml::Table {
    let path = repo().join(format!("report-templates/lang/{language}.toml"));
    let strings: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    strings["totals"].as_table().unwrap().clone()
}

fn string<'a>(table: &'a toml::Table, key: &str) -> &'a str {
    table[key].as_str().unwrap()
}

/// The fixture (tests/fixtures/totals-city/README.md): 7 schools, two with
/// days, three with months and two with a school-year row.
#[test]
fn a_city_with_only_totals_gets_a_mirror_per_school_with_the_rate_of_its_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let city = repo().join("tests/fixtures/totals-city");
    let config = write_config(
        tmp.path(),
        &city,
        &city.join("calendar.toml"),
        &city.join("pseudonym.key"),
    );
    mirror(&["run", "--config", config.to_str().unwrap()]);

    let rates = rates_from_totals(&city.join(format!("attendance-totals/{YEAR}.csv")));
    // By hand (README): Atheneum Dag's five days register 40 + 40 + 20 +
    // 40 + 40 = 180 half days, 2 + 1 + 1 + 2 + 2 = 8 of them problematic;
    // Campus Jaar's one school-year row 2415, 27 problematic.
    assert_eq!(rates["200001"], (8, 180));
    assert_eq!(rates["200005"], (27, 2415));
    let schools = languages(&city.join("registry.csv"));
    assert_eq!(rates.len(), schools.len());
    let out = tmp.path().join("out").join(YEAR).join("schools");
    for (id, (problematic, half_days)) in &rates {
        let language = &schools[id];
        let pdf = out.join(format!("{id}.pdf"));
        assert!(pdf.is_file(), "no mirror for school {id}");
        let text = pdf_text(&pdf);
        let rate = percent(*problematic, *half_days, language);
        assert!(
            text.contains(&rate),
            "{id}: rate {rate} missing from:\n{text}"
        );
        let t = totals_strings(language);
        // What needs pupils is said, once per section, never left blank.
        for key in ["pupils_from", "key_figures_note", "parts"] {
            assert!(
                text.contains(string(&t, key)),
                "{id}: `{key}` missing from:\n{text}"
            );
        }
        // The bands and the guidance follow-up: one sentence each.
        assert_eq!(
            text.matches(string(&t, "not_pupils")).count(),
            2,
            "{id}: {text}"
        );
        // Days give weekdays (whole days), months give months, a school
        // year neither.
        let daily = ["200001", "200002"].contains(&id.as_str());
        let yearly = ["200005", "200006"].contains(&id.as_str());
        assert_eq!(
            text.contains(string(&t, "whole_day_note")),
            daily,
            "{id}: {text}"
        );
        assert_eq!(
            text.contains(string(&t, "weekdays_not_given")),
            !daily,
            "{id}: {text}"
        );
        assert_eq!(
            text.contains(string(&t, "months_not_given")),
            yearly,
            "{id}: {text}"
        );
    }
}

/// The lesson half days of every enrolment in each school month (less the
/// school's own days off), and the absences per category and month, of one
/// school: its registrations as monthly totals.
fn monthly_totals_of(city: &Path, school: &str) -> String {
    let calendar = Calendar::load(&repo().join("config/calendar.toml")).unwrap();
    let year: SchoolYear = YEAR.parse().unwrap();
    let lessons = calendar.year(year).unwrap();
    let e = csv_columns(
        &city.join(format!("enrolments/{YEAR}.csv")),
        &["school_id", "from", "to"],
    );
    // The school's own days without lessons (school-days-off/): a whole
    // day is its lesson half days, a half day one.
    let off = csv_columns(
        &city.join(format!("school-days-off/{YEAR}.csv")),
        &["school_id", "date", "half_day"],
    );
    let days_off: Vec<(NaiveDate, u64)> = (0..off[0].len())
        .filter(|&i| off[0][i] == school)
        .map(|i| {
            let date: NaiveDate = off[1][i].parse().unwrap();
            let whole = ["", "day"].contains(&off[2][i].as_str());
            let n = if whole {
                lessons.lesson_half_days_between(date, date) as u64
            } else {
                1
            };
            (date, n)
        })
        .collect();
    // Per month (year, month): expected half days, pupils, absences per category.
    let mut months: BTreeMap<(i32, u32), (u64, u32, [u64; 6])> = BTreeMap::new();
    for (row, id) in e[0].iter().enumerate() {
        if id != school {
            continue;
        }
        let from: NaiveDate = e[1][row].parse().unwrap();
        let to = if e[2][row].is_empty() {
            year.last_day()
        } else {
            e[2][row].parse().unwrap()
        };
        let mut first = from;
        while first <= to {
            let next = first
                .with_day(1)
                .unwrap()
                .checked_add_months(chrono::Months::new(1))
                .unwrap();
            let last = to.min(next.pred_opt().unwrap());
            let m = months.entry((first.year(), first.month())).or_default();
            let n = lessons.lesson_half_days_between(first, last) as u64
                - days_off
                    .iter()
                    .filter(|(d, _)| (first..=last).contains(d))
                    .map(|(_, n)| n)
                    .sum::<u64>();
            m.0 += n;
            m.1 += u32::from(n > 0);
            first = next;
        }
    }
    let r = registrations(city);
    // The categories of config/absence-codes.toml's Flemish list, in the
    // order of the totals' columns.
    let category = |code: &str| match code {
        "|" => 0,
        "Z" | "D" => 1,
        "R" | "H" | "M" | "T" | "U" | "Y" | "J" => 2,
        "P" | "C" => 3,
        "B" => 4,
        _ => 5,
    };
    for ((s, code), date) in r[0].iter().zip(&r[1]).zip(&r[2]) {
        if s != school {
            continue;
        }
        let date: NaiveDate = date.parse().unwrap();
        let k = category(code);
        months.get_mut(&(date.year(), date.month())).unwrap().2[k] += 1;
    }
    let mut csv = String::from(
        "school_id,period,enrolled,present,sick,authorised_by_law,authorised_by_head,problematic,other\n",
    );
    for ((y, m), (expected, pupils, absent)) in months {
        if expected == 0 {
            continue;
        }
        let present = expected - absent[1..].iter().sum::<u64>();
        let a = &absent;
        csv.push_str(&format!(
            "{school},{y}-{m:02},{pupils},{present},{},{},{},{},{}\n",
            a[1], a[2], a[3], a[4], a[5]
        ));
    }
    csv
}

fn registrations(city: &Path) -> Vec<Vec<String>> {
    let path = city.join(format!("registrations/{YEAR}.parquet"));
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    ["school_id", "code", "date"]
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

/// Keeps the rows of a CSV file (written by the generator: `,`, no quoted
/// commas) whose `school_id` is not `school`.
fn drop_school_rows(path: &Path, school: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let column = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "school_id")
        .unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.split(',').nth(column) != Some(school))
        .collect();
    std::fs::write(path, kept.join("\n") + "\n").unwrap();
}

/// The same in the registrations' Parquet file.
fn drop_school_registrations(city: &Path, school: &str) {
    let path = city.join(format!("registrations/{YEAR}.parquet"));
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let ids = df
        .column("school_id")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    let keep = ids.str().unwrap().not_equal(school);
    let mut kept = df.filter(&keep).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut kept)
        .unwrap();
}

/// The sample city with one school's 2025-2026 enrolments and registrations
/// replaced by monthly totals made from them (issue 17): the school gets a
/// mirror, with the same rate as its pupil-level data gave, and the others
/// theirs as before.
#[test]
fn a_school_with_only_totals_in_a_city_with_pupil_data_gets_its_mirror() {
    let tmp = tempfile::tempdir().unwrap();
    let (city, _) = sample_city(tmp.path(), 16, 2, 7, &["--last-year", YEAR]);
    let schools = languages(&city.join("registry.csv"));
    let (school, language) = schools.iter().next().unwrap();
    let totals = monthly_totals_of(&city, school);
    // Its rate by its monthly totals: problematic over every half day.
    let (mut problematic, mut half_days) = (0, 0);
    for line in totals.lines().skip(1) {
        let n: Vec<u64> = line
            .split(',')
            .skip(3)
            .map(|v| v.parse().unwrap())
            .collect();
        problematic += n[4];
        half_days += n.iter().sum::<u64>();
    }
    assert!(half_days > 0 && problematic > 0, "{totals}");
    let folder = city.join("attendance-totals");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(format!("{YEAR}-{school}.csv")), &totals).unwrap();
    drop_school_rows(&city.join(format!("enrolments/{YEAR}.csv")), school);
    drop_school_registrations(&city, school);
    // Guidance files of its pupils that year would have no enrolment.
    for entry in std::fs::read_dir(city.join("guidance")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(YEAR) {
            drop_school_rows(&path, school);
        }
    }

    let config = write_config(
        tmp.path(),
        &city,
        &repo().join("config/calendar.toml"),
        &city.join("pseudonym.key"),
    );
    mirror(&["run", "--config", config.to_str().unwrap()]);
    let out = tmp.path().join("out").join(YEAR).join("schools");
    for id in schools.keys() {
        assert!(
            out.join(format!("{id}.pdf")).is_file(),
            "no mirror for {id}"
        );
    }
    let text = pdf_text(&out.join(format!("{school}.pdf")));
    let rate = percent(problematic, half_days, language);
    assert!(
        text.contains(&rate),
        "{school}: rate {rate} missing:\n{text}"
    );
    let t = totals_strings(language);
    assert!(text.contains(string(&t, "key_figures_note")), "{text}");
    // Its earlier year was counted from pupils: it says why no change is tested.
    assert!(text.contains(string(&t, "no_change_test")), "{text}");
}
