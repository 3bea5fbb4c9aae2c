use std::collections::HashSet;
use std::path::Path;

use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SocioEconomicProfile};

use crate::IngestError;
use crate::table::Table;

const COLUMNS: &[&str] = &[
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
}

pub(crate) fn read(path: &Path) -> Result<Vec<RegistryEntry>, IngestError> {
    let table = Table::read(path, COLUMNS)?;
    let mut schools = Vec::with_capacity(table.height());
    let mut ids = HashSet::new();
    table.for_each_row(|row, v| {
        let id = row.parse::<SchoolId>(v, 0)?;
        if !ids.insert(id.clone()) {
            return Err(row.error(
                0,
                format!("school {id} is listed twice; keep one row per school"),
            ));
        }
        let name = v[1].to_owned();
        if name.is_empty() {
            return Err(row.error(1, "is empty; every school needs its name"));
        }
        let level: Level = row.parse(v, 3)?;
        let mut forms = Vec::new();
        for code in v[4].split(';').filter(|c| !c.trim().is_empty()) {
            let form: EducationForm = code.parse().map_err(|e| row.error(4, format!("{e}")))?;
            if form.level() != level {
                return Err(row.error(
                    4,
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
            return Err(row.error(4, "is empty; list the forms offered, separated by `;`"));
        }
        let share = |position: usize| -> Result<f64, IngestError> {
            let s: f64 = row.parse(v, position)?;
            if (0.0..=1.0).contains(&s) {
                Ok(s)
            } else {
                Err(row.error(position, format!("{s} is not a share between 0 and 1")))
            }
        };
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
            pupils: row.parse(v, 7)?,
            profile: SocioEconomicProfile {
                home_language_not_dutch: share(8)?,
                mother_without_diploma: share(9)?,
                school_allowance: share(10)?,
            },
            language: ReportLanguage::new(v[11]).map_err(|e| row.error(11, e.to_string()))?,
        });
        Ok(())
    })?;
    if schools.is_empty() {
        return Err(IngestError::Missing {
            path: path.to_owned(),
            message: "the registry lists no schools".to_owned(),
        });
    }
    Ok(schools)
}
