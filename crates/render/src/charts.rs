//! The report's charts, drawn with plotters as SVG. The school is always dark
//! blue and solid, peers grey and dashed or light, so the charts read in
//! colour, for colour-blind readers and in black-and-white print.

use mirror_benchmark::{Against, Band, Figure, PeerFigure, PeerSpread, SchoolMirror, YearFigures};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;

/// A chart that could not be drawn: its name and plotters' message.
pub(crate) type ChartError = (&'static str, String);

pub(crate) const WIDTH: u32 = 640;
const HEIGHT: u32 = 280;
/// An embedded family, named: Typst ignores generic ones such as `serif`.
const FONT: &str = "Libertinus Serif";
/// plotters writes text at 1/1.24 of the size asked; with the chart placed
/// 16.6 cm wide, 18 comes out at about 10.5 pt on paper.
pub(crate) const TEXT_SIZE: f64 = 18.0;
pub(crate) const SCHOOL: RGBColor = RGBColor(0, 63, 125);
pub(crate) const PEERS: RGBColor = RGBColor(90, 90, 90);
pub(crate) const PEER_BAND: RGBColor = RGBColor(214, 214, 214);
/// The funnel's outer limits: lighter than the 95% ones, still visible in print.
const LIMIT_998: RGBColor = RGBColor(165, 165, 165);

/// Chart words from the language's strings file (`[chart]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChartLabels {
    pub school: String,
    pub peers_median: String,
    /// The legend's name for peer marks that are all pooled figures.
    pub peers_pooled: String,
    pub peers_middle_half: String,
    pub rate_axis: String,
    pub year_axis: String,
    pub band_axis: String,
    pub pupils_axis: String,
    pub suppressed: String,
    pub funnel_axis: String,
    pub funnel_average_peers: String,
    pub funnel_average_city: String,
    pub funnel_limits_95: String,
    pub funnel_limits_998: String,
    /// Between groups of three digits: a no-break space in Dutch, "," in English.
    pub thousands: String,
    /// The decimal separator: "," in Dutch, "." in English.
    pub decimal: String,
    /// Between a number and `%`: a no-break space in Dutch, nothing in English.
    pub percent_space: String,
    /// The questionnaires' score axis, 0 to 100.
    pub score_axis: String,
    /// A questionnaire figure too few answered to show; `{n}` is how many did.
    pub too_few_respondents: String,
    /// The scales chart's legend when no score has peer figures.
    pub no_peers: String,
    pub groups: crate::survey_charts::GroupNames,
    /// Which of the questionnaires' own languages the report prints.
    pub questionnaire_language: crate::survey_charts::QuestionnaireLanguage,
}

impl ChartLabels {
    fn percent(&self, fraction: f64, decimals: usize) -> String {
        self.with_percent_sign(&percent_digits(fraction, decimals))
    }

    /// A figure's label, as the report prints it ([`printed_percent`]).
    fn printed(&self, fraction: f64) -> String {
        self.with_percent_sign(&printed_percent(fraction))
    }

    fn with_percent_sign(&self, digits: &str) -> String {
        let s = digits.replace('.', &self.decimal);
        format!("{s}{}%", self.percent_space)
    }
}

/// A fraction as percentage digits with a full stop ("3.4"). The charts and
/// the template's tables both print these digits, so a figure rounds the same
/// way everywhere in the report (the one rule of `numbers::rounded`).
pub(crate) fn percent_digits(fraction: f64, decimals: usize) -> String {
    crate::numbers::rounded(fraction * 100.0, decimals)
}

/// The decimals a percentage prints with: one, or two when it rounds to
/// less than 1 % but not to 0. A primary school's problematic absence rising
/// from 0.08 % to 0.14 % would otherwise read "0.1 %" every year, and a
/// funnel's lower limit of 0.03 % "0.0 %".
pub(crate) fn percent_decimals(fraction: f64) -> usize {
    let hundredths: f64 = percent_digits(fraction, 2)
        .parse()
        .expect("percentage digits are a number");
    if hundredths != 0.0 && hundredths.abs() < 1.0 {
        2
    } else {
        1
    }
}

/// A percentage's digits as the report prints it ([`percent_decimals`]).
pub(crate) fn printed_percent(fraction: f64) -> String {
    percent_digits(fraction, percent_decimals(fraction))
}

pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Text centred on its point and standing on it: labels above a bar or point
/// stay centred whatever the length of the words in a language.
fn above(size: f64) -> TextStyle<'static> {
    font(size).pos(Pos::new(HPos::Center, VPos::Bottom))
}

fn below(size: f64) -> TextStyle<'static> {
    font(size).pos(Pos::new(HPos::Center, VPos::Top))
}

/// How much of a trend chart's height a value label above its point takes
/// up, gap included (the label is about 28 of the plot's 190 pixels).
const LABEL_SPAN: f64 = 0.17;

pub(crate) fn chart_error(chart: &'static str) -> impl Fn(String) -> ChartError {
    move |message| (chart, message)
}

/// At most this many labels on a percentage axis.
const Y_LABELS: usize = 6;

/// A percentage axis: its top, a round number a little above the highest
/// value (room for the value labels), and the decimals its labels need.
/// The step is 1, 2 or 5 times a power of ten, as plotters picks its labels,
/// so a rate of 0.1% gets labels 0.05, 0.10, ... rather than 0.1, 0.1, ...
pub(crate) fn percent_axis(values: impl Iterator<Item = f64>) -> (f64, usize) {
    let max = values.fold(0.0_f64, f64::max).max(0.001) * 1.15;
    let wanted = max / (Y_LABELS - 1) as f64;
    let magnitude = 10_f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 5.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= wanted * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let top = (max / step - 1e-9).ceil() * step;
    let decimals = (-((step * 100.0).log10() + 1e-9).floor()).max(0.0) as usize;
    (top, decimals)
}

/// The problematic-absence rate over the school years, against the peers'
/// median and middle half (interquartile range). A year-to-date rate
/// stands apart, right of a vertical line, beside the same dates a year
/// earlier (both labelled with their last day): whole years and parts of
/// years are never joined by one line.
pub(crate) fn trend(m: &SchoolMirror, l: &ChartLabels) -> Result<String, ChartError> {
    use chrono::Datelike;
    let err = chart_error("trend");
    let day = |d: chrono::NaiveDate| format!("{}/{}/{}", d.day(), d.month(), d.year());
    // (label, figures) per point; the points from `parts` on cover the
    // same dates of their school years.
    let mut points: Vec<(String, &YearFigures)> = Vec::new();
    let mut parts = m.history.len();
    for y in &m.history {
        points.push((y.year.to_string(), y));
    }
    if m.period.year_to_date
        && let Some((_, now)) = points.pop()
    {
        parts = points.len();
        if let Some(before) = &m.same_dates_last_year {
            let to = m.period.a_year_earlier().to;
            points.push((day(to), before));
        }
        points.push((day(m.period.to), now));
    }
    let segments = [0..parts, parts..points.len()];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (plot, legend) = root.split_vertically(HEIGHT - 34);
        let labels: Vec<String> = points.iter().map(|(label, _)| label.clone()).collect();
        let (top, decimals) = percent_axis(points.iter().flat_map(|(_, y)| {
            let r = &y.problematic_rate;
            r.school
                .value()
                .into_iter()
                .chain(r.peers.map(|p| p.upper_quartile))
        }));
        let mut chart = category_plot(&plot, &labels, top, decimals, &l.year_axis, &l.rate_axis, l)
            .map_err(&err)?;
        if parts > 0 && parts < points.len() {
            let x = parts as f64 - 0.5;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, top)],
                    PEERS.stroke_width(1),
                )))
                .map_err(|e| err(e.to_string()))?;
        }
        // The peers' middle half, as a band over consecutive years that have it.
        let spreads: Vec<Option<(f64, f64, f64)>> = points
            .iter()
            .map(|(_, y)| {
                y.problematic_rate
                    .peers
                    .map(|p| (p.lower_quartile, p.median, p.upper_quartile))
            })
            .collect();
        for run in runs_within(&spreads, &segments) {
            let band: Vec<(f64, f64)> = if run.len() == 1 {
                let (i, (q1, _, q3)) = run[0];
                vec![
                    (i - 0.12, q1),
                    (i + 0.12, q1),
                    (i + 0.12, q3),
                    (i - 0.12, q3),
                ]
            } else {
                run.iter()
                    .map(|(i, (q1, _, _))| (*i, *q1))
                    .chain(run.iter().rev().map(|(i, (_, _, q3))| (*i, *q3)))
                    .collect()
            };
            chart
                .draw_series(std::iter::once(Polygon::new(band, PEER_BAND.filled())))
                .map_err(|e| err(e.to_string()))?;
            chart
                .draw_series(DashedLineSeries::new(
                    run.iter().map(|(i, (_, med, _))| (*i, *med)),
                    8,
                    5,
                    PEERS.stroke_width(2),
                ))
                .map_err(|e| err(e.to_string()))?;
            chart
                .draw_series(run.iter().map(|(i, (_, med, _))| {
                    Rectangle::new(
                        [
                            (*i - 0.03, *med - top * 0.012),
                            (*i + 0.03, *med + top * 0.012),
                        ],
                        PEERS.filled(),
                    )
                }))
                .map_err(|e| err(e.to_string()))?;
        }

        // The school: a solid line with its value at each point.
        let own: Vec<Option<f64>> = points
            .iter()
            .map(|(_, y)| y.problematic_rate.school.value())
            .collect();
        for run in runs_within(&own, &segments) {
            chart
                .draw_series(LineSeries::new(
                    run.iter().map(|(i, v)| (*i, *v)),
                    SCHOOL.stroke_width(3),
                ))
                .map_err(|e| err(e.to_string()))?;
        }
        for (i, v) in own.iter().enumerate() {
            let x = i as f64;
            match v {
                Some(v) => {
                    // Above the point, unless the peers' median runs just
                    // above it and there is room below: the dashed line
                    // would strike the figure through.
                    let struck = spreads[i]
                        .is_some_and(|(_, med, _)| med >= *v && med - v < top * LABEL_SPAN);
                    let (dy, style) = if struck && *v >= top * LABEL_SPAN {
                        (10, below(TEXT_SIZE))
                    } else {
                        (-10, above(TEXT_SIZE))
                    };
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, *v))
                            + Circle::new((0, 0), 5, SCHOOL.filled())
                            + Text::new(l.printed(*v), (0, dy), style.color(&SCHOOL)),
                    ))
                }
                // A labelled gap at the foot of the chart, never a point at 0.
                None => chart.draw_series(std::iter::once(
                    EmptyElement::at((x, 0.0))
                        + Text::new(l.suppressed.clone(), (0, -8), above(TEXT_SIZE - 2.0)),
                )),
            }
            .map_err(|e| err(e.to_string()))?;
        }
        let peers = PeerLegend::of(points.iter().map(|(_, y)| y.problematic_rate.peers));
        legend_row(&legend, l, true, peers).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// The funnel plot of the problematic-absence rate: the average of the
/// comparison group, its 95% and 99.8% control limits for schools of every
/// size around the school's, and the school as one point. Other schools are
/// not drawn: their points would show them one by one. `None` without a
/// funnel (rate withheld, too few schools).
pub(crate) fn funnel(m: &SchoolMirror, l: &ChartLabels) -> Result<Option<String>, ChartError> {
    let Some(f) = &m.funnel else {
        return Ok(None);
    };
    let err = chart_error("funnel");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (plot, legend) = root.split_vertically(HEIGHT - 34);
        let (first, last) = match (f.curve.first(), f.curve.last()) {
            (Some(a), Some(b)) => (a.trials as f64, b.trials as f64),
            _ => return Ok(None),
        };
        let (top, decimals) = percent_axis(
            f.curve
                .iter()
                .map(|p| p.limits.upper998)
                .chain([f.school_rate, f.target]),
        );
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(14)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d((first..last).log_scale(), 0.0..top)
            .map_err(|e| err(e.to_string()))?;
        let y_label = |y: &f64| l.percent(*y, decimals);
        let x_label = |x: &f64| thousands(*x, &l.thousands);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(8)
            .y_labels(Y_LABELS)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(l.funnel_axis.as_str())
            .y_desc(l.rate_axis.as_str())
            .label_style(font(TEXT_SIZE))
            .axis_desc_style(font(TEXT_SIZE))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let line = |pick: fn(&mirror_benchmark::funnel::Limits) -> f64| {
            f.curve
                .iter()
                .map(move |p| (p.trials as f64, pick(&p.limits).min(top)))
                .collect::<Vec<_>>()
        };
        // The 99.8% limits light and solid, the 95% ones darker and dashed:
        // they differ in black and white too.
        for pick in [
            (|l: &mirror_benchmark::funnel::Limits| l.lower998) as fn(&_) -> f64,
            |l| l.upper998,
        ] {
            chart
                .draw_series(LineSeries::new(line(pick), LIMIT_998.stroke_width(3)))
                .map_err(|e| err(e.to_string()))?;
        }
        for pick in [
            (|l: &mirror_benchmark::funnel::Limits| l.lower95) as fn(&_) -> f64,
            |l| l.upper95,
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    line(pick),
                    8,
                    5,
                    PEERS.stroke_width(2),
                ))
                .map_err(|e| err(e.to_string()))?;
        }
        chart
            .draw_series(LineSeries::new(
                [(first, f.target), (last, f.target)],
                PEERS.stroke_width(1),
            ))
            .map_err(|e| err(e.to_string()))?;
        let x = f.school_trials as f64;
        chart
            .draw_series(std::iter::once(
                // A small point in a white ring: a limit line near it stays
                // visible on its side, as the text beside the chart says.
                EmptyElement::at((x, f.school_rate.min(top)))
                    + Circle::new((0, 0), 5, WHITE.filled())
                    + Circle::new((0, 0), 3, SCHOOL.filled())
                    + Text::new(
                        l.printed(f.school_rate),
                        (0, -10),
                        above(TEXT_SIZE).color(&SCHOOL),
                    ),
            ))
            .map_err(|e| err(e.to_string()))?;
        let average = match f.against {
            Against::Peers => &l.funnel_average_peers,
            Against::City => &l.funnel_average_city,
        };
        funnel_legend(&legend, l, average).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(Some(svg))
}

/// A whole number with the language's thousands separator: 120 000, 120,000.
fn thousands(x: f64, separator: &str) -> String {
    let digits = crate::numbers::rounded(x.max(0.0), 0);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// The funnel's legend: the school, the average, the two pairs of limits.
fn funnel_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    l: &ChartLabels,
    average: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = 17;
    let text = |s: &str, x: i32| Text::new(s.to_owned(), (x, y - 8), font(TEXT_SIZE - 2.0));
    let advance = |s: &str| 52 + s.chars().count() as i32 * 6;
    let mut x = 20;
    area.draw(&Circle::new((x + 12, y), 3, SCHOOL.filled()))?;
    area.draw(&text(&l.school, x + 26))?;
    x += advance(&l.school);
    area.draw(&PathElement::new(
        vec![(x, y), (x + 24, y)],
        PEERS.stroke_width(1),
    ))?;
    area.draw(&text(average, x + 30))?;
    x += advance(average);
    for dash in [x, x + 12] {
        area.draw(&PathElement::new(
            vec![(dash, y), (dash + 7, y)],
            PEERS.stroke_width(2),
        ))?;
    }
    area.draw(&text(&l.funnel_limits_95, x + 30))?;
    x += advance(&l.funnel_limits_95);
    area.draw(&PathElement::new(
        vec![(x, y), (x + 24, y)],
        LIMIT_998.stroke_width(3),
    ))?;
    area.draw(&text(&l.funnel_limits_998, x + 30))?;
    Ok(())
}

/// The plot both charts share: one category per whole x value (school years,
/// bands), labelled without quotes, and a percentage y axis from 0 to `top`.
fn category_plot<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    categories: &[String],
    top: f64,
    decimals: usize,
    x_desc: &str,
    y_desc: &str,
    l: &ChartLabels,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let n = categories.len();
    let mut chart = ChartBuilder::on(area)
        .margin_top(14)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(-0.5_f64..(n as f64 - 0.5), 0.0..top)
        .map_err(|e| e.to_string())?;
    let x_label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            categories[i as usize].clone()
        } else {
            String::new()
        }
    };
    let y_label = |y: &f64| l.percent(*y, decimals);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(2))
        .y_labels(Y_LABELS)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(TEXT_SIZE))
        .axis_desc_style(font(TEXT_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// [`runs`] within each segment of indices: no run crosses from one
/// segment to the next.
fn runs_within<T: Copy>(
    values: &[Option<T>],
    segments: &[std::ops::Range<usize>],
) -> Vec<Vec<(f64, T)>> {
    segments
        .iter()
        .flat_map(|r| {
            runs(&values[r.clone()]).into_iter().map(|run| {
                run.into_iter()
                    .map(|(i, v)| (i + r.start as f64, v))
                    .collect()
            })
        })
        .collect()
}

/// Runs of consecutive indices that have a value, as (x, value).
fn runs<T: Copy>(values: &[Option<T>]) -> Vec<Vec<(f64, T)>> {
    let mut out: Vec<Vec<(f64, T)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((i as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// What a chart's peer marks are, for its legend to name. Below
/// `MIN_SCHOOLS_FOR_SPREAD` similar schools a peer figure is the group's
/// pooled one with the school's, without a middle half: a chart of only
/// those must not promise a median and a band it does not draw. Where some
/// marks are medians the legend names those, and the caption the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerLegend {
    /// No peer mark at all.
    Absent,
    Median,
    Pooled,
}

impl PeerLegend {
    pub(crate) fn of(spreads: impl IntoIterator<Item = Option<PeerSpread>>) -> Self {
        let mut legend = Self::Absent;
        for spread in spreads.into_iter().flatten() {
            match spread.figure {
                PeerFigure::Median => return Self::Median,
                PeerFigure::Pooled => legend = Self::Pooled,
            }
        }
        legend
    }

    /// The legend's words for the peer mark, if there is one.
    pub(crate) fn label(self, l: &ChartLabels) -> Option<&str> {
        match self {
            Self::Absent => None,
            Self::Median => Some(&l.peers_median),
            Self::Pooled => Some(&l.peers_pooled),
        }
    }
}

/// The legend, below the plot so it never covers data. Widths are estimated
/// (plotters has no font metrics without `ttf`): about 0.5 em per character.
fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    l: &ChartLabels,
    lines: bool,
    peers: PeerLegend,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = 17;
    let mut x = 80;
    let text = |s: &str, x: i32| Text::new(s.to_owned(), (x, y - 8), font(TEXT_SIZE));
    let advance = |s: &str| 64 + s.chars().count() as i32 * 7;
    if lines {
        area.draw(&PathElement::new(
            vec![(x, y), (x + 30, y)],
            SCHOOL.stroke_width(3),
        ))?;
        area.draw(&Circle::new((x + 15, y), 5, SCHOOL.filled()))?;
    } else {
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 24, y + 7)],
            SCHOOL.filled(),
        ))?;
    }
    area.draw(&text(&l.school, x + 38))?;
    let Some(peers_label) = peers.label(l) else {
        return Ok(());
    };
    x += advance(&l.school);
    if lines {
        for dash in [x, x + 12, x + 24] {
            area.draw(&PathElement::new(
                vec![(dash, y), (dash + 7, y)],
                PEERS.stroke_width(2),
            ))?;
        }
    } else {
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 24, y + 7)],
            PEER_BAND.filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 24, y + 7)],
            PEERS.stroke_width(1),
        ))?;
    }
    area.draw(&text(peers_label, x + 38))?;
    if peers == PeerLegend::Pooled {
        return Ok(());
    }
    x += advance(peers_label);
    if lines {
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 30, y + 7)],
            PEER_BAND.filled(),
        ))?;
    } else {
        // A whisker as in the chart: a vertical line with caps.
        for path in [
            vec![(x + 15, y - 8), (x + 15, y + 8)],
            vec![(x + 10, y - 8), (x + 20, y - 8)],
            vec![(x + 10, y + 8), (x + 20, y + 8)],
        ] {
            area.draw(&PathElement::new(path, PEERS.stroke_width(2)))?;
        }
    }
    area.draw(&text(&l.peers_middle_half, x + 38))?;
    Ok(())
}

/// The bands' labels: 1-4, 5-9, ..., 30+.
pub(crate) fn band_label(b: &Band) -> String {
    match b.to {
        Some(to) if to == b.from => to.to_string(),
        Some(to) => format!("{}\u{2013}{to}", b.from),
        None => format!("{}+", b.from),
    }
}

/// Pupils with at least one problematic half day, by band, against the peers'
/// median (bar) and middle half (whisker). The band without problematic
/// absence holds most pupils and would flatten the others: the report gives
/// it in the table beside the chart.
pub(crate) fn bands(m: &SchoolMirror, l: &ChartLabels) -> Result<String, ChartError> {
    let err = chart_error("bands");
    let shown: Vec<_> = m.bands.iter().filter(|b| b.band.from > 0).collect();
    let labels: Vec<String> = shown.iter().map(|b| band_label(&b.band)).collect();
    let (top, decimals) = percent_axis(shown.iter().flat_map(|b| {
        b.share
            .school
            .value()
            .into_iter()
            .chain(b.share.peers.map(|p| p.upper_quartile))
    }));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (plot, legend) = root.split_vertically(HEIGHT - 34);
        let mut chart = category_plot(
            &plot,
            &labels,
            top,
            decimals,
            &l.band_axis,
            &l.pupils_axis,
            l,
        )
        .map_err(&err)?;
        for (k, b) in shown.iter().enumerate() {
            let x = k as f64;
            if let Some(p) = b.share.peers {
                chart
                    .draw_series([
                        Rectangle::new([(x + 0.03, 0.0), (x + 0.36, p.median)], PEER_BAND.filled()),
                        Rectangle::new(
                            [(x + 0.03, 0.0), (x + 0.36, p.median)],
                            PEERS.stroke_width(1),
                        ),
                    ])
                    .map_err(|e| err(e.to_string()))?;
            }
            // A pooled figure has no middle half: no whisker, whose caps
            // would lie flat on the bar's top.
            if let Some(p) = b.share.peers.filter(|p| p.figure == PeerFigure::Median) {
                chart
                    .draw_series([
                        PathElement::new(
                            vec![(x + 0.195, p.lower_quartile), (x + 0.195, p.upper_quartile)],
                            PEERS.stroke_width(2),
                        ),
                        PathElement::new(
                            vec![(x + 0.14, p.lower_quartile), (x + 0.25, p.lower_quartile)],
                            PEERS.stroke_width(2),
                        ),
                        PathElement::new(
                            vec![(x + 0.14, p.upper_quartile), (x + 0.25, p.upper_quartile)],
                            PEERS.stroke_width(2),
                        ),
                    ])
                    .map_err(|e| err(e.to_string()))?;
            }
            match b.share.school {
                Figure::Value(v) => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x - 0.36, 0.0), (x - 0.03, v)],
                            SCHOOL.filled(),
                        )))
                        .map_err(|e| err(e.to_string()))?;
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((x - 0.195, v))
                                + Text::new(
                                    l.printed(v),
                                    (0, -4),
                                    above(TEXT_SIZE - 1.0).color(&SCHOOL),
                                ),
                        ))
                        .map_err(|e| err(e.to_string()))?;
                }
                // A labelled gap, never a bar of 0: the words stand over the
                // whole group, clear of the peers' whisker.
                Figure::Suppressed | Figure::Missing => {
                    let clear = b.share.peers.map_or(0.0, |p| p.upper_quartile);
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((x, clear))
                                + Text::new(l.suppressed.clone(), (0, -8), above(TEXT_SIZE - 2.0)),
                        ))
                        .map_err(|e| err(e.to_string()))?;
                }
            }
        }
        let peers = PeerLegend::of(shown.iter().map(|b| b.share.peers));
        legend_row(&legend, l, false, peers).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod trend_tests {
    use chrono::NaiveDate;
    use mirror_benchmark::{Figure, PeerFigure, PeerSpread, Period};

    use crate::Renderer;
    use crate::tests::{mirror, templates};

    /// The test mirror's whole years 2023-2024 (3.1%) and 2024-2025
    /// (3.45%), and 2025-2026 (2.72%) now up to 15 March 2026 beside the
    /// same dates of 2024-2025 (3.01%): four points, the last two labelled
    /// with their last days, and two lines of the school, one through the
    /// whole years and one through the two parts of years.
    #[test]
    fn a_year_to_date_stands_beside_the_same_dates_a_year_earlier() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        m.period = Period::up_to(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        let mut before = m.history[1].clone();
        before.problematic_rate.school = Figure::Value(0.0301);
        m.same_dates_last_year = Some(before);
        let svg = super::trend(&m, &renderer.labels["nl"]).unwrap();
        for label in [
            "2023-2024",
            "2024-2025",
            "15/3/2025",
            "15/3/2026",
            "3,0",
            "2,7",
        ] {
            assert!(svg.contains(label), "{label}: {svg}");
        }
        assert!(!svg.contains("2025-2026"), "{svg}");
        let school_lines = svg
            .lines()
            .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#003F7D\""))
            .count();
        // Two in the plot, one in the legend.
        assert_eq!(school_lines, 3, "{svg}");
        // A whole year: one line through the three years, no day labels.
        let whole = super::trend(&mirror("nl"), &renderer.labels["nl"]).unwrap();
        assert!(
            whole.contains("2025-2026") && !whole.contains("15/3"),
            "{whole}"
        );
        let whole_lines = whole
            .lines()
            .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#003F7D\""))
            .count();
        assert_eq!(whole_lines, 2, "{whole}");
    }

    /// Fewer than 10 similar schools in every year: each peer mark is the
    /// group's pooled figure, drawn without a band, and the legend names it
    /// so, with no middle half. One year with 12 schools and a median: the
    /// legend names the median and its middle half (the caption says which
    /// marks are pooled).
    #[test]
    fn the_legend_names_pooled_peer_figures_as_pooled() {
        let renderer = Renderer::new(&templates()).unwrap();
        let labels = &renderer.labels["en"];
        let mut m = mirror("en");
        for y in &mut m.history {
            let peers = y.problematic_rate.peers.as_mut().unwrap();
            let pooled = peers.median;
            *peers = PeerSpread {
                lower_quartile: pooled,
                median: pooled,
                upper_quartile: pooled,
                schools: 6,
                figure: PeerFigure::Pooled,
            };
        }
        let pooled = super::trend(&m, labels).unwrap();
        assert!(
            pooled.contains("Similar schools and yours together")
                && !pooled.contains("Median of similar schools")
                && !pooled.contains("Middle half"),
            "{pooled}"
        );
        m.history[0].problematic_rate.peers = Some(PeerSpread {
            lower_quartile: 0.015,
            median: 0.021,
            upper_quartile: 0.03,
            schools: 12,
            figure: PeerFigure::Median,
        });
        let mixed = super::trend(&m, labels).unwrap();
        assert!(
            mixed.contains("Median of similar schools")
                && mixed.contains("Middle half")
                && !mixed.contains("yours together"),
            "{mixed}"
        );
    }

    /// The value of attribute `name` in the SVG element `tag`.
    fn attribute(tag: &str, name: &str) -> f64 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    }

    /// The school's first year at 2.9 % with the peers' median just above
    /// it at 3.5 % (the axis runs to about 5 %, so the median lies within a
    /// label's height): its label goes under the point. The second year at
    /// 4.0 %, far above its median of 2.1 %, keeps its label above.
    #[test]
    fn a_value_label_keeps_clear_of_the_peers_median() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        m.history[0].problematic_rate.school = Figure::Value(0.029);
        m.history[0].problematic_rate.peers = Some(PeerSpread {
            lower_quartile: 0.025,
            median: 0.035,
            upper_quartile: 0.04,
            schools: 12,
            figure: PeerFigure::Median,
        });
        m.history[1].problematic_rate.school = Figure::Value(0.04);
        let svg = super::trend(&m, &renderer.labels["nl"]).unwrap();
        let points: Vec<f64> = svg
            .split('<')
            .filter(|t| t.starts_with("circle") && t.contains("fill=\"#003F7D\""))
            .map(|t| attribute(t, "cy"))
            .collect();
        let label = |text: &str| {
            let tag = svg
                .split('<')
                .find(|t| t.starts_with("text") && t.contains(text))
                .unwrap_or_else(|| panic!("{text}: {svg}"));
            attribute(tag, "y")
        };
        // SVG's y grows downwards.
        assert!(label("2,9") > points[0], "{svg}");
        assert!(label("4,0") < points[1], "{svg}");
    }

    /// The bands chart draws a whisker (three lines) for a median's middle
    /// half, and none for a pooled figure, which has none (nor does the
    /// legend then show one).
    #[test]
    fn a_pooled_band_has_no_whisker() {
        let renderer = Renderer::new(&templates()).unwrap();
        let whiskers = |m: &mirror_benchmark::SchoolMirror| {
            let svg = super::bands(m, &renderer.labels["en"]).unwrap();
            svg.lines()
                .filter(|l| {
                    l.contains("<polyline")
                        && l.contains("stroke=\"#5A5A5A\"")
                        && l.contains("stroke-width=\"2\"")
                })
                .count()
        };
        let mut m = mirror("en");
        let shown = m.bands.iter().filter(|b| b.band.from > 0).count();
        let mut every_band = |lower_quartile, upper_quartile, schools, figure| {
            for b in &mut m.bands {
                b.share.peers = Some(PeerSpread {
                    lower_quartile,
                    median: 0.03,
                    upper_quartile,
                    schools,
                    figure,
                });
            }
            whiskers(&m)
        };
        // One for each band shown and one in the legend.
        assert_eq!(
            every_band(0.02, 0.05, 12, PeerFigure::Median),
            3 * (shown + 1)
        );
        assert_eq!(every_band(0.03, 0.03, 6, PeerFigure::Pooled), 0);
    }

    /// A primary school's problematic absence of 0.08 %, 0.11 % and 0.14 %:
    /// each point labelled with two decimals, not "0,1" three times.
    #[test]
    fn rates_under_one_percent_are_labelled_with_two_decimals() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        for (year, rate) in m.history.iter_mut().zip([0.0008, 0.0011, 0.0014]) {
            year.problematic_rate.school = Figure::Value(rate);
        }
        let svg = super::trend(&m, &renderer.labels["nl"]).unwrap();
        let labels: Vec<&str> = svg
            .split("fill=\"#003F7D\">")
            .skip(1)
            .filter_map(|t| t.lines().nth(1))
            .collect();
        assert_eq!(
            labels,
            ["0,08\u{a0}%", "0,11\u{a0}%", "0,14\u{a0}%"],
            "{svg}"
        );
    }
}

#[cfg(test)]
mod percent_tests {
    use super::{percent_decimals, printed_percent};

    /// Worked out by hand: one decimal from 1 % up and for 0; two below 1 %,
    /// judged on the figure rounded to hundredths (0.996 % is 1.00 %, so
    /// 1.0 %; 0.004 % is 0.00 %, so 0.0 %).
    #[test]
    fn a_percentage_under_one_gets_two_decimals() {
        assert_eq!(printed_percent(0.0008), "0.08");
        assert_eq!(printed_percent(0.0014), "0.14");
        assert_eq!(printed_percent(0.009_94), "0.99");
        assert_eq!(printed_percent(0.009_96), "1.0");
        assert_eq!(printed_percent(0.012), "1.2");
        assert_eq!(printed_percent(0.145), "14.5");
        assert_eq!(printed_percent(0.0), "0.0");
        assert_eq!(printed_percent(0.000_04), "0.0");
        assert_eq!(printed_percent(-0.0005), "-0.05");
        assert_eq!(percent_decimals(0.0005), 2);
        assert_eq!(percent_decimals(0.01), 1);
    }
}
