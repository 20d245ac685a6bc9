//! The compare-areas chart: one horizontal bar per area with its confidence interval,
//! coloured by its comparison, and the benchmark as a vertical line.

use super::{extent, human, mark_title, truncate, Chart, Mark, Opts, Scale, Svg};

/// Height of a bar's row in user units.
pub const ROW: f64 = 16.0;
/// Width given to the areas' names on the left, as a share of the chart's width.
const LABEL_SHARE: f64 = 0.34;
/// Room for the axis labels at the top.
const AXIS: f64 = 22.0;

/// Bars of `marks` in the order given (the caller sorts), each from zero (or from the axis'
/// start when every value is on one side far from zero) to its value, with the interval
/// `lower`–`upper` as a whisker and `benchmark` as a line. One mark per row, even without a
/// value.
pub fn bars(marks: &[Mark], benchmark: Option<f64>, opts: &Opts) -> Chart {
    let height = AXIS + ROW * marks.len().max(1) as f64 + 4.0;
    let plot_left = (opts.width * LABEL_SHARE).round();
    let plot_right = opts.width - 12.0;
    let values = marks.iter().flat_map(|m| [m.value, m.lower, m.upper]).flatten().chain(benchmark).chain([0.0]);
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let scale = Scale::new((lo, hi), (plot_left, plot_right)).nice(4);
    let zero = scale.map_clamped(0.0);
    let mut svg = Svg::begin("bars", opts, height);
    for t in scale.ticks(4) {
        let x = scale.map(t);
        svg.line(x, AXIS - 4.0, x, height, "grid");
        svg.text(x, AXIS - 8.0, "middle", "tick", &human(Some(t), if t.fract() == 0.0 { 0 } else { 1 }));
    }
    // The names, right-aligned left of the plot, in one group (one anchor for all).
    svg.raw("<g class=\"labels\" text-anchor=\"end\">");
    for (i, mark) in marks.iter().enumerate() {
        let mid = AXIS + i as f64 * ROW + ROW / 2.0;
        svg.text(plot_left - 6.0, mid + 4.0, "start", "", &truncate(&mark.label, 30));
    }
    svg.end_group();
    for (i, mark) in marks.iter().enumerate() {
        let top = AXIS + i as f64 * ROW;
        let mid = top + ROW / 2.0;
        svg.begin_mark(mark.class, &mark_title(mark, &opts.unit));
        if let Some(v) = mark.value.filter(|v| v.is_finite()) {
            let x = scale.map_clamped(v);
            svg.rect(zero.min(x), top + 2.0, (x - zero).abs(), ROW - 4.0, mark.class.class());
        }
        if let (Some(l), Some(u)) = (mark.lower, mark.upper) {
            if l.is_finite() && u.is_finite() {
                let (xl, xu) = (scale.map_clamped(l), scale.map_clamped(u));
                svg.path(&super::whisker_h(xl, xu, mid, 4.0), "ci");
            }
        }
        svg.end_group();
    }
    if let Some(b) = benchmark.filter(|b| b.is_finite()) {
        let x = scale.map_clamped(b);
        svg.line(x, AXIS - 4.0, x, height, "benchmark");
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;
    use crate::charts::Comparison;

    #[test]
    fn one_bar_per_area_with_whiskers_and_benchmark() {
        let marks = vec![
            Mark {
                label: "A".into(),
                value: Some(40.0),
                lower: Some(35.0),
                upper: Some(45.0),
                class: Comparison::Worse,
            },
            Mark {
                label: "B".into(),
                value: Some(20.0),
                lower: Some(18.0),
                upper: Some(22.0),
                class: Comparison::Better,
            },
            Mark::new("C <suppressed>", None),
        ];
        let mut opts = Opts::new("b", "Compare", "d");
        opts.width = 600.0;
        let chart = bars(&marks, Some(30.0), &opts);
        assert_eq!(chart.marks, 3);
        assert_eq!(chart.svg.matches("data-mark=").count(), 3);
        assert_eq!(chart.svg.matches("class=\"benchmark\"").count(), 1);
        assert!(chart.svg.contains("C &lt;suppressed&gt;"));
        // Domain 0..45 nice → 0..50 onto 204..588 (7.68 a unit): 40 → 511.2, 20 → 357.6,
        // benchmark 30 → 434.4.
        assert!(
            chart.svg.contains("<rect x=\"204\" y=\"24\" width=\"307.2\" height=\"12\" class=\"worse\"/>"),
            "{}",
            chart.svg
        );
        assert!(chart.svg.contains("<rect x=\"204\" y=\"40\" width=\"153.6\" height=\"12\" class=\"better\"/>"));
        assert!(
            chart.svg.contains("<line x1=\"434.4\" y1=\"18\" x2=\"434.4\" y2=\"74\" class=\"benchmark\"/>"),
            "{}",
            chart.svg
        );
        assert_finite_coordinates(&chart.svg);
    }

    #[test]
    fn empty_and_negative_values_stay_finite() {
        let chart = bars(&[], None, &Opts::new("b", "t", "d"));
        assert_eq!(chart.marks, 0);
        assert_finite_coordinates(&chart.svg);
        let chart =
            bars(&[Mark::new("x", Some(-3.0)), Mark::new("y", Some(f64::NAN))], None, &Opts::new("b", "t", "d"));
        assert_eq!(chart.marks, 2);
        assert_finite_coordinates(&chart.svg);
    }
}
