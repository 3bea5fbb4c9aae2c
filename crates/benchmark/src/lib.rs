//! Benchmark: puts every school in a peer group of similar schools and computes
//! its truancy figures beside the group's spread.
//!
//! It takes only an [`AnonymisedCity`] and hands render only [`SchoolMirror`]s,
//! in which peers appear as quartiles, never one by one.

mod counts;
mod disclosed;
mod mirror;
mod peers;
mod stats;

use std::collections::BTreeMap;

use mirror_anonymise::AnonymisedCity;
use mirror_anonymise::disclosure::ReleaseHistory;
use mirror_model::config::{PeerSettings, PrivacySettings, Thresholds};
use mirror_model::{SchoolRef, SchoolYear};

pub use counts::SchoolYearCounts;
pub use mirror::*;
pub use peers::PeerGroup;

#[derive(Debug, thiserror::Error)]
pub enum BenchmarkError {
    #[error("no enrolments in any school year: nothing to compare")]
    NoData,
    #[error("school year {asked} has no enrolments; the data covers {available}")]
    YearWithoutData {
        asked: SchoolYear,
        available: String,
    },
}

/// The settings benchmark uses, from the configuration.
#[derive(Debug, Clone)]
pub struct BenchmarkSettings {
    pub thresholds: Thresholds,
    pub peers: PeerSettings,
    pub privacy: PrivacySettings,
}

/// Every school's mirror for one school year.
#[derive(Debug, Clone)]
pub struct CityBenchmark {
    pub year: SchoolYear,
    /// In registry order; schools without pupils that year have no mirror.
    pub mirrors: Vec<SchoolMirror>,
}

/// Computes every school's mirror for `year` (the latest year with data when
/// `None`), with the years before it as history. Counts of pupils are
/// printed only where [`mirror_anonymise::disclosure::protect`] allows, given what `released`
/// says earlier reports showed.
pub fn run(
    city: &AnonymisedCity,
    settings: &BenchmarkSettings,
    year: Option<SchoolYear>,
    released: &ReleaseHistory,
) -> Result<CityBenchmark, BenchmarkError> {
    let thresholds = &settings.thresholds.problematic_half_days;
    let counts = counts::count(city, thresholds);
    let mut years: Vec<SchoolYear> = counts.keys().map(|(_, y)| *y).collect();
    years.sort();
    years.dedup();
    let year = match year {
        None => *years.last().ok_or(BenchmarkError::NoData)?,
        Some(y) if years.contains(&y) => y,
        Some(asked) => {
            return Err(BenchmarkError::YearWithoutData {
                asked,
                available: years
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    let history_years: Vec<SchoolYear> = years.into_iter().filter(|y| *y <= year).collect();
    let schools = city.schools();
    let groups = peers::nearest_neighbours(
        schools,
        settings.peers.size,
        settings.privacy.min_peer_schools,
    );
    let min_pupils = settings.privacy.min_pupils;
    let mut mirrors = Vec::new();
    for (i, school) in schools.iter().enumerate() {
        let me = SchoolRef(i as u32);
        if school.held_back || !counts.contains_key(&(me, year)) {
            continue;
        }
        let group = groups[i].as_ref();
        let compare = |y: SchoolYear, figure: &dyn Fn(&SchoolYearCounts) -> f64| Comparison {
            school: own_figure(counts.get(&(me, y)), min_pupils, figure),
            peers: group.and_then(|g| {
                peer_spread(
                    g,
                    &counts,
                    y,
                    min_pupils,
                    settings.privacy.min_peer_schools,
                    figure,
                )
            }),
        };
        let ranges = band_ranges(thresholds);
        let mut releases = Vec::new();
        let mut suppressed = BTreeMap::new();
        let mut history = Vec::new();
        let mut bands_shown = Vec::new();
        for &y in &history_years {
            let Some(c) = counts.get(&(me, y)) else {
                continue;
            };
            let shown = disclosed::Shown::of(
                c,
                thresholds,
                &ranges,
                min_pupils,
                &released.earlier(&school.id, y),
            );
            // The report holds bands for the reported year only.
            releases.push(shown.account(y, y == year, &mut suppressed));
            history.push(YearFigures {
                year: y,
                pupils: shown.pupils.then_some(c.pupils),
                problematic_rate: compare(y, &problematic_rate),
                pupils_from_threshold: (0..thresholds.len())
                    .map(|k| {
                        hide_unless(
                            shown.from_threshold[k],
                            compare(y, &|c| share(c.pupils_from_threshold[k], c.pupils)),
                        )
                    })
                    .collect(),
            });
            if y == year {
                bands_shown = shown.bands;
            }
        }
        let bands = ranges
            .into_iter()
            .zip(bands_shown)
            .enumerate()
            .map(|(k, (band, shown))| BandFigures {
                band,
                share: hide_unless(
                    shown,
                    compare(year, &|c| share(c.pupils_per_band[k], c.pupils)),
                ),
            })
            .collect();
        mirrors.push(SchoolMirror {
            school: school.id.clone(),
            name: school.name.clone(),
            level: school.level,
            language: school.language.clone(),
            year,
            thresholds: thresholds.clone(),
            peer_group: group.map(|g| peers::describe(schools, g)),
            history,
            bands,
            practices: practices_for(city, me),
            releases,
            suppressed,
        });
    }
    Ok(CityBenchmark { year, mirrors })
}

/// How many good practices of other schools a mirror's appendix holds.
const PRACTICES_PER_MIRROR: usize = 3;

/// Practices of other schools, those of schools of the same level first,
/// otherwise in the order of the notes.
fn practices_for(city: &AnonymisedCity, me: SchoolRef) -> Vec<PracticeShown> {
    let level = city.school(me).level;
    let mut chosen: Vec<_> = city.practices().iter().filter(|p| p.school != me).collect();
    // A stable sort keeps the notes' order within each level.
    chosen.sort_by_key(|p| city.school(p.school).level != level);
    chosen
        .into_iter()
        .take(PRACTICES_PER_MIRROR)
        .map(|p| PracticeShown {
            from_level: city.school(p.school).level,
            practice: p.clone(),
        })
        .collect()
}

/// Problematic half days over the half days pupils were expected at school.
pub fn problematic_rate(c: &SchoolYearCounts) -> f64 {
    if c.expected_half_days == 0 {
        0.0
    } else {
        c.problematic_half_days as f64 / c.expected_half_days as f64
    }
}

fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// The comparison with the school's own figure withheld unless `shown`.
fn hide_unless(shown: bool, mut c: Comparison) -> Comparison {
    if !shown {
        c.school = Figure::Suppressed;
    }
    c
}

fn own_figure(
    counts: Option<&SchoolYearCounts>,
    min_pupils: u32,
    figure: &dyn Fn(&SchoolYearCounts) -> f64,
) -> Figure {
    match counts {
        Some(c) if c.pupils >= min_pupils => Figure::Value(figure(c)),
        _ => Figure::Suppressed,
    }
}

/// The peers' quartiles, over the peers whose figure is not suppressed; `None`
/// when fewer than `min_peers` have it.
fn peer_spread(
    group: &PeerGroup,
    counts: &BTreeMap<(SchoolRef, SchoolYear), SchoolYearCounts>,
    year: SchoolYear,
    min_pupils: u32,
    min_peers: usize,
    figure: &dyn Fn(&SchoolYearCounts) -> f64,
) -> Option<PeerSpread> {
    let values: Vec<f64> = group
        .members()
        .iter()
        .filter_map(|m| own_figure(counts.get(&(*m, year)), min_pupils, figure).value())
        .collect();
    if values.len() < min_peers {
        return None;
    }
    let [lower_quartile, median, upper_quartile] = stats::quartiles(&values)?;
    Some(PeerSpread {
        lower_quartile,
        median,
        upper_quartile,
        schools: values.len(),
    })
}

/// 0, 1 to the first threshold - 1, ..., from the last threshold.
fn band_ranges(thresholds: &[u32]) -> Vec<Band> {
    let mut bands = vec![Band {
        from: 0,
        to: Some(0),
    }];
    let mut from = 1;
    for t in thresholds {
        bands.push(Band {
            from,
            to: Some(t - 1),
        });
        from = *t;
    }
    bands.push(Band { from, to: None });
    bands
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mirror_anonymise::Places;
    use mirror_anonymise::disclosure::{Release, Suppression};
    use mirror_model::{Calendar, Config};

    use super::*;

    /// The tiny city, anonymised, with its benchmark settings.
    fn tiny_city_anonymised() -> (AnonymisedCity, BenchmarkSettings) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let raw = mirror_ingest::run(&config, Calendar::load(&config.calendar).unwrap())
            .unwrap()
            .city;
        let key = mirror_anonymise::PseudonymKey::load(
            config.pseudonym_key_file.as_deref(),
            &config.source,
        )
        .unwrap();
        let city = mirror_anonymise::run(raw, &key, &Places::default(), &config.privacy).city;
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
        };
        (city, settings)
    }

    /// The tiny city's mirrors; the figures are worked out in its README.
    fn tiny_city() -> CityBenchmark {
        let (city, settings) = tiny_city_anonymised();
        run(&city, &settings, None, &ReleaseHistory::default()).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn rate_counts_only_problematic_half_days_over_expected_ones() {
        let b = tiny_city();
        assert_eq!(b.year.to_string(), "2024-2025");
        let aster = &b.mirrors[0];
        assert_eq!(aster.name, "Atheneum Aster");
        let y = &aster.history[0];
        assert_eq!(y.pupils, Some(3));
        assert!(close(
            y.problematic_rate.school.value().unwrap(),
            6.0 / 45.0
        ));
        // Campus Eik: its R absence is not problematic.
        let eik = &b.mirrors[4];
        assert!(close(
            eik.history[0].problematic_rate.school.value().unwrap(),
            3.0 / 36.0
        ));
    }

    #[test]
    fn peers_spread_excludes_the_school_and_suppressed_peers() {
        let b = tiny_city();
        let spread = b.mirrors[0].history[0].problematic_rate.peers.unwrap();
        assert_eq!(spread.schools, 5);
        assert!(close(spread.lower_quartile, 1.0 / 36.0));
        assert!(close(spread.median, 2.0 / 36.0));
        assert!(close(spread.upper_quartile, 3.0 / 36.0));
        let group = b.mirrors[0].peer_group.as_ref().unwrap();
        assert_eq!(group.schools, 6);
    }

    #[test]
    fn a_school_below_min_pupils_is_suppressed_not_zero() {
        let b = tiny_city();
        let gagel = &b.mirrors[6];
        assert_eq!(gagel.history[0].problematic_rate.school, Figure::Suppressed);
        assert!(
            gagel
                .bands
                .iter()
                .all(|band| band.share.school == Figure::Suppressed)
        );
    }

    #[test]
    fn thresholds_and_bands_by_hand() {
        let (city, settings) = tiny_city_anonymised();
        let counts = counts::count(&city, &settings.thresholds.problematic_half_days);
        let aster = &counts[&(SchoolRef(0), SchoolYear::starting(2024))];
        assert_eq!(aster.pupils_from_threshold, [1, 0, 0, 0]);
        assert_eq!(aster.pupils_per_band, [1, 1, 1, 0, 0, 0]);
    }

    /// Aster's 3 pupils are one in each of the bands 0, 1-4 and 5-9: counts
    /// of 1 pupil, below the tiny city's min_pupils of 2, so those bands and
    /// "from 5" (the same one pupil) are withheld; the zeros and the total
    /// are printed, and from them none of the withheld counts follows.
    #[test]
    fn counts_of_one_pupil_are_withheld_and_zeros_printed() {
        let b = tiny_city();
        let aster = &b.mirrors[0];
        let now = &aster.history[0];
        assert_eq!(now.pupils, Some(3));
        let from: Vec<Figure> = now.pupils_from_threshold.iter().map(|c| c.school).collect();
        assert_eq!(
            from,
            [
                Figure::Suppressed,
                Figure::Value(0.0),
                Figure::Value(0.0),
                Figure::Value(0.0)
            ]
        );
        let bands: Vec<(u32, Option<u32>, Figure)> = aster
            .bands
            .iter()
            .map(|b| (b.band.from, b.band.to, b.share.school))
            .collect();
        assert_eq!(
            bands,
            [
                (0, Some(0), Figure::Suppressed),
                (1, Some(4), Figure::Suppressed),
                (5, Some(9), Figure::Suppressed),
                (10, Some(14), Figure::Value(0.0)),
                (15, Some(29), Figure::Value(0.0)),
                (30, None, Figure::Value(0.0)),
            ]
        );
        assert_eq!(aster.suppressed[&Suppression::SmallCount], 4);
        let released = &aster.releases[0].counts;
        assert_eq!(released["pupils"], 3);
        assert_eq!(released["from 10"], 0);
        assert!(!released.contains_key("from 5"));
    }

    /// Aster's first mirror printed 3 pupils. Had an earlier report printed
    /// 4 for the same year, the difference would be one pupil: the total is
    /// withheld now, and so is what would give it back.
    #[test]
    fn a_total_one_pupil_away_from_an_earlier_report_is_withheld() {
        let (city, settings) = tiny_city_anonymised();
        let dir = tempfile::tempdir().unwrap();
        let mut history = ReleaseHistory::load(dir.path()).unwrap();
        let year = SchoolYear::starting(2024);
        history.record(
            &"100001".parse().unwrap(),
            Release {
                year: year.to_string(),
                period_end: year.last_day(),
                counts: [("pupils".to_owned(), 4)].into_iter().collect(),
            },
        );
        let b = run(&city, &settings, None, &history).unwrap();
        assert_eq!(b.mirrors[0].history[0].pupils, None);
        assert_eq!(b.mirrors[0].suppressed[&Suppression::Difference], 1);
        // Other schools are not affected by Aster's history.
        assert_eq!(b.mirrors[1].history[0].pupils, Some(3));
    }

    #[test]
    fn asking_for_a_year_without_data_names_the_years_there_are() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let raw = mirror_ingest::run(&config, Calendar::load(&config.calendar).unwrap())
            .unwrap()
            .city;
        let key = mirror_anonymise::PseudonymKey::from_hex(&"00".repeat(32), "k").unwrap();
        let city = mirror_anonymise::run(raw, &key, &Places::default(), &config.privacy).city;
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
        };
        let e = run(
            &city,
            &settings,
            Some(SchoolYear::starting(2023)),
            &ReleaseHistory::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "school year 2023-2024 has no enrolments; the data covers 2024-2025"
        );
    }
}
