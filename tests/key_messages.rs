//! End to end: on every first page of two sample cities (the seed-5 city
//! issue 23 was read on, `mirror sample-data --schools 40 --years 2 --seed
//! 5`, and seed 11), with the shipped configuration, the key messages'
//! words and numbers agree with the key-figures table beside them:
//! - the school's figure and the peers' figure quoted are the ones the
//!   table prints (more decimals only where one decimal prints them equal),
//!   the peers' figure named as the table names it (median, or the pooled
//!   average marked °);
//! - "higher" or "lower" only when the quoted figures lie that way;
//! - a distance in percentage points is the difference of the quoted figures;
//! - never "in line with similar schools".
//!
//! Also on every report: the guidance follow-up speaks of a fall only when
//! the figure after the opening prints lower than the one before.
//! The rules behind the words are worked by hand in the unit tests of
//! `crates/render/src/messages.rs` and `crates/benchmark/src/significance.rs`.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{pdf_text, repo, run_and_find_period, sample_city};

use std::path::Path;

/// The sample city of `seed` (40 schools, 2 years) in `dir/city`, its
/// mirrors rendered by `mirror run` with the shipped configuration; the
/// text of every report.
fn reports(dir: &Path, seed: u32) -> Vec<(String, String)> {
    let (_, config) = sample_city(dir, 40, 2, seed, &[]);
    let year = run_and_find_period(dir, &config);
    let mut out: Vec<(String, String)> = std::fs::read_dir(year.join("schools"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                pdf_text(&p),
            )
        })
        .collect();
    out.sort();
    out
}

/// A report language's words the checks look for: from the strings file
/// where the report prints them, written out where the test names a
/// direction.
struct Words {
    in_short: String,
    peers_heading: String,
    key_figures: String,
    rate_row: String,
    threshold_row: String,
    median: String,
    average: String,
    rate_message: &'static str,
    threshold_message: [&'static str; 2],
    higher: [&'static str; 2],
    lower: [&'static str; 2],
    points: &'static str,
    in_line: &'static str,
    before_after: &'static str,
    fall: &'static str,
    /// The start of a trend's message, and its words for a rise and a fall.
    trend: [&'static str; 3],
}

impl Words {
    fn of(language: &str) -> Self {
        let path = repo().join(format!("report-templates/lang/{language}.toml"));
        let s: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
        let get = |section: &str, key: &str| -> String {
            let mut t = &s;
            for part in section.split('.') {
                t = t[part].as_table().unwrap();
            }
            t[key].as_str().unwrap().to_owned()
        };
        // The words of a string before its first placeholder.
        let before = |x: String| x.split('{').next().unwrap().trim().to_owned();
        let english = language == "en";
        Self {
            in_short: get("messages", "heading"),
            peers_heading: get("report", "peers_heading"),
            key_figures: before(get("report", "key_figures")),
            rate_row: get("report", "rate"),
            threshold_row: get("report", "from_threshold").replace("{n}", "5"),
            median: before(get("messages.peer", "median")),
            average: before(get("messages.peer", "pooled")),
            rate_message: if english {
                "Problematic absence ("
            } else {
                "De problematische afwezigheid ("
            },
            threshold_message: if english {
                ["More pupils reach 5 ", "Fewer pupils reach 5 "]
            } else {
                [
                    "Meer leerlingen bereiken 5 ",
                    "Minder leerlingen bereiken 5 ",
                ]
            },
            higher: if english {
                ["higher than", "above that of"]
            } else {
                ["hoger dan", "Meer leerlingen"]
            },
            lower: if english {
                ["lower than", "below that of"]
            } else {
                ["lager dan", "Minder leerlingen"]
            },
            points: if english {
                "percentage points"
            } else {
                "procentpunt"
            },
            in_line: if english { "in line" } else { "in de lijn" },
            before_after: if english {
                "In the four school weeks before the opening"
            } else {
                "In de vier schoolweken voor de opening"
            },
            fall: if english {
                "part of that fall"
            } else {
                "een deel van die daling"
            },
            trend: if english {
                ["Over the last ", " rose ", " fell "]
            } else {
                ["De voorbije ", " steeg ", " daalde "]
            },
        }
    }
}

/// A percentage as printed: its value, its decimals and whether it carries
/// the pooled mark °.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pct {
    value: f64,
    decimals: usize,
    pooled: bool,
}

/// Every percentage in `text`, in order ("0.4%", "0,4 %", "5,0 %°").
fn percentages(text: &str) -> Vec<(usize, Pct)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].1.is_ascii_digit() && (i == 0 || !chars[i - 1].1.is_ascii_digit());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut digits = String::new();
        let mut decimals = None;
        while j < chars.len() {
            let c = chars[j].1;
            if c.is_ascii_digit() {
                digits.push(c);
                decimals = decimals.map(|d: usize| d + 1);
            } else if (c == '.' || c == ',')
                && decimals.is_none()
                && chars.get(j + 1).is_some_and(|n| n.1.is_ascii_digit())
            {
                digits.push('.');
                decimals = Some(0);
            } else {
                break;
            }
            j += 1;
        }
        let mut k = j;
        if chars.get(k).is_some_and(|c| c.1 == ' ') {
            k += 1;
        }
        if chars.get(k).is_some_and(|c| c.1 == '%') {
            let pooled = chars.get(k + 1).is_some_and(|c| c.1 == '°');
            out.push((
                chars[i].0,
                Pct {
                    value: digits.parse().unwrap(),
                    decimals: decimals.unwrap_or(0),
                    pooled,
                },
            ));
        }
        i = j.max(i + 1);
    }
    out
}

/// Whether `x` printed with `decimals` decimals reads `printed` (half away
/// from zero, as the reports round).
fn rounds_to(x: f64, printed: f64, decimals: usize) -> bool {
    let scale = 10f64.powi(decimals as i32);
    ((x * scale * 1e6).round() / 1e6).round() == (printed * scale).round()
}

/// Whether `quoted` and `table` can be one figure printed with their
/// decimals: equal with as many, else within both roundings of each other
/// (0.15 with two decimals is 0.1 with one when the figure is 0.1499).
fn same_figure(quoted: Pct, table: Pct) -> bool {
    let half = |d: usize| 0.5 * 10f64.powi(-(d as i32));
    if quoted.decimals == table.decimals {
        quoted.value == table.value
    } else {
        (quoted.value - table.value).abs() <= half(quoted.decimals) + half(table.decimals) + 1e-9
    }
}

/// The school's and the peers' figures in the key-figures row `label`
/// (`None` for a figure not shown).
fn table_row(page: &str, w: &Words, label: &str) -> Option<(Pct, Pct)> {
    let table = &page[page.find(&w.key_figures)?..];
    let row = &table[table.find(label)? + label.len()..];
    let row: String = row.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    match percentages(&row)[..] {
        [(0, school), (_, peers), ..] => Some((school, peers)),
        _ => None,
    }
}

/// What the checks found, so that a test that read nothing fails.
#[derive(Default, Debug)]
struct Seen {
    rate_messages: usize,
    within: usize,
    more_decimals: usize,
    threshold_messages: usize,
    before_after: usize,
    trends: usize,
}

/// Checks one key message quoting `school` against `peers` from the table
/// row (school, peers).
fn check_quote(id: &str, message: &str, row: (Pct, Pct), w: &Words, seen: &mut Seen) {
    let quoted = percentages(message);
    let [(_, school), (at_peer, peer), ..] = quoted[..] else {
        panic!("{id}: no two figures in “{message}”");
    };
    let (table_school, table_peer) = row;
    // The quoted figures are the table's, to more decimals only where one
    // decimal prints them equal.
    for (q, t) in [(school, table_school), (peer, table_peer)] {
        assert!(
            same_figure(q, t),
            "{id}: {q:?} quoted, {t:?} in the table: “{message}”"
        );
    }
    assert_eq!(school.decimals, peer.decimals, "{id}: “{message}”");
    if school.decimals > table_school.decimals {
        seen.more_decimals += 1;
        assert_eq!(table_school.value, table_peer.value, "{id}: “{message}”");
    }
    // Named as the table names it.
    assert_eq!(peer.pooled, table_peer.pooled, "{id}: “{message}”");
    let name = if peer.pooled { &w.average } else { &w.median };
    assert!(
        message[..at_peer].trim_end().ends_with(name.as_str()),
        "{id}: the peers' figure not called `{name}`: “{message}”"
    );
    // A direction only as the quoted figures lie.
    if w.higher.iter().any(|h| message.contains(h)) {
        assert!(school.value > peer.value, "{id}: “{message}”");
    }
    if w.lower.iter().any(|l| message.contains(l)) {
        assert!(school.value < peer.value, "{id}: “{message}”");
    }
    // A distance is the difference of the quoted figures.
    if let Some(at) = message.find(w.points) {
        let number = message[..at]
            .split_whitespace()
            .last()
            .unwrap()
            .replace(',', ".");
        let distance: f64 = number.parse().unwrap();
        assert!(
            rounds_to((school.value - peer.value).abs(), distance, school.decimals),
            "{id}: “{message}”"
        );
    }
}

/// The checks of the module doc on every report of a city.
fn check_city(reports: &[(String, String)]) -> Seen {
    let mut seen = Seen::default();
    for (id, text) in reports {
        let english = text.contains("Key figures");
        let w = Words::of(if english { "en" } else { "nl" });
        let Some(start) = text.find(&w.in_short) else {
            continue;
        };
        let end = text[start..]
            .find(&w.peers_heading)
            .map_or(text.len(), |e| start + e);
        let block = &text[start + w.in_short.len()..end];
        assert!(!block.contains(w.in_line), "{id}: “{block}”");
        for message in block.split('•').map(str::trim).filter(|m| !m.is_empty()) {
            if message.starts_with(w.rate_message)
                && let Some(row) = table_row(text, &w, &w.rate_row)
            {
                seen.rate_messages += 1;
                seen.within += usize::from(message.contains(w.points));
                check_quote(id, message, row, &w, &mut seen);
            }
            // A trend over the years: its years' rates, the last the
            // table's, going the way it says (100186: 5.4, 6.2, 8.3, 9.8%).
            if message.starts_with(w.trend[0]) {
                let rose = message.contains(w.trend[1]);
                assert!(rose != message.contains(w.trend[2]), "{id}: “{message}”");
                let rates = percentages(message);
                let (first, last) = (rates[0].1, rates[rates.len() - 1].1);
                let (school, _) = table_row(text, &w, &w.rate_row).unwrap();
                assert!(same_figure(last, school), "{id}: “{message}”");
                let years: usize = message
                    .split_whitespace()
                    .find_map(|x| x.parse().ok())
                    .unwrap();
                assert_eq!(rates.len(), years, "{id}: “{message}”");
                assert!(
                    if rose {
                        last.value > first.value
                    } else {
                        last.value < first.value
                    },
                    "{id}: “{message}”"
                );
                seen.trends += 1;
            }
            if w.threshold_message.iter().any(|t| message.starts_with(t)) {
                let row = table_row(text, &w, &w.threshold_row)
                    .unwrap_or_else(|| panic!("{id}: no table row for “{message}”"));
                seen.threshold_messages += 1;
                check_quote(id, message, row, &w, &mut seen);
            }
        }
        // The guidance follow-up: a fall only where the figures fell.
        if let Some(at) = text.find(w.before_after) {
            let sentence = &text[at..text[at..].find(". ").map_or(text.len(), |e| at + e)];
            let rest = &text[at..(at + sentence.len() + 200).min(text.len())];
            let figures = percentages(sentence);
            seen.before_after += 1;
            if rest.contains(w.fall) {
                let [(_, before), (_, after)] = figures[..] else {
                    panic!("{id}: “{rest}”");
                };
                assert!(after.value < before.value, "{id}: “{rest}”");
            }
        }
    }
    seen
}

/// The seed-5 city (the one issue 23 quotes) and seed 11: every first page.
/// Each city must give messages of each kind to check, or the test read
/// nothing: at least 30 schools' rate message, some within their limits,
/// and the follow-up of the guidance files.
#[test]
fn key_messages_agree_with_the_key_figures_on_every_first_page() {
    for seed in [5, 11] {
        let dir = tempfile::tempdir().unwrap();
        let reports = reports(dir.path(), seed);
        assert_eq!(reports.len(), 40, "seed {seed}");
        let seen = check_city(&reports);
        assert!(seen.rate_messages >= 30, "seed {seed}: {seen:?}");
        assert!(seen.within >= 5, "seed {seed}: {seen:?}");
        assert!(seen.before_after >= 5, "seed {seed}: {seen:?}");
        assert!(seen.trends >= 3, "seed {seed}: {seen:?}");
    }
}
