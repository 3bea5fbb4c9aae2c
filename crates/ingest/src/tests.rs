//! Ingest of the tiny city, and one test per class of problem, each
//! asserting the exact message with file, row and column (worked out from
//! the fixture files in `tests/fixtures/tiny-city`).

use std::path::Path;

use mirror_model::AbsenceCategory;

use super::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city")
}

fn ingest(dir: &Path) -> Ingested {
    let config = Config::load(&dir.join("mirror.toml")).unwrap();
    let calendar = Calendar::load(&config.calendar).unwrap();
    run(&config, calendar, PupilSources::Read).unwrap()
}

/// A copy of the tiny city in a temporary folder.
struct City {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl City {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("city");
        for f in [
            "registry.csv",
            "enrolments/2024-2025.csv",
            "registrations/2024-2025.csv",
            "calendar.toml",
            "pseudonym.key",
        ] {
            let to = dir.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(fixture().join(f), to).unwrap();
        }
        let config = std::fs::read_to_string(fixture().join("mirror.toml"))
            .unwrap()
            .replace(
                "../../../config",
                &fixture().join("../../../config").display().to_string(),
            );
        std::fs::write(dir.join("mirror.toml"), config).unwrap();
        Self { _tmp: tmp, dir }
    }

    fn edit(self, file: &str, edit: impl FnOnce(String) -> String) -> Self {
        let text = std::fs::read_to_string(self.dir.join(file)).unwrap();
        std::fs::write(self.dir.join(file), edit(text)).unwrap();
        self
    }

    fn add(self, file: &str, bytes: impl AsRef<[u8]>) -> Self {
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    fn ingest(&self) -> Ingested {
        ingest(&self.dir)
    }

    /// Every problem as the report prints it, paths relative to the city.
    fn problems(&self) -> Vec<String> {
        let prefix = format!("{}/", self.dir.display());
        self.ingest()
            .quality
            .problems()
            .iter()
            .map(|p| p.to_string().replace(&prefix, ""))
            .collect()
    }
}

const REGISTRATIONS: &str = "registrations/2024-2025.csv";

#[test]
fn reads_the_tiny_city() {
    let Ingested {
        city,
        pupils,
        quality,
        ..
    } = ingest(&fixture());
    let pupils = pupils.unwrap();
    assert_eq!(quality.problems(), []);
    assert!(city.held_back.is_empty());
    assert_eq!(city.registry.len(), 7);
    assert_eq!(city.registry[0].aliases, ["Aster"]);
    assert_eq!(pupils.enrolments.len(), 15);
    assert_eq!(pupils.pupil_numbers.len(), 14);
    // 22 rows, one of them a present mark.
    assert_eq!(pupils.absences.len(), 21);
    let problematic = pupils
        .absences
        .iter()
        .filter(|a| a.category == AbsenceCategory::Problematic)
        .count();
    assert_eq!(problematic, 18);
}

#[test]
fn a_misspelt_column_is_named_with_the_closest_header() {
    let city = City::new().edit("registry.csv", |t| {
        t.replacen(",language\n", ",languag\n", 1)
    });
    assert_eq!(
        city.problems(),
        [
            "registry.csv: no column `language`; the column `languag` looks like it: rename it to `language` (the file has: school_id, name, aliases, level, education_forms, address, neighbourhood, pupils, home_language_not_dutch, mother_without_diploma, school_allowance, languag); see docs/data-formats.md for the columns"
        ]
    );
    // Nothing can be checked without the registry, and nothing is rendered.
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    assert!(!city.ingest().may_render(&config));
}

#[test]
fn an_unparseable_date_names_its_cell() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t.replace(
            "10000001,100001,2024-09-10,am,Z",
            "10000001,100001,2024-09-31,am,Z",
        )
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 7, column `date`: `2024-09-31` is not a date; write it as 2025-09-01 or 01/09/2025"
        ]
    );
    // The rest of the file is read; the school is held back.
    let ingested = city.ingest();
    assert_eq!(ingested.pupils.as_ref().unwrap().absences.len(), 20);
    assert_eq!(ingested.city.held_back, [SchoolRef(0)]);
}

#[test]
fn dates_outside_the_year_or_without_lessons_are_refused() {
    let city = City::new()
        // The tiny calendar has no 2025-2026; 7 September 2024 is a
        // Saturday; Wednesday afternoon is free; 12 September is made a holiday.
        .edit(REGISTRATIONS, |t| {
            t.replace("2024-09-02,pm,B", "2025-09-02,pm,B")
                .replace("2024-09-03,am,B\n10000001", "2024-09-07,am,B\n10000001")
                .replace(
                    "30000001,100003,2024-09-04,am",
                    "30000001,100003,2024-09-04,pm",
                )
        })
        .edit("calendar.toml", |t| {
            t + "holidays = [{ name = \"strike\", from = \"2024-09-12\", to = \"2024-09-12\" }]\n"
        });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 3, column `date`: 2025-09-02 lies in school year 2025-2026, which the school calendar does not list; correct the date or add the year to the calendar file",
            "registrations/2024-2025.csv: row 4, column `date`: 2024-09-07 am has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
            "registrations/2024-2025.csv: row 10, column `date`: 2024-09-04 pm has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
            "registrations/2024-2025.csv: row 12, column `date`: 2024-09-12 am has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
            "registrations/2024-2025.csv: row 13, column `date`: 2024-09-12 pm has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
            "registrations/2024-2025.csv: row 22, column `date`: 2024-09-12 am has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
            "registrations/2024-2025.csv: row 23, column `date`: 2024-09-12 pm has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
        ]
    );
}

#[test]
fn a_code_missing_from_the_list_names_the_list() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t.replace("2024-09-13,am,R", "2024-09-13,am,Q")
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 17, column `code`: code `Q` is not in the absence code list `flemish`; add it to the code list file with its category"
        ]
    );
}

#[test]
fn one_half_day_twice_with_different_codes_is_an_error_and_with_the_same_a_warning() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t + "10000001,100001,2024-09-02,am,Z\n60000001,100006,2024-09-02,am,B\n"
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 24, column `code`: the same pupil has another code for 2024-09-02 am in an earlier row; keep one registration per half day",
            "registrations/2024-2025.csv: row 25, column `code`: the same pupil, half day (2024-09-02 am) and code are registered twice; the repeat is ignored",
        ]
    );
    let ingested = city.ingest();
    // The repeat is dropped and its school is not held back.
    assert_eq!(ingested.pupils.as_ref().unwrap().absences.len(), 21);
    assert_eq!(ingested.city.held_back, [SchoolRef(0)]);
}

#[test]
fn a_pupil_at_two_schools_on_one_half_day_is_named_at_both() {
    let city = City::new().edit(REGISTRATIONS, |t| t + "10000001,100002,2024-09-02,am,B\n");
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 2, column `pupil_number`: this pupil is also registered at school 100002 on 2024-09-02 am; a pupil is at one school at a time: correct the pupil number or the enrolments",
            "registrations/2024-2025.csv: row 24, column `pupil_number`: this pupil is also registered at school 100001 on 2024-09-02 am; a pupil is at one school at a time: correct the pupil number or the enrolments",
        ]
    );
    assert_eq!(city.ingest().city.held_back, [SchoolRef(0), SchoolRef(1)]);
}

/// A full register's present mark at the pupil's school and an absence at
/// another school on the same half day: the present mark is kept only as a
/// bit on the first reading, so both rows are read again to name them.
#[test]
fn a_present_mark_and_an_absence_elsewhere_on_one_half_day_are_named_at_both() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t + "20000001,100002,2024-09-02,am,|\n20000001,100003,2024-09-02,am,B\n"
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 24, column `pupil_number`: this pupil is also registered at school 100003 on 2024-09-02 am; a pupil is at one school at a time: correct the pupil number or the enrolments",
            "registrations/2024-2025.csv: row 25, column `pupil_number`: this pupil is also registered at school 100002 on 2024-09-02 am; a pupil is at one school at a time: correct the pupil number or the enrolments",
        ]
    );
    // The fixture's 21 absences: the absence at 100003 is dropped.
    assert_eq!(city.ingest().pupils.unwrap().absences.len(), 21);
}

/// A present mark, then an absence with another code for the same pupil
/// and half day: the later row is the conflict, and the present mark
/// stands, so no absence is added.
#[test]
fn an_absence_after_a_present_mark_for_the_same_half_day_is_the_conflict() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t + "20000001,100002,2024-09-02,am,|\n20000001,100002,2024-09-02,am,B\n"
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 25, column `code`: the same pupil has another code for 2024-09-02 am in an earlier row; keep one registration per half day",
        ]
    );
    assert_eq!(city.ingest().pupils.unwrap().absences.len(), 21);
}

/// Two rows of one half day a year before every enrolment: no enrolment
/// covers them, so the first reading marks no bit for them; they are still
/// found as a repeat, and the first is not enrolled.
#[test]
fn a_repeat_outside_every_enrolment_is_named_as_a_repeat_and_as_not_enrolled() {
    let city = City::new()
        .edit("calendar.toml", |t| {
            t + "\n[[school_year]]\nyear = \"2023-2024\"\nfirst_day = \"2023-09-04\"\nlast_day = \"2023-09-15\"\n"
        })
        .edit(REGISTRATIONS, |t| {
            t + "20000001,100002,2023-09-05,am,B\n20000001,100002,2023-09-05,am,B\n"
        });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 25, column `code`: the same pupil, half day (2023-09-05 am) and code are registered twice; the repeat is ignored",
            "registrations/2024-2025.csv: row 24, column `pupil_number`: this pupil is not enrolled at school 100002 on 2023-09-05; the enrolment files must cover every registration",
        ]
    );
    assert_eq!(city.ingest().pupils.unwrap().absences.len(), 21);
}

#[test]
fn registrations_outside_an_enrolment_are_refused_without_the_pupil_number() {
    // 10000002 left Lyceum Beuk on 6 September; 99999999 has no enrolment.
    let city = City::new().edit(REGISTRATIONS, |t| {
        t + "10000002,100002,2024-09-10,am,B\n99999999,100002,2024-09-10,am,B\n"
    });
    let problems = city.problems();
    assert_eq!(
        problems,
        [
            "registrations/2024-2025.csv: row 25, column `pupil_number`: this pupil number has no enrolment at all; add the enrolment or correct the number",
            "registrations/2024-2025.csv: row 24, column `pupil_number`: this pupil is not enrolled at school 100002 on 2024-09-10; the enrolment files must cover every registration",
        ]
    );
    assert!(
        problems
            .iter()
            .all(|p| !p.contains("10000002") && !p.contains("99999999"))
    );
}

#[test]
fn overlapping_enrolments_are_refused() {
    let city = City::new().edit("enrolments/2024-2025.csv", |t| {
        t.replace("10000002,100001,2024-09-09", "10000002,100001,2024-09-06")
    });
    assert_eq!(
        city.problems()[0],
        "enrolments/2024-2025.csv: row 4, column `from`: this enrolment starts on 2024-09-06 while the same pupil is enrolled until 2024-09-06 (school 100002); enrolments of a pupil must not overlap"
    );
}

#[test]
fn a_school_not_in_the_registry_is_named() {
    let city = City::new().edit("enrolments/2024-2025.csv", |t| {
        t.replace("70000001,100007", "70000001,100008")
    });
    assert_eq!(
        city.problems()[0],
        "enrolments/2024-2025.csv: row 16, column `school_id`: school 100008 is not in the registry; add it there or correct the number"
    );
}

#[test]
fn a_share_outside_0_to_1_holds_back_nothing_else() {
    let city = City::new().edit("registry.csv", |t| t.replace("0.200,0.100", "1.200,0.100"));
    // The school's row is refused; its enrolments and registrations are
    // skipped without a problem each.
    assert_eq!(
        city.problems(),
        [
            "registry.csv: row 2, column `home_language_not_dutch`: `1.200` is not a share between 0 and 1 (such as 0.42, 0,42 or 42%)"
        ]
    );
    assert_eq!(city.ingest().city.registry.len(), 6);
}

#[test]
fn impossible_counts_in_totals_and_government_figures() {
    let city = City::new()
        // Two weeks of lessons with Wednesday afternoon free: 18 half days,
        // so 3 pupils can have at most 54.
        .add(
            "attendance-totals/2024.csv",
            "school_id;period;enrolled;present;sick;authorised_by_law;authorised_by_head;problematic;other\n\
             100001;2024-09;3;50;2;0;0;3;0\n\
             100002;2024-09;2;-1;0;0;0;0;0\n",
        )
        .add(
            "government/figures.csv",
            "school_id,school_year,enrolled,problematic_15_plus,problematic_30_plus\n\
             100003,2024-2025,2,1,2\n",
        );
    assert_eq!(
        city.problems(),
        [
            "attendance-totals/2024.csv: row 2, column `enrolled`: the half days add up to 55, more than 3 enrolled pupils x 18 lesson half days = 54; check the counts and the period",
            "attendance-totals/2024.csv: row 3, column `present`: -1 is negative; a count is 0 or more",
            "government/figures.csv: row 2, column `problematic_30_plus`: 2 pupils is more than the pupils with 15 or more (1); check the figures",
        ]
    );
}

#[test]
fn totals_are_used_only_without_pupil_level_data_and_figures_are_cross_checked() {
    let city = City::new()
        .edit("calendar.toml", |t| {
            t + "\n[[school_year]]\nyear = \"2023-2024\"\nfirst_day = \"2023-09-04\"\nlast_day = \"2023-09-15\"\n"
        })
        .add(
            "attendance-totals/totals.csv",
            "school_id,period,enrolled,present,sick,authorised_by_law,authorised_by_head,problematic,other\n\
             100001,04/09/2023,3,5,1,0,0,0,0\n\
             100001,2024-09,3,50,2,0,0,0,0\n",
        )
        // On 1 February 100001 has 2 pupils enrolled (10000003 left on 13
        // September) and 100002 has 2; nobody has 15 problematic half days.
        .add(
            "government/figures.csv",
            "school_id,school_year,enrolled,problematic_15_plus,problematic_30_plus\n\
             100001,2024-2025,3,0,0\n\
             100002,2024-2025,0,0,0\n",
        );
    assert_eq!(
        city.problems(),
        [
            "attendance-totals/totals.csv: row 3, column `period`: school 100001 has pupil-level data for 2024-2025; its attendance totals for that year are not used",
            "government/figures.csv: row 2, column `enrolled`: the government counts 3 pupils enrolled on 1 February in 2024-2025 at school 100001; the enrolments and registrations give 2. The difference (1) is more than 1.0% of the 3 enrolled pupils (ingest.cross_check_tolerance): check that every registration was exported",
            "government/figures.csv: row 3, column `enrolled`: the government counts 0 pupils enrolled on 1 February in 2024-2025 at school 100002; the enrolments and registrations give 2. The difference (2) is more than 1.0% of the 0 enrolled pupils (ingest.cross_check_tolerance): check that every registration was exported",
        ]
    );
    let ingested = city.ingest();
    assert_eq!(ingested.pupils.as_ref().unwrap().attendance_totals.len(), 1);
    assert_eq!(
        ingested.pupils.as_ref().unwrap().attendance_totals[0].half_days(AbsenceCategory::Sick),
        1
    );
    assert_eq!(ingested.pupils.as_ref().unwrap().government.len(), 2);
    assert!(
        ingested.city.held_back.is_empty(),
        "warnings hold nothing back"
    );
}

#[test]
fn guidance_dates_and_outcomes_must_agree() {
    let city = City::new().add(
        "guidance/2024.csv",
        "pupil_number,school_id,opened,reason,closed,outcome\n\
         10000001,100001,2024-09-10,spijbelen,,ongoing\n\
         10000001,100001,2024-09-10,truancy,2024-09-09,resolved\n\
         10000001,100001,2024-09-10,truancy,2024-09-12,ongoing\n\
         20000001,100001,2024-09-10,truancy,,ongoing\n",
    );
    assert_eq!(
        city.problems(),
        [
            "guidance/2024.csv: row 3, column `closed`: the file is closed on 2024-09-09, before it was opened (2024-09-10); correct one of the dates",
            "guidance/2024.csv: row 4, column `outcome`: a file without a closing date is `ongoing`, and a closed file has another outcome; correct the outcome or the closing date",
            "guidance/2024.csv: row 5, column `pupil_number`: this pupil is not enrolled at school 100001 in school year 2024-2025; correct the pupil number or the school",
        ]
    );
    assert_eq!(city.ingest().pupils.unwrap().guidance.len(), 1);
}

#[test]
fn empty_files_and_wrong_encodings_stop_the_run() {
    let city = City::new()
        .add("enrolments/empty.csv", "")
        .add(
            "enrolments/header-only.csv",
            "pupil_number,school_id,from,to,grade,education_form,birth_year\n",
        )
        .add("registrations/unicode.csv", b"\xFF\xFEp\0u\0")
        .add("registrations/book.csv", b"PK\x03\x04rest");
    assert_eq!(
        city.problems(),
        [
            "enrolments/empty.csv: the file is empty; export it again with a header row and the data, or remove it",
            "enrolments/header-only.csv: the file has a header but no rows; check the export, or remove the file",
            "registrations/book.csv: the file is a workbook with a .csv name; rename it to .xlsx or save it as \"CSV UTF-8\"",
            "registrations/unicode.csv: the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" instead",
        ]
    );
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    assert!(!city.ingest().may_render(&config));
}

/// The same registrations as people export them: `;`, a BOM, Windows-1252,
/// day/month/year, a full register with present marks, or a workbook.
#[test]
fn exports_in_every_accepted_format_read_the_same() {
    let original = std::fs::read_to_string(fixture().join(REGISTRATIONS)).unwrap();
    let expected = ingest(&fixture()).pupils.unwrap().absences;
    let dutch_dates = |t: &str| {
        t.lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let date = match f[2].split('-').collect::<Vec<_>>()[..] {
                    [y, m, d] => format!("{d}/{m}/{y}"),
                    _ => f[2].to_owned(),
                };
                format!("{};{};{};{};{}\r\n", f[0], f[1], date, f[3], f[4])
            })
            .collect::<String>()
    };
    let mut semicolons = b"\xEF\xBB\xBF".to_vec();
    semicolons.extend(dutch_dates(&original).bytes());
    let city = City::new().add(REGISTRATIONS, semicolons);
    assert_eq!(city.problems(), Vec::<String>::new());
    assert_eq!(city.ingest().pupils.unwrap().absences, expected);

    // A registry saved by an older Excel: Windows-1252, `é` is one byte.
    let registry = std::fs::read_to_string(fixture().join("registry.csv")).unwrap();
    let (before, after) = registry.split_once("Lyceum").unwrap();
    let latin = [before.as_bytes(), b"Lyc\xe9um", after.as_bytes()].concat();
    assert!(std::str::from_utf8(&latin).is_err());
    let city = City::new().add("registry.csv", latin);
    let name = &city.ingest().city.registry[1].name;
    assert_eq!(name, "Lycéum Beuk");

    // A workbook with the registrations on a sheet called `registrations`
    // after another sheet; dates as date cells, as Excel stores them.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("notes").unwrap();
    let sheet = book.add_worksheet().set_name("registrations").unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for (r, line) in original.lines().enumerate() {
        for (c, value) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            match (r, c, value.parse::<f64>()) {
                (1.., 2, _) => {
                    let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(value).unwrap();
                    sheet.write_datetime_with_format(r, c, &d, &format).unwrap();
                }
                (1.., 0 | 1, Ok(n)) => {
                    sheet.write_number(r, c, n).unwrap();
                }
                _ => {
                    sheet.write_string(r, c, value).unwrap();
                }
            }
        }
    }
    let city = City::new();
    std::fs::remove_file(city.dir.join(REGISTRATIONS)).unwrap();
    book.save(city.dir.join("registrations/2024-2025.xlsx"))
        .unwrap();
    assert_eq!(city.problems(), Vec::<String>::new());
    assert_eq!(city.ingest().pupils.unwrap().absences, expected);
}

/// A full register (a row for every half day a pupil was expected, present
/// marks included) gives the same absences as the absences-only export.
#[test]
fn a_full_register_reads_as_the_absences_only_export() {
    let expected = ingest(&fixture()).pupils.unwrap().absences;
    let calendar = Calendar::load(&fixture().join("calendar.toml")).unwrap();
    let lessons = calendar
        .year(mirror_model::SchoolYear::starting(2024))
        .unwrap()
        .lesson_half_days();
    let original = std::fs::read_to_string(fixture().join(REGISTRATIONS)).unwrap();
    let codes: std::collections::HashMap<(String, String, String), String> = original
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ((f[0].into(), f[2].into(), f[3].into()), f[4].into())
        })
        .collect();
    let mut register = String::from("pupil_number,school_id,date,half_day,code\n");
    let enrolments = std::fs::read_to_string(fixture().join("enrolments/2024-2025.csv")).unwrap();
    for line in enrolments.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let from: chrono::NaiveDate = f[2].parse().unwrap();
        let to: chrono::NaiveDate = if f[3].is_empty() {
            "2025-06-30".parse().unwrap()
        } else {
            f[3].parse().unwrap()
        };
        for slot in lessons.iter().filter(|s| from <= s.date && s.date <= to) {
            let key = (
                f[0].to_owned(),
                slot.date.to_string(),
                slot.half.as_str().to_owned(),
            );
            let code = codes.get(&key).map_or("|", String::as_str);
            register.push_str(&format!("{},{},{},{},{code}\n", f[0], f[1], key.1, key.2));
        }
    }
    // 18 lesson half days (two weeks without Wednesday afternoons): 13
    // enrolments cover both weeks, two (10000002 moving school) one each.
    assert_eq!(register.lines().count(), 1 + 13 * 18 + 9 + 9);
    let city = City::new().add(REGISTRATIONS, register);
    assert_eq!(city.problems(), Vec::<String>::new());
    assert_eq!(city.ingest().pupils.unwrap().absences, expected);
}

#[test]
fn questionnaire_responses_in_the_own_and_a_survey_tool_layout() {
    let city = City::new()
        .add(
            "questionnaires/safety-wellbeing/wave.csv",
            "school_id,group,wave,safe_1,safe_2,bully_1,comment\n\
             100001,pupils,15/03/2025,4,,1,Fijne school\n\
             100001,teachers,2025-03-15,,3,,\n\
             100001,pupils,2025-03-15,5,,1,\n\
             100001,teachers,2025-03-15,,,2,\n\
             100001,parents,2025-03-15,3,,,\n",
        )
        .add(
            "questionnaires/safety-wellbeing/tool-export.csv",
            "SCHOOL;GROEP;submitdate;Q01;Q08;OPMERKING\n\
             100002;Leerling;2025-03-16;Akkoord;helemaal niet akkoord;\n",
        )
        .add("questionnaires/parents/x.csv", "school_id\n100001\n");
    assert_eq!(
        city.problems(),
        [
            "questionnaires/parents: no questionnaire instrument of this name in the configuration (known: safety-wellbeing); name the folder after an instrument file",
            "questionnaires/safety-wellbeing/wave.csv: row 4, column `safe_1`: `5` is not an answer of the scale (1, 2, 3, 4 or helemaal niet akkoord / niet akkoord / akkoord / helemaal akkoord); correct the answer or the instrument's [answers]",
            "questionnaires/safety-wellbeing/wave.csv: row 5, column `bully_1`: item `bully_1` is not asked of teachers; check the respondent's group",
            "questionnaires/safety-wellbeing/wave.csv: row 6, column `group`: `parents` is not a respondent group (pupils, teachers, staff; or leerling, leerkracht, personeel)",
        ]
    );
    let ingested = city.ingest();
    let q = &ingested.city.questionnaires[0];
    assert_eq!(q.instrument.id, "safety-wellbeing");
    // Item order: safe_1, safe_2, safe_3, safe_4, around_1-3, bully_1, ...
    let answers = |r: &mirror_model::Response| (r.answers[0], r.answers[1], r.answers[7]);
    assert_eq!(q.responses.len(), 3);
    assert_eq!(answers(&q.responses[0]), (Some(4), None, Some(1)));
    assert_eq!(q.responses[0].comment.as_deref(), Some("Fijne school"));
    assert_eq!(answers(&q.responses[1]), (None, Some(3), None));
    assert_eq!(q.responses[2].school, SchoolRef(1));
    assert_eq!(answers(&q.responses[2]), (Some(3), None, Some(1)));
    assert_eq!(q.responses[2].group, mirror_model::RespondentGroup::Pupils);
}

#[test]
fn invited_counts_and_pupils_grades_name_their_cells() {
    use mirror_model::RespondentGroup::{Pupils, Teachers};
    let city = City::new()
        .add(
            "questionnaires/safety-wellbeing/wave.csv",
            "school_id,group,wave,safe_1,safe_2,grade\n\
             100001,pupils,2025-03-15,4,,s3\n\
             100001,pupils,2025-03-15,3,,\n\
             100001,teachers,2025-03-15,,3,S3\n\
             100002,pupils,2025-03-15,2,,P5\n\
             100002,pupils,2025-03-15,2,,S9\n\
             100003,teachers,2025-03-16,,4,\n\
             100003,teachers,2025-03-16,,4,\n",
        )
        .add(
            "questionnaires/invited.csv",
            "school_id;school_year;group;invited\n\
             100001;2024-2025;pupils;3\n\
             100001;2024-2025;leerkrachten;12\n\
             100001;2024-2025;teachers;10\n\
             100003;2024-2025;teachers;1\n\
             100002;2024-2025;staff;veel\n\
             100002;2024;staff;4\n",
        );
    assert_eq!(
        city.problems(),
        [
            "questionnaires/invited.csv: row 4, column `group`: school 100001 already has a count of teachers invited in 2024-2025; keep one row per school, school year and group",
            "questionnaires/invited.csv: row 6, column `invited`: `veel` is not a whole number",
            "questionnaires/invited.csv: row 7, column `school_year`: `2024` is not a school year such as 2024-2025",
            "questionnaires/safety-wellbeing/wave.csv: row 4, column `grade`: a grade is given for pupils only; leave it empty for teachers or check the respondent's group",
            "questionnaires/safety-wellbeing/wave.csv: row 5, column `grade`: P5 is not a grade of school 100002, a secondary school; correct the grade or the school",
            "questionnaires/safety-wellbeing/wave.csv: row 6, column `grade`: `S9` is not a grade (K1-K3, P1-P6 or S1-S7)",
            "questionnaires/invited.csv: row 5, column `invited`: the teachers invited (1) are fewer than the 2 who answered `safety-wellbeing` at school 100003 in 2024-2025; correct the count",
        ]
    );
    let ingested = city.ingest();
    // Every school with a bad row is held back, Aster for its teacher's grade.
    assert_eq!(
        ingested.city.held_back,
        [SchoolRef(0), SchoolRef(1), SchoolRef(2)]
    );
    let q = &ingested.city.questionnaires[0];
    let grades: Vec<Option<String>> = q
        .responses
        .iter()
        .map(|r| r.grade.map(|g| g.to_string()))
        .collect();
    assert_eq!(grades, [Some("S3".to_owned()), None, None, None]);
    let year = mirror_model::SchoolYear::starting(2024);
    let invited: Vec<_> = q.invited.iter().map(|(k, n)| (*k, *n)).collect();
    assert_eq!(
        invited,
        [
            ((SchoolRef(0), year, Pupils), 3),
            ((SchoolRef(0), year, Teachers), 12),
            ((SchoolRef(2), year, Teachers), 1),
        ]
    );
}

#[test]
fn checklists_support_offers_and_action_plans_name_their_cells() {
    let city = City::new()
        .add(
            "checklists/2025.csv",
            "school_id;item;answer;remark\n\
             100001;truancy-protocol;ja;sinds 2023\n\
             100001;truancy-protocl;yes;\n\
             100001;truancy-protocol;no;\n\
             100002;anonymous-reporting;maybe;\n",
        )
        .add(
            "support/offers.csv",
            "organisation,offer,themes,levels,how_to_ask,contact\n\
             Vzw Veerkracht,Weerbaarheidstraining,bullying;wellbeing,secondary,Mail de coördinator,\n\
             Stad,Spijbelcoach,truancy;bulying,,Bel de spijbellijn,\n",
        )
        .add(
            "action-plans/plans.csv",
            "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation\n\
             100001,,Minder spijbelen,pupils_from_15,\"0,05\",\"0,08\",30/06/2026,CLB,termly\n\
             ,LOP Zuid,Minder pesten,questionnaire:bullying,3,,2026-06-30,Stad,yearly\n\
             100001,,Meer melden,pupils_from_16,1,,2026-06-30,CLB,\n\
             100001,,Zelf gemeten,manual,1,,2026-06-30,CLB,\n\
             100001,,Minder spijbelen,pupils_from_15,6,8,2026-06-30,CLB,\n\
             100001,,Veiliger,questionnaire:safe-at-school:teachers,140,,2026-06-30,CLB,\n\
             100001,,Veiliger,questionnaire:safe-at-scool,75,,2026-06-30,CLB,\n\
             100001,,Veiliger,questionnaire:safe-at-school,75,60,2027-06-30,CLB,\n",
        );
    assert_eq!(
        city.problems(),
        [
            "checklists/2025.csv: row 3, column `item`: `truancy-protocl` is not an item of the checklist, did you mean `truancy-protocol`?; use the ids of the checklist file",
            "checklists/2025.csv: row 4, column `item`: school 100001 already answered `truancy-protocol`; keep one answer per item",
            "checklists/2025.csv: row 5, column `answer`: `maybe` is not an answer (yes, partly, no; or ja, deels, nee)",
            "support/offers.csv: row 3, column `themes`: `bulying` is not a theme of the themes file, did you mean `bullying`? (the themes: belonging, bullying, guidance, newcomers, parents, rules, safety, support, truancy, wellbeing)",
            "action-plans/plans.csv: row 3, column `network`: `LOP Zuid` is no school's network in the registry; correct the name or the registry's network column",
            "action-plans/plans.csv: row 4, column `indicator`: `pupils_from_16`: the thresholds are 5, 10, 15, 30; use pupils_from_ and one of them",
            "action-plans/plans.csv: row 5, column `indicator`: `manual` is not a figure the tool computes; use problematic_rate, pupils_from_<threshold>, guidance_files_opened, questionnaire:<scale id> or questionnaire:<scale id>:<group>",
            "action-plans/plans.csv: row 6, column `target`: `6` is out of range; pupils_from_15 is a share: write it as a fraction between 0 and 1 (0.06 for 6%)",
            "action-plans/plans.csv: row 7, column `target`: `140` is out of range; questionnaire:safe-at-school:teachers is a questionnaire score: on 0 (least favourable) to 100 (most favourable)",
            "action-plans/plans.csv: row 8, column `indicator`: `questionnaire:safe-at-scool`: `safe-at-scool` is not a scale of the questionnaires (the scales: belonging, bullying, clear-rules, safe-around-school, safe-at-school, teacher-support)",
        ]
    );
    let city = city.ingest().city;
    assert_eq!(city.checklist_answers.len(), 1);
    assert_eq!(
        city.checklist_answers[0].remark.as_deref(),
        Some("sinds 2023")
    );
    assert_eq!(city.support_offers.len(), 1);
    assert_eq!(
        city.support_offers[0].levels,
        [mirror_model::Level::Secondary]
    );
    assert_eq!(city.action_plans.len(), 2);
    assert_eq!(city.action_plans[0].target, 0.05);
    assert_eq!(city.action_plans[0].baseline, Some(0.08));
    // Without a group, a questionnaire goal is about the pupils.
    assert_eq!(
        city.action_plans[1].indicator,
        mirror_model::Measure::Scale {
            scale: "safe-at-school".to_owned(),
            group: Some(mirror_model::RespondentGroup::Pupils)
        }
    );
}

#[test]
fn good_practice_notes_name_their_line() {
    let note = |front: &str, body: &str| format!("+++\n{front}\n+++\n{body}");
    let front = "school = \"100001\"\nthemes = [\"truancy\"]\ntitle = \"Welkom terug\"";
    let body = "## Wat\nEen terugkomgesprek.\n## Voor wie\nAlle leerlingen.\n## Wat veranderde\nMinder herhaling.\n";
    let city = City::new()
        .add("good-practices/a-good.md", note(front, body))
        .add("good-practices/b-no-front.md", body)
        .add(
            "good-practices/c-bad-toml.md",
            note("school = \"100001\"\nthemes = truancy", body),
        )
        .add(
            "good-practices/d-theme.md",
            note(&front.replace("truancy", "truant"), body),
        )
        .add(
            "good-practices/e-section.md",
            note(front, &body.replace("## Voor wie\nAlle leerlingen.\n", "")),
        )
        .add(
            "good-practices/f-heading.md",
            note(front, &format!("# Context\n{body}")),
        );
    let problems = city.problems();
    assert_eq!(
        problems,
        [
            "good-practices/b-no-front.md: row 1: no front matter: start the note with a `+++` line, the school, themes and title, and another `+++` line",
            "good-practices/c-bad-toml.md: row 3: front matter: invalid boolean, expected `true`",
            "good-practices/d-theme.md: `truant` is not a theme of the themes file, did you mean `truancy`? (the themes: belonging, bullying, guidance, newcomers, parents, rules, safety, support, truancy, wellbeing)",
            "good-practices/e-section.md: the section `## For whom` is missing or empty",
            "good-practices/f-heading.md: row 6: unknown section `# Context`; the sections are What was done, For whom, What changed",
        ]
    );
    let practices = city.ingest().city.good_practices;
    assert_eq!(practices.len(), 1);
    assert_eq!(practices[0].texts.original().for_whom, "Alle leerlingen.");
    assert_eq!(practices[0].themes, ["truancy"]);
}

#[test]
fn rosters_keep_names_once_and_refuse_a_row_without_one() {
    let city = City::new().add(
        "rosters/staff.csv",
        "first_name;last_name;school_id;role\n\
         Marieke;Verhoeven;100001;teacher\n\
         ;;100001;teacher\n\
         Marieke;Verhoeven;100002;teacher\n\
         Yusuf;;100002;pupil\n",
    );
    assert_eq!(
        city.problems(),
        [
            "rosters/staff.csv: row 3, column `first_name`: no name: give a first name, a last name or both, or delete the row"
        ]
    );
    let names: Vec<(String, String)> = city
        .ingest()
        .city
        .rosters
        .into_iter()
        .map(|n| (n.first_name, n.last_name))
        .collect();
    assert_eq!(
        names,
        [
            ("Yusuf".to_owned(), String::new()),
            ("Marieke".to_owned(), "Verhoeven".to_owned())
        ]
    );
}

#[test]
fn school_days_off_name_their_cells_and_refuse_registrations_on_them() {
    // Campus Eik (100005) has a study day on Thursday 12 September, Instituut
    // Den (100004) that afternoon off; Den registered pupil 40000002 absent
    // then (registrations row 13). Wednesday afternoon is free in the city
    // calendar and 7 September is a Saturday.
    let city = City::new().add(
        "school-days-off/2024-2025.csv",
        "school_id,date,half_day,reason\n\
         100005,2024-09-12,,pedagogische studiedag\n\
         999999,2024-09-11,am,studiedag\n\
         100005,2024-09-04,pm,x\n\
         100005,2024-09-07,day,x\n\
         100005,2024-09-12,vm,x\n\
         100005,2024-09-11,namiddag,x\n\
         100004,2024-09-12,nm,studiedag\n",
    );
    assert_eq!(
        city.problems(),
        [
            "school-days-off/2024-2025.csv: row 3, column `school_id`: school 999999 is not in the registry; add it there or correct the number",
            "school-days-off/2024-2025.csv: row 4, column `date`: 2024-09-04 pm has no lessons in the city calendar (a weekend, holiday or free half day), so it cannot be a day off; correct the date or the half day, or leave the row out",
            "school-days-off/2024-2025.csv: row 5, column `date`: 2024-09-07 has no lessons in the city calendar (a weekend, holiday or free half day), so it cannot be a day off; correct the date or the half day, or leave the row out",
            "school-days-off/2024-2025.csv: row 6, column `date`: 2024-09-12 am is already a day off of this school (row 2); list each day off once",
            "school-days-off/2024-2025.csv: row 7, column `half_day`: `namiddag` is not a half day: write am (or vm) for the morning, pm (or nm) for the afternoon, and day or nothing for the whole day",
            "registrations/2024-2025.csv: row 13, column `date`: 2024-09-12 pm is a day without lessons at school 100004 (listed in school-days-off/); correct the date, or remove the day off if the school did give lessons",
        ]
    );
    let off = city.ingest().pupils.unwrap().days_off;
    let slot = |half| mirror_model::HalfDaySlot {
        date: chrono::NaiveDate::from_ymd_opt(2024, 9, 12).unwrap(),
        half,
    };
    assert_eq!(off.len(), 3);
    assert!(off.is_off(SchoolRef(4), slot(mirror_model::HalfDay::Morning)));
    assert!(off.is_off(SchoolRef(4), slot(mirror_model::HalfDay::Afternoon)));
    assert!(off.is_off(SchoolRef(3), slot(mirror_model::HalfDay::Afternoon)));
    assert!(!off.is_off(SchoolRef(3), slot(mirror_model::HalfDay::Morning)));
}

/// A mistyped school number on registration rows: the rows most likely
/// belong to the school the pupil is enrolled at that day (10000001 is at
/// 100001 from 2 September), which is held back rather than reported
/// without them. A row of a pupil with no enrolment cannot be placed: the
/// run may not go on.
#[test]
fn a_mistyped_school_on_registrations_holds_back_the_pupils_school() {
    let city = City::new().edit("registrations/2024-2025.csv", |t| {
        t.replace(
            "10000001,100001,2024-09-02,am",
            "10000001,100091,2024-09-02,am",
        )
    });
    assert_eq!(
        city.problems(),
        [
            "registrations/2024-2025.csv: row 2, column `school_id`: school 100091 is not in the registry; add it there or correct the number; this pupil is enrolled at school 100001 that day, so school 100001 is held back until the row is corrected"
        ]
    );
    let ingested = city.ingest();
    assert_eq!(ingested.city.held_back, [SchoolRef(0)]);
    assert_eq!(ingested.unplaced().count(), 0);

    let city = City::new().edit("registrations/2024-2025.csv", |t| {
        t + "99999999,100091,2024-09-02,am,B\n"
    });
    let ingested = city.ingest();
    assert!(ingested.city.held_back.is_empty());
    let unplaced: Vec<String> = ingested.unplaced().map(|p| p.message.clone()).collect();
    assert_eq!(
        unplaced,
        ["school 100091 is not in the registry; add it there or correct the number"]
    );
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    assert!(!ingested.may_render(&config));
}

/// `012345` in one file, `12345` in the registry: the message says so, and
/// the row is placed at the school it names but for the zeros.
#[test]
fn a_school_number_with_other_leading_zeros_gets_a_hint() {
    let city = City::new().edit("enrolments/2024-2025.csv", |t| {
        t.replace("70000001,100007", "70000001,0100007")
    });
    assert_eq!(
        city.problems()[0],
        "enrolments/2024-2025.csv: row 16, column `school_id`: school 0100007 is not in the registry; did you mean 100007? leading zeros differ (a spreadsheet drops or adds them): write the number as the registry does, e.g. format the column as text"
    );
    let ingested = city.ingest();
    assert_eq!(ingested.city.held_back, [SchoolRef(6)]);
    assert_eq!(ingested.unplaced().count(), 0);
}

/// A refused registry row is not dropped silently: its school is named
/// among the held back.
#[test]
fn a_refused_registry_row_names_its_school() {
    let city = City::new().edit("registry.csv", |t| t.replace("0.200,0.100", "1.500,0.100"));
    let ingested = city.ingest();
    assert_eq!(ingested.refused_schools, [SchoolId::new("100001").unwrap()]);
    assert_eq!(ingested.unplaced().count(), 0);
}

/// An empty registrations folder is not a city without absence: every
/// school with enrolments (7 of 7) has none, so the folder is an error
/// that stops the run.
#[test]
fn an_empty_registrations_folder_stops_the_run() {
    let city = City::new();
    std::fs::remove_file(city.dir.join("registrations/2024-2025.csv")).unwrap();
    assert_eq!(
        city.problems(),
        [
            "registrations: 7 of the 7 schools with pupils enrolled in school year 2024-2025 have no registration at all in this folder; the registrations of 2024-2025 are missing: add the schools' half-day registrations (see docs/data-formats.md), or remove the enrolments of 2024-2025"
        ]
    );
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    assert!(!city.ingest().may_render(&config));
}

/// A school of 20 pupils (the tiny city's 100002 with 20 enrolled and not
/// one registration) is warned about; the run goes on. With its 3 pupils
/// of the fixture it is not: a small school may truly have no absence.
#[test]
fn a_school_without_registrations_is_warned_about() {
    assert!(City::new().problems().is_empty());
    let city = City::new().edit("enrolments/2024-2025.csv", |mut t| {
        // 17 more pupils at 100002 (Lyceum Beuk): 20 in all.
        for n in 3..=19 {
            t.push_str(&format!("200000{n:02},100002,2024-09-02,,S1,aso,2012\n"));
        }
        t
    });
    assert_eq!(
        city.problems(),
        [
            "registrations: school 100002 has 20 pupils enrolled in school year 2024-2025 but not one registered half day; its mirror would show no absence at all: check that its export is in this folder"
        ]
    );
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    let ingested = city.ingest();
    assert!(ingested.may_render(&config));
    assert!(ingested.city.held_back.is_empty());
}

/// Notepad and Word save CR LF: the note reads as with LF. A line that
/// starts with `#` but no space is text (CommonMark), not a section.
#[test]
fn a_crlf_note_is_read_and_a_hash_without_space_is_text() {
    let note = "+++\nschool = \"100001\"\nthemes = [\"truancy\"]\ntitle = \"Welkom terug\"\n+++\n## Wat\nEen terugkomgesprek.\n#set de toon\n#5 op de lijst\n## Voor wie\nAlle leerlingen.\n## Wat veranderde\nMinder herhaling.\n";
    let city = City::new().add("good-practices/a.md", note.replace('\n', "\r\n"));
    assert!(city.problems().is_empty(), "{:?}", city.problems());
    let practices = city.ingest().city.good_practices;
    assert_eq!(practices.len(), 1);
    assert_eq!(
        practices[0].texts.original().what_was_done,
        "Een terugkomgesprek.\n#set de toon\n#5 op de lijst"
    );
    assert_eq!(
        practices[0].texts.original().what_changed,
        "Minder herhaling."
    );
}

/// The tiny city's schools report in Dutch and English (College Ceder),
/// and the city's language is Dutch: a text column is Dutch unless its row
/// says otherwise, `<column>_en` its English. Picking English gives the
/// English text, or the Dutch one named as Dutch where there is none.
#[test]
fn offers_plans_and_notes_carry_a_text_per_language() {
    let [nl, en] = ["nl", "en"].map(|c| mirror_model::ReportLanguage::new(c).unwrap());
    let note = "+++\nschool = \"100001\"\nthemes = [\"truancy\"]\ntitle = \"Welkom terug\"\n+++\n## Wat\nEen terugkomgesprek.\n## Voor wie\nAlle leerlingen.\n## Wat veranderde\nMinder herhaling.\n\
                +++\nlanguage = \"en\"\ntitle = \"Welcome back\"\n+++\n## What was done\nA welcome-back talk.\n## For whom\nAll pupils.\n## What changed\nLess repetition.\n";
    let city = City::new()
        .add(
            "support/offers.csv",
            "organisation,offer,themes,levels,how_to_ask,language,offer_en,how_to_ask_en\n\
             Vzw Veerkracht,Weerbaarheidstraining,bullying,,Mail de coördinator,,Resilience training,E-mail the coordinator\n\
             Stad,Spijbelcoach,truancy,,Bel de spijbellijn,,,\n\
             Stad,Truancy coach,truancy,,Call the line,en,Truancy coach,\n\
             Stad,Coach,truancy,,Bel,x1,,\n",
        )
        .add(
            "action-plans/plans.csv",
            "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation,goal_en,evaluation_en\n\
             100001,,Minder spijbelen,pupils_from_15,0.05,,2026-06-30,CLB,elk trimester,Less truancy,termly\n\
             100001,,Veiliger,questionnaire:safe-at-school,75,,2026-06-30,CLB,,,yearly\n",
        )
        .add("good-practices/a.md", note)
        .add(
            "good-practices/b.md",
            note.replace("language = \"en\"", "language = \"nl\""),
        )
        .add(
            "good-practices/c.md",
            format!("{note}+++\nlanguage = \"fr\"\n"),
        );
    assert_eq!(
        city.problems(),
        [
            // b.md's translation starts on line 12, its `language` on 13;
            // c.md's extra `+++` is line 22, after the 21 lines of `note`.
            "good-practices/b.md: row 13: the note is in nl twice; give each language once",
            "good-practices/c.md: row 22: a `+++` line opens a translation's front matter that no `+++` line closes; close it, or remove the line",
            "support/offers.csv: row 4, column `offer_en`: the row's text in en is in the column `offer`: leave this column empty, or name the row's own language in `language`",
            "support/offers.csv: row 5, column `language`: `x1` is not a language code such as nl or en",
            "action-plans/plans.csv: row 3, column `evaluation_en`: translates an empty text: write the text in nl (the row's language) in the column `evaluation` too",
        ]
    );
    let raw = city.ingest().city;
    let offers = &raw.support_offers;
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[0].offer.pick(&en).text, "Resilience training");
    assert_eq!(offers[0].how_to_ask.pick(&nl).text, "Mail de coördinator");
    let dutch_only = offers[1].offer.pick(&en);
    assert_eq!(
        (dutch_only.text.as_str(), dutch_only.only_in),
        ("Spijbelcoach", Some(&nl))
    );
    let goal = &raw.action_plans[0];
    assert_eq!(goal.goal.pick(&en).text, "Less truancy");
    assert_eq!(
        goal.evaluation.as_ref().unwrap().pick(&nl).text,
        "elk trimester"
    );
    assert_eq!(raw.good_practices.len(), 1);
    let english = raw.good_practices[0].texts.pick(&en);
    assert_eq!(english.only_in, None);
    assert_eq!(english.text.title, "Welcome back");
    assert_eq!(english.text.what_changed, "Less repetition.");
    assert_eq!(
        raw.good_practices[0].texts.pick(&nl).text.title,
        "Welkom terug"
    );
}

/// A city whose schools all report in English writes its texts in English
/// without saying so (the city's language, Dutch, does not matter then),
/// and today's files, without any language column, read as before.
#[test]
fn a_one_language_city_writes_nothing_extra() {
    let en = mirror_model::ReportLanguage::new("en").unwrap();
    let city = City::new()
        .edit("registry.csv", |t| t.replace(",nl\n", ",en\n"))
        .add(
            "support/offers.csv",
            "organisation,offer,themes,levels,how_to_ask,contact\n\
             Vzw Veerkracht,Resilience training,bullying,,E-mail the coordinator,\n",
        )
        .add(
            "action-plans/plans.csv",
            "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation\n\
             100001,,Less truancy,pupils_from_15,0.05,,2026-06-30,CLB,termly\n",
        );
    assert!(city.problems().is_empty(), "{:?}", city.problems());
    let raw = city.ingest().city;
    let offer = raw.support_offers[0].offer.pick(&en);
    assert_eq!(
        (offer.text.as_str(), offer.only_in),
        ("Resilience training", None)
    );
    let goal = raw.action_plans[0].goal.pick(&en);
    assert_eq!((goal.text.as_str(), goal.only_in), ("Less truancy", None));
    assert_eq!(raw.action_plans[0].goal.versions().count(), 1);
}

#[test]
fn problems_kept_from_the_pupil_sources_are_reported_as_if_read_again() {
    let city = City::new().edit(REGISTRATIONS, |t| {
        t.replace(
            "10000001,100001,2024-09-10,am,Z",
            "10000001,100001,2024-09-31,am,Z",
        )
    });
    let read = city.ingest();
    assert_eq!(read.pupil_quality.problems().len(), 1);
    // Kept problems stand in for the files: with them gone the run is the same.
    std::fs::remove_dir_all(city.dir.join("registrations")).unwrap();
    let config = Config::load(&city.dir.join("mirror.toml")).unwrap();
    let calendar = Calendar::load(&config.calendar).unwrap();
    let kept = run(
        &config,
        calendar,
        PupilSources::Kept(read.pupil_quality.clone()),
    )
    .unwrap();
    assert!(kept.pupils.is_none());
    assert_eq!(kept.quality, read.quality);
    assert_eq!(kept.pupil_quality, read.pupil_quality);
    assert_eq!(kept.city.held_back, [SchoolRef(0)]);
}
