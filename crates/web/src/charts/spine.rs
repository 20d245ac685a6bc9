//! The spine chart of an area profile, as the indicator portal draws it.
//!
//! One row per indicator. England (the benchmark) is the centre line; the grey bar runs from
//! the worst area of the type to the best (by the indicator's polarity: the worst on the left),
//! the darker band from the 25th to the 75th percentile; the area's value is a circle coloured
//! by its comparison with the benchmark. Each row has its own scale: the centre is the
//! benchmark and the half-width is the largest distance from it to the worst, the best or the
//! area's value, so the bar always fits and the benchmark stays in the middle. For indicators
//! without a polarity the lowest value is on the left.

use super::{human, mark_title, Chart, Comparison, Mark, Opts, Svg};

/// One row of a spine chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpineRow {
    /// The area's value, its interval and comparison (the circle); its label is the indicator.
    pub mark: Mark,
    /// The benchmark's value (the centre line).
    pub benchmark: Option<f64>,
    /// The lowest value among areas of the type.
    pub min: Option<f64>,
    /// The 25th percentile among areas of the type.
    pub q1: Option<f64>,
    /// The 75th percentile among areas of the type.
    pub q3: Option<f64>,
    /// The highest value among areas of the type.
    pub max: Option<f64>,
    /// `Some(true)` when higher is better, `Some(false)` when lower is, `None` without a
    /// polarity (lowest on the left).
    pub higher_is_better: Option<bool>,
}

/// Whether higher values are better for a polarity text of the catalogue ("higher is
/// better", "lower is better", "higher is worse", "lower is worse", with `_` or spaces);
/// `None` for "no judgement" and anything else.
pub fn higher_is_better(polarity: Option<&str>) -> Option<bool> {
    let p = polarity?.to_ascii_lowercase();
    let (high, low) = (p.contains("high"), p.contains("low"));
    let (better, worse) = (p.contains("better"), p.contains("worse"));
    match (high, low, better, worse) {
        (true, false, true, false) | (false, true, false, true) => Some(true),
        (false, true, true, false) | (true, false, false, true) => Some(false),
        _ => None,
    }
}

/// Height of a row in user units: the indicator's name on top, the spine under it.
pub const ROW: f64 = 42.0;

/// The spine chart of `rows` (one mark per row, even without a value).
pub fn spine(rows: &[SpineRow], opts: &Opts) -> Chart {
    let (left, right) = (8.0, opts.width - 8.0);
    let centre = (left + right) / 2.0;
    let half = (right - left) / 2.0;
    let height = ROW * rows.len().max(1) as f64;
    let mut svg = Svg::begin("spine", opts, height);
    for (i, row) in rows.iter().enumerate() {
        let top = i as f64 * ROW;
        let mid = top + 28.0;
        svg.text(left, top + 13.0, "start", "label", &super::truncate(&row.mark.label, 60));
        // Left to right runs worst to best; without a polarity, low to high.
        let dir = if row.higher_is_better == Some(false) { -1.0 } else { 1.0 };
        let x_of = |bench: f64, reach: f64, v: f64| centre + dir * (v - bench) / reach * half;
        if let Some(bench) = row.benchmark.filter(|b| b.is_finite()) {
            svg.line(centre, top + 18.0, centre, top + ROW - 2.0, "benchmark");
            let reach = [row.min, row.max, row.mark.value]
                .iter()
                .flatten()
                .filter(|v| v.is_finite())
                .map(|v| (v - bench).abs())
                .fold(0.0, f64::max);
            let reach = if reach > 0.0 { reach } else { 1.0 };
            if let (Some(lo), Some(hi)) = (row.min, row.max) {
                let (a, b) = (x_of(bench, reach, lo), x_of(bench, reach, hi));
                svg.rect(a.min(b), mid - 8.0, (b - a).abs(), 16.0, "range");
            }
            if let (Some(q1), Some(q3)) = (row.q1, row.q3) {
                let (a, b) = (x_of(bench, reach, q1), x_of(bench, reach, q3));
                svg.rect(a.min(b), mid - 8.0, (b - a).abs(), 16.0, "band");
            }
            svg.begin_mark(row.mark.class, &mark_title(&row.mark, &opts.unit));
            if let Some(v) = row.mark.value.filter(|v| v.is_finite()) {
                svg.circle(x_of(bench, reach, v), mid, 6.0, row.mark.class.class());
            }
            svg.end_group();
        } else {
            // No benchmark: no scale to draw on; the mark still stands for its row.
            svg.begin_mark(row.mark.class, &mark_title(&row.mark, &opts.unit));
            svg.text(centre, mid + 4.0, "middle", "note", "no benchmark");
            svg.end_group();
        }
        if i + 1 < rows.len() {
            svg.line(left, top + ROW, right, top + ROW, "grid");
        }
    }
    svg.finish()
}

/// A sentence describing a spine chart's rows for its `<desc>`: how many rows and how many
/// of each comparison (e.g. "12 indicators: 3 better, 7 similar, 2 worse than England").
pub fn describe(rows: &[SpineRow], benchmark_name: &str) -> String {
    let mut parts = Vec::new();
    for c in Comparison::ALL {
        let n = rows.iter().filter(|r| r.mark.class == c).count();
        if n > 0 {
            parts.push(format!("{n} {}", c.label().to_lowercase()));
        }
    }
    format!(
        "{} indicator{} against {}: {}. Each row: the bar runs from the worst to the best area of the type, the darker band from the 25th to the 75th percentile, the line is {}, the circle the area's value.",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        benchmark_name,
        if parts.is_empty() { "none".to_string() } else { parts.join(", ") },
        benchmark_name
    )
}

/// The value of a row as the data table shows it (1 decimal).
pub fn value_text(v: Option<f64>) -> String {
    human(v, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;

    fn row(value: Option<f64>, class: Comparison, hib: Option<bool>) -> SpineRow {
        SpineRow {
            mark: Mark { label: "Ind".into(), value, lower: None, upper: None, class },
            benchmark: Some(50.0),
            min: Some(30.0),
            q1: Some(45.0),
            q3: Some(55.0),
            max: Some(60.0),
            higher_is_better: hib,
        }
    }

    #[test]
    fn polarity_texts() {
        assert_eq!(higher_is_better(Some("higher is better")), Some(true));
        assert_eq!(higher_is_better(Some("Lower is worse")), Some(true));
        assert_eq!(higher_is_better(Some("lower_is_better")), Some(false));
        assert_eq!(higher_is_better(Some("higher is worse")), Some(false));
        assert_eq!(higher_is_better(Some("no judgement")), None);
        assert_eq!(higher_is_better(None), None);
    }

    #[test]
    fn one_mark_per_row_centred_on_the_benchmark() {
        let rows =
            vec![row(Some(50.0), Comparison::Similar, Some(true)), row(None, Comparison::NotCompared, Some(true)), {
                let mut r = row(Some(40.0), Comparison::Worse, Some(true));
                r.benchmark = None;
                r
            }];
        let mut opts = Opts::new("s", "Spine", "desc");
        opts.width = 416.0;
        let chart = spine(&rows, &opts);
        assert_eq!(chart.marks, 3);
        assert_eq!(chart.svg.matches("data-mark=").count(), 3);
        assert_eq!(chart.svg.matches("<title>").count(), 3);
        // The value equal to the benchmark sits on the centre line (x = 208).
        assert!(chart.svg.contains("<circle cx=\"208\" cy=\"28\" r=\"6\" class=\"similar\"/>"), "{}", chart.svg);
        assert_finite_coordinates(&chart.svg);
    }

    #[test]
    fn worst_is_on_the_left_whatever_the_polarity() {
        let mut opts = Opts::new("s", "Spine", "desc");
        opts.width = 416.0;
        // Higher is better: min 30 (worst) is 20 from 50, the farthest → the range starts at
        // x = 8 (left edge); max 60 at 208 + 10/20·200 = 308.
        let chart = spine(&[row(Some(60.0), Comparison::Better, Some(true))], &opts);
        assert!(
            chart.svg.contains("<rect x=\"8\" y=\"20\" width=\"300\" height=\"16\" class=\"range\"/>"),
            "{}",
            chart.svg
        );
        assert!(chart.svg.contains("<circle cx=\"308\""), "{}", chart.svg);
        // Lower is better: 60 is the worst → left at 208 − 100 = 108; 30 the best → 408.
        let chart = spine(&[row(Some(60.0), Comparison::Worse, Some(false))], &opts);
        assert!(
            chart.svg.contains("<rect x=\"108\" y=\"20\" width=\"300\" height=\"16\" class=\"range\"/>"),
            "{}",
            chart.svg
        );
        assert!(chart.svg.contains("<circle cx=\"108\""), "{}", chart.svg);
        assert!(chart.svg.contains("<rect x=\"158\" y=\"20\" width=\"100\" height=\"16\" class=\"band\"/>"));
    }

    #[test]
    fn description_counts_comparisons() {
        let rows = vec![row(Some(1.0), Comparison::Better, None), row(Some(1.0), Comparison::Better, None)];
        assert!(describe(&rows, "England").starts_with("2 indicators against England: 2 better."));
    }
}
