//! Good practices chosen for each mirror's appendix, and the whole shared
//! collection as the inspiration guide.
//!
//! A school's standing on a theme is where its figures lie among the city's
//! schools of its level: 0 the least favourable, 1 the most. Truancy is
//! measured by the rate of problematic absence, guidance by the share of
//! pupils from the first threshold with a guidance file, and every other
//! theme by the questionnaire scales of that theme (each group's mean,
//! standings averaged). Themes without a figure (parents, newcomers, ...)
//! have no standing: their practices are in the guide only.
//!
//! A mirror's appendix takes the school's themes from the weakest up, and
//! for each the practices of other schools that are strong on it (among the
//! best quarter and ahead of the school) or improved on it (problematic
//! absence fell significantly, a score rose by 5 points or more), one theme
//! after another until `practices.per_report` are chosen. Sources are
//! described, never named: their level, whether their pupil population is
//! like the school's, and the evidence in rounded words.

use std::collections::BTreeMap;

use mirror_anonymise::{AnonymisedCity, SharedPractice};
use mirror_model::{Level, RespondentGroup, SchoolId, SchoolYear, Wording};
use serde::Serialize;

use crate::significance::Change;
use crate::{CityBenchmark, Figure, Period, PracticeShown, SchoolMirror};

/// The themes the truancy figures measure (`config/themes.toml` ids).
pub const TRUANCY_THEME: &str = "truancy";
pub const GUIDANCE_THEME: &str = "guidance";

/// A source among the best quarter of its level on a theme.
const AMONG_THE_BEST: f64 = 0.75;
/// A score that rose at least this much since the previous wave improved.
const SCORE_ROSE_POINTS: f64 = 5.0;
/// Problematic absence that fell by less than this share is not called a fall.
const SMALLEST_FALL: f64 = 0.1;

/// What a source school's figures show on a theme, in words that neither
/// name nor rank it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Problematic absence fell significantly in each of the last `years`
    /// school years, by about `by` in all.
    AbsenceFell { by: Fraction, years: usize },
    /// A group's score on a scale of the theme rose by `points` since the
    /// group's previous wave.
    ScoreRose {
        scale: Wording,
        group: RespondentGroup,
        points: u32,
        since: SchoolYear,
    },
    /// Among the best quarter of the city's schools of its level on the
    /// theme (its name).
    AmongTheBest { theme: Wording },
}

/// A fall in the rounded words a report uses ("by about a third").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fraction {
    Tenth,
    Fifth,
    Quarter,
    Third,
    /// Half or more.
    Half,
}

impl Fraction {
    /// The nearest of a tenth, a fifth, a quarter and a third; half from 45%.
    pub fn of(fall: f64) -> Self {
        if fall >= 0.45 {
            return Self::Half;
        }
        [
            (Self::Tenth, 0.1),
            (Self::Fifth, 0.2),
            (Self::Quarter, 0.25),
            (Self::Third, 1.0 / 3.0),
        ]
        .into_iter()
        .min_by(|a, b| (a.1 - fall).abs().total_cmp(&(b.1 - fall).abs()))
        .map(|(f, _)| f)
        .expect("four fractions")
    }
}

/// Each school's standing per theme, from the mirrors of one period.
#[derive(Debug, Default)]
pub struct Standings(BTreeMap<SchoolId, BTreeMap<String, f64>>);

/// One figure that places schools on a theme, and whether higher is better.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Placing {
    Rate,
    WithFile,
    Scale(String, RespondentGroup),
}

/// The figures of a mirror that place it on a theme, with their theme.
fn placings(m: &SchoolMirror) -> Vec<(String, Placing, f64)> {
    let mut out = Vec::new();
    if let Some(v) = m
        .history
        .last()
        .and_then(|y| y.problematic_rate.school.value())
    {
        // Negated: a higher value is a better standing for every placing.
        out.push((TRUANCY_THEME.to_owned(), Placing::Rate, -v));
    }
    if let Some(v) = m.guidance.with_file.school.value() {
        out.push((GUIDANCE_THEME.to_owned(), Placing::WithFile, v));
    }
    for scale in m.survey.instruments.iter().flat_map(|i| &i.scales) {
        for score in &scale.groups {
            if let Figure::Value(v) = score.mean {
                out.push((
                    scale.theme.clone(),
                    Placing::Scale(scale.id.clone(), score.group),
                    v,
                ));
            }
        }
    }
    out
}

impl Standings {
    /// The standings of every mirror among the mirrors of its level: per
    /// figure, (schools below + half the others level with it) / (schools
    /// - 1), then averaged over the figures of each theme.
    pub fn of(mirrors: &[SchoolMirror]) -> Self {
        let placed: Vec<Vec<(String, Placing, f64)>> = mirrors.iter().map(placings).collect();
        let mut values: BTreeMap<(Level, &Placing), Vec<f64>> = BTreeMap::new();
        for (m, figures) in mirrors.iter().zip(&placed) {
            for (_, placing, v) in figures {
                values.entry((m.level, placing)).or_default().push(*v);
            }
        }
        // Sorted once, so that a school's place is two binary searches, not
        // a walk over every school of its level.
        for all in values.values_mut() {
            all.sort_by(f64::total_cmp);
        }
        let mut out = BTreeMap::new();
        for (m, figures) in mirrors.iter().zip(&placed) {
            let mut by_theme: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for (theme, placing, v) in figures {
                let all = &values[&(m.level, placing)];
                if all.len() < 2 {
                    continue;
                }
                let below = all.partition_point(|x| x < v);
                let level_with = (all.partition_point(|x| x <= v) - below) as f64 - 1.0;
                let below = below as f64;
                let standing = (below + level_with / 2.0) / (all.len() as f64 - 1.0);
                by_theme.entry(theme.clone()).or_default().push(standing);
            }
            let themes = by_theme
                .into_iter()
                .map(|(t, s)| (t, s.iter().sum::<f64>() / s.len() as f64))
                .collect();
            out.insert(m.school.clone(), themes);
        }
        Self(out)
    }

    pub fn get(&self, school: &SchoolId, theme: &str) -> Option<f64> {
        self.0.get(school)?.get(theme).copied()
    }
}

/// Whether the school improved on the theme, in words: problematic absence
/// that fell in each of the last years (significantly, by at least a tenth
/// in all), or the largest rise of a score of the theme of at least 5
/// points.
fn improvement(m: &SchoolMirror, theme: &str) -> Option<Evidence> {
    if theme == TRUANCY_THEME {
        let years = m
            .history
            .iter()
            .rev()
            .take_while(|y| y.change.is_some_and(|c| c.change == Change::Falling))
            .count();
        let now = m.history.last()?.problematic_rate.school.value()?;
        let then = m
            .history
            .iter()
            .rev()
            .nth(years)?
            .problematic_rate
            .school
            .value()?;
        let fall = 1.0 - now / then;
        return (years > 0 && then > 0.0 && fall >= SMALLEST_FALL).then(|| Evidence::AbsenceFell {
            by: Fraction::of(fall),
            years,
        });
    }
    m.survey
        .instruments
        .iter()
        .flat_map(|i| &i.scales)
        .filter(|s| s.theme == theme)
        .flat_map(|s| s.groups.iter().map(move |g| (s, g)))
        .filter_map(|(s, g)| Some((s, g, g.previous?)))
        .filter(|(_, _, p)| p.difference >= SCORE_ROSE_POINTS)
        .max_by(|a, b| a.2.difference.total_cmp(&b.2.difference))
        .map(|(s, g, p)| Evidence::ScoreRose {
            scale: s.name.clone(),
            group: g.group,
            points: p.difference.round() as u32,
            since: p.year,
        })
}

/// The evidence that a school is strong or improved on a theme, improvement
/// first; `None` when it is neither. `ahead_of`: the reader's standing,
/// which a school among the best must also beat.
fn evidence(
    city: &AnonymisedCity,
    source: &SchoolMirror,
    theme: &str,
    standings: &Standings,
    ahead_of: Option<f64>,
) -> Option<Evidence> {
    improvement(source, theme).or_else(|| {
        let s = standings.get(&source.school, theme)?;
        (s >= AMONG_THE_BEST && ahead_of.is_none_or(|mine| s > mine)).then(|| {
            Evidence::AmongTheBest {
                theme: theme_name(city, theme),
            }
        })
    })
}

/// A theme's name; its id in both languages if the themes file lacks it.
fn theme_name(city: &AnonymisedCity, theme: &str) -> Wording {
    city.themes()
        .0
        .get(theme)
        .cloned()
        .unwrap_or_else(|| Wording {
            nl: theme.to_owned(),
            en: theme.to_owned(),
        })
}

/// Everything practice selection needs about the city, built once a period.
#[derive(Debug)]
pub struct Sources<'a> {
    city: &'a AnonymisedCity,
    mirrors: BTreeMap<&'a SchoolId, &'a SchoolMirror>,
    standings: Standings,
    /// Each school's socio-economic band among the schools of its level.
    bands: Vec<usize>,
    /// Each school's place in the registry (the first with its id).
    registry: BTreeMap<&'a SchoolId, usize>,
}

impl<'a> Sources<'a> {
    pub fn new(city: &'a AnonymisedCity, mirrors: &'a [SchoolMirror], bands: usize) -> Self {
        Self {
            city,
            mirrors: mirrors.iter().map(|m| (&m.school, m)).collect(),
            standings: Standings::of(mirrors),
            bands: crate::peers::socio_economic_bands(city.schools(), bands),
            registry: city
                .schools()
                .iter()
                .enumerate()
                .rev()
                .map(|(i, s)| (&s.id, i))
                .collect(),
        }
    }

    fn source_of(&self, p: &SharedPractice) -> Option<&'a SchoolMirror> {
        self.mirrors.get(&self.city.school(p.school).id).copied()
    }

    /// At most `per_report` practices of other schools for `m`'s appendix.
    pub fn choose(&self, m: &SchoolMirror, per_report: usize) -> Vec<PracticeShown> {
        let Some(&me) = self.registry.get(&m.school) else {
            return Vec::new();
        };
        let mut weakest: Vec<(&String, f64)> = self
            .standings
            .0
            .get(&m.school)
            .map(|t| t.iter().map(|(k, v)| (k, *v)).collect())
            .unwrap_or_default();
        weakest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
        // Per theme, the candidates in order: same level, similar pupils,
        // then the notes' order.
        let mut candidates: Vec<Vec<PracticeShown>> = weakest
            .iter()
            .map(|(theme, mine)| {
                let mut found: Vec<(bool, bool, usize, PracticeShown)> = self
                    .city
                    .practices()
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.school.index() != me && p.themes.contains(theme))
                    .filter_map(|(k, p)| {
                        let source = self.source_of(p)?;
                        let evidence =
                            evidence(self.city, source, theme, &self.standings, Some(*mine))?;
                        let level = self.city.school(p.school).level;
                        let similar =
                            level == m.level && self.bands[p.school.index()] == self.bands[me];
                        Some((
                            level != m.level,
                            !similar,
                            k,
                            PracticeShown {
                                from_level: level,
                                similar_population: similar,
                                chosen_for: Some(theme_name(self.city, theme)),
                                evidence: Some(evidence),
                                practice: p.clone(),
                            },
                        ))
                    })
                    .collect();
                found.sort_by_key(|(other_level, unlike, k, _)| (*other_level, *unlike, *k));
                found.into_iter().map(|(.., shown)| shown).collect()
            })
            .collect();
        // One theme after another, the weakest first, each practice once.
        let mut chosen: Vec<PracticeShown> = Vec::new();
        while chosen.len() < per_report && candidates.iter().any(|c| !c.is_empty()) {
            for list in &mut candidates {
                while !list.is_empty() {
                    let next = list.remove(0);
                    if !chosen.iter().any(|c| c.practice == next.practice) {
                        chosen.push(next);
                        break;
                    }
                }
                if chosen.len() == per_report {
                    break;
                }
            }
        }
        chosen
    }
}

/// The whole anonymised collection, for local partners: every shared
/// practice under its first theme, with what its school's figures show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspirationGuide {
    pub period: Period,
    /// Themes with practices, by theme id.
    pub themes: Vec<GuideTheme>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideTheme {
    pub theme: String,
    pub name: Wording,
    pub practices: Vec<PracticeShown>,
}

/// The inspiration guide of the benchmark's period.
pub fn inspiration_guide(city: &AnonymisedCity, benchmark: &CityBenchmark) -> InspirationGuide {
    let sources = Sources::new(city, &benchmark.mirrors, 1);
    let themes = city
        .themes()
        .0
        .iter()
        .filter_map(|(theme, name)| {
            let practices: Vec<PracticeShown> = city
                .practices()
                .iter()
                .filter(|p| p.themes.first() == Some(theme))
                .map(|p| PracticeShown {
                    from_level: city.school(p.school).level,
                    similar_population: false,
                    chosen_for: None,
                    evidence: sources.source_of(p).and_then(|source| {
                        p.themes
                            .iter()
                            .find_map(|t| evidence(city, source, t, &sources.standings, None))
                    }),
                    practice: p.clone(),
                })
                .collect();
            (!practices.is_empty()).then(|| GuideTheme {
                theme: theme.clone(),
                name: name.clone(),
                practices,
            })
        })
        .collect();
    InspirationGuide {
        period: benchmark.period,
        themes,
    }
}

#[cfg(test)]
mod tests {
    use mirror_anonymise::disclosure::ReleaseHistory;
    use mirror_model::{GoodPractice, PracticeText, ReportLanguage, SchoolRef, Texts};

    use super::*;
    use crate::significance::ChangeTest;
    use crate::tests::tiny_city_anonymised_with;
    use crate::{Reported, run};

    /// The seven tiny-city schools (all secondary) with figures set by hand:
    ///
    /// | school   | rate | with file | truancy standing | guidance standing |
    /// | Aster    | 0.10 | 0.50      | 0/6 (worst)      | 0/6 (worst)       |
    /// | Beuk     | 0.02 | 0.90      | 6/6              | 5/6               |
    /// | Ceder    | 0.03 | 0.60      | 5/6              | 2/6               |
    /// | Den      | 0.05 | 0.95      | 3/6              | 6/6               |
    /// | Eik      | 0.08 | 0.70      | 1/6              | 3/6               |
    /// | Fijnspar | 0.04 | 0.80      | 4/6              | 4/6               |
    /// | Gagel    | 0.06 | 0.55      | 2/6              | 1/6               |
    ///
    /// (A standing counts the schools below: for the rate, those with a
    /// higher one.) Eik's rate fell significantly from 0.12 the year before:
    /// by 1/3, "a third", in one year.
    fn city_and_mirrors(
        notes: &[(u32, &[&str])],
    ) -> (mirror_anonymise::AnonymisedCity, Vec<SchoolMirror>) {
        let (city, settings) = tiny_city_anonymised_with(|raw, _| {
            raw.good_practices = notes
                .iter()
                .enumerate()
                .map(|(k, (school, themes))| GoodPractice {
                    source: format!("{k}.md").into(),
                    school: SchoolRef(*school),
                    themes: themes.iter().map(|t| (*t).to_owned()).collect(),
                    year: None,
                    texts: Texts::new(
                        ReportLanguage::new("en").unwrap(),
                        PracticeText {
                            title: format!("Practice {k}"),
                            what_was_done: "Something.".to_owned(),
                            for_whom: "All pupils.".to_owned(),
                            what_changed: "Less absence.".to_owned(),
                        },
                    ),
                })
                .collect();
        });
        let mut mirrors = run(
            &city,
            &settings,
            Reported::Latest,
            &ReleaseHistory::default(),
        )
        .unwrap()
        .mirrors;
        assert_eq!(mirrors.len(), 7);
        let rates = [0.10, 0.02, 0.03, 0.05, 0.08, 0.04, 0.06];
        let files = [0.50, 0.90, 0.60, 0.95, 0.70, 0.80, 0.55];
        for ((m, rate), file) in mirrors.iter_mut().zip(rates).zip(files) {
            let now = m.history.last_mut().unwrap();
            now.problematic_rate.school = Figure::Value(rate);
            now.change = None;
            m.guidance.with_file.school = Figure::Value(file);
            m.survey.instruments.clear();
        }
        let eik = &mut mirrors[4];
        let mut before = eik.history[0].clone();
        before.year = before.year.previous();
        before.problematic_rate.school = Figure::Value(0.12);
        eik.history.insert(0, before);
        eik.history[1].change = Some(ChangeTest::new(-0.04, -2.5, 0.012));
        (city, mirrors)
    }

    fn titles(chosen: &[PracticeShown]) -> Vec<(&str, &str)> {
        chosen
            .iter()
            .map(|p| {
                (
                    p.practice.texts.original().title.as_str(),
                    p.chosen_for.as_ref().map_or("", |w| w.en.as_str()),
                )
            })
            .collect()
    }

    #[test]
    fn standings_count_the_schools_below() {
        let (_, mirrors) = city_and_mirrors(&[]);
        let s = Standings::of(&mirrors);
        let id = |k: usize| &mirrors[k].school;
        assert_eq!(s.get(id(0), TRUANCY_THEME), Some(0.0));
        assert_eq!(s.get(id(1), TRUANCY_THEME), Some(1.0));
        assert_eq!(s.get(id(2), TRUANCY_THEME), Some(5.0 / 6.0));
        assert_eq!(s.get(id(3), GUIDANCE_THEME), Some(1.0));
        assert_eq!(s.get(id(4), GUIDANCE_THEME), Some(3.0 / 6.0));
        assert_eq!(s.get(id(0), "bullying"), None);
    }

    /// Aster is weakest on guidance and truancy (both 0; guidance first by
    /// name). Candidates, in note order:
    /// 0 Beuk truancy: 6/6, among the best, ahead of Aster: yes.
    /// 1 Eik truancy: 1/6, but its rate fell by a third: yes, improved.
    /// 2 Den guidance: 6/6: yes.
    /// 3 Aster's own truancy note: never.
    /// 4 Ceder truancy and guidance: truancy 5/6 yes; guidance 2/6 no.
    /// 5 Fijnspar guidance: 4/6 < 3/4: no.
    /// 6 Gagel bullying: Aster has no bullying figure: no.
    /// One theme after the other: Den (guidance), Beuk (truancy), then
    /// guidance has none left, so Eik (truancy); Ceder would be fourth.
    #[test]
    fn practices_on_the_weakest_themes_from_strong_or_improved_schools() {
        let notes: &[(u32, &[&str])] = &[
            (1, &["truancy"]),
            (4, &["truancy"]),
            (3, &["guidance"]),
            (0, &["truancy"]),
            (2, &["truancy", "guidance"]),
            (5, &["guidance"]),
            (6, &["bullying"]),
        ];
        let (city, mirrors) = city_and_mirrors(notes);
        let sources = Sources::new(&city, &mirrors, 1);
        let aster = sources.choose(&mirrors[0], 3);
        assert_eq!(
            titles(&aster),
            [
                ("Practice 2", "Pupil guidance"),
                ("Practice 0", "Truancy and absence"),
                ("Practice 1", "Truancy and absence"),
            ]
        );
        assert_eq!(
            aster[0].evidence,
            Some(Evidence::AmongTheBest {
                theme: city.themes().0["guidance"].clone()
            })
        );
        assert_eq!(
            aster[2].evidence,
            Some(Evidence::AbsenceFell {
                by: Fraction::Third,
                years: 1
            })
        );
        // One band for all: every source is like Aster.
        assert!(aster.iter().all(|p| p.similar_population));
        // At most the configured number.
        assert_eq!(titles(&sources.choose(&mirrors[0], 4)).len(), 4);
        assert_eq!(
            titles(&sources.choose(&mirrors[0], 1)),
            [("Practice 2", "Pupil guidance")]
        );
        // Beuk: guidance 5/6 is its weakest, then truancy 6/6. Guidance:
        // Den (6/6, ahead of 5/6). Truancy: its own note never; Eik, which
        // improved; Ceder's 5/6 is not ahead of Beuk's 6/6.
        assert_eq!(
            titles(&sources.choose(&mirrors[1], 3)),
            [
                ("Practice 2", "Pupil guidance"),
                ("Practice 1", "Truancy and absence"),
            ]
        );
    }

    /// 1/10 to 1/3 by the nearest; from 45% "half".
    #[test]
    fn a_fall_in_rounded_words() {
        assert_eq!(Fraction::of(0.12), Fraction::Tenth);
        assert_eq!(Fraction::of(0.22), Fraction::Fifth);
        assert_eq!(Fraction::of(0.24), Fraction::Quarter);
        assert_eq!(Fraction::of(0.3), Fraction::Third);
        assert_eq!(Fraction::of(0.44), Fraction::Third);
        assert_eq!(Fraction::of(0.45), Fraction::Half);
    }

    /// The guide holds every shared note once, under its first theme, with
    /// no reader to be like.
    #[test]
    fn the_guide_holds_every_note_under_its_first_theme() {
        let notes: &[(u32, &[&str])] = &[
            (1, &["truancy"]),
            (3, &["guidance"]),
            (2, &["truancy", "guidance"]),
            (6, &["bullying"]),
        ];
        let (city, mirrors) = city_and_mirrors(notes);
        let benchmark = CityBenchmark {
            period: mirrors[0].period,
            mirrors,
            peer_sets: Vec::new(),
        };
        let guide = inspiration_guide(&city, &benchmark);
        let themes: Vec<(&str, Vec<&str>)> = guide
            .themes
            .iter()
            .map(|t| {
                (
                    t.theme.as_str(),
                    t.practices
                        .iter()
                        .map(|p| p.practice.texts.original().title.as_str())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            themes,
            [
                ("bullying", vec!["Practice 3"]),
                ("guidance", vec!["Practice 1"]),
                ("truancy", vec!["Practice 0", "Practice 2"]),
            ]
        );
        let all: Vec<&PracticeShown> = guide.themes.iter().flat_map(|t| &t.practices).collect();
        assert!(
            all.iter()
                .all(|p| !p.similar_population && p.chosen_for.is_none())
        );
        // Gagel (bullying) has no figure on it: no evidence, still shared.
        assert_eq!(guide.themes[0].practices[0].evidence, None);
    }
}
