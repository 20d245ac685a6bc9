//! The trend chart: an area's values over periods as a line with its confidence limits as a
//! shaded band, each period a circle coloured by its comparison, and optionally a benchmark
//! series (England) as a dashed line.

use super::Mark;
use super::{extent, human, mark_title, Chart, Opts, Scale, Svg};

/// Room for the y axis' labels on the left.
const LEFT: f64 = 56.0;
/// Room for the periods at the bottom.
const BOTTOM: f64 = 40.0;

/// The trend of `points` (period label, mark; oldest first); `benchmark` gives the benchmark's
/// value at each point (same length, `None` where it has none) and is drawn as a dashed line
/// named `benchmark_name` in the legend. One mark per point, even without a value.
pub fn trend(points: &[(String, Mark)], benchmark: Option<&[Option<f64>]>, benchmark_name: &str, opts: &Opts) -> Chart {
    let (top, right) = (16.0, opts.width - 16.0);
    let bottom = opts.height - BOTTOM;
    let n = points.len();
    let bench: Vec<Option<f64>> = match benchmark {
        Some(b) => (0..n).map(|i| b.get(i).copied().flatten()).collect(),
        None => vec![None; n],
    };
    let values =
        points.iter().flat_map(|(_, m)| [m.value, m.lower, m.upper]).flatten().chain(bench.iter().flatten().copied());
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let y = Scale::new((lo, hi), (bottom, top)).nice(5);
    let x_of = |i: usize| if n <= 1 { (LEFT + right) / 2.0 } else { LEFT + (right - LEFT) * i as f64 / (n - 1) as f64 };
    let mut svg = Svg::begin("trend", opts, opts.height);
    for t in y.ticks(5) {
        let yy = y.map(t);
        svg.line(LEFT, yy, right, yy, "grid");
        svg.text(LEFT - 6.0, yy + 4.0, "end", "tick", &human(Some(t), if t.fract() == 0.0 { 0 } else { 1 }));
    }
    // Period labels: at most about 8, evenly picked, so that they do not overlap.
    let every = n.div_ceil(8).max(1);
    for (i, (label, _)) in points.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            svg.text(x_of(i), bottom + 16.0, "middle", "tick", label);
        }
    }
    // The limits as a band: upper limits left to right, lower limits back, over runs of
    // consecutive points that have both.
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64, f64)>, svg: &mut Svg| {
        if run.len() >= 2 {
            let mut pts: Vec<(f64, f64)> = run.iter().map(|&(x, _, u)| (x, u)).collect();
            pts.extend(run.iter().rev().map(|&(x, l, _)| (x, l)));
            let mut d = String::new();
            for (k, (px, py)) in pts.iter().enumerate() {
                d.push_str(if k == 0 { "M" } else { "L" });
                d.push_str(&super::num(*px));
                d.push(' ');
                d.push_str(&super::num(*py));
            }
            d.push('Z');
            svg.path(&d, "limits");
        }
        run.clear();
    };
    for (i, (_, m)) in points.iter().enumerate() {
        match (m.lower.filter(|v| v.is_finite()), m.upper.filter(|v| v.is_finite())) {
            (Some(l), Some(u)) => run.push((x_of(i), y.map(l), y.map(u))),
            _ => flush(&mut run, &mut svg),
        }
    }
    flush(&mut run, &mut svg);
    if bench.iter().any(Option::is_some) {
        let pts: Vec<(f64, f64)> = bench
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.filter(|v| v.is_finite()).map(|v| (x_of(i), y.map(v))))
            .collect();
        svg.polyline(&pts, "line series2");
        svg.text(right, top - 4.0, "end", "legend", &format!("- - {benchmark_name}"));
    }
    let line: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, m))| m.value.filter(|v| v.is_finite()).map(|v| (x_of(i), y.map(v))))
        .collect();
    svg.polyline(&line, "line");
    for (i, (label, m)) in points.iter().enumerate() {
        let mut titled = m.clone();
        titled.label = format!("{label}: {}", m.label);
        if m.label.is_empty() {
            titled.label = label.clone();
        }
        svg.begin_mark(m.class, &mark_title(&titled, &opts.unit));
        if let Some(v) = m.value.filter(|v| v.is_finite()) {
            svg.circle(x_of(i), y.map(v), 5.0, m.class.class());
        }
        svg.end_group();
    }
    svg.line(LEFT, bottom, right, bottom, "axis");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;
    use crate::charts::Comparison;

    fn point(period: &str, v: Option<f64>) -> (String, Mark) {
        (
            period.to_string(),
            Mark {
                label: String::new(),
                value: v,
                lower: v.map(|v| v - 1.0),
                upper: v.map(|v| v + 1.0),
                class: Comparison::Similar,
            },
        )
    }

    #[test]
    fn one_mark_per_period_with_limits_and_benchmark() {
        let points =
            vec![point("2019", Some(10.0)), point("2020", Some(12.0)), point("2021", None), point("2022", Some(11.0))];
        let bench = [Some(11.0), Some(11.0), Some(11.0), None];
        let mut opts = Opts::new("t", "Trend", "d");
        opts.width = 456.0;
        opts.height = 256.0;
        let chart = trend(&points, Some(&bench), "England", &opts);
        assert_eq!(chart.marks, 4);
        assert_eq!(chart.svg.matches("data-mark=").count(), 4);
        // A band over 2019–2020 only (2021 has no limits, 2022 alone is no band).
        assert_eq!(chart.svg.matches("class=\"limits\"").count(), 1);
        assert!(chart.svg.contains("class=\"line series2\""));
        assert!(chart.svg.contains("<title>2021: no value</title>"));
        // Three periods apart from 56 to 440: 2020 at 56 + 384/3 = 184.
        assert!(chart.svg.contains("<circle cx=\"184\""), "{}", chart.svg);
        assert_finite_coordinates(&chart.svg);
    }

    #[test]
    fn a_single_or_empty_series_is_finite() {
        let chart = trend(&[point("2020", Some(5.0))], None, "England", &Opts::new("t", "T", "d"));
        assert_eq!(chart.marks, 1);
        assert_finite_coordinates(&chart.svg);
        let chart = trend(&[], None, "England", &Opts::new("t", "T", "d"));
        assert_eq!(chart.marks, 0);
        assert_finite_coordinates(&chart.svg);
    }
}
