//! End to end: a follow-up is a report of its date. The tiny city
//! (`tests/fixtures/tiny-city`, two weeks of lessons, 2-13 September 2024)
//! with questionnaire answers on both sides of the as-of day, Friday
//! 6 September 2024: the follow-up shows nothing dated after that day, is
//! issued on the day its flag gives, and its goals' verdicts count the
//! figures they print.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, mirror as mirror_ok, mirror_output as mirror, pdf_text, repo};

use std::path::{Path, PathBuf};
use std::process::Output;

/// The tiny city in `dir/city`, with:
/// - Atheneum Aster (100001) in the network "LOP Noord";
/// - three teachers of Aster answering the questionnaire on Wednesday
///   4 September (before the as-of day) and three pupils on Tuesday
///   10 September (after it), all on item `around_2` ("the school gate and
///   the street in front of the school are safe", asked of every group);
/// - Aster's action plan: problematic absence to 10% and pupils from 5
///   half days to 20% by 30 June 2025, and its network's goal of 20% of
///   pupils from 10 half days with a baseline of 30%.
///
/// The registrations after 6 September are the fixture's own (a pupil
/// joining Aster on 9 September with a problematic half day, sick half days
/// on 10 September) and so is its guidance file (opened 11 September).
fn city(dir: &Path) -> (PathBuf, PathBuf) {
    let fixture = repo().join("tests/fixtures/tiny-city");
    let data = dir.join("city");
    std::fs::create_dir_all(&data).unwrap();
    for sub in ["enrolments", "registrations", "guidance", "government"] {
        std::fs::create_dir_all(data.join(sub)).unwrap();
        for entry in std::fs::read_dir(fixture.join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), data.join(sub).join(entry.file_name())).unwrap();
        }
    }
    // The registry with a network column: Aster in "LOP Noord".
    let registry = std::fs::read_to_string(fixture.join("registry.csv")).unwrap();
    let with_network: Vec<String> = registry
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            0 => format!("{line},network"),
            _ if line.starts_with("100001,") => format!("{line},LOP Noord"),
            _ => format!("{line},"),
        })
        .collect();
    std::fs::write(data.join("registry.csv"), with_network.join("\n") + "\n").unwrap();
    let answers = data.join("questionnaires/safety-wellbeing");
    std::fs::create_dir_all(&answers).unwrap();
    std::fs::write(
        answers.join("responses.csv"),
        "school_id,group,wave,around_2\n\
         100001,teachers,2024-09-04,3\n\
         100001,teachers,2024-09-04,3\n\
         100001,teachers,2024-09-04,4\n\
         100001,pupils,2024-09-10,1\n\
         100001,pupils,2024-09-10,1\n\
         100001,pupils,2024-09-10,2\n",
    )
    .unwrap();
    std::fs::create_dir_all(data.join("action-plans")).unwrap();
    std::fs::write(
        data.join("action-plans/plans.csv"),
        "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation\n\
         100001,,Fewer half days lost,problematic_rate,0.10,,2025-06-30,CLB,termly\n\
         100001,,Fewer pupils from five,pupils_from_5,0.20,,2025-06-30,CLB,termly\n\
         ,LOP Noord,Fewer pupils from ten,pupils_from_10,0.20,0.30,2025-06-30,CLB,termly\n",
    )
    .unwrap();
    let key = data.join("pseudonym.key");
    std::fs::copy(fixture.join("pseudonym.key"), &key).unwrap();
    // The fixture's calendar (two weeks) and peers (the six others); every
    // count of one pupil may be printed, so the hand-worked shares show;
    // two respondents make a group.
    let config = TestConfig::shipped(dir, &data, &key)
        .set(
            "calendar",
            fixture.join("calendar.toml").display().to_string(),
        )
        .set("peers.method", "nearest")
        .set("peers.size", 6)
        .set("privacy.min_pupils", 1)
        .set("privacy.min_respondents", 2)
        .set("report.issue_date", "2025-09-15")
        .write(&dir.join("mirror.toml"));
    (config, dir.join("out"))
}

/// Aster's follow-up up to `as_of`, issued on `issued_on`.
fn follow_up(config: &Path, as_of: &str, issued_on: &str) -> Output {
    mirror(&[
        "report",
        "--config",
        config.to_str().unwrap(),
        "--school",
        "100001",
        "--as-of",
        as_of,
        "--follow-up",
        "--issued-on",
        issued_on,
    ])
}

fn follow_up_pdf(out: &Path) -> PathBuf {
    out.join("2024-2025-to-2024-09-06/schools/100001-follow-up.pdf")
}

#[test]
fn a_follow_up_shows_nothing_after_its_date_and_carries_its_issue_date() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = city(dir.path());
    let config_arg = config.to_str().unwrap();

    // The whole school year, for contrast: both waves, every registration.
    mirror_ok(&["run", "--config", config_arg, "--year", "2024-2025"]);
    let year = pdf_text(&out.join("2024-2025/schools/100001.pdf"));
    // 6 problematic of 45 half days (fixture README).
    assert!(year.contains("13,3 %"), "{year}");
    assert!(year.contains("Leerlingen 3"), "{year}");
    assert!(year.contains("Leerkrachten 3"), "{year}");

    // An earlier mirror up to Wednesday 4 September, so that the next is a
    // follow-up of it.
    let earlier = follow_up(&config, "2024-09-04", "2024-09-04");
    assert!(earlier.status.success(), "{earlier:?}");
    let made = follow_up(&config, "2024-09-06", "2024-09-09");
    assert!(made.status.success(), "{made:?}");
    let pdf = follow_up_pdf(&out);
    let text = pdf_text(&pdf);
    // Issued on the flag's day, not on the yearly batch's 15 September 2025.
    assert!(text.contains("uitgegeven op 9 september 2024"), "{text}");
    assert!(!text.contains("15 september 2025"), "{text}");
    // Up to Friday 6 September, Aster expected pupils 10000001 and 10000003
    // on 9 half days each (Monday to Friday, no lessons on Wednesday
    // afternoon): 18; 10000001 was absent without reason on Monday morning
    // and afternoon, Tuesday and Thursday morning and Friday afternoon: 5.
    // 5/18 = 27.8%. The pupil who joined on 9 September, with a problematic
    // half day that day, is not in it (the whole year's 6/45 is 13.3%).
    assert!(text.contains("27,8 %"), "{text}");
    // The teachers answered on 4 September and are in it; the pupils
    // answered on 10 September and are not, nor is anything from them.
    assert!(text.contains("Leerkrachten 3"), "{text}");
    assert!(!text.contains("Leerlingen 3"), "{text}");
    // 10000001 reached 5 half days on Friday 6 September; the guidance file
    // opened on 11 September is after the day: none of the 1 pupil has one.
    assert!(text.contains("Voor 0,0 % van hen"), "{text}");

    // Goals. The rate 27.8% is one figure (2023-2024 is known only from the
    // government, without a rate): the verdict says one figure, as the table
    // shows one.
    assert!(
        text.contains("Nog te vroeg: nog maar één cijfer (27,8 % in 2024-2025)"),
        "{text}"
    );
    // From 5 half days: 1 of the 2 pupils, 50.0% up to 6 September, shown
    // and named by the verdict as not judged (a share grows during a year).
    assert!(
        text.contains("Nog geen cijfer: er is nog geen cijfer om op te oordelen. Het cijfer tot 6 september 2024 (50,0 %) telt nog niet mee"),
        "{text}"
    );
    // The network's goal says whose baseline 30% is.
    assert!(
        text.contains("startwaarde van het lokaal overlegplatform, niet van uw school: 30,0 %"),
        "{text}"
    );

    // The same inputs, configuration and flags give the same PDF, byte for
    // byte.
    let first = std::fs::read(&pdf).unwrap();
    let again = follow_up(&config, "2024-09-06", "2024-09-09");
    assert!(again.status.success(), "{again:?}");
    assert!(
        std::fs::read(&pdf).unwrap() == first,
        "the follow-up changed"
    );

    // No follow-up is issued before its own date.
    let early = follow_up(&config, "2024-09-06", "2024-09-05");
    assert!(!early.status.success());
    let said = String::from_utf8_lossy(&early.stderr);
    assert!(
        said.contains("--issued-on 2024-09-05") && said.contains("2024-09-06"),
        "{said}"
    );
}
