//! Values by deprivation decile with the slope index of inequality (SII) line and its interval.
//!
//! Deciles run left to right from the most deprived to the least. The SII line is the fitted
//! line y(b) = α + SII·b of the OHID/PHE method (`stats::sii`): b is the relative rank, the
//! midpoint of a decile's cumulative population share, from 0 (most deprived) to 1; α = ȳ −
//! SII·b̄ with ȳ = Σaᵢyᵢ and b̄ = Σaᵢbᵢ (aᵢ the population shares). Its interval is the band
//! between the lines of slopes SII lower and SII upper through the same centroid (b̄, ȳ).

use super::{extent, human, mark_title, Chart, Mark, Opts, Scale, Svg};

/// The fitted SII line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SiiLine {
    /// α: the fitted value at b = 0 (the most deprived end).
    pub intercept: f64,
    /// The SII: the fitted value at b = 1 minus that at b = 0.
    pub slope: f64,
    /// The SII's lower limit.
    pub lower: Option<f64>,
    /// The SII's upper limit.
    pub upper: Option<f64>,
    /// b̄, the population-weighted mean rank (0.5 when every share is known).
    pub pivot: f64,
}

impl SiiLine {
    /// The line through the deciles `(value, population)` (most deprived first) with slope
    /// `sii` and limits: shares aᵢ = pᵢ/Σp, ranks bᵢ = Σ_{j<i}aⱼ + aᵢ/2, ȳ = Σaᵢyᵢ, b̄ =
    /// Σaᵢbᵢ, α = ȳ − SII·b̄, over the deciles that have a value. Without a usable population
    /// for each of them (missing, zero, negative) the shares are equal. `None` when no decile
    /// has a value or `sii` is not finite.
    pub fn fit(
        deciles: &[(Option<f64>, Option<f64>)],
        sii: f64,
        lower: Option<f64>,
        upper: Option<f64>,
    ) -> Option<SiiLine> {
        let present: Vec<(f64, Option<f64>)> =
            deciles.iter().filter_map(|(v, p)| v.filter(|v| v.is_finite()).map(|v| (v, *p))).collect();
        if present.is_empty() || !sii.is_finite() {
            return None;
        }
        let values: Vec<f64> = present.iter().map(|(v, _)| *v).collect();
        let pops: Option<Vec<f64>> = present.iter().map(|(_, p)| p.filter(|p| p.is_finite() && *p > 0.0)).collect();
        let n = values.len() as f64;
        let shares: Vec<f64> = match pops {
            Some(p) => {
                let total: f64 = p.iter().sum();
                p.iter().map(|x| x / total).collect()
            }
            None => vec![1.0 / n; values.len()],
        };
        let mut cumulative = 0.0;
        let (mut ybar, mut bbar) = (0.0, 0.0);
        for (a, y) in shares.iter().zip(&values) {
            let b = cumulative + a / 2.0;
            cumulative += a;
            ybar += a * y;
            bbar += a * b;
        }
        Some(SiiLine { intercept: ybar - sii * bbar, slope: sii, lower, upper, pivot: bbar })
    }

    /// The fitted value at rank `b` on the line of `slope` through the centroid.
    fn at(&self, slope: f64, b: f64) -> f64 {
        let ybar = self.intercept + self.slope * self.pivot;
        ybar + slope * (b - self.pivot)
    }
}

/// Room for the y axis' labels on the left.
const LEFT: f64 = 56.0;
/// Room for the deciles' numbers at the bottom.
const BOTTOM: f64 = 40.0;

/// Columns of `marks` (deciles, most deprived first; one mark each, even without a value) with
/// their intervals, and the SII line with its interval band when given.
pub fn deciles(marks: &[Mark], sii: Option<&SiiLine>, opts: &Opts) -> Chart {
    let (top, right) = (16.0, opts.width - 12.0);
    let bottom = opts.height - BOTTOM;
    let n = marks.len().max(1);
    let mut values: Vec<f64> = marks.iter().flat_map(|m| [m.value, m.lower, m.upper]).flatten().collect();
    if let Some(s) = sii {
        for slope in [Some(s.slope), s.lower, s.upper].into_iter().flatten() {
            values.push(s.at(slope, 0.0));
            values.push(s.at(slope, 1.0));
        }
    }
    values.push(0.0);
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let y = Scale::new((lo, hi), (bottom, top)).nice(5);
    let x = Scale::new((0.0, 1.0), (LEFT, right));
    let slot = (right - LEFT) / n as f64;
    let zero = y.map_clamped(0.0);
    let mut svg = Svg::begin("deciles", opts, opts.height);
    for t in y.ticks(5) {
        let yy = y.map(t);
        svg.line(LEFT, yy, right, yy, "grid");
        svg.text(LEFT - 6.0, yy + 4.0, "end", "tick", &human(Some(t), if t.fract() == 0.0 { 0 } else { 1 }));
    }
    for (i, mark) in marks.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        svg.text(cx, bottom + 16.0, "middle", "tick", &(i + 1).to_string());
        svg.begin_mark(mark.class, &mark_title(mark, &opts.unit));
        if let Some(v) = mark.value.filter(|v| v.is_finite()) {
            let yy = y.map_clamped(v);
            svg.rect(
                cx - slot * 0.35,
                yy.min(zero),
                slot * 0.7,
                (zero - yy).abs(),
                &format!("decile {}", mark.class.class()),
            );
        }
        if let (Some(l), Some(u)) = (mark.lower.filter(|v| v.is_finite()), mark.upper.filter(|v| v.is_finite())) {
            let (yl, yu) = (y.map_clamped(l), y.map_clamped(u));
            svg.path(&super::whisker_v(cx, yl, yu, 4.0), "ci");
        }
        svg.end_group();
    }
    svg.text(LEFT, bottom + 32.0, "start", "tick", "Most deprived");
    svg.text(right, bottom + 32.0, "end", "tick", "Least deprived");
    if let Some(s) = sii {
        if let (Some(l), Some(u)) = (s.lower.filter(|v| v.is_finite()), s.upper.filter(|v| v.is_finite())) {
            let d = format!(
                "M{} {}L{} {}L{} {}L{} {}Z",
                super::num(x.map(0.0)),
                super::num(y.map_clamped(s.at(l, 0.0))),
                super::num(x.map(1.0)),
                super::num(y.map_clamped(s.at(l, 1.0))),
                super::num(x.map(1.0)),
                super::num(y.map_clamped(s.at(u, 1.0))),
                super::num(x.map(0.0)),
                super::num(y.map_clamped(s.at(u, 0.0))),
            );
            svg.path(&d, "sii-ci");
        }
        svg.line(x.map(0.0), y.map_clamped(s.at(s.slope, 0.0)), x.map(1.0), y.map_clamped(s.at(s.slope, 1.0)), "sii");
    }
    svg.line(LEFT, zero, right, zero, "axis");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;

    #[test]
    fn the_line_passes_through_the_weighted_centroid() {
        // Equal shares: b = 0.05, 0.15, …; ȳ = mean; b̄ = 0.5.
        let deciles: Vec<(Option<f64>, Option<f64>)> = (0..10).map(|i| (Some(100.0 - 5.0 * i as f64), None)).collect();
        let line = SiiLine::fit(&deciles, -50.0, Some(-60.0), Some(-40.0)).unwrap();
        assert!((line.pivot - 0.5).abs() < 1e-12);
        // ȳ = 100 − 5·4.5 = 77.5; α = 77.5 + 50·0.5 = 102.5.
        assert!((line.intercept - 102.5).abs() < 1e-12, "{}", line.intercept);
        // Unequal shares: two groups, populations 1 and 3: a = .25, .75; b = .125, .625;
        // b̄ = .25·.125 + .75·.625 = .5; ȳ = .25·10 + .75·20 = 17.5; α = 17.5 − 8·.5 = 13.5.
        let line = SiiLine::fit(&[(Some(10.0), Some(1.0)), (Some(20.0), Some(3.0))], 8.0, None, None).unwrap();
        assert!((line.intercept - 13.5).abs() < 1e-12);
        assert!(SiiLine::fit(&[(None, None)], 1.0, None, None).is_none());
        // A decile without a value is left out: the other two have equal shares.
        let line = SiiLine::fit(&[(Some(10.0), None), (None, None), (Some(20.0), None)], 8.0, None, None).unwrap();
        assert!((line.intercept - 11.0).abs() < 1e-12);
    }

    #[test]
    fn ten_marks_and_an_sii_band() {
        let marks: Vec<Mark> = (0..10)
            .map(|i| {
                let v = 100.0 - 5.0 * i as f64;
                Mark {
                    label: format!("Decile {}", i + 1),
                    value: Some(v),
                    lower: Some(v - 3.0),
                    upper: Some(v + 3.0),
                    ..Mark::default()
                }
            })
            .collect();
        let rows: Vec<(Option<f64>, Option<f64>)> = marks.iter().map(|m| (m.value, None)).collect();
        let line = SiiLine::fit(&rows, -50.0, Some(-60.0), Some(-40.0)).unwrap();
        let chart = deciles(&marks, Some(&line), &Opts::new("d", "Deciles", "desc"));
        assert_eq!(chart.marks, 10);
        assert_eq!(chart.svg.matches("data-mark=").count(), 10);
        assert!(chart.svg.contains("class=\"sii\""));
        assert!(chart.svg.contains("class=\"sii-ci\""));
        assert_finite_coordinates(&chart.svg);
    }
}
