//! End to end: characters no font of the reports has. An emoji in a school
//! name once passed `mirror check` and then stopped the school's report under
//! PDF/UA-1. Now emoji print (Noto Emoji ships with the templates), and what
//! no font has prints as □, named beforehand by `check` and `run` with file
//! and row.

// A failed unwrap here is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
use common::{TestConfig, mirror_output as mirror, pdf_text, repo};

use std::path::PathBuf;

/// The tiny city (tests/fixtures/tiny-city) in a temporary folder, with
/// College Ceder (registry row 4: header row 1, then 100001, 100002, 100003)
/// named with an emoji, a CJK character and a check mark, and a good
/// practice whose line 10 holds a private use character.
fn tiny_city_with_awkward_characters() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/tiny-city");
    let city = tmp.path().join("city");
    for f in [
        "registry.csv",
        "enrolments/2024-2025.csv",
        "registrations/2024-2025.csv",
        "government/2023-2024.csv",
        "guidance/2024-2025.csv",
    ] {
        std::fs::create_dir_all(city.join(f).parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(f), city.join(f)).unwrap();
    }
    let registry = city.join("registry.csv");
    let text = std::fs::read_to_string(&registry)
        .unwrap()
        .replace("College Ceder,", "College Ceder 🌞 学 ✓,");
    std::fs::write(&registry, text).unwrap();
    std::fs::create_dir_all(city.join("good-practices")).unwrap();
    std::fs::write(
        city.join("good-practices/01-welcome.md"),
        "+++\nschool = \"100004\"\nthemes = [\"truancy\"]\ntitle = \"A welcome talk\"\nyear = \"2024-2025\"\n+++\n\n## What was done\n\nA welcome talk \u{E000} after every absence.\n\n## For whom\n\nEvery pupil.\n\n## What changed\n\nPupils came back sooner.\n",
    )
    .unwrap();
    let config = TestConfig::shipped(tmp.path(), &city, &fixture.join("pseudonym.key"))
        .set(
            "calendar",
            fixture.join("calendar.toml").display().to_string(),
        )
        .set("peers.method", "nearest")
        .set("peers.size", 6)
        .set("privacy.min_pupils", 2)
        .set("privacy.min_peer_schools", 5)
        .write(&tmp.path().join("mirror.toml"));
    (tmp, config)
}

#[test]
fn check_names_file_and_row_of_characters_no_font_has_and_run_prints_a_placeholder() {
    let (tmp, config) = tiny_city_with_awkward_characters();
    let config = config.to_str().unwrap();
    let city = tmp.path().join("city");
    let registry_warning = format!(
        "warning: {}: row 4: no font of the reports has \"学\" (U+5B66): a report prints □ instead",
        city.join("registry.csv").display()
    );
    let note_warning = format!(
        "warning: {}: line 10: no font of the reports has \"\u{E000}\" (U+E000)",
        city.join("good-practices/01-welcome.md").display()
    );

    // A warning, not an error: check passes and names both places; the
    // emoji and the check mark have a font and are not named.
    let out = mirror(&["check", "--config", config]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&registry_warning), "{stdout}");
    assert!(stdout.contains(&note_warning), "{stdout}");
    assert!(!stdout.contains("U+1F31E"), "{stdout}");
    assert!(!stdout.contains("U+2713"), "{stdout}");

    // The run says the same before rendering, and every report is written:
    // the emoji and the check mark as written, the CJK character as □.
    let out = mirror(&["run", "--config", config]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&registry_warning), "{stderr}");
    assert!(stderr.contains(&note_warning), "{stderr}");
    let text = pdf_text(&tmp.path().join("out/2024-2025/schools/100003.pdf"));
    assert!(text.contains("College Ceder 🌞 □ ✓"), "{text}");
    assert!(!text.contains('学'), "{text}");
}
