//! The city: neighbourhoods with their own socio-economic profile, and
//! schools in them with a level, education forms, a size, a trend and their
//! own days without lessons.

use chrono::NaiveDate;
use mirror_model::{EducationForm, HalfDay, HalfDaySlot, Level, SchoolYearCalendar};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};

use crate::SampleError;

pub(crate) struct Neighbourhood {
    pub name: String,
    pub postcode: u32,
    /// 0 (well-off) to 1 (deprived).
    pub deprivation: f64,
}

/// Where a school is heading over the years.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Trend {
    Improving,
    Stable,
    Worsening,
}

impl Trend {
    /// The factor on problematic absence per school year.
    pub fn yearly_factor(self) -> f64 {
        match self {
            Self::Improving => 0.8,
            Self::Stable => 1.0,
            Self::Worsening => 1.25,
        }
    }
}

pub(crate) struct School {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub level: Level,
    pub forms: Vec<EducationForm>,
    /// Share of the school's pupils per form, in the order of `forms`.
    pub form_weights: Vec<f64>,
    pub address: String,
    pub neighbourhood: usize,
    pub pupils: u32,
    pub home_language_not_dutch: f64,
    pub mother_without_diploma: f64,
    pub school_allowance: f64,
    pub language: &'static str,
    pub trend: Trend,
    /// The school's own level of problematic absence, beyond its population.
    pub climate: f64,
}

const DISTRICTS: &[&str] = &[
    "Kiel",
    "Linkeroever",
    "Zurenborg",
    "Dam",
    "Seefhoek",
    "Luchtbal",
    "Hoboken",
    "Wilrijk",
    "Merksem",
    "Deurne",
    "Borgerhout",
    "Berchem",
    "Ekeren",
    "Schoonselhof",
    "Silsburg",
    "Stuivenberg",
    "Harmonie",
    "Haringrode",
    "Kronenburg",
    "Sint-Andries",
];
const COMPASS: &[&str] = &["", "Noord-", "Zuid-", "Oost-", "West-"];
/// Before the compass point for the 101st neighbourhood on (a region or a
/// country): a prefix keeps every school name from containing another's, as
/// the patron's name comes between.
const RINGS: &[&str] = &[
    "Hoog-", "Laag-", "Groot-", "Klein-", "Nieuw-", "Oud-", "Boven-", "Neder-", "Over-",
];
/// Neighbourhoods with a name of their own.
const MAX_NEIGHBOURHOODS: usize = DISTRICTS.len() * COMPASS.len() * (1 + RINGS.len());
const PATRONS: &[&str] = &[
    "De Linde",
    "Het Anker",
    "De Klimop",
    "De Zonnebloem",
    "De Regenboog",
    "Sint-Jozef",
    "Sint-Lucas",
    "Mariagaarde",
    "De Wilg",
    "Het Kompas",
    "De Vlinder",
    "De Kastanje",
    "Sint-Ludgardis",
    "De Vuurtoren",
    "De Horizon",
    "Het Klavertje",
    "De Eik",
    "Sint-Jan",
    "De Brug",
    "Het Groen",
    "De Parel",
    "De Kaaien",
    "Sint-Agnes",
    "De Schakel",
    "Het Atelier",
    "De Bron",
    "De Kring",
    "Het Zonnehuis",
    "De Beuk",
    "De Esdoorn",
    "Sint-Victor",
    "Het Spoor",
    "De Ster",
    "De Toren",
    "Het Park",
    "De Molen",
    "De Haven",
    "De Wingerd",
    "Sint-Eligius",
    "De Akker",
    "Het Lindeken",
    "De Kleine Wereld",
    "Het Veer",
    "De Meidoorn",
    "De Populier",
    "Sint-Norbertus",
    "De Boomgaard",
    "Het Plein",
    "De Tuimelaar",
    "De Notelaar",
];
const STREETS: &[&str] = &[
    "Lindelei",
    "Kerkstraat",
    "Stationsstraat",
    "Molenstraat",
    "Schoolstraat",
    "Bredabaan",
    "Turnhoutsebaan",
    "Kioskplaats",
    "Abdijstraat",
    "Boomsesteenweg",
    "Kapelstraat",
    "Vredestraat",
    "Pastoor Coplaan",
    "Dambruggestraat",
    "Kolonel Silvertopstraat",
    "Ter Heydelaan",
    "Sint-Bernardsesteenweg",
    "Herentalsebaan",
    "Bisschoppenhoflaan",
    "Groenenborgerlaan",
];

/// A secondary school's kind: its forms and how its pupils divide over them.
struct SecondaryKind {
    prefix: &'static str,
    abbreviation: &'static str,
    forms: &'static [(EducationForm, f64)],
    weight: f64,
}

const SECONDARY: &[SecondaryKind] = {
    use EducationForm::*;
    &[
        SecondaryKind {
            prefix: "Atheneum",
            abbreviation: "KA",
            forms: &[(General, 1.0)],
            weight: 0.2,
        },
        SecondaryKind {
            prefix: "College",
            abbreviation: "COL",
            forms: &[(General, 0.7), (Technical, 0.3)],
            weight: 0.14,
        },
        SecondaryKind {
            prefix: "Technisch Instituut",
            abbreviation: "TI",
            forms: &[(Technical, 0.55), (Vocational, 0.45)],
            weight: 0.18,
        },
        SecondaryKind {
            prefix: "Beroepsschool",
            abbreviation: "BS",
            forms: &[(Vocational, 0.75), (PartTime, 0.25)],
            weight: 0.1,
        },
        SecondaryKind {
            prefix: "Kunsthumaniora",
            abbreviation: "KHA",
            forms: &[(Arts, 0.7), (General, 0.3)],
            weight: 0.06,
        },
        SecondaryKind {
            prefix: "Campus",
            abbreviation: "CAM",
            forms: &[(General, 0.4), (Technical, 0.35), (Vocational, 0.25)],
            weight: 0.14,
        },
        SecondaryKind {
            prefix: "Scholengroep",
            abbreviation: "SG",
            forms: &[(Technical, 0.45), (Vocational, 0.4), (Reception, 0.15)],
            weight: 0.1,
        },
        SecondaryKind {
            prefix: "Buitengewoon Secundair",
            abbreviation: "BuSO",
            forms: &[(SpecialNeeds, 1.0)],
            weight: 0.08,
        },
    ]
};
const PRIMARY_PREFIXES: &[(&str, &str)] = &[
    ("Basisschool", "BS"),
    ("Stedelijke Basisschool", "SBS"),
    ("Vrije Basisschool", "VBS"),
    ("GO! Basisschool", "GO"),
];

fn clamp01(x: f64) -> f64 {
    x.clamp(0.01, 0.95)
}

/// How many neighbourhoods a city of `schools` has: a quarter as many (6 to
/// 100), more where 100 cannot give every school a (patron, neighbourhood)
/// pair of its own.
pub(crate) fn neighbourhood_count(schools: usize) -> usize {
    (schools / 4)
        .clamp(6, 100)
        .max(schools.div_ceil(PATRONS.len()))
        .min(MAX_NEIGHBOURHOODS)
}

pub(crate) fn neighbourhoods(count: usize, rng: &mut ChaCha8Rng) -> Vec<Neighbourhood> {
    let named = DISTRICTS.len() * COMPASS.len();
    (0..count)
        .map(|i| {
            let ring = match i / named {
                0 => "",
                r => RINGS[r - 1],
            };
            let name = format!(
                "{ring}{}{}",
                COMPASS[i / DISTRICTS.len() % COMPASS.len()],
                DISTRICTS[i % DISTRICTS.len()]
            );
            Neighbourhood {
                name,
                postcode: 2000 + 10 * (i as u32 % 66),
                // Spread from well-off to deprived, shuffled by the noise.
                deprivation: (0.08 + 0.8 * rng.random::<f64>()).clamp(0.05, 0.9),
            }
        })
        .collect()
}

pub(crate) fn schools(
    count: usize,
    neighbourhoods: &[Neighbourhood],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<School>, SampleError> {
    let pairs = neighbourhoods.len() * PATRONS.len();
    if count > pairs {
        return Err(SampleError::Spec(format!(
            "at most {pairs} schools can be named; ask for fewer"
        )));
    }
    // Each school gets its own (patron, neighbourhood) pair, so no school's
    // name is part of another's.
    let mut order: Vec<usize> = (0..pairs).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let noise = Normal::new(0.0, 0.06).expect("valid normal");
    let mut schools = Vec::with_capacity(count);
    for (i, pair) in order.into_iter().take(count).enumerate() {
        let (patron, n) = (PATRONS[pair % PATRONS.len()], pair / PATRONS.len());
        let hood = &neighbourhoods[n];
        let primary = rng.random_bool(0.45);
        let (prefix, abbreviation, forms, form_weights, level, extra_deprivation, size) = if primary
        {
            let (p, a) = PRIMARY_PREFIXES[rng.random_range(0..PRIMARY_PREFIXES.len())];
            let size = LogNormal::new(280f64.ln(), 0.35)
                .expect("valid")
                .sample(rng)
                .clamp(80.0, 650.0);
            (
                p,
                a,
                vec![EducationForm::Nursery, EducationForm::Primary],
                vec![0.33, 0.67],
                Level::Primary,
                0.0,
                size,
            )
        } else {
            let total: f64 = SECONDARY.iter().map(|k| k.weight).sum();
            let mut pick = rng.random::<f64>() * total;
            let kind = SECONDARY
                .iter()
                .find(|k| {
                    pick -= k.weight;
                    pick <= 0.0
                })
                .unwrap_or(&SECONDARY[0]);
            let special = kind.forms[0].0 == EducationForm::SpecialNeeds;
            let median: f64 = if special { 160.0 } else { 650.0 };
            let size = LogNormal::new(median.ln(), 0.4)
                .expect("valid")
                .sample(rng)
                .clamp(
                    if special { 80.0 } else { 250.0 },
                    if special { 320.0 } else { 1500.0 },
                );
            let vocational = kind.forms.iter().any(|(f, _)| {
                matches!(
                    f,
                    EducationForm::Vocational | EducationForm::PartTime | EducationForm::Reception
                )
            });
            (
                kind.prefix,
                kind.abbreviation,
                kind.forms.iter().map(|(f, _)| *f).collect(),
                kind.forms.iter().map(|(_, w)| *w).collect(),
                Level::Secondary,
                if vocational {
                    0.15
                } else if kind.forms == [(EducationForm::General, 1.0)] {
                    -0.08
                } else {
                    0.0
                },
                size,
            )
        };
        let d = hood.deprivation + extra_deprivation;
        let trend = match rng.random_range(0..10) {
            0..=2 => Trend::Improving,
            3..=5 => Trend::Worsening,
            _ => Trend::Stable,
        };
        let name = format!("{prefix} {patron} {}", hood.name);
        schools.push(School {
            id: format!("{}", 100_000 + 37 * i as u32 + rng.random_range(0..37)),
            aliases: vec![format!("{abbreviation} {patron}"), patron.to_owned()],
            name,
            level,
            forms,
            form_weights,
            address: format!(
                "{} {}, {} Antwerpen",
                STREETS[rng.random_range(0..STREETS.len())],
                rng.random_range(1..240),
                hood.postcode
            ),
            neighbourhood: n,
            pupils: size.round() as u32,
            home_language_not_dutch: clamp01(0.1 + 0.75 * d + noise.sample(rng)),
            mother_without_diploma: clamp01(0.05 + 0.45 * d + noise.sample(rng)),
            school_allowance: clamp01(0.08 + 0.6 * d + noise.sample(rng)),
            // A few schools have an English-language section and read in English.
            language: if rng.random_bool(0.08) { "en" } else { "nl" },
            trend,
            climate: LogNormal::new(0.0, 0.3).expect("valid").sample(rng),
        });
    }
    Ok(schools)
}

/// A day a school gives no lessons although the city calendar has them: a
/// pedagogical study day (a whole day or an afternoon) or a facultative day
/// off.
pub(crate) struct DayOff {
    pub date: NaiveDate,
    pub afternoon_only: bool,
    pub reason: &'static str,
}

impl DayOff {
    /// The lesson half days of the city calendar it takes out.
    fn slots(&self, year: &SchoolYearCalendar) -> impl Iterator<Item = HalfDaySlot> {
        let halves: &[HalfDay] = if self.afternoon_only {
            &[HalfDay::Afternoon]
        } else {
            &[HalfDay::Morning, HalfDay::Afternoon]
        };
        let date = self.date;
        halves
            .iter()
            .map(move |half| HalfDaySlot { date, half: *half })
            .filter(move |s| year.is_lesson(*s))
    }
}

/// Schools in Flanders have a few days without lessons a year besides the
/// city calendar: typically 3 to 6, each school its own.
const DAYS_OFF: std::ops::RangeInclusive<usize> = 3..=6;

/// A school's days off in one school year: 3 to 6 distinct lesson days,
/// sorted; about one in four a study afternoon (on a day with afternoon
/// lessons).
pub(crate) fn days_off(rng: &mut ChaCha8Rng, year: &SchoolYearCalendar) -> Vec<DayOff> {
    let mut dates: Vec<NaiveDate> = year.lesson_half_days().iter().map(|s| s.date).collect();
    dates.dedup();
    let count = rng.random_range(DAYS_OFF).min(dates.len());
    let mut chosen: Vec<NaiveDate> = Vec::with_capacity(count);
    while chosen.len() < count {
        let date = dates[rng.random_range(0..dates.len())];
        if !chosen.contains(&date) {
            chosen.push(date);
        }
    }
    chosen.sort();
    chosen
        .into_iter()
        .map(|date| {
            let afternoon = HalfDaySlot {
                date,
                half: HalfDay::Afternoon,
            };
            let afternoon_only = year.is_lesson(afternoon) && rng.random_bool(0.25);
            let reason = match (afternoon_only, rng.random_bool(0.8)) {
                (true, _) => "pedagogische studienamiddag",
                (false, true) => "pedagogische studiedag",
                (false, false) => "facultatieve vrije dag",
            };
            DayOff {
                date,
                afternoon_only,
                reason,
            }
        })
        .collect()
}

/// The school's own lesson half days: the city's without its days off.
pub(crate) fn school_calendar(year: &SchoolYearCalendar, off: &[DayOff]) -> SchoolYearCalendar {
    let mut slots: Vec<HalfDaySlot> = off.iter().flat_map(|d| d.slots(year)).collect();
    slots.sort_unstable();
    year.without(&slots)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn no_school_name_is_part_of_another() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let hoods = neighbourhoods(100, &mut rng);
        let schools = schools(3000, &hoods, &mut rng).unwrap();
        let mut names: Vec<&str> = schools.iter().map(|s| s.name.as_str()).collect();
        names.sort_by_key(|n| n.len());
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert!(!b.contains(a), "`{a}` is part of `{b}`");
            }
        }
        let mut ids: Vec<&str> = schools.iter().map(|s| s.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 3000);
        assert!(schools.iter().all(|s| (80..=1500).contains(&s.pupils)));
    }

    #[test]
    fn a_region_gets_more_neighbourhoods_and_their_names_stay_apart() {
        // A quarter of the schools, 6 to 100, as before for every city up to
        // the 5,000 that 100 neighbourhoods x 50 patrons can name; 12,000
        // schools need 12,000 / 50 = 240.
        assert_eq!(neighbourhood_count(40), 10);
        assert_eq!(neighbourhood_count(3000), 100);
        assert_eq!(neighbourhood_count(5000), 100);
        assert_eq!(neighbourhood_count(12_000), 240);
        assert_eq!(neighbourhood_count(1_000_000), 1000);
        // A school's name ends in " <patron> <neighbourhood>": no
        // neighbourhood's name may end another's after a space.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let hoods = neighbourhoods(MAX_NEIGHBOURHOODS, &mut rng);
        for a in &hoods {
            for b in &hoods {
                assert!(
                    std::ptr::eq(a, b)
                        || !format!(" {}", b.name).ends_with(&format!(" {}", a.name)),
                    "{} and {}",
                    a.name,
                    b.name
                );
            }
        }
        assert!(schools(MAX_NEIGHBOURHOODS * PATRONS.len() + 1, &hoods, &mut rng).is_err());
    }
}
