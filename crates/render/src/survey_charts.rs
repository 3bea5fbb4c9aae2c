//! The safety and wellbeing charts: questionnaire scales per respondent group
//! against peers, and item answers as stacked bars.

use mirror_benchmark::SchoolMirror;

use crate::charts::{ChartError, ChartLabels};

/// Every survey chart of the mirror, under the fixed virtual paths the
/// survey template reads.
pub(crate) fn survey_charts(
    _m: &SchoolMirror,
    _l: &ChartLabels,
) -> Result<Vec<(&'static str, String)>, ChartError> {
    Ok(Vec::new())
}
