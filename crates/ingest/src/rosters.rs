//! Pupil and staff rosters: names only, read so that anonymise can find them
//! in free text and the leak guard in finished reports. Never shown.

use std::path::PathBuf;

use crate::problems::{DataQuality, ProblemKind};
use crate::table::{Table, columns};

/// A person on a roster. Lives only in `RawCity`: anonymise turns it into
/// patterns and drops it.
#[derive(Clone, PartialEq, Eq)]
pub struct RosterName {
    pub first_name: String,
    pub last_name: String,
}

// Debug never prints the name, so a log line cannot leak one.
impl std::fmt::Debug for RosterName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RosterName(..)")
    }
}

/// Every roster file's names, deduplicated and sorted. A row with neither a
/// first nor a last name is a problem; the school column is optional.
pub(crate) fn read(files: &[PathBuf], quality: &mut DataQuality) -> Vec<RosterName> {
    let mut names = Vec::new();
    let wanted = columns(&["first_name", "last_name"], &["school_id", "role"]);
    for path in files {
        let Some(table) = Table::open(path, "rosters", &wanted, quality) else {
            continue;
        };
        table.for_each_row(quality, |row, v| {
            let (first_name, last_name) = (v[0].trim(), v[1].trim());
            if first_name.is_empty() && last_name.is_empty() {
                return Err(row.problem(
                    0,
                    ProblemKind::BadValue,
                    "no name: give a first name, a last name or both, or delete the row".to_owned(),
                ));
            }
            names.push(RosterName {
                first_name: first_name.to_owned(),
                last_name: last_name.to_owned(),
            });
            Ok(())
        });
    }
    names.sort_by(|a, b| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
    names.dedup();
    names
}
