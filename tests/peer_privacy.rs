//! Peer comparisons that are right and reveal no school (issue 22), over
//! every figure of the generated sample city the issue was found on
//! (`mirror sample-data --schools 40 --years 2 --seed 3 --csv-registrations`,
//! the shipped configuration): the peer groups follow the documented rule
//! computed with exact shares, and no peer figure of a group under 10
//! schools is one peer's own figure.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{benchmark, sample_city};

use std::collections::BTreeMap;
use std::path::Path;

use mirror_benchmark::{Comparison, Figure, PeerFigure, PeerSpread, SchoolMirror};
use mirror_model::Config;
use mirror_model::config::PeerMethod;

/// Below this many peers no median or middle half is printed.
const SPREAD_FROM: usize = 10;

/// The city in `dir/city`, with the shipped configuration pointed at
/// it in `dir/mirror.toml`.
fn seed_3_city(dir: &Path) -> Config {
    let (_, config) = sample_city(dir, 40, 2, 3, &["--csv-registrations"]);
    Config::load(&config.write(&dir.join("mirror.toml"))).unwrap()
}

/// A registry share such as `0.349` in whole thousandths, read from its
/// digits: no floating point between the file and the comparison.
fn thousandths(share: &str) -> u32 {
    let (units, decimals) = share.split_once('.').unwrap_or((share, ""));
    let decimals = format!("{decimals:0<3}");
    assert_eq!(decimals.len(), 3, "{share}: three decimals");
    units.parse::<u32>().unwrap() * 1000 + decimals.parse::<u32>().unwrap()
}

/// The cells of a CSV line, where a cell in double quotes may hold commas
/// (names and addresses; the sample doubles no quotes inside them).
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    out.push(cell);
    out
}

struct Registered {
    id: String,
    level: String,
    forms: Vec<String>,
    /// The three shares summed, in thousandths: three times the mean.
    disadvantage: u32,
}

fn registry(city: &Path) -> Vec<Registered> {
    let text = std::fs::read_to_string(city.join("registry.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|line| {
            let cells = cells(line);
            let share_at = |name: &str| cells[at(name)].as_str();
            Registered {
                id: cells[0].clone(),
                level: cells[at("level")].clone(),
                forms: cells[at("education_forms")]
                    .split(';')
                    .map(str::to_owned)
                    .collect(),
                disadvantage: [
                    "home_language_not_dutch",
                    "mother_without_diploma",
                    "school_allowance",
                ]
                .iter()
                .map(|c| thousandths(share_at(c)))
                .sum(),
            }
        })
        .collect()
}

/// docs/methodology.md, "Peer groups", computed from the registry's digits:
/// band k of `bands` holds the schools with between k/bands and
/// (k + 1)/bands of their level's schools less disadvantaged; the rule takes
/// the same form group and band, then widens (neighbouring bands, every
/// band, other form groups in the own band, in neighbouring bands, the
/// whole level) until `min` schools match.
fn documented_peers(schools: &[Registered], config: &Config) -> BTreeMap<String, Vec<String>> {
    let bands = config.peers.bands;
    let band: Vec<usize> = schools
        .iter()
        .map(|s| {
            let level: Vec<&Registered> = schools.iter().filter(|o| o.level == s.level).collect();
            let below = level
                .iter()
                .filter(|o| o.disadvantage < s.disadvantage)
                .count();
            below * bands / level.len()
        })
        .collect();
    let form_group: Vec<Option<usize>> = schools
        .iter()
        .map(|s| {
            config
                .peers
                .form_groups
                .iter()
                .position(|g| g.iter().any(|f| s.forms.iter().any(|x| x == f.code())))
        })
        .collect();
    let steps: [(bool, usize); 6] = [
        (false, 0),
        (false, 1),
        (false, usize::MAX),
        (true, 0),
        (true, 1),
        (true, usize::MAX),
    ];
    (0..schools.len())
        .filter_map(|me| {
            let peers = steps.iter().find_map(|(any_form, distance)| {
                let ids: Vec<String> = (0..schools.len())
                    .filter(|&o| {
                        o != me
                            && schools[o].level == schools[me].level
                            && (*any_form || form_group[o] == form_group[me])
                            && band[o].abs_diff(band[me]) <= *distance
                    })
                    .map(|o| schools[o].id.clone())
                    .collect();
                (ids.len() >= config.privacy.min_peer_schools).then_some(ids)
            })?;
            Some((schools[me].id.clone(), peers))
        })
        .collect()
}

#[test]
fn every_peer_set_follows_the_documented_rule_with_exact_shares() {
    let tmp = tempfile::tempdir().unwrap();
    let config = seed_3_city(tmp.path());
    assert_eq!(config.peers.method, PeerMethod::Rules);
    let schools = registry(&tmp.path().join("city"));
    assert_eq!(schools.len(), 40);
    // The pair: 0.349 + 0.170 + 0.240 and 0.355 + 0.201 + 0.203.
    let of = |id: &str| schools.iter().find(|s| s.id == id).unwrap();
    assert_eq!(
        (of("100631").disadvantage, of("100798").disadvantage),
        (759, 759)
    );
    let (_, b) = benchmark(&config);
    let expected = documented_peers(&schools, &config);
    let got: BTreeMap<String, Vec<String>> = b
        .peer_sets
        .iter()
        .map(|p| {
            let ids = p.peers.iter().map(|id| id.as_str().to_owned()).collect();
            (p.school.as_str().to_owned(), ids)
        })
        .collect();
    assert_eq!(got.len(), 40);
    assert_eq!(got, expected);
}

/// Every peer figure of a mirror with its key and the school's own figure.
fn figures(m: &SchoolMirror) -> Vec<(String, Figure, Option<PeerSpread>)> {
    let mut out = Vec::new();
    let mut add = |key: String, c: &Comparison| out.push((key, c.school, c.peers));
    let years = m.history.iter().map(|y| (y.year.to_string(), y));
    let earlier = m
        .same_dates_last_year
        .iter()
        .map(|y| (format!("{} same dates", y.year), y));
    for (year, y) in years.chain(earlier) {
        add(format!("{year} rate"), &y.problematic_rate);
        for (k, c) in y.pupils_from_threshold.iter().enumerate() {
            add(format!("{year} threshold {k}"), c);
        }
        for o in &y.outcomes {
            add(format!("{year} {:?}", o.outcome), &o.share);
        }
        add(format!("{year} with file"), &y.with_file);
    }
    for (k, b) in m.bands.iter().enumerate() {
        add(format!("band {k}"), &b.share);
    }
    for c in &m.categories {
        add(format!("category {:?}", c.category), &c.rate);
    }
    let p = &m.patterns;
    for (kind, parts) in [
        ("month", &p.months),
        ("weekday", &p.weekdays),
        ("grade", &p.grades),
        ("form", &p.forms),
        ("holidays", &p.near_holidays),
    ] {
        for part in parts {
            add(format!("{kind} {}", part.part), &part.rate);
        }
    }
    add("guidance with file".to_owned(), &m.guidance.with_file);
    for i in &m.survey.instruments {
        for s in &i.scales {
            for g in &s.groups {
                let key = format!("{} {} {:?}", i.id, s.id, g.group);
                out.push((key, g.mean, g.peers));
            }
        }
    }
    out
}

#[test]
fn no_peer_figure_of_a_small_group_is_one_peers_own_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let config = seed_3_city(tmp.path());
    let (anonymised, b) = benchmark(&config);
    let city = &anonymised.city;
    let by_id: BTreeMap<&str, &SchoolMirror> =
        b.mirrors.iter().map(|m| (m.school.as_str(), m)).collect();
    // Every school's printed own figures by key.
    let own: BTreeMap<&str, BTreeMap<String, f64>> = b
        .mirrors
        .iter()
        .map(|m| {
            let values = figures(m)
                .into_iter()
                .filter_map(|(key, f, _)| f.value().map(|v| (key, v)))
                .collect();
            (m.school.as_str(), values)
        })
        .collect();
    let (mut checked, mut pooled) = (0, 0);
    for set in &b.peer_sets {
        let m = by_id[set.school.as_str()];
        for (key, _, spread) in figures(m) {
            let Some(spread) = spread else { continue };
            checked += 1;
            let printed = match spread.figure {
                PeerFigure::Median => {
                    assert!(spread.schools >= SPREAD_FROM, "{}: {key}", m.school);
                    continue;
                }
                PeerFigure::Pooled => {
                    pooled += 1;
                    // No middle half is printed beside a pooled figure.
                    assert_eq!(spread.middle_half(), None);
                    spread.median
                }
            };
            let equal: Vec<&str> = set
                .peers
                .iter()
                .filter(|p| {
                    own.get(p.as_str())
                        .and_then(|values| values.get(&key))
                        .is_some_and(|v| (v - printed).abs() < 1e-12)
                })
                .map(|p| p.as_str())
                .collect();
            // A value three or more peers share is nobody's in particular.
            assert!(
                equal.is_empty() || equal.len() >= 3,
                "{}: {key}: the printed peer figure {printed} is the own figure of {equal:?}",
                m.school
            );
        }
    }
    // Measured on this city: most peer figures are of groups under 10.
    assert!(pooled > 1000 && checked >= pooled, "{pooled} of {checked}");

    // Checklist: a share of all or none needs 10 answering peers, and with
    // fewer only "half or more" is said.
    let school_id = |s: mirror_model::SchoolRef| city.school(s).id.as_str().to_owned();
    let mut coarse = 0;
    for set in &b.peer_sets {
        let m = by_id[set.school.as_str()];
        for item in &m.survey.checklist {
            let answering = city
                .checklist_answers()
                .iter()
                .filter(|a| {
                    a.item == item.item
                        && set.peers.iter().any(|p| p.as_str() == school_id(a.school))
                })
                .count();
            if let Some(share) = item.peers_yes {
                assert!(answering >= SPREAD_FROM, "{}: {}", m.school, item.item);
                assert!((0.0..=1.0).contains(&share));
            }
            if item.peers_half_or_more.is_some() {
                coarse += 1;
                assert!((3..SPREAD_FROM).contains(&answering));
            }
        }
    }
    assert!(coarse > 0, "the sample city's checklist is answered");
}
