//! The safety and wellbeing section as a reader meets it: headings, scores
//! and response rates printed, a group too small to show said to be so with
//! its size, the checklist beside its peers, and nothing at all when the
//! school has no questionnaire and no checklist.

use mirror_benchmark::survey::{
    AnswerCount, AnswerLabel, ChecklistComparison, GroupGap, GroupResponse, InstrumentMirror,
    ItemAnswers, ItemGap, ItemMirror, PreviousWave, Representativeness, ScaleGap, ScaleMirror,
    ScaleScore, SurveyMirror,
};
use mirror_benchmark::{Figure, PeerFigure, PeerSpread, SchoolMirror};
use mirror_model::{ChecklistAnswer, RespondentGroup, SchoolYear, Wording};

use crate::Renderer;
use crate::tests::{meta, mirror, templates, text_of};

const PUPILS: RespondentGroup = RespondentGroup::Pupils;
const TEACHERS: RespondentGroup = RespondentGroup::Teachers;
const STAFF: RespondentGroup = RespondentGroup::Staff;

fn wording(nl: &str, en: &str) -> Wording {
    Wording {
        nl: nl.to_owned(),
        en: en.to_owned(),
    }
}

fn peers(median: f64) -> Option<PeerSpread> {
    Some(PeerSpread {
        lower_quartile: median - 8.0,
        median,
        upper_quartile: median + 6.0,
        schools: 12,
        figure: PeerFigure::Median,
    })
}

fn scale_score(group: RespondentGroup, respondents: u32, mean: Option<f64>) -> ScaleScore {
    ScaleScore {
        group,
        respondents,
        mean: mean.map_or(Figure::Suppressed, Figure::Value),
        standard_error: mean.map(|_| 1.5),
        peers: peers(70.0),
        favourable: mean.map_or(Figure::Suppressed, |m| Figure::Value(m / 100.0)),
        previous: None,
    }
}

/// Counts of the four answers, lowest first, as the benchmark gives them.
fn answers(group: RespondentGroup, counts: [u32; 4], shown: bool) -> ItemAnswers {
    let answered = counts.iter().sum();
    ItemAnswers {
        group,
        answered,
        distribution: shown.then(|| {
            (1..=4)
                .zip(counts)
                .map(|(value, count)| AnswerCount {
                    value,
                    count,
                    share: f64::from(count) / f64::from(answered),
                })
                .collect()
        }),
    }
}

/// Pupils and teachers shown, the 6 other staff too few; two scales, three
/// items (the teachers' answers to the last too few), a checklist of three
/// with one item too few peers answered.
fn survey() -> SurveyMirror {
    let mut safe_pupils = scale_score(PUPILS, 212, Some(62.4));
    safe_pupils.previous = Some(PreviousWave {
        year: SchoolYear::starting(2023),
        mean: 58.1,
        difference: 4.3,
    });
    let mut bullying_teachers = scale_score(TEACHERS, 31, Some(81.0));
    bullying_teachers.peers = None;
    let instrument = InstrumentMirror {
        id: "safety-wellbeing".to_owned(),
        title: wording(
            "Veiligheid en welbevinden op school",
            "Safety and wellbeing at school",
        ),
        answers: [
            ("helemaal niet akkoord", "strongly disagree"),
            ("niet akkoord", "disagree"),
            ("akkoord", "agree"),
            ("helemaal akkoord", "strongly agree"),
        ]
        .into_iter()
        .zip(1..)
        .map(|((nl, en), value)| AnswerLabel {
            value,
            label: wording(nl, en),
        })
        .collect(),
        groups: vec![
            GroupResponse {
                group: PUPILS,
                respondents: 212,
                shown: true,
                invited: Some(390),
                response_rate: Some(212.0 / 390.0),
                low_response: false,
                representativeness: Some(Representativeness {
                    invited_grades: ["S1", "S2", "S3", "S4", "S5", "S6"]
                        .map(|g| g.parse().unwrap())
                        .to_vec(),
                    some_grades_invited: false,
                    grades_without_respondents: vec!["S6".parse().unwrap()],
                    dissimilarity: 0.27,
                    unlike_the_school: true,
                    most_under_represented: Some("S5".parse().unwrap()),
                    most_over_represented: Some("S1".parse().unwrap()),
                }),
            },
            GroupResponse {
                group: TEACHERS,
                respondents: 31,
                shown: true,
                invited: Some(41),
                response_rate: Some(31.0 / 41.0),
                low_response: false,
                representativeness: None,
            },
            GroupResponse {
                group: STAFF,
                respondents: 6,
                shown: false,
                invited: None,
                response_rate: None,
                low_response: false,
                representativeness: None,
            },
        ],
        scales: vec![
            ScaleMirror {
                id: "safe-at-school".to_owned(),
                theme: "safety".to_owned(),
                name: wording("Veilig op school", "Feeling safe at school"),
                groups: vec![
                    safe_pupils,
                    scale_score(TEACHERS, 31, Some(78.0)),
                    scale_score(STAFF, 6, None),
                ],
            },
            ScaleMirror {
                id: "bullying".to_owned(),
                theme: "bullying".to_owned(),
                name: wording("Veilig voor pesten", "Safe from bullying"),
                groups: vec![
                    scale_score(PUPILS, 209, Some(55.5)),
                    bullying_teachers,
                    scale_score(STAFF, 6, None),
                ],
            },
        ],
        items: vec![
            ItemMirror {
                id: "safe_1".to_owned(),
                scale: "safe-at-school".to_owned(),
                reverse: false,
                wording: wording("Ik voel me veilig op school.", "I feel safe at school."),
                groups: vec![answers(PUPILS, [12, 30, 110, 60], true)],
            },
            ItemMirror {
                id: "safe_3".to_owned(),
                scale: "safe-at-school".to_owned(),
                reverse: true,
                wording: wording(
                    "Er zijn plaatsen op school waar ik liever niet kom.",
                    "There are places at school I would rather avoid.",
                ),
                groups: vec![
                    answers(PUPILS, [40, 60, 70, 40], true),
                    answers(TEACHERS, [10, 12, 6, 3], true),
                ],
            },
            ItemMirror {
                id: "bully_4".to_owned(),
                scale: "bullying".to_owned(),
                reverse: false,
                wording: wording(
                    "Als iemand gepest wordt, grijpt de school in.",
                    "When somebody is bullied, the school steps in.",
                ),
                groups: vec![
                    answers(PUPILS, [20, 50, 90, 49], true),
                    answers(TEACHERS, [0, 1, 2, 1], false),
                ],
            },
        ],
        gaps: vec![GroupGap {
            groups: [PUPILS, TEACHERS],
            scales: vec![
                ScaleGap {
                    scale: "safe-at-school".to_owned(),
                    difference: 62.4 - 78.0,
                },
                ScaleGap {
                    scale: "bullying".to_owned(),
                    difference: 55.5 - 81.0,
                },
            ],
            disagreements: vec![ItemGap {
                item: "safe_3".to_owned(),
                means: [46.2, 75.5],
                difference: 46.2 - 75.5,
            }],
        }],
    };
    let checklist = [
        (
            "truancy-protocol",
            "De school heeft een schriftelijk spijbelprotocol.",
            "The school has a written truancy protocol.",
            Some(ChecklistAnswer::Yes),
            Some(2.0 / 3.0),
        ),
        (
            "safe-routes",
            "Er zijn afspraken over toezicht aan de schoolpoort.",
            "There are agreements on supervision at the gate.",
            Some(ChecklistAnswer::No),
            None,
        ),
        (
            "pupil-voice",
            "Leerlingen hebben inspraak in de schoolregels.",
            "Pupils have a say in the school rules.",
            None,
            Some(0.4),
        ),
    ]
    .into_iter()
    .map(|(item, nl, en, answer, peers_yes)| ChecklistComparison {
        item: item.to_owned(),
        theme: "safety".to_owned(),
        wording: wording(nl, en),
        answer,
        peers_yes,
        peers_half_or_more: None,
    })
    .collect();
    SurveyMirror {
        instruments: vec![instrument],
        checklist,
        scale_names: [
            (
                "safe-at-school",
                "Veilig op school",
                "Feeling safe at school",
            ),
            ("bullying", "Veilig voor pesten", "Safe from bullying"),
        ]
        .into_iter()
        .map(|(id, nl, en)| (id.to_owned(), wording(nl, en)))
        .collect(),
    }
}

fn with_survey(language: &str) -> SchoolMirror {
    let mut m = mirror(language);
    m.survey = survey();
    m
}

fn render(m: &SchoolMirror) -> String {
    let renderer = Renderer::new(&templates()).unwrap();
    text_of(&renderer.render(m, &meta()).unwrap().pdf)
}

/// The text with no spaces: chart text comes out of the PDF letter by letter.
fn squeezed(text: &str) -> String {
    text.replace(' ', "")
}

#[test]
fn the_survey_section_prints_scores_rates_and_what_is_not_shown_in_english() {
    let text = render(&with_survey("en"));
    for heading in [
        "Safety and wellbeing",
        "Who answered",
        "Scores per group",
        "Where the groups see the school differently",
        "Answers per question",
        "Checklist",
    ] {
        assert!(text.contains(heading), "no heading {heading}: {text}");
    }
    // Scores with the change since the previous wave, from the chart.
    let chart = squeezed(&text);
    assert!(chart.contains("Pupils62(+4)Teachers78"), "{text}");
    // The small group: its size and the words, never a score.
    assert!(chart.contains("Otherstaffnotshown:6respondents"), "{text}");
    assert!(text.contains("Other staff* 6 – –"), "{text}");
    assert!(
        text.contains("* Too few respondents: their answers are not shown."),
        "{text}"
    );
    // The teachers' answers to the last item: too few answered it.
    assert!(text.contains("not shown: 4 respondents"), "{text}");
    // The bullying scale's teachers have no peers, the others have.
    assert!(
        text.contains("Without grey line and band: fewer than 5 similar schools"),
        "{text}"
    );
    // Response rate 212 / 390, favourable share 0.624.
    assert!(text.contains("212 390 54%"), "{text}");
    assert!(text.contains("62%"), "{text}");
    // The gap: item means 46.2 and 75.5 rounded, and their difference
    // rounded once: -29.3 is -29 (not 46 - 76 = -30).
    assert!(text.contains("46 76 \u{2212}29"), "{text}");
    assert!(
        text.contains("“Safe from bullying”, pupils 26 points less favourable than teachers"),
        "{text}"
    );
    // The checklist: the school's answers, the peers' yes, too few peers.
    assert!(text.contains("yes 67%"), "{text}");
    assert!(text.contains("no –"), "{text}");
    assert!(
        text.contains("–: fewer than 5 similar schools answered the item."),
        "{text}"
    );
    assert!(text.contains("not answered 40%"), "{text}");
    assert!(text.contains("secondary year 5"), "{text}");
}

#[test]
fn the_survey_section_prints_scores_rates_and_what_is_not_shown_in_dutch() {
    let text = render(&with_survey("nl"));
    for heading in [
        "Veiligheid en welbevinden",
        "Wie antwoordde",
        "Scores per groep",
        "Antwoorden per vraag",
        "Checklist",
    ] {
        assert!(text.contains(heading), "no heading {heading}: {text}");
    }
    let chart = squeezed(&text);
    assert!(chart.contains("Leerlingen62(+4)Leerkrachten78"), "{text}");
    assert!(
        chart.contains("Anderpersoneelnietgetoond:6respondenten"),
        "{text}"
    );
    assert!(text.contains("212 390 54 %"), "{text}");
    assert!(text.contains("Er zijn plaatsen op school waar ik liever niet kom."));
    assert!(text.contains("ja 67 %"), "{text}");
    assert!(!text.contains("I feel safe at school"), "{text}");
}

#[test]
fn an_empty_survey_leaves_no_section_and_no_heading() {
    for (language, heading) in [
        ("en", "Safety and wellbeing"),
        ("nl", "Veiligheid en welbevinden"),
    ] {
        let text = render(&mirror(language));
        assert!(!text.contains(heading), "{text}");
    }
    let text = render(&mirror("en"));
    assert!(!text.contains("Who answered"), "{text}");
    assert!(!text.contains("Checklist"), "{text}");
}

#[test]
fn a_checklist_without_questionnaires_has_the_section_and_the_checklist_only() {
    let mut m = with_survey("en");
    m.survey.instruments.clear();
    let text = render(&m);
    assert!(text.contains("Safety and wellbeing"), "{text}");
    assert!(text.contains("Checklist"), "{text}");
    assert!(!text.contains("Who answered"), "{text}");
}

#[test]
fn survey_fractions_get_whole_percent_digits_and_scores_none() {
    let json: serde_json::Value = serde_json::from_slice(
        &crate::report_json(
            &with_survey("en"),
            &meta(),
            &crate::tests::other_language("en"),
        )
        .unwrap(),
    )
    .unwrap();
    let instrument = &json["mirror"]["survey"]["instruments"][0];
    assert_eq!(instrument["groups"][0]["response_rate_pct"], "54");
    let pupils = &instrument["scales"][0]["groups"][0];
    assert_eq!(pupils["favourable"]["value_pct"], "62");
    // A score is no fraction: 62.4 would be 6240%.
    assert!(pupils["mean"].get("value_pct").is_none(), "{pupils}");
    assert!(pupils["peers"].get("median_pct").is_none(), "{pupils}");
    let share = &instrument["items"][0]["groups"][0]["distribution"][2];
    assert_eq!(share["share_pct"], "52");
    let checklist = &json["mirror"]["survey"]["checklist"];
    assert_eq!(checklist[0]["peers_yes_pct"], "67");
    assert!(checklist[1].get("peers_yes_pct").is_none());
}

#[test]
fn every_survey_chart_has_a_fixed_path_and_a_small_group_is_words_not_a_bar() {
    let renderer = Renderer::new(&templates()).unwrap();
    let m = with_survey("nl");
    let charts = crate::survey_charts::survey_charts(&m, &renderer.labels["nl"]).unwrap();
    let paths: Vec<&str> = charts.iter().map(|(p, _)| *p).collect();
    // The teachers' answers to item 2 are too few: no chart for them.
    assert_eq!(
        paths,
        [
            "/charts/survey-scales-0.svg",
            "/charts/survey-answers-0.svg",
            "/charts/survey-item-0-0-pupils.svg",
            "/charts/survey-item-0-1-pupils.svg",
            "/charts/survey-item-0-1-teachers.svg",
            "/charts/survey-item-0-2-pupils.svg",
        ]
    );
    let scales = &charts[0].1;
    assert!(scales.contains("Libertinus Serif"));
    assert!(scales.contains("niet getoond: 6 respondenten"));
    assert!(scales.contains("Ander personeel"));
    assert!(scales.contains("Score (0 tot 100"));
    assert!(charts[1].1.contains("helemaal niet akkoord"));
}

#[test]
fn the_answer_colours_print_as_distinct_greys() {
    let renderer = Renderer::new(&templates()).unwrap();
    let charts =
        crate::survey_charts::survey_charts(&with_survey("en"), &renderer.labels["en"]).unwrap();
    let key = &charts[1].1;
    // The swatches' fills, in the key's order: not the white page nor text.
    let greys: Vec<f64> = key
        .split("fill=\"#")
        .skip(1)
        .map(|rest| &rest[..6])
        .filter(|hex| !["FFFFFF", "000000"].contains(hex))
        .map(|hex| {
            let c = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
            0.299 * c(0) + 0.587 * c(2) + 0.114 * c(4)
        })
        .collect();
    // Four swatches (hatch lines are strokes, not fills).
    assert_eq!(greys.len(), 4, "{key}");
    let swatches = greys;
    assert!(key.contains("<polyline"), "{key}");
    // In the key's order: strongly disagree (200, 80, 0) 0.299 x 200 +
    // 0.587 x 80 = 106.76; disagree (253, 200, 130) 75.647 + 117.4 + 14.82
    // = 207.867; agree (170, 150, 210) 50.83 + 88.05 + 23.94 = 162.82;
    // strongly agree (70, 30, 120) 20.93 + 17.61 + 13.68 = 52.22.
    let expected = [106.76, 207.867, 162.82, 52.22];
    for (g, e) in swatches.iter().zip(expected) {
        assert!((g - e).abs() < 0.01, "{swatches:?}");
    }
    let mut sorted = swatches;
    sorted.sort_by(f64::total_cmp);
    for pair in sorted.windows(2) {
        assert!(pair[1] - pair[0] > 45.0, "{sorted:?}");
    }
    // The disagreeing side is hatched: lines are drawn in the bars too.
    let bar = &charts[3].1;
    assert!(bar.contains("<polyline"), "{bar}");
}

/// The pupils' "Safe from bullying" is 55.5 beside a middle half of 62 to
/// 76: 6.5 below the lower quartile. With a standard error of 1.5 the
/// margin is 1.96 x 1.5 = 2.94, so page 1 calls it lower; with 5.0 the
/// margin is 9.8, more than 6.5, and nothing is said.
#[test]
fn a_score_is_called_lower_on_page_one_only_beyond_its_standard_error() {
    let lower = "Pupils rate “Safe from bullying” less favourably than at three quarters";
    let m = with_survey("en");
    assert!(render(&m).contains(lower));
    let mut m = with_survey("en");
    m.survey.instruments[0].scales[1].groups[0].standard_error = Some(5.0);
    let text = render(&m);
    assert!(!text.contains("three quarters"), "{text}");
}

/// 20 of 250 pupils answered (8%): a caution with the group's name beside
/// the who-answered table, the scores, the favourable shares, the gaps and
/// the answers, a mark on the group's name, and the page-1 message says so.
/// The school invited S4 to S6 and nobody in S6 answered.
#[test]
fn a_low_response_is_cautioned_beside_every_figure_and_invited_grades_are_named() {
    let mut m = with_survey("en");
    let pupils = &mut m.survey.instruments[0].groups[0];
    (pupils.respondents, pupils.invited) = (20, Some(250));
    pupils.response_rate = Some(20.0 / 250.0);
    pupils.low_response = true;
    let r = pupils.representativeness.as_mut().unwrap();
    r.invited_grades = ["S4", "S5", "S6"].map(|g| g.parse().unwrap()).to_vec();
    r.some_grades_invited = true;
    let text = render(&m);
    let caution = "‡ Pupils: only 8% answered; read every figure built on their answers with care.";
    assert_eq!(text.matches(caution).count(), 5, "{text}");
    assert!(text.contains("Pupils ‡ 20 250 8%"), "{text}");
    assert!(
        text.contains("(score 56 out of 100); few of them answered, so read this with care."),
        "{text}"
    );
    assert!(
        text.contains(
            "The school invited the pupils of secondary year 4, secondary year 5, secondary year 6;"
        ),
        "{text}"
    );
    assert!(
        text.contains("No pupil answered in: secondary year 6."),
        "{text}"
    );
    // Dutch: the same caution in the strings' words.
    m.language = mirror_model::ReportLanguage::new("nl").unwrap();
    let text = render(&m);
    assert!(
        text.contains("‡ Leerlingen: slechts 8 % antwoordde;"),
        "{text}"
    );
    assert!(
        text.contains("De school nodigde de leerlingen van"),
        "{text}"
    );
}
