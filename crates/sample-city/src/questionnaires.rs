//! Questionnaire responses for the default instrument: one wave in spring of
//! the last year, at about 60% of the schools. Schools with more truancy
//! report less safety; pupils see more bullying than teachers do.

use std::fmt::Write as _;
use std::path::Path;

use mirror_model::{Instrument, Level, RespondentGroup, SchoolYearCalendar};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::SampleError;
use crate::city::School;

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

/// The instrument's id and the responses as CSV: the instrument's own column
/// names for most schools, the coded survey-tool layout (with `;` and answer
/// labels) for the last school that answers.
pub(crate) fn responses(
    rng: &mut ChaCha8Rng,
    calendar: &SchoolYearCalendar,
    schools: &[School],
) -> Result<(String, String, String), SampleError> {
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
    let mut own = String::from("school_id,group,wave");
    for item in &instrument.items {
        let _ = write!(own, ",{}", item.id);
    }
    own.push_str(",comment\n");
    let layout = &instrument.layouts[1];
    let mut coded = format!("{};{};{}", layout.school, layout.group, layout.wave);
    for item in &instrument.items {
        let _ = write!(coded, ";{}", layout.items[&item.id]);
    }
    let _ = writeln!(coded, ";{}", layout.comment.as_deref().unwrap_or("comment"));
    for (k, &s) in answering.iter().enumerate() {
        let school = &schools[s];
        let wave = spring[rng.random_range(0..spring.len().max(1))];
        let pupils = match school.level {
            Level::Secondary => rng.random_range(40..150),
            Level::Primary => rng.random_range(20..60),
        };
        let groups = [
            (RespondentGroup::Pupils, pupils),
            (RespondentGroup::Teachers, rng.random_range(6..40)),
            (RespondentGroup::Staff, rng.random_range(3..15)),
        ];
        let coded_school = k + 1 == answering.len();
        for (group, count) in groups {
            for _ in 0..count {
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
                    if rng.random_bool(0.03) {
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
                        "{};{group};{};{};{comment}",
                        school.id,
                        wave.format("%d/%m/%Y"),
                        row.join(";")
                    );
                } else {
                    let _ = writeln!(
                        own,
                        "{},{},{wave},{},{}",
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
    Ok((instrument.id, own, coded))
}
