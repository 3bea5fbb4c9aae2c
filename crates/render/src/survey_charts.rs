//! The safety and wellbeing charts: questionnaire scales per respondent group
//! against peers, and item answers as stacked bars.
//!
//! Scale scores are on 0-100: the school is a dark blue bar, the peers'
//! middle half a light grey band behind it and their median a grey line, as
//! in the truancy charts. The answers of an item are a bar per group, one
//! segment per answer in a purple-orange scale (readable by colour-blind
//! readers); the disagreeing answers are hatched, so that in black and white
//! a dark or light segment still shows its side.

use std::sync::LazyLock;

use mirror_benchmark::survey::{AnswerCount, InstrumentMirror, ScaleScore};
use mirror_benchmark::{Figure, SchoolMirror};
use mirror_model::{RespondentGroup, Wording};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;
use serde_json::Value;

use crate::charts::{
    ChartError, ChartLabels, PEER_BAND, PEERS, PeerLegend, SCHOOL, TEXT_SIZE, WIDTH, chart_error,
    font, percent_digits,
};

/// The respondent groups' names, for the charts and the template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupNames {
    pub pupils: String,
    pub teachers: String,
    pub staff: String,
}

impl GroupNames {
    fn of(&self, group: RespondentGroup) -> &str {
        match group {
            RespondentGroup::Pupils => &self.pupils,
            RespondentGroup::Teachers => &self.teachers,
            RespondentGroup::Staff => &self.staff,
        }
    }
}

/// The questionnaires are worded in Dutch and English only: a strings file
/// names the one its report prints (a French one picks either).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum QuestionnaireLanguage {
    Nl,
    En,
}

impl QuestionnaireLanguage {
    fn pick(self, w: &Wording) -> &str {
        match self {
            Self::Nl => &w.nl,
            Self::En => &w.en,
        }
    }
}

/// Questionnaires and items per questionnaire the fixed chart paths cover.
const INSTRUMENTS: usize = 4;
const ITEMS: usize = 64;

/// Typst interns a file id for every path it reads, for the life of the
/// process: every report reuses these paths, which the template rebuilds.
struct Paths {
    scales: Vec<String>,
    answers: Vec<String>,
    /// Per questionnaire, item (its place in the mirror's list) and group.
    items: Vec<String>,
}

static PATHS: LazyLock<Paths> = LazyLock::new(|| Paths {
    scales: (0..INSTRUMENTS)
        .map(|i| format!("/charts/survey-scales-{i}.svg"))
        .collect(),
    answers: (0..INSTRUMENTS)
        .map(|i| format!("/charts/survey-answers-{i}.svg"))
        .collect(),
    items: (0..INSTRUMENTS)
        .flat_map(|i| {
            (0..ITEMS).flat_map(move |k| {
                RespondentGroup::ALL
                    .map(|g| format!("/charts/survey-item-{i}-{k}-{}.svg", g.as_str()))
            })
        })
        .collect(),
});

fn item_path(instrument: usize, item: usize, group: RespondentGroup) -> &'static str {
    let g = RespondentGroup::ALL
        .iter()
        .position(|x| *x == group)
        .unwrap_or_default();
    &PATHS.items[(instrument * ITEMS + item) * RespondentGroup::ALL.len() + g]
}

/// Every survey chart of the mirror, under the fixed virtual paths the
/// survey template reads.
pub(crate) fn survey_charts(
    m: &SchoolMirror,
    l: &ChartLabels,
) -> Result<Vec<(&'static str, String)>, ChartError> {
    let instruments = &m.survey.instruments;
    if instruments.len() > INSTRUMENTS {
        return Err((
            "survey",
            format!(
                "{} questionnaires, more than the {INSTRUMENTS} the report has chart files for",
                instruments.len()
            ),
        ));
    }
    let mut charts = Vec::new();
    for (i, instrument) in instruments.iter().enumerate() {
        if instrument.items.len() > ITEMS {
            return Err((
                "survey items",
                format!(
                    "{} items in `{}`, more than the {ITEMS} the report has chart files for",
                    instrument.items.len(),
                    instrument.id
                ),
            ));
        }
        let palette = palette(instrument.answers.len());
        charts.push((PATHS.scales[i].as_str(), scales(instrument, l)?));
        charts.push((
            PATHS.answers[i].as_str(),
            answer_key(instrument, &palette, l)?,
        ));
        for (k, item) in instrument.items.iter().enumerate() {
            for answers in &item.groups {
                if let Some(distribution) = &answers.distribution {
                    charts.push((
                        item_path(i, k, answers.group),
                        answer_bar(distribution, &palette)?,
                    ));
                }
            }
        }
    }
    Ok(charts)
}

/// The fractions of the survey's JSON (response rates, favourable shares,
/// answer shares, peers answering yes) get `k_pct`: whole-percent digits,
/// rounded as the answer bars round them. Its scores are on 0-100 and get
/// none.
pub(crate) fn add_percent_digits(value: &mut Value) {
    const FRACTIONS: [&str; 3] = ["response_rate", "share", "peers_yes"];
    match value {
        Value::Object(map) => {
            let digits: Vec<(String, Value)> = FRACTIONS
                .iter()
                .filter_map(|k| {
                    let f = map.get(*k)?.as_f64()?;
                    Some((format!("{k}_pct"), percent_digits(f, 0).into()))
                })
                .collect();
            // `favourable` is a figure: its value is the fraction.
            if let Some(Value::Object(figure)) = map.get_mut("favourable")
                && let Some(f) = figure.get("value").and_then(Value::as_f64)
            {
                figure.insert("value_pct".to_owned(), percent_digits(f, 0).into());
            }
            map.values_mut().for_each(add_percent_digits);
            map.extend(digits);
        }
        Value::Array(items) => items.iter_mut().for_each(add_percent_digits),
        _ => {}
    }
}

/// A score as printed: whole numbers, halves away from zero as Typst's
/// `calc.round` rounds the scores the template prints.
fn score(x: f64) -> String {
    format!("{}", x.round())
}

/// A change in score, signed: +4, −4, ±0.
fn change(x: f64) -> String {
    let r = x.round();
    if r > 0.0 {
        format!("+{r}")
    } else if r < 0.0 {
        format!("\u{2212}{}", -r)
    } else {
        "\u{b1}0".to_owned()
    }
}

/// Estimated width of text in pixels: plotters has no font metrics without
/// `ttf`, and Libertinus Serif averages about half an em per character.
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size / 1.24 * 0.5).ceil() as i32
}

/// The scales' names: bold, as the report's headings.
fn bold(size: f64) -> TextStyle<'static> {
    let f = font(size);
    TextStyle {
        font: f.font.style(FontStyle::Bold),
        ..f
    }
}

/// Rows of the scales chart, in pixels.
const HEADER: i32 = 21;
const ROW: i32 = 17;
const MARGIN_TOP: i32 = 6;
const X_AXIS: i32 = 46;
const LEGEND: i32 = 34;
/// Room for group names left of the bars, and for the scores right of 100:
/// their right edge, then the change.
const GROUP_LABELS: i32 = 150;
const MARGIN_RIGHT: i32 = 84;
const SCORE_COLUMN: i32 = 34;

/// Each scale's name over one row per group that was asked its items: the
/// school's score as a bar, the peers' middle half and median behind it,
/// and the score with its change since the previous wave. A group or score
/// too small to show says so, with how many answered.
fn scales(instrument: &InstrumentMirror, l: &ChartLabels) -> Result<String, ChartError> {
    let err = chart_error("survey scales");
    let rows: i32 = instrument
        .scales
        .iter()
        .map(|s| HEADER + ROW * s.groups.len() as i32)
        .sum();
    let height = MARGIN_TOP + rows + X_AXIS + LEGEND;
    let peers = PeerLegend::of(
        instrument
            .scales
            .iter()
            .flat_map(|s| &s.groups)
            .map(|g| g.peers),
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (plot, legend) = root.split_vertically(height - LEGEND);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(MARGIN_TOP)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_AXIS)
            .y_label_area_size(GROUP_LABELS)
            .build_cartesian_2d(0.0..100.0, 0.0..f64::from(rows))
            .map_err(|e| err(e.to_string()))?;
        let x_label = |x: &f64| format!("{x:.0}");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&x_label)
            .x_desc(l.score_axis.as_str())
            .label_style(font(TEXT_SIZE))
            .axis_desc_style(font(TEXT_SIZE))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let top = chart.backend_coord(&(0.0, f64::from(rows))).1;
        let x = |score: f64| chart.backend_coord(&(score.clamp(0.0, 100.0), 0.0)).0;
        let mut y = top;
        let right = x(100.0);
        for scale in &instrument.scales {
            // The name on white: no grid line or axis runs through it.
            root.draw(&Rectangle::new(
                [(0, y), (right + 1, y + HEADER)],
                WHITE.filled(),
            ))
            .map_err(|e| err(e.to_string()))?;
            root.draw(&Text::new(
                l.questionnaire_language.pick(&scale.name).to_owned(),
                (8, y + HEADER / 2 + 1),
                bold(TEXT_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(|e| err(e.to_string()))?;
            y += HEADER;
            for s in &scale.groups {
                let low = instrument
                    .groups
                    .iter()
                    .any(|g| g.group == s.group && g.low_response);
                group_row(&root, s, l, low, y, &x).map_err(|e| err(e.to_string()))?;
                y += ROW;
            }
        }
        scales_legend(&legend, l, peers).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// One group's row of the scales chart, its top at `y`; `x` maps a score to
/// pixels. The school's score and its change stand in a column right of
/// 100, clear of the peers' band whatever the scores. A group with a low
/// response rate is marked ‡, as the template marks it and explains.
fn group_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &ScaleScore,
    l: &ChartLabels,
    low_response: bool,
    y: i32,
    x: &impl Fn(f64) -> i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let middle = y + ROW / 2;
    let size = TEXT_SIZE - 2.0;
    let at = |h| Pos::new(h, VPos::Center);
    let (left, right) = (x(0.0), x(100.0));
    let mark = if low_response { "\u{a0}‡" } else { "" };
    area.draw(&Text::new(
        format!("{}{mark}", l.groups.of(s.group)),
        (left - 10, middle),
        font(size).pos(at(HPos::Right)),
    ))?;
    let Figure::Value(mean) = s.mean else {
        // Not a bar of 0: the words, and how many answered.
        let words = l
            .too_few_respondents
            .replace("{n}", &s.respondents.to_string());
        return area.draw(&Text::new(
            words,
            (left + 6, middle),
            font(size).pos(at(HPos::Left)),
        ));
    };
    if let Some(p) = s.peers {
        area.draw(&Rectangle::new(
            [
                (x(p.lower_quartile), y + 1),
                (x(p.upper_quartile), y + ROW - 1),
            ],
            PEER_BAND.filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(left, y + 4), (x(mean), y + ROW - 4)],
        SCHOOL.filled(),
    ))?;
    if let Some(p) = s.peers {
        // A white edge keeps the median visible where it crosses the bar.
        let line = vec![(x(p.median), y), (x(p.median), y + ROW)];
        area.draw(&PathElement::new(line.clone(), WHITE.stroke_width(4)))?;
        area.draw(&PathElement::new(line, PEERS.stroke_width(2)))?;
    }
    area.draw(&Text::new(
        score(mean),
        (right + SCORE_COLUMN, middle),
        font(size).color(&SCHOOL).pos(at(HPos::Right)),
    ))?;
    if let Some(previous) = s.previous {
        area.draw(&Text::new(
            format!("({})", change(previous.difference)),
            (right + SCORE_COLUMN + 5, middle),
            font(size).color(&SCHOOL).pos(at(HPos::Left)),
        ))?;
    }
    Ok(())
}

/// The scales chart's legend, below the plot: the school's bar, the peers'
/// median and middle half (or their pooled figure, which has none), or
/// that there are too few peers to show.
fn scales_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    l: &ChartLabels,
    peers: PeerLegend,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = 17;
    let size = TEXT_SIZE - 1.0;
    let text = |s: &str, x: i32, colour: &'static RGBColor| {
        Text::new(
            s.to_owned(),
            (x, y),
            font(size)
                .color(colour)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )
    };
    let mut x = 20;
    area.draw(&Rectangle::new(
        [(x, y - 5), (x + 28, y + 5)],
        SCHOOL.filled(),
    ))?;
    area.draw(&text(&l.school, x + 36, &BLACK))?;
    x += 36 + text_width(&l.school, size) + 28;
    let Some(peers_label) = peers.label(l) else {
        return area.draw(&text(&l.no_peers, x, &PEERS));
    };
    area.draw(&PathElement::new(
        vec![(x + 14, y - 10), (x + 14, y + 10)],
        PEERS.stroke_width(2),
    ))?;
    area.draw(&text(peers_label, x + 26, &BLACK))?;
    if peers == PeerLegend::Pooled {
        return Ok(());
    }
    x += 26 + text_width(peers_label, size) + 28;
    area.draw(&Rectangle::new(
        [(x, y - 8), (x + 28, y + 8)],
        PEER_BAND.filled(),
    ))?;
    area.draw(&text(&l.peers_middle_half, x + 36, &BLACK))
}

/// How one answer is drawn: its colour, and hatched or not.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shade {
    colour: RGBColor,
    /// The disagreeing answers are hatched: in grey print a dark orange and
    /// a light purple (or a light orange and a dark purple) come out as
    /// nearly the same grey, and the hatching keeps them apart.
    hatched: bool,
}

/// One shade per answer, lowest first: orange for disagreeing, purple for
/// agreeing (a pair colour-blind readers tell apart, after ColorBrewer's
/// PuOr), darker towards the ends, a light grey in the middle of an odd
/// scale. In grey print (luminance 0.299 R + 0.587 G + 0.114 B) the four
/// answers of a four-answer scale are about 107 and 208 hatched, 163 and 52
/// plain: four greys at least 45 apart, and each side told by its hatching
/// (the PuOr colours gave 121 and 153 for "strongly disagree" and "agree").
fn palette(answers: usize) -> Vec<Shade> {
    const DISAGREE: [(f64, f64, f64); 2] = [(253.0, 200.0, 130.0), (200.0, 80.0, 0.0)];
    const AGREE: [(f64, f64, f64); 2] = [(170.0, 150.0, 210.0), (70.0, 30.0, 120.0)];
    const MIDDLE: RGBColor = RGBColor(222, 222, 222);
    let side = answers / 2;
    // From the middle outwards: the light colour to the dark one.
    let shades = |[light, dark]: [(f64, f64, f64); 2], hatched: bool| -> Vec<Shade> {
        (0..side)
            .map(|k| {
                let t = if side == 1 {
                    1.0
                } else {
                    k as f64 / (side - 1) as f64
                };
                let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
                Shade {
                    colour: RGBColor(
                        mix(light.0, dark.0),
                        mix(light.1, dark.1),
                        mix(light.2, dark.2),
                    ),
                    hatched,
                }
            })
            .collect()
    };
    let mut colours: Vec<Shade> = shades(DISAGREE, true).into_iter().rev().collect();
    if answers % 2 == 1 {
        colours.push(Shade {
            colour: MIDDLE,
            hatched: false,
        });
    }
    colours.extend(shades(AGREE, false));
    colours
}

/// Pixels between the hatching's lines.
const HATCH_STEP: i32 = 5;

/// A rectangle from (x0, y0) to (x1, y1) in `shade`: filled, and hatched
/// with thin diagonal lines in the colour of the text drawn on it.
fn draw_shade<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    [(x0, y0), (x1, y1)]: [(i32, i32); 2],
    shade: Shade,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], shade.colour.filled()))?;
    if !shade.hatched {
        return Ok(());
    }
    // Halfway between the fill and its text colour: seen, yet quieter than
    // the digits drawn over it.
    let ink = text_colour(shade.colour);
    let half = |a: u8, b: u8| ((u16::from(a) + u16::from(b)) / 2) as u8;
    let c = shade.colour;
    let line = RGBColor(half(c.0, ink.0), half(c.1, ink.1), half(c.2, ink.2)).stroke_width(1);
    let h = y1 - y0;
    // Lines from lower left to upper right, cut at the rectangle's sides.
    let mut start = x0 - h;
    while start < x1 {
        let (from, to) = (start.max(x0), (start + h).min(x1));
        if from < to {
            let y = |x: i32| y1 - (x - start);
            area.draw(&PathElement::new(vec![(from, y(from)), (to, y(to))], line))?;
        }
        start += HATCH_STEP;
    }
    Ok(())
}

/// Black or white, whichever reads better on `c` (WCAG relative luminance).
fn text_colour(c: RGBColor) -> RGBColor {
    let linear = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2);
    if luminance > 0.179 { BLACK } else { WHITE }
}

/// A stacked bar's size: placed 7 cm wide, its digits print at 8 pt.
const BAR_WIDTH: u32 = 360;
const BAR_HEIGHT: u32 = 18;

/// One group's answers to one item: a segment per answer, lowest first,
/// with its whole percentage where it fits.
fn answer_bar(distribution: &[AnswerCount], palette: &[Shade]) -> Result<String, ChartError> {
    let err = chart_error("survey answers");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (BAR_WIDTH, BAR_HEIGHT)).into_drawing_area();
        let width = f64::from(BAR_WIDTH);
        let mut from = 0.0;
        for (answer, shade) in distribution.iter().zip(palette) {
            let to = from + answer.share;
            let (x0, x1) = ((from * width).round() as i32, (to * width).round() as i32);
            from = to;
            if x1 <= x0 {
                continue;
            }
            // A white line between segments keeps two light ones apart.
            draw_shade(&root, [(x0, 0), (x1 - 1, BAR_HEIGHT as i32)], *shade)
                .map_err(|e| err(e.to_string()))?;
            let digits = percent_digits(answer.share, 0);
            if x1 - x0 >= text_width(&digits, TEXT_SIZE) + 6 {
                root.draw(&Text::new(
                    digits,
                    ((x0 + x1) / 2, BAR_HEIGHT as i32 / 2),
                    font(TEXT_SIZE)
                        .color(&text_colour(shade.colour))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(|e| err(e.to_string()))?;
            }
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// The colours of the answers, in the order of the bars' segments; wraps to
/// a second line when the labels are long.
fn answer_key(
    instrument: &InstrumentMirror,
    palette: &[Shade],
    l: &ChartLabels,
) -> Result<String, ChartError> {
    const LINE: i32 = 26;
    let err = chart_error("survey answer key");
    let size = TEXT_SIZE - 1.0;
    let labels: Vec<&str> = instrument
        .answers
        .iter()
        .map(|a| l.questionnaire_language.pick(&a.label))
        .collect();
    // Where each entry goes: wrapped before one that would pass the edge.
    let mut places = Vec::new();
    let (mut x, mut line) = (0, 0);
    for label in &labels {
        let w = 34 + text_width(label, size);
        if x > 0 && x + w > WIDTH as i32 {
            (x, line) = (0, line + 1);
        }
        places.push((x, line * LINE + LINE / 2));
        x += w + 22;
    }
    let height = (line + 1) * LINE;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        for ((label, shade), (x, y)) in labels.iter().zip(palette).zip(places) {
            draw_shade(&root, [(x, y - 8), (x + 26, y + 8)], *shade)
                .map_err(|e| err(e.to_string()))?;
            root.draw(&Text::new(
                (*label).to_owned(),
                (x + 34, y),
                font(size).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(|e| err(e.to_string()))?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}
