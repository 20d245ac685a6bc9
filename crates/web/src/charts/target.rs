//! The target chart of the place page and report: a target's values by period as points with
//! their 95% interval whiskers (coloured by their comparison with the benchmark), the
//! trajectory from the baseline to the target as a dashed line, and the target marked as a
//! diamond at the target period.
//!
//! Marks (each `data-mark` with a `<title>`): one per period given (a period without a value
//! still counts, drawn as nothing) and one for the target when there is a trajectory: the rows
//! of the page's data table, whose last row is the target. The trajectory line is decoration
//! (titled, not a mark): it joins the baseline to the target, both in the table.
//! x is the period's last year; y runs over every value, limit, the baseline and the target,
//! widened to round numbers.

use store::assess::Trajectory;

use super::{escape, extent, human, mark_title, num, Chart, Comparison, Mark, Opts, Scale, Svg};

/// The space around the plot: left (y labels), right, top, bottom (x labels).
const MARGIN: (f64, f64, f64, f64) = (56.0, 20.0, 16.0, 36.0);

/// The target chart of `points` (the period's last year and its mark, any order), the
/// `trajectory` when known (drawn from its baseline to its target, the target marked and
/// titled `target_label`, e.g. "Target: 83.0 in 2026 - 28"), with `opts`' title, description,
/// size and unit.
pub fn target(points: &[(i32, Mark)], trajectory: Option<&Trajectory>, target_label: &str, opts: &Opts) -> Chart {
    let (left, right, top, bottom) = MARGIN;
    let (width, height) = (opts.width, opts.height);
    let years = points
        .iter()
        .map(|(y, _)| f64::from(*y))
        .chain(trajectory.into_iter().flat_map(|t| [f64::from(t.baseline_year), f64::from(t.target_year)]));
    let (x0, x1) = extent(years).unwrap_or((0.0, 1.0));
    let x = Scale::new((x0 - 0.5, x1 + 0.5), (left, width - right));
    let values = points
        .iter()
        .flat_map(|(_, m)| [m.value, m.lower, m.upper])
        .flatten()
        .chain(trajectory.into_iter().flat_map(|t| [t.baseline, t.target]));
    let (y0, y1) = extent(values).unwrap_or((0.0, 1.0));
    let y = Scale::new((y0, y1), (height - bottom, top)).nice(5);

    let mut svg = Svg::begin("target", opts, height);
    // Axes and grid.
    svg.begin_group("axes");
    for tick in y.ticks(5) {
        let ty = y.map(tick);
        svg.line(left, ty, width - right, ty, "grid");
        svg.text(left - 6.0, ty + 4.0, "end", "tick", &human(Some(tick), if tick.fract() == 0.0 { 0 } else { 1 }));
    }
    let year_ticks: Vec<f64> = x.ticks(8).into_iter().filter(|t| t.fract() == 0.0).collect();
    for tick in &year_ticks {
        let tx = x.map(*tick);
        svg.line(tx, height - bottom, tx, height - bottom + 4.0, "axis");
        svg.text(tx, height - bottom + 18.0, "middle", "tick", &format!("{tick}"));
    }
    svg.line(left, height - bottom, width - right, height - bottom, "axis");
    svg.line(left, top, left, height - bottom, "axis");
    svg.end_group();

    // The trajectory (decoration).
    if let Some(t) = trajectory {
        svg.begin_group("trajectory");
        svg.raw(&format!(
            "<title>{}</title>",
            escape(&format!(
                "Trajectory: from {} in {} to {} in {}",
                human(Some(t.baseline), 1),
                t.baseline_year,
                human(Some(t.target), 1),
                t.target_year
            ))
        ));
        svg.line(
            x.map(f64::from(t.baseline_year)),
            y.map(t.baseline),
            x.map(f64::from(t.target_year)),
            y.map(t.target),
            "trajectory-line",
        );
        svg.end_group();
    }

    // The values, oldest first.
    let mut sorted: Vec<&(i32, Mark)> = points.iter().collect();
    sorted.sort_by_key(|(year, _)| *year);
    for (year, mark) in sorted {
        let mut title = mark_title(mark, &opts.unit);
        if let (Some(t), Some(_)) = (trajectory, mark.value) {
            title.push_str(&format!("; trajectory {}", human(Some(t.at(*year)), 1)));
        }
        svg.begin_mark(mark.class, &title);
        if let Some(value) = mark.value.filter(|v| v.is_finite()) {
            let cx = x.map(f64::from(*year));
            if let (Some(lower), Some(upper)) = (mark.lower, mark.upper) {
                let (ly, uy) = (y.map(lower), y.map(upper));
                svg.line(cx, ly, cx, uy, "ci");
                svg.line(cx - 4.0, ly, cx + 4.0, ly, "ci");
                svg.line(cx - 4.0, uy, cx + 4.0, uy, "ci");
            }
            svg.circle(cx, y.map(value), 5.0, mark.class.class());
        }
        svg.end_group();
    }

    // The target.
    if let Some(t) = trajectory {
        svg.begin_mark(Comparison::NotCompared, target_label);
        let (cx, cy) = (x.map(f64::from(t.target_year)), y.map(t.target));
        svg.path(
            &format!(
                "M{} {}L{} {}L{} {}L{} {}Z",
                num(cx),
                num(cy - 7.0),
                num(cx + 7.0),
                num(cy),
                num(cx),
                num(cy + 7.0),
                num(cx - 7.0),
                num(cy)
            ),
            "target-marker",
        );
        svg.end_group();
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;

    fn mark(label: &str, value: Option<f64>, half: f64) -> Mark {
        Mark {
            label: label.into(),
            value,
            lower: value.map(|v| v - half),
            upper: value.map(|v| v + half),
            class: Comparison::Similar,
        }
    }

    #[test]
    fn marks_are_the_periods_and_the_target() {
        let points = vec![
            (2021, mark("2019 - 21", Some(82.3), 0.4)),
            (2019, mark("2017 - 19", Some(82.0), 0.4)),
            (2020, mark("2018 - 20", None, 0.0)),
        ];
        let trajectory = Trajectory { baseline_year: 2019, baseline: 82.0, target_year: 2028, target: 83.0 };
        let opts = Opts::new("t1", "T1: life expectancy", "Values by period");
        let chart = target(&points, Some(&trajectory), "Target: 83.0 in 2026 - 28", &opts);
        assert_eq!(chart.marks, 4);
        assert_eq!(chart.svg.matches("data-mark=").count(), 4);
        assert_eq!(chart.svg.matches("<title>").count(), 4 + 1, "each mark and the trajectory titled");
        // Oldest first; the empty period still a mark; the target last.
        let first = chart.svg.find("2017 - 19: 82.0 (81.6 – 82.4), Similar; trajectory 82.0").unwrap();
        let empty = chart.svg.find("<title>2018 - 20: no value</title></g>").unwrap();
        let target_mark = chart.svg.find("<title>Target: 83.0 in 2026 - 28</title><path").unwrap();
        assert!(first < empty && empty < target_mark);
        assert!(chart.svg.contains("<title>Trajectory: from 82.0 in 2019 to 83.0 in 2028</title>"));
        assert!(chart.svg.contains("role=\"img\" aria-labelledby=\"t1-title t1-desc\""));
        // The baseline point sits where the trajectory starts.
        let line = &chart.svg[chart.svg.find("class=\"trajectory\"").unwrap()..];
        let line = &line[line.find("<line").unwrap()..];
        let x1 = line.split("x1=\"").nth(1).unwrap().split('"').next().unwrap();
        let y1 = line.split("y1=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(
            chart.svg.contains(&format!("<circle cx=\"{x1}\" cy=\"{y1}\" r=\"5\" class=\"similar\"/>")),
            "{}",
            chart.svg
        );
        assert_finite_coordinates(&chart.svg);
    }

    #[test]
    fn no_trajectory_no_target_mark_and_nothing_breaks_on_one_point() {
        let points = vec![(2023, mark("2023", Some(5.0), 0.0))];
        let chart = target(&points, None, "", &Opts::new("t2", "T2", ""));
        assert_eq!(chart.marks, 1);
        assert!(!chart.svg.contains("trajectory"));
        assert_finite_coordinates(&chart.svg);
        let chart = target(&[], None, "", &Opts::new("t3", "T3", ""));
        assert_eq!(chart.marks, 0);
        assert_finite_coordinates(&chart.svg);
    }
}
