//! Benchmark: puts every school in a peer group of similar schools and computes
//! its truancy figures beside the group's spread.
//!
//! It takes only an [`AnonymisedCity`] and hands render only [`SchoolMirror`]s,
//! in which peers appear as quartiles, never one by one.

mod counts;
mod mirror;
mod peers;
mod stats;

use std::collections::BTreeMap;

use mirror_anonymise::AnonymisedCity;
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
/// `None`), with the years before it as history.
pub fn run(
    city: &AnonymisedCity,
    settings: &BenchmarkSettings,
    year: Option<SchoolYear>,
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
    let groups = peers::nearest_neighbours(schools, settings.peers.size, settings.peers.min_peers);
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
                peer_spread(g, &counts, y, min_pupils, settings.peers.min_peers, figure)
            }),
        };
        let history = history_years
            .iter()
            .filter_map(|&y| {
                let c = counts.get(&(me, y))?;
                Some(YearFigures {
                    year: y,
                    pupils: c.pupils,
                    problematic_rate: compare(y, &problematic_rate),
                    pupils_from_threshold: (0..thresholds.len())
                        .map(|k| compare(y, &|c| share(c.pupils_from_threshold[k], c.pupils)))
                        .collect(),
                })
            })
            .collect();
        let bands = band_ranges(thresholds)
            .into_iter()
            .enumerate()
            .map(|(k, band)| BandFigures {
                band,
                share: compare(year, &|c| share(c.pupils_per_band[k], c.pupils)),
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
        });
    }
    Ok(CityBenchmark { year, mirrors })
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

    use mirror_model::{Calendar, Config};

    use super::*;

    /// The tiny city's mirrors; the figures are worked out in its README.
    fn tiny_city() -> CityBenchmark {
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
        let city = mirror_anonymise::run(raw, &key);
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
        };
        run(&city, &settings, None).unwrap()
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
        assert_eq!(y.pupils, 3);
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
        let b = tiny_city();
        let aster = &b.mirrors[0];
        let from: Vec<f64> = aster.history[0]
            .pupils_from_threshold
            .iter()
            .map(|c| c.school.value().unwrap())
            .collect();
        assert!(close(from[0], 1.0 / 3.0));
        assert_eq!(&from[1..], [0.0, 0.0, 0.0]);
        let bands: Vec<(u32, Option<u32>, f64)> = aster
            .bands
            .iter()
            .map(|b| (b.band.from, b.band.to, b.share.school.value().unwrap()))
            .collect();
        assert_eq!(bands.len(), 6);
        assert_eq!((bands[1].0, bands[1].1), (1, Some(4)));
        assert_eq!((bands[5].0, bands[5].1), (30, None));
        for band in &bands[..3] {
            assert!(close(band.2, 1.0 / 3.0));
        }
    }

    #[test]
    fn asking_for_a_year_without_data_names_the_years_there_are() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let raw = mirror_ingest::run(&config, Calendar::load(&config.calendar).unwrap())
            .unwrap()
            .city;
        let key = mirror_anonymise::PseudonymKey::from_hex(&"00".repeat(32), "k").unwrap();
        let city = mirror_anonymise::run(raw, &key);
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
        };
        let e = run(&city, &settings, Some(SchoolYear::starting(2023))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "school year 2023-2024 has no enrolments; the data covers 2024-2025"
        );
    }
}
