//! The gap in life expectancy between the most and least deprived deciles split by age band
//! and cause of death (Arriaga's decomposition, as the OHID Segment Tool draws it): one column
//! per age band (one mark each), its causes stacked, contributions to the gap above the zero
//! line and contributions against it below.
//!
//! Causes are coloured by their order (`cause-0` … `cause-3`, repeating), a legend of the
//! causes is drawn under the bands; the years of each band and cause are in the mark's title
//! and in the page's table.

use super::{extent, human, Chart, Comparison, Opts, Scale, Svg};

/// One age band's contributions, one per cause (in the order of the causes given).
#[derive(Clone, Debug, PartialEq)]
pub struct BandContributions {
    /// The band ("0", "1-4", …, "90+").
    pub band: String,
    /// Years of the gap from each cause in the band.
    pub by_cause: Vec<f64>,
}

impl BandContributions {
    /// The band's contribution: the sum over causes.
    pub fn total(&self) -> f64 {
        self.by_cause.iter().sum()
    }
}

/// Room for the y axis' labels on the left.
const LEFT: f64 = 48.0;
/// Room for the bands' labels and the legend at the bottom.
const BOTTOM: f64 = 64.0;

/// The class of cause `i`'s segments and legend swatch.
pub fn cause_class(i: usize) -> String {
    format!("cause-{}", i % 4)
}

/// Columns of the age bands (youngest first), each the stack of its causes' contributions
/// (positive up from zero, negative down), one mark per band.
pub fn decomposition(bands: &[BandContributions], causes: &[String], opts: &Opts) -> Chart {
    let (top, right) = (16.0, opts.width - 12.0);
    let bottom = opts.height - BOTTOM;
    let n = bands.len().max(1);
    // The extent of the stacks: the sum of positive parts above, of negative parts below.
    let mut values = vec![0.0];
    for b in bands {
        values.push(b.by_cause.iter().filter(|v| **v > 0.0).sum());
        values.push(b.by_cause.iter().filter(|v| **v < 0.0).sum());
    }
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let y = Scale::new((lo, hi), (bottom, top)).nice(5);
    let slot = (right - LEFT) / n as f64;
    let zero = y.map_clamped(0.0);
    let mut svg = Svg::begin("decomposition", opts, opts.height);
    for t in y.ticks(5) {
        let yy = y.map(t);
        svg.line(LEFT, yy, right, yy, "grid");
        svg.text(LEFT - 6.0, yy + 4.0, "end", "tick", &human(Some(t), if t.fract() == 0.0 { 0 } else { 1 }));
    }
    for (i, band) in bands.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        if i % 2 == 0 || n <= 10 {
            svg.text(cx, bottom + 14.0, "middle", "tick", &band.band);
        }
        let parts: Vec<String> =
            causes.iter().zip(&band.by_cause).map(|(c, v)| format!("{c} {}", human(Some(*v), 2))).collect();
        let title = format!("Age {}: {} years ({})", band.band, human(Some(band.total()), 2), parts.join(", "));
        svg.begin_mark(Comparison::NotCompared, &title);
        let (mut up, mut down) = (0.0, 0.0);
        for (c, &v) in band.by_cause.iter().enumerate() {
            if !v.is_finite() || v == 0.0 {
                continue;
            }
            let (from, to) = if v > 0.0 {
                up += v;
                (up - v, up)
            } else {
                down += v;
                (down - v, down)
            };
            let (y0, y1) = (y.map_clamped(from), y.map_clamped(to));
            svg.rect(cx - slot * 0.35, y0.min(y1), slot * 0.7, (y1 - y0).abs(), &cause_class(c));
        }
        svg.end_group();
    }
    // The legend: a swatch and the name of each cause.
    let per = (right - LEFT) / causes.len().max(1) as f64;
    for (c, name) in causes.iter().enumerate() {
        let x = LEFT + per * c as f64;
        svg.rect(x, bottom + 32.0, 12.0, 12.0, &cause_class(c));
        svg.text(x + 16.0, bottom + 42.0, "start", "tick", &super::truncate(name, 24));
    }
    svg.line(LEFT, zero, right, zero, "axis");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::assert_finite_coordinates;

    #[test]
    fn one_mark_per_band_with_a_segment_per_nonzero_cause() {
        let causes = vec!["Cardiovascular".to_string(), "Cancer".to_string(), "Other causes".to_string()];
        let bands: Vec<BandContributions> = (0..20)
            .map(|i| BandContributions { band: format!("b{i}"), by_cause: vec![0.1 * i as f64, -0.05, 0.0] })
            .collect();
        let chart = decomposition(&bands, &causes, &Opts::new("g", "Gap", "desc"));
        assert_eq!(chart.marks, 20);
        assert_eq!(chart.svg.matches("data-mark=").count(), 20);
        // Band 0: only the negative cancer part; bands 1-19: both; plus three legend swatches.
        assert_eq!(chart.svg.matches("class=\"cause-0\"").count(), 19 + 1);
        assert_eq!(chart.svg.matches("class=\"cause-1\"").count(), 20 + 1);
        assert_eq!(chart.svg.matches("class=\"cause-2\"").count(), 1);
        assert!(chart.svg.contains("Age b3: 0.25 years (Cardiovascular 0.30, Cancer -0.05, Other causes 0.00)"));
        assert_finite_coordinates(&chart.svg);
    }
}
