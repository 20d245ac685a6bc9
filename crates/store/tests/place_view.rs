//! A Welsh place's monitoring view on SQLite and PostgreSQL: every target assessed from the
//! newest release by the stated rule, with hand-worked expected values.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::assess::{Assessment, NotAssessable};
use store::{Actor, Goal, MeasureOn, PlaceFields, ReleaseInfo, Store, TargetFields};

/// indicator, polarity, sex, period, last year, value, limits, note, sii with limits, gap,
/// benchmark value.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    Option<f64>,
    Option<(f64, f64)>,
    Option<&'static str>,
    Option<(f64, f64, f64)>,
    Option<f64>,
    Option<f64>,
);

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| Some(r.0.into()))),
        ("indicator_name", text(&|r| Some(format!("Indicator {}", r.0)))),
        ("polarity", text(&|r| Some(r.1.into()))),
        ("area_code", text(&|_| Some("W99000001".into()))),
        ("area_name", text(&|_| Some("Gwent (synthetic)".into()))),
        ("area_type", text(&|_| Some("User-defined place".into()))),
        ("sex", text(&|r| Some(r.2.into()))),
        ("age", text(&|_| Some("All ages".into()))),
        ("time_period", text(&|r| Some(r.3.into()))),
        ("time_period_sortable", number(&|r| Some(r.4))),
        ("value", number(&|r| r.5)),
        ("lower_95", number(&|r| r.6.map(|l| l.0))),
        ("upper_95", number(&|r| r.6.map(|l| l.1))),
        ("value_note", text(&|r| r.7.map(str::to_string))),
        ("benchmark", text(&|_| Some("Wales".into()))),
        ("benchmark_value", number(&|r| r.10)),
        ("sii", number(&|r| r.8.map(|s| s.0))),
        ("sii_lower_95", number(&|r| r.8.map(|s| s.1))),
        ("sii_upper_95", number(&|r| r.8.map(|s| s.2))),
        ("gap_most_minus_least_deprived", number(&|r| r.9)),
    ])
    .unwrap()
}

const HIGHER: &str = "Higher is better";
const LOWER: &str = "Lower is better";

fn rows() -> Vec<Row> {
    vec![
        (
            "LE",
            HIGHER,
            "Persons",
            "2017 - 19",
            2019.0,
            Some(78.0),
            Some((77.6, 78.4)),
            None,
            Some((-8.0, -8.7, -7.3)),
            Some(10.0),
            Some(80.5),
        ),
        (
            "LE",
            HIGHER,
            "Persons",
            "2020 - 22",
            2022.0,
            Some(78.9),
            Some((78.5, 79.3)),
            None,
            Some((-7.9, -8.6, -7.2)),
            Some(9.9),
            Some(81.0),
        ),
        ("LE", HIGHER, "Female", "2017 - 19", 2019.0, Some(80.0), Some((79.8, 80.2)), None, None, None, None),
        ("LE", HIGHER, "Female", "2020 - 22", 2022.0, Some(80.1), Some((79.9, 80.3)), None, None, None, None),
        ("SMOK", LOWER, "Persons", "2019", 2019.0, Some(20.0), Some((19.0, 21.0)), None, None, None, None),
        (
            "SMOK",
            LOWER,
            "Persons",
            "2022",
            2022.0,
            None,
            None,
            Some("suppressed: fewer than 10 respondents"),
            None,
            None,
            None,
        ),
        ("OLD", HIGHER, "Persons", "2017 - 19", 2019.0, Some(1.0), Some((0.5, 1.5)), None, None, None, None),
    ]
}

fn target(code: &str, indicator: &str, on: MeasureOn, sex: &str, goal: Goal) -> TargetFields {
    TargetFields {
        code: code.into(),
        indicator: indicator.into(),
        measure_on: on,
        sex: sex.into(),
        baseline_period: if indicator == "SMOK" { "2019".into() } else { "2017 - 19".into() },
        baseline_value: None,
        goal,
        target_period: "2027 - 29".into(),
        note: None,
    }
}

async fn welsh_place_assessed(store: &Store) {
    let info = ReleaseInfo { name: "wales".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    store.import_release(info, &Actor::Cli, &[batch(&rows())]).await.unwrap();
    let place = store
        .create_place(
            &Actor::Cli,
            &PlaceFields {
                slug: "gwent".into(),
                name: "Gwent (synthetic)".into(),
                kind: "region".into(),
                area_code: "W99000001".into(),
                covers: ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"].map(String::from).to_vec(),
                benchmark_code: "W92000004".into(),
                stage: "implementing".into(),
                commissioned_on: None,
                report_published_on: None,
                implementing_from: None,
                evaluated_on: None,
                synthetic: true,
                description: None,
            },
        )
        .await
        .unwrap();
    let targets = [
        target("T1", "LE", MeasureOn::Value, "Persons", Goal::Value(80.0)),
        target("T2", "LE", MeasureOn::Value, "Female", Goal::Change(3.0)),
        target("T3", "SMOK", MeasureOn::Value, "Persons", Goal::Value(15.0)),
        target("T4", "SMOK", MeasureOn::Value, "Male", Goal::Value(15.0)),
        target("T5", "LE", MeasureOn::Sii, "Persons", Goal::NarrowerGap(0.25)),
        target("T6", "LE", MeasureOn::Gap, "Persons", Goal::NarrowerGap(0.2)),
        target("T7", "OLD", MeasureOn::Value, "Persons", Goal::Value(2.0)),
        target("T8", "LE", MeasureOn::Value, "Persons", Goal::MatchBenchmark),
        target("T9", "LE", MeasureOn::Sii, "Female", Goal::NarrowerGap(0.25)),
    ];
    for t in &targets {
        store.create_target(&Actor::Cli, place.id, t).await.unwrap();
    }
    let view = store.place_view("gwent").await.unwrap().unwrap();
    assert_eq!(view.release.as_ref().unwrap().name, "wales");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let expected = |a: &Assessment| match a {
        Assessment::OnTrack { expected } | Assessment::OffTrack { expected } => *expected,
        Assessment::NotAssessable(_) => f64::NAN,
    };
    let v = &view.targets;
    // T1: baseline 78.0 (2019) from the data, target 80.0 (2029): expected in 2022
    // 78.0 + 2.0 × 3/10 = 78.6; 78.9 is better.
    assert_eq!(v[0].baseline, Some(78.0));
    assert_eq!(v[0].assessment.label(), "on track");
    assert!(close(expected(&v[0].assessment), 78.6));
    // T2: Female 80.0 + 3.0 → 83.0: expected 80.9; 80.1 is worse and 80.9 is above (79.9, 80.3).
    assert_eq!(v[1].target_value, Some(83.0));
    assert_eq!(v[1].assessment.label(), "off track");
    assert!(close(expected(&v[1].assessment), 80.9));
    // T3: the 2022 value is suppressed.
    assert_eq!(
        v[2].assessment,
        Assessment::NotAssessable(NotAssessable::Suppressed(Some("suppressed: fewer than 10 respondents".into())))
    );
    assert_eq!(
        v[2].assessment_text,
        "not assessable: the latest value is suppressed (suppressed: fewer than 10 respondents)"
    );
    // T4: no rows for males.
    assert_eq!(v[3].assessment, Assessment::NotAssessable(NotAssessable::NoRowsForBreakdown));
    // T5: SII -8.0 narrowed by a quarter to -6.0: expected -8.0 + 2.0 × 0.3 = -7.4; -7.9 is
    // further from zero, but -7.4 lies within (-8.6, -7.2).
    assert_eq!(v[4].target_value, Some(-6.0));
    assert_eq!(v[4].assessment.label(), "on track");
    assert!(close(expected(&v[4].assessment), -7.4));
    assert_eq!(
        v[4].latest.as_ref().map(|l| (l.value, l.lower_95, l.upper_95)),
        Some((Some(-7.9), Some(-8.6), Some(-7.2)))
    );
    // T6: gap 10.0 narrowed by a fifth to 8.0: expected 9.4; 9.9 is worse, and a gap has no interval.
    assert_eq!(v[5].assessment, Assessment::NotAssessable(NotAssessable::NoInterval));
    // T7: nothing after the baseline.
    assert_eq!(v[6].assessment, Assessment::NotAssessable(NotAssessable::NoDataForPeriod));
    // T8: match Wales: 81.0 in 2022; expected 78.0 + 3.0 × 0.3 = 78.9, and the value is 78.9.
    assert_eq!(v[7].target_value, Some(81.0));
    assert_eq!(v[7].assessment.label(), "on track");
    // T9: an SII target for females, whose rows carry no SII.
    assert_eq!(v[8].assessment, Assessment::NotAssessable(NotAssessable::NoRowsForBreakdown));
    assert!(view.rule.contains("95% confidence interval"));
    assert_eq!(view.place.fields.covers.len(), 5);
}

store::on_both_backends!(welsh_place_assessed);
