//! Checklists, good-practice notes, the support catalogue and action plans of
//! the sample city. The texts are made up; some notes name their own school,
//! a teacher or a street, as real notes do, for anonymise to redact.

use std::fmt::Write as _;

use mirror_model::{Level, SchoolYear};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::city::School;

const NETWORKS: [&str; 4] = ["LOP Noord", "LOP Zuid", "LOP Oost", "LOP West"];

/// The local network of the schools of a neighbourhood.
pub(crate) fn network(neighbourhood: usize) -> &'static str {
    NETWORKS[neighbourhood % NETWORKS.len()]
}

/// The shipped checklist's item ids (config/checklist.toml).
const CHECKLIST: [&str; 11] = [
    "truancy-protocol",
    "same-day-follow-up",
    "parents-first-half-day",
    "clb-from-five",
    "return-talk",
    "anti-bullying-policy",
    "anonymous-reporting",
    "trusted-adult",
    "safe-routes",
    "pupil-voice",
    "newcomer-welcome",
];

/// Answers of about 70% of the schools: schools with less truancy of their
/// own have more of the approach in place.
pub(crate) fn checklists(rng: &mut ChaCha8Rng, schools: &[School]) -> String {
    let mut out = String::from("school_id;item;answer;remark\n");
    for school in schools {
        if !rng.random_bool(0.7) {
            continue;
        }
        let in_place = (0.85 - 0.3 * (school.climate - 1.0)).clamp(0.2, 0.95);
        for item in CHECKLIST {
            let answer = if rng.random_bool(in_place) {
                "ja"
            } else if rng.random_bool(0.5) {
                "deels"
            } else {
                "nee"
            };
            let remark = match (answer, rng.random_bool(0.15)) {
                ("deels", true) => "In uitwerking dit schooljaar",
                ("nee", true) => "Nog niet besproken in het team",
                _ => "",
            };
            let _ = writeln!(out, "{};{item};{answer};{remark}", school.id);
        }
    }
    out
}

/// (themes, title, what was done, for whom, what changed); `{school}` is
/// replaced by the school's name and `{teacher}` by one of its staff, as
/// writers do.
const PRACTICES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "\"truancy\", \"parents\"",
        "A phone call before ten",
        "The secretariat calls the parents of every pupil who is absent without notice before ten in the morning. At {school} the call is made by a teacher the pupil knows, such as {teacher}.",
        "All pupils of the first and second grade.",
        "Unnotified absences fell by a third within one term; parents said they felt taken seriously.",
    ),
    (
        "\"truancy\", \"guidance\"",
        "Welcome-back talks",
        "After every problematic half day the pupil has a short talk with a trusted teacher, who asks what kept them away before anything else.",
        "Pupils with a first problematic half day.",
        "Fewer pupils reached five half days; the talks brought bullying on the bus to light.",
    ),
    (
        "\"bullying\"",
        "A letterbox for worries",
        "A letterbox outside the staff room and an online form let pupils report bullying anonymously. Mr Peeters reads them daily with the pupil care team.",
        "All pupils.",
        "Three times as many reports in the first year, most of them early enough to talk things out.",
    ),
    (
        "\"safety\"",
        "Teachers at the gate",
        "Two teachers stand at the gate and at the corner of the Kioskstraat at the start and end of the day.",
        "Pupils who walk or cycle to school.",
        "Pupils reported feeling safer around the school; the neighbours' complaints stopped.",
    ),
    (
        "\"belonging\", \"wellbeing\"",
        "Buddies for first-years",
        "Every first-year pupil gets a buddy from the fourth year for the first ten weeks.",
        "First-year pupils.",
        "First-years said more often that they belong at school; absences in autumn were lower.",
    ),
    (
        "\"newcomers\"",
        "One contact for newcomers",
        "Every newcomer and their family get one contact person, who speaks with them weekly in the first term.",
        "Newcomers from the reception classes.",
        "Families kept in touch with the school; fewer newcomers dropped out in their first year.",
    ),
    (
        "\"rules\", \"belonging\"",
        "Pupils rewrite the rules",
        "A pupil council rewrote the school rules in plain language with the head.",
        "All pupils and teachers.",
        "The rules were known by more pupils and applied more evenly, according to the questionnaire.",
    ),
    (
        "\"support\", \"wellbeing\"",
        "Ten minutes a week",
        "Each class teacher spends ten minutes a week with every pupil who seems to struggle. Contact: mentor@example.org.",
        "Pupils the class council worries about.",
        "Pupils found a teacher to go to more easily; guidance files were opened earlier.",
    ),
];

const FIRST_NAMES: [&str; 14] = [
    "Marieke", "Pieter", "Sofie", "Bram", "Fatima", "Yusuf", "Lotte", "Nadia", "Koen", "Ines",
    "Wout", "Hanne", "Mohamed", "Elif",
];
const LAST_NAMES: [&str; 14] = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Goossens",
    "Wouters",
    "De Smet",
    "El Amrani",
    "Van den Broeck",
    "Verhoeven",
    "Aydin",
    "Hermans",
];

/// Three staff members per school, as (first name, last name), in school order.
pub(crate) fn staff(rng: &mut ChaCha8Rng, schools: &[School]) -> Vec<[(String, String); 3]> {
    let mut name = || {
        (
            FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())].to_owned(),
            LAST_NAMES[rng.random_range(0..LAST_NAMES.len())].to_owned(),
        )
    };
    schools.iter().map(|_| [name(), name(), name()]).collect()
}

/// The staff roster: names only, for redaction.
pub(crate) fn roster_csv(schools: &[School], staff: &[[(String, String); 3]]) -> String {
    let mut out = String::from("first_name,last_name,school_id,role\n");
    for (school, people) in schools.iter().zip(staff) {
        for (first, last) in people {
            let _ = writeln!(out, "{first},{last},{},teacher", school.id);
        }
    }
    out
}

/// Good-practice notes by different schools, as (file name, text).
pub(crate) fn good_practices(
    rng: &mut ChaCha8Rng,
    schools: &[School],
    staff: &[[(String, String); 3]],
    year: SchoolYear,
) -> Vec<(String, String)> {
    let mut order: Vec<usize> = (0..schools.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    PRACTICES
        .iter()
        .zip(order)
        .enumerate()
        .map(|(k, (&(themes, title, what, whom, changed), s))| {
            let school = &schools[s];
            let (first, last) = &staff[s][0];
            let what = what
                .replace("{school}", &school.name)
                .replace("{teacher}", &format!("{first} {last}"));
            (
                format!("{:02}-{}.md", k + 1, title.to_lowercase().replace(' ', "-")),
                format!(
                    "+++\nschool = \"{}\"\nthemes = [{themes}]\ntitle = \"{title}\"\nyear = \"{year}\"\n+++\n\n## What was done\n\n{what}\n\n## For whom\n\n{whom}\n\n## What changed\n\n{changed}\n",
                    school.id
                ),
            )
        })
        .collect()
}

/// The city's support catalogue.
pub(crate) fn support_offers() -> String {
    let offers = [
        (
            "Stad Antwerpen - Onderwijs",
            "Spijbelcoach: a coach works with the school on pupils from five problematic half days",
            "truancy;guidance",
            "",
            "Ask the truancy advisor of the education division",
        ),
        (
            "Stad Antwerpen - Onderwijs",
            "Truancy protocol workshop for the school team",
            "truancy",
            "",
            "Register through the school support team",
        ),
        (
            "Vzw Veerkracht",
            "Self-confidence training for pupils who are bullied",
            "bullying;wellbeing",
            "secondary",
            "E-mail the coordinator with the class and the number of pupils",
        ),
        (
            "Vzw Veerkracht",
            "No Blame approach training for teachers",
            "bullying",
            "",
            "E-mail the coordinator",
        ),
        (
            "Buurtwerk De Brug",
            "Street coaches at the school gate and on the way to school",
            "safety",
            "",
            "Call the neighbourhood office",
        ),
        (
            "Huis van het Kind",
            "Parent cafe at school: talks on school and wellbeing",
            "parents;wellbeing",
            "primary",
            "Ask the neighbourhood's family coach",
        ),
        (
            "CLB Antwerpen",
            "Guidance on absence from the first problematic half day",
            "guidance;truancy",
            "",
            "Ask the school's own CLB worker",
        ),
        (
            "Onthaalbureau Inburgering",
            "Interpreters and a welcome trajectory for newcomer families",
            "newcomers;parents",
            "",
            "Request through the school's secretariat",
        ),
        (
            "Jeugdwerk Samen",
            "Belonging: after-school clubs run with pupils",
            "belonging;wellbeing",
            "",
            "Contact the youth worker of the neighbourhood",
        ),
        (
            "Stad Antwerpen - Onderwijs",
            "Pupil participation: help to set up a pupil council",
            "rules;belonging",
            "secondary",
            "Register through the school support team",
        ),
    ];
    let mut out = String::from("organisation,offer,themes,levels,how_to_ask\n");
    for (organisation, offer, themes, levels, how) in offers {
        let _ = writeln!(out, "{organisation},\"{offer}\",{themes},{levels},{how}");
    }
    out
}

/// Goals for a few schools and for every network.
pub(crate) fn action_plans(rng: &mut ChaCha8Rng, schools: &[School], year: SchoolYear) -> String {
    let deadline = year.last_day();
    let mut out = String::from(
        "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation\n",
    );
    for school in schools
        .iter()
        .filter(|s| s.level == Level::Secondary)
        .take(4)
    {
        let baseline = rng.random_range(0.04..0.12);
        let _ = writeln!(
            out,
            "{},,Fewer pupils with 15 or more problematic half days,pupils_from_15,\"{:.2}\",\"{baseline:.2}\",{deadline},CLB,termly",
            school.id,
            (baseline * 0.75)
        );
    }
    let mut networks: Vec<&str> = schools.iter().map(|s| network(s.neighbourhood)).collect();
    networks.sort();
    networks.dedup();
    for n in networks {
        let _ = writeln!(
            out,
            ",{n},Pupils feel safe around the schools,questionnaire:safe-around-school,3,,{deadline},Buurtwerk De Brug,yearly"
        );
    }
    out
}
