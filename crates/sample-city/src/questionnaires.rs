//! Questionnaire responses for the default instrument: one wave in spring of
//! the last year, at about 60% of the schools. Schools with more truancy
//! report less safety; pupils see more bullying than teachers do. Pupils
//! give their grade; at a fifth of the schools only the upper grades were
//! invited, so their respondents are unlike the school. How many teachers
//! and staff were invited is in `invited.csv`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use mirror_model::{Instrument, Level, RespondentGroup, SchoolYearCalendar};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::SampleError;
use crate::city::School;
use crate::simulate::Pupil;

/// The shipped instrument, which the sample answers.
const INSTRUMENT: &str = include_str!("../../../config/questionnaires/safety-wellbeing.toml");

/// Comments as respondents write them, some with what anonymise must redact
/// (made-up names, addresses and numbers).
const COMMENTS: &[&str] = &[
    "Fijne school, de leerkrachten luisteren echt.",
    "Op de speelplaats wordt veel geroepen.",
    "Meer toezicht aan de fietsenstalling graag.",
    "Juf Marieke Verhoeven helpt me altijd als er iets is.",
    "Mail me gerust: ouder.test@example.org",
    "Bel mij op 0470 12 34 56 als er vragen zijn.",
    "De regels zijn niet voor iedereen hetzelfde.",
    "Ik word uitgelachen in de bus naar huis.",
];

/// The files of one wave, as CSV.
pub(crate) struct Wave {
    pub instrument: String,
    /// The instrument's own column names, for most schools.
    pub own: String,
    /// The coded survey-tool layout (with `;` and answer labels), for the
    /// last school that answers.
    pub coded: String,
    /// How many were invited: teachers and staff at every school that
    /// answers, pupils where only the upper grades were invited (elsewhere
    /// the enrolment counts).
    pub invited: String,
    /// The pupils' answers per (school index, scale id): points on the
    /// scale's favourable side (0 to 3 an answer) and answers given.
    pub pupil_points: BTreeMap<(usize, String), (u32, u32)>,
}

impl Wave {
    /// The pupils' score of `schools` on `scale`, 0-100 with 100 the most
    /// favourable, as a mirror computes it; `None` below `min_answers`.
    pub fn pupil_score(&self, schools: &[usize], scale: &str, min_answers: u32) -> Option<f64> {
        let (points, answered) = schools
            .iter()
            .filter_map(|s| self.pupil_points.get(&(*s, scale.to_owned())))
            .fold((0, 0), |(p, n), (a, b)| (p + a, n + b));
        (answered >= min_answers.max(1))
            .then(|| 100.0 * f64::from(points) / f64::from(3 * answered))
    }
}

/// One wave at the schools, whose pupils at the end of the year are
/// `rosters` (in the order of `schools`).
pub(crate) fn responses(
    rng: &mut ChaCha8Rng,
    calendar: &SchoolYearCalendar,
    schools: &[School],
    rosters: &[Vec<Pupil>],
) -> Result<Wave, SampleError> {
    let instrument = Instrument::parse(INSTRUMENT, "safety-wellbeing", Path::new("built-in"))
        .map_err(|e| SampleError::Spec(e.to_string()))?;
    let spring: Vec<_> = calendar
        .lesson_half_days()
        .iter()
        .map(|s| s.date)
        .filter(|d| (3..=4).contains(&chrono::Datelike::month(d)))
        .collect();
    let answering: Vec<usize> = (0..schools.len())
        .filter(|_| rng.random_bool(0.6))
        .collect();
    let mut own = String::from("school_id,group,wave,grade");
    for item in &instrument.items {
        let _ = write!(own, ",{}", item.id);
    }
    own.push_str(",comment\n");
    let layout = &instrument.layouts[1];
    let mut coded = format!(
        "{};{};{};{}",
        layout.school,
        layout.group,
        layout.wave,
        layout.grade.as_deref().unwrap_or("grade")
    );
    for item in &instrument.items {
        let _ = write!(coded, ";{}", layout.items[&item.id]);
    }
    let _ = writeln!(coded, ";{}", layout.comment.as_deref().unwrap_or("comment"));
    let year = calendar.year();
    let mut invited = String::from("school_id,school_year,group,invited\n");
    let mut pupil_points: BTreeMap<(usize, String), (u32, u32)> = BTreeMap::new();
    for (k, &s) in answering.iter().enumerate() {
        let school = &schools[s];
        let wave = spring[rng.random_range(0..spring.len().max(1))];
        // Nursery pupils do not answer; some schools invite the upper half
        // of the grades only (from P4 or S4).
        let upper_only = rng.random_bool(0.2);
        let from_grade = match (school.level, upper_only) {
            (Level::Primary, false) => 3,
            (Level::Primary, true) => 6,
            (Level::Secondary, false) => 0,
            (Level::Secondary, true) => 3,
        };
        let invited_pupils: Vec<&Pupil> = rosters[s]
            .iter()
            .filter(|p| p.grade >= from_grade)
            .collect();
        let pupils = match school.level {
            Level::Secondary => rng.random_range(40..150),
            Level::Primary => rng.random_range(20..60),
        }
        .min(invited_pupils.len());
        if upper_only {
            let _ = writeln!(
                invited,
                "{},{year},pupils,{}",
                school.id,
                invited_pupils.len()
            );
        }
        let groups = [
            (RespondentGroup::Pupils, pupils),
            (RespondentGroup::Teachers, rng.random_range(6..40)),
            (RespondentGroup::Staff, rng.random_range(3..15)),
        ];
        for (group, count) in &groups[1..] {
            // Between half and all of those invited answered.
            let _ = writeln!(
                invited,
                "{},{year},{},{}",
                school.id,
                group.as_str(),
                count + rng.random_range(0..=*count)
            );
        }
        let coded_school = k + 1 == answering.len();
        for (group, count) in groups {
            for _ in 0..count {
                // A pupil's grade is that of an invited pupil.
                let grade = match group {
                    RespondentGroup::Pupils => invited_pupils
                        [rng.random_range(0..invited_pupils.len())]
                    .grade_code(school.level),
                    _ => String::new(),
                };
                let mut row = Vec::new();
                for item in &instrument.items {
                    if !item.groups.contains(&group) {
                        row.push(String::new());
                        continue;
                    }
                    // Agreement with a safe answer: lower where truancy is higher;
                    // teachers see bullying less than pupils do.
                    let mut safe = 0.78 - 0.18 * (school.climate - 1.0);
                    if group != RespondentGroup::Pupils && item.scale == "bullying" {
                        safe += 0.1;
                    }
                    let p = (safe + rng.random_range(-0.2..0.2)).clamp(0.05, 0.95);
                    let agree = rng.random_bool(p);
                    let strongly = rng.random_bool(0.4);
                    let value = match (agree != item.reverse, strongly) {
                        (true, true) => 4_u8,
                        (true, false) => 3,
                        (false, false) => 2,
                        (false, true) => 1,
                    };
                    let skipped = rng.random_bool(0.03);
                    if !skipped && group == RespondentGroup::Pupils {
                        let points = if item.reverse { 4 - value } else { value - 1 };
                        let tally = pupil_points.entry((s, item.scale.clone())).or_default();
                        tally.0 += u32::from(points);
                        tally.1 += 1;
                    }
                    if skipped {
                        row.push(String::new()); // skipped
                    } else if coded_school {
                        row.push(instrument.answers.nl[usize::from(value) - 1].clone());
                    } else {
                        row.push(value.to_string());
                    }
                }
                let comment = if rng.random_bool(0.1) {
                    COMMENTS[rng.random_range(0..COMMENTS.len())]
                } else {
                    ""
                };
                if coded_school {
                    let group = match group {
                        RespondentGroup::Pupils => "Leerling",
                        RespondentGroup::Teachers => "Leerkracht",
                        RespondentGroup::Staff => "Ander personeel",
                    };
                    let _ = writeln!(
                        coded,
                        "{};{group};{};{grade};{};{comment}",
                        school.id,
                        wave.format("%d/%m/%Y"),
                        row.join(";")
                    );
                } else {
                    let _ = writeln!(
                        own,
                        "{},{},{wave},{grade},{},{}",
                        school.id,
                        group.as_str(),
                        row.join(","),
                        if comment.contains(',') {
                            format!("\"{comment}\"")
                        } else {
                            comment.to_owned()
                        }
                    );
                }
            }
        }
    }
    Ok(Wave {
        instrument: instrument.id,
        own,
        coded,
        invited,
        pupil_points,
    })
}
