//! A deterministic synthetic city in the project's input formats
//! (docs/data-formats.md): a registry, enrolments, absences-only half-day
//! registrations, guidance files and each school's days without lessons,
//! for any number of schools and years.
//!
//! It looks like a real city on purpose: primary and secondary schools with
//! the Flemish education forms, neighbourhoods that differ in deprivation,
//! heavy-tailed truancy that is higher in vocational forms, older grades and
//! poorer neighbourhoods, weekday and holiday patterns, and schools that
//! improve or get worse. Same spec and calendar, same bytes.

mod city;
mod figures;
mod practices;
mod questionnaires;
mod simulate;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mirror_model::{Calendar, EducationForm, Level, SchoolYear};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use simulate::{AbsenceRow, EnrolmentRow, GuidanceRow, Pupil, YearPattern};

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub schools: usize,
    pub years: usize,
    pub seed: u64,
    /// The last school year generated; the others come before it.
    pub last_year: SchoolYear,
    /// Registrations as CSV instead of Parquet (to measure ingest of both).
    pub csv_registrations: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SampleSummary {
    pub schools: usize,
    pub pupils: usize,
    pub enrolments: usize,
    pub registrations: usize,
    pub guidance_files: usize,
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("{0}")]
    Spec(String),
    #[error("school year {0} is not in the school calendar: add it to config/calendar.toml")]
    YearNotInCalendar(SchoolYear),
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Polars {
        path: PathBuf,
        #[source]
        source: polars::prelude::PolarsError,
    },
}

/// Pupils leave the city, stay down a grade, or move school mid-year this often.
const LEAVES_CITY: f64 = 0.04;
const STAYS_DOWN: f64 = 0.05;
const MOVES_MID_YEAR: f64 = 0.03;
const ARRIVES_MID_YEAR: f64 = 0.02;

/// Writes the sample city to `out_dir`.
pub fn generate(
    spec: &SampleSpec,
    calendar: &Calendar,
    out_dir: &Path,
) -> Result<SampleSummary, SampleError> {
    if spec.schools == 0 || spec.years == 0 {
        return Err(SampleError::Spec(
            "ask for at least one school and one school year".to_owned(),
        ));
    }
    let first = spec.last_year.start_year() - spec.years as i32 + 1;
    let years: Vec<SchoolYear> = (first..=spec.last_year.start_year())
        .map(SchoolYear::starting)
        .collect();
    for y in &years {
        if calendar.year(*y).is_none() {
            return Err(SampleError::YearNotInCalendar(*y));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let hoods = city::neighbourhoods(city::neighbourhood_count(spec.schools), &mut rng);
    let schools = city::schools(spec.schools, &hoods, &mut rng)?;
    let mut next_number = 10_000_001_u32;
    let mut rosters: Vec<Vec<Pupil>> = schools
        .iter()
        .map(|s| {
            (0..s.pupils)
                .map(|_| {
                    next_number += 1;
                    simulate::new_pupil(&mut rng, next_number - 1, s, first, None)
                })
                .collect()
        })
        .collect();
    let writer = write::Writer::new(out_dir)?;
    let mut summary = SampleSummary {
        schools: schools.len(),
        pupils: 0,
        enrolments: 0,
        registrations: 0,
        guidance_files: 0,
        files: Vec::new(),
    };
    let city_calendar = calendar;
    let mut government = Vec::new();
    let mut first_counts = Vec::new();
    // Each year's figures per school, for the action plans' baselines.
    let mut year_figures = Vec::new();
    for (y_index, year) in years.iter().enumerate() {
        let calendar = calendar.year(*year).expect("checked above");
        // Each school's own days off: no lessons, so no absences either.
        let days_off: Vec<Vec<city::DayOff>> = (0..schools.len())
            .map(|s| {
                let mut r = stream(spec.seed, usize::MAX >> 7, y_index, s as u64);
                city::days_off(&mut r, calendar)
            })
            .collect();
        let school_calendars: Vec<_> = days_off
            .iter()
            .map(|off| city::school_calendar(calendar, off))
            .collect();
        let patterns: Vec<YearPattern> = school_calendars.iter().map(YearPattern::new).collect();
        let simulation = YearSimulation {
            seed: spec.seed,
            y_index,
            year: *year,
            schools: &schools,
            hoods: &hoods,
            patterns: &patterns,
            lessons: calendar.lesson_half_days(),
            move_targets: MoveTargets::new(&schools),
        };
        // First pass: who stays, who moves to which school mid-year, and how
        // many registrations the year has. The rows are dropped school by
        // school; the second pass draws them again from the same streams.
        let mut first_numbers = Vec::with_capacity(schools.len());
        let mut movers: Vec<Vec<Mover>> = vec![Vec::new(); schools.len()];
        let mut stay: Vec<Vec<Pupil>> = vec![Vec::new(); schools.len()];
        let mut moved = 0;
        let mut registrations = 0;
        for (s, roster) in rosters.iter().enumerate() {
            first_numbers.push(next_number);
            let mut rows = YearRows::default();
            let stays = &mut stay[s];
            simulation.own_pupils(
                s,
                roster,
                &mut next_number,
                &mut rows,
                &mut |t, pupil, day| {
                    movers[t].push(Mover {
                        index: moved,
                        pupil: pupil.clone(),
                        day,
                    });
                    moved += 1;
                },
                &mut |pupil| stays.push(pupil),
            );
            registrations += rows.absences.len();
        }
        for (t, arriving) in movers.iter().enumerate() {
            let mut rows = YearRows::default();
            simulation.movers_in(t, arriving, &mut rows);
            registrations += rows.absences.len();
            stay[t].extend(arriving.iter().map(|m| m.pupil.clone()));
        }
        // Second pass: each school's rows, counted and written before the next.
        let mut files = writer.year(*year, &schools, registrations, spec.csv_registrations)?;
        let mut counts = Vec::with_capacity(schools.len());
        let mut school_figures = Vec::with_capacity(schools.len());
        for (s, roster) in rosters.iter().enumerate() {
            let mut rows = YearRows::default();
            let mut number = first_numbers[s];
            simulation.own_pupils(
                s,
                roster,
                &mut number,
                &mut rows,
                &mut |_, _, _| {},
                &mut |_| {},
            );
            simulation.movers_in(s, &movers[s], &mut rows);
            rows.enrolments.sort_by_key(|e| (e.pupil, e.from));
            rows.absences.sort_by_key(|a| (a.pupil, a.slot));
            rows.guidance.sort_by_key(|g| (g.pupil, g.opened));
            let count =
                figures::count_school(*year, city_calendar, &rows.enrolments, &rows.absences);
            school_figures.push(figures::school_figures(
                &count,
                &rows.enrolments,
                &rows.absences,
                &rows.guidance,
            ));
            counts.push(count);
            summary.enrolments += rows.enrolments.len();
            summary.registrations += rows.absences.len();
            summary.guidance_files += rows.guidance.len();
            files.school(rows)?;
        }
        year_figures.push(school_figures);
        let mut r = stream(spec.seed, usize::MAX >> 2, y_index, 0);
        government.extend(figures::government_year(&mut r, *year, &schools, &counts));
        if y_index == 0 {
            first_counts = counts;
        }
        summary.files.extend(files.finish()?);
        summary
            .files
            .push(writer.days_off(*year, &schools, &days_off)?);
        if y_index + 1 < years.len() {
            let mut r = stream(spec.seed, usize::MAX >> 1, y_index, 0);
            rosters = next_year(&mut r, &schools, stay, &mut next_number, year.next());
        } else {
            rosters = stay;
        }
    }
    // Before pupil-level data the city had only monthly totals and the
    // government's figures: two such years where the calendar has them.
    for back in 1..=2 {
        let year = SchoolYear::starting(first - back);
        if city_calendar.year(year).is_none() {
            continue;
        }
        let mut r = stream(spec.seed, usize::MAX >> 3, back as usize, 0);
        let (totals, earlier) =
            figures::earlier_year(&mut r, year, back, city_calendar, &schools, &first_counts);
        summary
            .files
            .push(writer.text(&format!("attendance-totals/{year}.csv"), &totals)?);
        government.extend(earlier);
    }
    let mut r = stream(spec.seed, usize::MAX >> 4, 0, 0);
    let last = city_calendar.year(spec.last_year).expect("checked above");
    let wave = questionnaires::responses(&mut r, last, &schools, &rosters)?;
    summary.files.push(writer.text(
        &format!("questionnaires/{}/{}.csv", wave.instrument, spec.last_year),
        &wave.own,
    )?);
    summary.files.push(writer.text(
        &format!("questionnaires/{}/survey-tool-export.csv", wave.instrument),
        &wave.coded,
    )?);
    summary
        .files
        .push(writer.text("questionnaires/invited.csv", &wave.invited)?);
    let mut r = stream(spec.seed, usize::MAX >> 5, 0, 0);
    summary.files.push(writer.text(
        &format!("checklists/{}.csv", spec.last_year),
        &practices::checklists(&mut r, &schools),
    )?);
    let staff = practices::staff(&mut stream(spec.seed, usize::MAX >> 6, 0, 0), &schools);
    summary.files.push(writer.text(
        "rosters/staff.csv",
        &practices::roster_csv(&schools, &staff),
    )?);
    let notes = practices::good_practices(&mut r, &schools, &staff, spec.last_year);
    let note_count = notes.len();
    for (name, text) in notes {
        summary
            .files
            .push(writer.text(&format!("good-practices/{name}"), &text)?);
    }
    summary.files.push(writer.text(
        "support/offers.csv",
        &practices::support_offers(schools.iter().any(|s| s.language == "en")),
    )?);
    let plans = practices::action_plans(&mut r, &schools, &years, &year_figures, &wave);
    let goal_count = plans.lines().count() - 1;
    summary
        .files
        .push(writer.text("action-plans/plans.csv", &plans)?);
    summary.files.push(writer.text(
        "government/figures.csv",
        &figures::government_csv(&schools, &mut government),
    )?);
    let sizes: Vec<usize> = rosters.iter().map(Vec::len).collect();
    summary
        .files
        .push(writer.registry(&schools, &hoods, &sizes)?);
    summary.files.push(writer.key(spec.seed)?);
    summary.files.push(writer.readme(
        spec,
        &write::Contents {
            notes: note_count,
            offers: practices::support_offer_count(),
            goals: goal_count,
        },
    )?);
    summary.pupils = (next_number - 10_000_001) as usize;
    Ok(summary)
}

/// One school year's generated records (of one school, once sorted).
#[derive(Default)]
struct YearRows {
    enrolments: Vec<EnrolmentRow>,
    absences: Vec<AbsenceRow>,
    guidance: Vec<GuidanceRow>,
}

/// A pupil who moves to another school mid-year.
#[derive(Clone)]
struct Mover {
    /// Which of the year's movers, in the order the schools they leave were
    /// simulated: it picks their random stream at the new school.
    index: u64,
    pupil: Pupil,
    /// Their first day at the new school.
    day: chrono::NaiveDate,
}

/// The schools a pupil of a level and form can move to, in school order.
struct MoveTargets(HashMap<(Level, EducationForm), Vec<usize>>);

impl MoveTargets {
    fn new(schools: &[city::School]) -> Self {
        let mut targets: HashMap<(Level, EducationForm), Vec<usize>> = HashMap::new();
        for (t, school) in schools.iter().enumerate() {
            for form in &school.forms {
                targets.entry((school.level, *form)).or_default().push(t);
            }
        }
        Self(targets)
    }

    /// The schools other than `from` that teach `form` at `level`, counted
    /// and indexed without building the list for every pupil who moves.
    fn other_than(&self, from: usize, level: Level, form: EducationForm) -> OtherSchools<'_> {
        let all = self.0.get(&(level, form)).map_or(&[][..], Vec::as_slice);
        OtherSchools {
            all,
            skipped: all.binary_search(&from).ok(),
        }
    }
}

struct OtherSchools<'a> {
    all: &'a [usize],
    /// Where the school the pupil leaves sits in `all`, if it does.
    skipped: Option<usize>,
}

impl OtherSchools<'_> {
    fn len(&self) -> usize {
        self.all.len() - usize::from(self.skipped.is_some())
    }

    fn get(&self, i: usize) -> usize {
        match self.skipped {
            Some(k) if i >= k => self.all[i + 1],
            _ => self.all[i],
        }
    }
}

/// One school year's draws, school by school: each school's own pupils come
/// from that school's stream, each mover's time at the new school from a
/// stream of its own, so a school's rows can be drawn again on their own.
struct YearSimulation<'a> {
    seed: u64,
    y_index: usize,
    year: SchoolYear,
    schools: &'a [city::School],
    hoods: &'a [city::Neighbourhood],
    patterns: &'a [YearPattern<'a>],
    lessons: &'a [mirror_model::HalfDaySlot],
    move_targets: MoveTargets,
}

impl YearSimulation<'_> {
    /// One enrolment at school `s` with the absences and guidance it brings.
    fn enrol(
        &self,
        rng: &mut ChaCha8Rng,
        pupil: &Pupil,
        s: usize,
        from: chrono::NaiveDate,
        to: Option<chrono::NaiveDate>,
        rows: &mut YearRows,
    ) {
        let school = &self.schools[s];
        rows.enrolments.push(EnrolmentRow {
            pupil: pupil.number,
            school: s,
            from,
            to,
            grade: pupil.grade_code(school.level),
            form: pupil.form,
            birth_year: pupil.birth_year,
        });
        let factor = school.climate * school.trend.yearly_factor().powi(self.y_index as i32);
        let before = rows.absences.len();
        simulate::absences(
            rng,
            &self.patterns[s],
            pupil,
            school,
            &self.hoods[school.neighbourhood],
            factor,
            from,
            to.unwrap_or(self.year.last_day()),
            s,
            &mut rows.absences,
        );
        let problematic: Vec<_> = rows.absences[before..]
            .iter()
            .filter(|a| a.code == "B")
            .map(|a| a.slot)
            .collect();
        simulate::guidance(
            rng,
            &self.patterns[s],
            pupil.number,
            s,
            &problematic,
            &mut rows.guidance,
        );
    }

    /// School `s`'s own pupils and those who arrive from outside the city
    /// mid-year (numbered from `next_number`): `moves` hears of each pupil
    /// who leaves for another school (the school, the first day there),
    /// `stays` gets each who is still at `s` at the end of the year.
    fn own_pupils(
        &self,
        s: usize,
        roster: &[Pupil],
        next_number: &mut u32,
        rows: &mut YearRows,
        moves: &mut dyn FnMut(usize, &Pupil, chrono::NaiveDate),
        stays: &mut dyn FnMut(Pupil),
    ) {
        let lessons = self.lessons;
        let mut r = stream(self.seed, s, self.y_index, 0);
        for pupil in roster {
            if r.random_bool(MOVES_MID_YEAR) && lessons.len() > 80 {
                let day = lessons[r.random_range(40..lessons.len() - 40)].date;
                let last = day.pred_opt().expect("not the first day ever");
                self.enrol(&mut r, pupil, s, self.year.first_day(), Some(last), rows);
                let targets = self
                    .move_targets
                    .other_than(s, self.schools[s].level, pupil.form);
                if targets.len() > 0 && r.random_bool(0.6) {
                    moves(targets.get(r.random_range(0..targets.len())), pupil, day);
                }
            } else {
                self.enrol(&mut r, pupil, s, self.year.first_day(), None, rows);
                stays(pupil.clone());
            }
        }
        let arrivals = (roster.len() as f64 * ARRIVES_MID_YEAR).round() as usize;
        for _ in 0..arrivals {
            let day = lessons[r.random_range(20..lessons.len().max(21))].date;
            let pupil = simulate::new_pupil(
                &mut r,
                *next_number,
                &self.schools[s],
                self.year.start_year(),
                None,
            );
            *next_number += 1;
            self.enrol(&mut r, &pupil, s, day, None, rows);
            stays(pupil);
        }
    }

    /// The pupils who arrive at school `t` from other schools mid-year.
    fn movers_in(&self, t: usize, arriving: &[Mover], rows: &mut YearRows) {
        for m in arriving {
            let mut r = stream(self.seed, t, self.y_index, m.index + 1);
            self.enrol(&mut r, &m.pupil, t, m.day, None, rows);
        }
    }
}

/// A random stream of its own for each school and year, so one school's
/// draws do not depend on how many another school made.
fn stream(seed: u64, school: usize, year: usize, part: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ (part.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    r.set_stream(((school as u64) << 8) | year as u64);
    r
}

/// Pupils move up a grade, leave after the last grade or the city, and a new
/// intake fills each school back to about its size.
fn next_year(
    rng: &mut ChaCha8Rng,
    schools: &[city::School],
    rosters: Vec<Vec<Pupil>>,
    next_number: &mut u32,
    year: SchoolYear,
) -> Vec<Vec<Pupil>> {
    rosters
        .into_iter()
        .enumerate()
        .map(|(s, roster)| {
            let school = &schools[s];
            let mut next: Vec<Pupil> = Vec::with_capacity(roster.len());
            for mut p in roster {
                if rng.random_bool(LEAVES_CITY) {
                    continue;
                }
                if !rng.random_bool(STAYS_DOWN) {
                    p.grade += 1;
                }
                if school.level == Level::Primary
                    && p.form == EducationForm::Nursery
                    && p.grade == 3
                {
                    p.form = EducationForm::Primary;
                }
                if simulate::grades_of(p.form).contains(&p.grade) {
                    next.push(p);
                }
            }
            let target = (f64::from(school.pupils) * (0.97 + 0.06 * rng.random::<f64>())) as usize;
            while next.len() < target {
                next.push(simulate::new_pupil(
                    rng,
                    *next_number,
                    school,
                    year.start_year(),
                    Some(0),
                ));
                *next_number += 1;
            }
            next
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use mirror_model::{AbsenceCategory, Config, PlanScope, SchoolYear};

    use super::*;

    fn calendar() -> Calendar {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/calendar.toml");
        Calendar::load(&path).unwrap()
    }

    fn spec(schools: usize, years: usize) -> SampleSpec {
        SampleSpec {
            schools,
            years,
            seed: 11,
            last_year: SchoolYear::starting(2025),
            csv_registrations: false,
        }
    }

    #[test]
    fn the_same_spec_gives_the_same_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = generate(&spec(8, 2), &calendar(), a.path()).unwrap();
        generate(&spec(8, 2), &calendar(), b.path()).unwrap();
        // Per year enrolments, registrations, guidance and days off; totals for the two
        // years before; the government's figures, registry, key and README.
        // Questionnaires in two layouts and who was invited; checklists, the
        // staff roster, the practices (fewer than all 24 in a city of 8
        // schools), offers, plans.
        let notes = first
            .files
            .iter()
            .filter(|f| f.parent().is_some_and(|p| p.ends_with("good-practices")))
            .count();
        assert!((12..=24).contains(&notes), "{notes} notes");
        assert_eq!(first.files.len(), 4 * 2 + 2 + 2 + 1 + notes + 3 + 5);
        for file in &first.files {
            let relative = file.strip_prefix(a.path()).unwrap();
            assert_eq!(
                std::fs::read(file).unwrap(),
                std::fs::read(b.path().join(relative)).unwrap(),
                "{}",
                relative.display()
            );
        }
    }

    #[test]
    fn generated_data_passes_every_ingest_check_and_looks_like_a_city() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&spec(24, 2), &calendar(), dir.path()).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let config = Config::parse(
            &format!(
                "data_dir = \"{}\"\nout_dir = \"out\"\ntemplates_dir = \"t\"\ncalendar = \"{}\"\nabsence_codes = \"{}\"\nquestionnaires = \"{}\"\nthemes = \"{}\"\nchecklist = \"{}\"\n[pseudonyms]\n",
                dir.path().display(),
                repo.join("config/calendar.toml").display(),
                repo.join("config/absence-codes.toml").display(),
                repo.join("config/questionnaires").display(),
                repo.join("config/themes.toml").display(),
                repo.join("config/checklist.toml").display()
            ),
            Path::new("mirror.toml"),
        )
        .unwrap();
        // Ingest reports registrations outside lessons or enrolments, overlaps and unknown codes.
        let ingested =
            mirror_ingest::run(&config, calendar(), mirror_ingest::PupilSources::Read).unwrap();
        assert_eq!(ingested.quality.problems(), []);
        let city = ingested.city;
        let pupils = ingested.pupils.unwrap();
        assert_eq!(city.registry.len(), 24);
        assert_eq!(pupils.absences.len(), summary.registrations);
        // 3 to 6 days off per school and year, on lesson days (no problem
        // above: none on a day without lessons, no absence on one).
        for school in 0..24 {
            for year in [SchoolYear::starting(2024), SchoolYear::starting(2025)] {
                let off = pupils.days_off.between(
                    mirror_model::SchoolRef(school),
                    year.first_day(),
                    year.last_day(),
                );
                let mut dates: Vec<_> = off.iter().map(|s| s.date).collect();
                dates.dedup();
                assert!((3..=6).contains(&dates.len()), "{school} {year}: {dates:?}");
            }
        }
        assert_eq!(pupils.guidance.len(), summary.guidance_files);
        // The government's figures for the 2 generated years and the 2
        // before, which also have 10 months of totals each; the figures
        // agree with the registrations (no cross-check warning above).
        assert_eq!(pupils.government.len(), 24 * 4);
        assert_eq!(pupils.attendance_totals.len(), 24 * 10 * 2);
        // Questionnaire responses of both layouts; pupils report being
        // bullied (item bully_1, reverse-coded) more than teachers say
        // bullying is a problem (bully_3).
        let q = &city.questionnaires[0];
        assert!(q.responses.len() > 1000, "{}", q.responses.len());
        let item = |id: &str| q.instrument.items.iter().position(|i| i.id == id).unwrap();
        let mean = |i: usize| {
            let v: Vec<f64> = q
                .responses
                .iter()
                .filter_map(|r| r.answers[i])
                .map(f64::from)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(item("bully_1")) > mean(item("bully_3")));
        assert_eq!(city.good_practices.len(), 24);
        // The note that names a teacher names one on the staff roster.
        let call = &city
            .good_practices
            .iter()
            .find(|p| p.texts.original().title == "Een telefoontje voor tien uur")
            .unwrap()
            .texts;
        let [nl, en] = ["nl", "en"].map(|c| mirror_model::ReportLanguage::new(c).unwrap());
        let done = &call.pick(&nl).text.what_was_done;
        assert!(
            city.rosters
                .iter()
                .any(|n| done.contains(&format!("zoals {} {}.", n.first_name, n.last_name))),
            "{done}"
        );
        // Every note and offer is in Dutch, and in English too where a
        // school reads English; each school's goals
        // are in its own language (an English one: practices' unit tests).
        let english = city.registry.iter().any(|s| s.language == en);
        let languages = if english { 2 } else { 1 };
        for p in &city.good_practices {
            assert_eq!(p.texts.pick(&nl).only_in, None);
            assert_eq!(p.texts.versions().count(), languages);
        }
        for o in &city.support_offers {
            assert_eq!(o.how_to_ask.pick(&nl).only_in, None, "{}", o.offer);
            assert_eq!(o.offer.versions().count(), languages, "{}", o.offer);
        }
        for g in &city.action_plans {
            let readers: Vec<&mirror_model::ReportLanguage> = match &g.scope {
                PlanScope::School(s) => vec![&city.registry[s.index()].language],
                PlanScope::Network(_) => vec![&nl],
            };
            for language in readers {
                assert_eq!(g.goal.pick(language).only_in, None, "{}", g.goal);
            }
        }
        assert_eq!(city.support_offers.len(), 17);
        assert!(city.support_offers.iter().any(|o| o.contact.is_some()));
        assert!(!city.checklist_answers.is_empty());
        // Goals of schools of both levels and of every network, each with a
        // baseline on the indicator's scale and a deadline at the end of the
        // last school year or the next.
        let plans = &city.action_plans;
        assert!(plans.len() >= 12, "{} goals", plans.len());
        let levels: Vec<Level> = plans
            .iter()
            .filter_map(|g| match &g.scope {
                PlanScope::School(s) => Some(city.registry[s.index()].level),
                PlanScope::Network(_) => None,
            })
            .collect();
        assert!(levels.contains(&Level::Primary) && levels.contains(&Level::Secondary));
        for network in city.registry.iter().filter_map(|s| s.network.as_ref()) {
            assert!(
                plans
                    .iter()
                    .any(|g| g.scope == PlanScope::Network(network.clone())),
                "{network}"
            );
        }
        let last = SchoolYear::starting(2025);
        for g in plans {
            let baseline = g.baseline.unwrap();
            let top = if g.indicator.is_share() { 1.0 } else { 100.0 };
            assert!((0.0..=top).contains(&baseline), "{g:?}");
            assert!((0.0..=top).contains(&g.target), "{g:?}");
            assert_ne!(g.target, baseline, "{g:?}");
            assert!(
                [last.last_day(), last.next().last_day()].contains(&g.deadline),
                "{g:?}"
            );
        }
        assert!(city.registry.iter().any(|s| s.level == Level::Primary));
        assert!(city.registry.iter().any(|s| s.level == Level::Secondary));

        // Problematic half days per pupil and form in the last year.
        let last = SchoolYear::starting(2025);
        let mut problematic: HashMap<_, u32> = HashMap::new();
        for a in &pupils.absences {
            if a.category == AbsenceCategory::Problematic
                && SchoolYear::containing(a.slot.date) == last
            {
                *problematic.entry((a.pupil, a.school)).or_default() += 1;
            }
        }
        let mut by_form: HashMap<EducationForm, Vec<u32>> = HashMap::new();
        for e in pupils
            .enrolments
            .iter()
            .filter(|e| SchoolYear::containing(e.from) == last)
        {
            let n = problematic.get(&(e.pupil, e.school)).copied().unwrap_or(0);
            by_form.entry(e.form).or_default().push(n);
        }
        let all: Vec<u32> = by_form.values().flatten().copied().collect();
        let zero = all.iter().filter(|n| **n == 0).count() as f64 / all.len() as f64;
        assert!(zero > 0.5, "most pupils never truant: {zero}");
        assert!(all.iter().any(|n| *n >= 30), "a few pupils have 30 or more");
        let mean = |f| {
            let v = &by_form[&f];
            f64::from(v.iter().sum::<u32>()) / v.len() as f64
        };
        assert!(mean(EducationForm::Vocational) > 2.0 * mean(EducationForm::General));
        assert!(mean(EducationForm::General) > mean(EducationForm::Primary));
    }

    #[test]
    fn a_year_missing_from_the_calendar_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = generate(&spec(3, 9), &calendar(), dir.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "school year 2017-2018 is not in the school calendar: add it to config/calendar.toml"
        );
    }
}
