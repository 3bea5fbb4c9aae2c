use std::collections::HashMap;
use std::path::Path;

use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SocioEconomicProfile};

use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, ProblemKind};
use crate::table::{Table, columns};

pub(crate) const REQUIRED: &[&str] = &[
    "school_id",
    "name",
    "aliases",
    "level",
    "education_forms",
    "address",
    "neighbourhood",
    "pupils",
    "home_language_not_dutch",
    "mother_without_diploma",
    "school_allowance",
    "language",
];
/// Schools of one local network (an LOP) share action plans; empty means none.
pub(crate) const OPTIONAL: &[&str] = &["network"];

/// A school as the city's registry describes it. Address and aliases are
/// needed to recognise the school in free text, never to print.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEntry {
    pub id: SchoolId,
    pub name: String,
    pub aliases: Vec<String>,
    pub level: Level,
    pub forms: Vec<EducationForm>,
    pub address: String,
    pub neighbourhood: String,
    pub pupils: u32,
    pub profile: SocioEconomicProfile,
    pub language: ReportLanguage,
    /// The local network of schools the school belongs to, if any.
    pub network: Option<String>,
}

/// Reads the registry; `None` when the file cannot be read (the problem is
/// recorded), since nothing else can be checked without it.
pub(crate) fn read(
    path: &Path,
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Option<Vec<RegistryEntry>> {
    let table = Table::open_in_layouts(
        path,
        "registry",
        &columns(REQUIRED, OPTIONAL),
        layouts.of("registry"),
        quality,
    )?;
    let mut schools = Vec::with_capacity(table.height());
    // Each school's first row, to name both rows of a school listed twice.
    let mut rows: HashMap<SchoolId, usize> = HashMap::new();
    table.for_each_row(quality, |row, v| {
        let id = row.parse::<SchoolId>(v, 0)?;
        if let Some(first) = rows.get(&id) {
            return Err(row.problem(
                0,
                ProblemKind::Duplicate,
                format!(
                    "school {id} is listed twice, in rows {first} and {}; keep one row per school",
                    row.number()
                ),
            ));
        }
        rows.insert(id.clone(), row.number());
        let name = v[1].to_owned();
        if name.is_empty() {
            return Err(row.problem(
                1,
                ProblemKind::BadValue,
                "is empty; every school needs its name",
            ));
        }
        let level: Level = row.parse(v, 3)?;
        let mut forms = Vec::new();
        for code in v[4].split(';').filter(|c| !c.trim().is_empty()) {
            let form: EducationForm = code
                .parse()
                .map_err(|e| row.problem(4, ProblemKind::BadValue, format!("{e}")))?;
            if form.level() != level {
                return Err(row.problem(
                    4,
                    ProblemKind::BadValue,
                    format!(
                        "`{}` is not a form of a {} school",
                        form.code(),
                        level.as_str()
                    ),
                ));
            }
            forms.push(form);
        }
        if forms.is_empty() {
            return Err(row.problem(
                4,
                ProblemKind::BadValue,
                "is empty; list the forms offered, separated by `;`",
            ));
        }
        schools.push(RegistryEntry {
            id,
            name,
            aliases: v[2]
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            level,
            forms,
            address: v[5].to_owned(),
            neighbourhood: v[6].to_owned(),
            pupils: row.count(v, 7)?,
            profile: SocioEconomicProfile {
                home_language_not_dutch: row.share(v, 8)?,
                mother_without_diploma: row.share(v, 9)?,
                school_allowance: row.share(v, 10)?,
            },
            language: ReportLanguage::new(v[11])
                .map_err(|e| row.problem(11, ProblemKind::BadValue, e.to_string()))?,
            network: Some(v[12]).filter(|n| !n.is_empty()).map(str::to_owned),
        });
        Ok(())
    });
    Some(schools)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A school listed twice names both rows, so the person can compare
    /// them and keep the right one (rows 2 and 4: the header is row 1).
    #[test]
    fn a_school_listed_twice_names_both_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.csv");
        let header = REQUIRED.join(",");
        let school = |id: &str, name: &str| {
            format!("{id},{name},,secondary,aso,Laan 1,Centrum,3,0.2,0.1,0.15,nl\n")
        };
        let text = format!(
            "{header}\n{}{}{}",
            school("100001", "Atheneum Aster"),
            school("100002", "Lyceum Beuk"),
            school("100001", "Atheneum Aster (campus 2)")
        );
        std::fs::write(&path, text).unwrap();
        let mut quality = DataQuality::default();
        let schools = read(&path, &ExportLayouts::default(), &mut quality).unwrap();
        assert_eq!(schools.len(), 2);
        let problems: Vec<String> = quality
            .problems()
            .iter()
            .map(|p| p.message.clone())
            .collect();
        assert_eq!(
            problems,
            ["school 100001 is listed twice, in rows 2 and 4; keep one row per school"]
        );
        assert_eq!(quality.problems()[0].row, Some(4));
    }
}
