//! `manifest.json`: what a run wrote and what it withheld. It counts every
//! suppression and redaction per rule and per school, never the values.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mirror_anonymise::disclosure::Suppression;
use mirror_anonymise::{LeakError, RedactionCounts, Rule};
use mirror_benchmark::CityBenchmark;
use mirror_model::SchoolId;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Serialize)]
struct Written {
    school: String,
    file: String,
    sha256: String,
}

#[derive(Debug, Serialize)]
struct Refused {
    school: String,
    /// What the leak guard found, by rule, and how often; never the value.
    found: BTreeMap<Rule, usize>,
}

/// Counts per rule, in total and per school (or local network).
#[derive(Debug, Serialize)]
struct Tally<R: Ord> {
    total: BTreeMap<R, u32>,
    by_school: BTreeMap<String, BTreeMap<R, u32>>,
}

impl<R: Ord + Copy> Tally<R> {
    fn new<'a>(by_school: impl IntoIterator<Item = (String, &'a BTreeMap<R, u32>)>) -> Self
    where
        R: 'a,
    {
        let mut total = BTreeMap::new();
        let mut out = BTreeMap::new();
        for (school, counts) in by_school {
            for (rule, n) in counts {
                *total.entry(*rule).or_insert(0) += n;
            }
            if !counts.is_empty() {
                out.insert(school, counts.clone());
            }
        }
        Self {
            total,
            by_school: out,
        }
    }

    fn sum(&self) -> u32 {
        self.total.values().sum()
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Manifest {
    tool_version: &'static str,
    school_year: String,
    issue_date: NaiveDate,
    reports: Vec<Written>,
    refused_by_leak_guard: Vec<Refused>,
    /// Counts of pupils withheld from the reports written or refused.
    suppressions: Tally<Suppression>,
    /// Free text replaced by placeholders, by the school (or network) whose
    /// text it was.
    redactions: Tally<Rule>,
}

impl Manifest {
    pub fn new(
        benchmark: &CityBenchmark,
        issue_date: NaiveDate,
        redactions: &BTreeMap<String, RedactionCounts>,
    ) -> Self {
        Self {
            tool_version: env!("CARGO_PKG_VERSION"),
            school_year: benchmark.period.year.to_string(),
            issue_date,
            reports: Vec::new(),
            refused_by_leak_guard: Vec::new(),
            suppressions: Tally::new(
                benchmark
                    .mirrors
                    .iter()
                    .map(|m| (m.school.to_string(), &m.suppressed)),
            ),
            redactions: Tally::new(redactions.iter().map(|(k, v)| (k.clone(), v))),
        }
    }

    pub fn written(&mut self, school: &SchoolId, file: &str, pdf: &[u8]) {
        let digest = Sha256::digest(pdf);
        self.reports.push(Written {
            school: school.to_string(),
            file: file.to_owned(),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        });
    }

    pub fn refused(&mut self, school: &SchoolId, error: &LeakError) {
        let found = match error {
            LeakError::Found(leaks) => leaks.iter().map(|l| (l.rule, l.count)).collect(),
            LeakError::Unreadable(_) => BTreeMap::new(),
        };
        self.refused_by_leak_guard.push(Refused {
            school: school.to_string(),
            found,
        });
    }

    pub fn refused_count(&self) -> usize {
        self.refused_by_leak_guard.len()
    }

    pub fn suppression_total(&self) -> u32 {
        self.suppressions.sum()
    }

    pub fn redaction_total(&self) -> u32 {
        self.redactions.sum()
    }

    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        Ok(json)
    }
}
