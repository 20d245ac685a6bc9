//! Charts drawn in SVG on the server: pure functions from numbers to a [`Chart`].
//!
//! The contract every chart keeps (docs/web.md §3.1):
//! - the `<svg>` has `role="img"` and `aria-labelledby` naming its `<title>` and `<desc>`;
//! - every mark (one per data row the page's table shows) is an element with a `data-mark`
//!   attribute and a `<title>` child (name, value, interval, comparison), so that the number
//!   of `[data-mark]` elements equals the rows of the chart's data table;
//! - colours come from CSS classes ([`Comparison::class`]: `better`, `similar`, `worse`,
//!   `higher`, `lower`, `none`), never from inline colours, so that the colour-blind palette
//!   (`palette-cb` on the `<svg>` or an ancestor, [`Palette::ColourBlind`]) is a switch of
//!   style sheet only; a standalone download ([`Opts::standalone`]) carries its own `<style>`
//!   ([`STANDALONE_STYLE`]) and the SVG namespace, an inline chart neither (the page's CSS
//!   styles it; HTML puts `<svg>` in the SVG namespace by itself);
//! - coordinates are finite numbers written with at most one decimal ([`num`]);
//! - text is escaped ([`escape`]).
//!
//! The helpers here ([`Scale`], [`Svg`], [`escape`], [`num`], [`mark_title`]) are what each
//! chart module is written with.

pub mod bars;
pub mod deciles;
pub mod decomposition;
pub mod map;
pub mod spine;
pub mod target;
pub mod trend;

use std::borrow::Cow;
use std::fmt::Write as _;

/// How a value compares with its benchmark, as the indicator portal colours it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Significantly better (green `#92D050`; colour-blind palette blue `#0072B2`).
    Better,
    /// Not significantly different (amber `#FFC000`; colour-blind grey `#BBBBBB`).
    Similar,
    /// Significantly worse (red `#C00000`; colour-blind vermilion `#D55E00`).
    Worse,
    /// Significantly higher, for indicators without a polarity (light blue `#BED2FF`).
    Higher,
    /// Significantly lower, for indicators without a polarity (dark blue `#5555E6`).
    Lower,
    /// Not compared: a value, a limit or the benchmark is missing (white, grey stroke).
    #[default]
    NotCompared,
}

impl Comparison {
    /// Every comparison, in the order of a legend.
    pub const ALL: [Comparison; 6] = [
        Comparison::Better,
        Comparison::Similar,
        Comparison::Worse,
        Comparison::Higher,
        Comparison::Lower,
        Comparison::NotCompared,
    ];

    /// The comparison of the portal's wording ("Better", "Similar", "Worse", "Higher",
    /// "Lower", "Not compared", as `stats::comparison::BenchmarkComparison::label` and the
    /// results table write it; case and surrounding space ignored). The two-level wording's
    /// "Best"/"Worst"/"Highest"/"Lowest" fold into their one-level class; anything else,
    /// including a missing label, is [`Comparison::NotCompared`].
    pub fn parse(label: Option<&str>) -> Comparison {
        let Some(label) = label else { return Comparison::NotCompared };
        match label.trim().to_ascii_lowercase().as_str() {
            "better" | "best" => Comparison::Better,
            "similar" => Comparison::Similar,
            "worse" | "worst" => Comparison::Worse,
            "higher" | "highest" => Comparison::Higher,
            "lower" | "lowest" => Comparison::Lower,
            _ => Comparison::NotCompared,
        }
    }

    /// The CSS class that colours it: `better`, `similar`, `worse`, `higher`, `lower`, `none`.
    pub fn class(self) -> &'static str {
        match self {
            Comparison::Better => "better",
            Comparison::Similar => "similar",
            Comparison::Worse => "worse",
            Comparison::Higher => "higher",
            Comparison::Lower => "lower",
            Comparison::NotCompared => "none",
        }
    }

    /// The portal's wording: "Better", "Similar", "Worse", "Higher", "Lower", "Not compared".
    pub fn label(self) -> &'static str {
        match self {
            Comparison::Better => "Better",
            Comparison::Similar => "Similar",
            Comparison::Worse => "Worse",
            Comparison::Higher => "Higher",
            Comparison::Lower => "Lower",
            Comparison::NotCompared => "Not compared",
        }
    }
}

/// The colours of the comparison classes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Palette {
    /// The analysts' colours (green, amber, red; light and dark blue).
    #[default]
    Standard,
    /// A colour-blind-safe alternative (blue, grey, vermilion), from `?palette=cb`.
    ColourBlind,
}

impl Palette {
    /// The palette a `palette` query parameter asks for: `cb` is colour-blind-safe, anything
    /// else (or nothing) the standard one.
    pub fn parse(query: Option<&str>) -> Palette {
        match query {
            Some("cb") => Palette::ColourBlind,
            _ => Palette::Standard,
        }
    }

    /// The CSS class that switches to it (`palette-cb`), empty for the standard palette.
    pub fn class(self) -> &'static str {
        match self {
            Palette::Standard => "",
            Palette::ColourBlind => "palette-cb",
        }
    }

    /// Its value in a query string (`cb`), `None` for the standard palette.
    pub fn query(self) -> Option<&'static str> {
        match self {
            Palette::Standard => None,
            Palette::ColourBlind => Some("cb"),
        }
    }
}

/// One data row as a chart draws it: a labelled value, its interval and its comparison.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mark {
    /// What the row is (an area's name, a period, a decile).
    pub label: String,
    /// The value; `None` draws nothing but still counts as a mark (an empty `<g>` with its
    /// `<title>` saying "no value"), so marks equal rows.
    pub value: Option<f64>,
    /// The lower confidence limit.
    pub lower: Option<f64>,
    /// The upper confidence limit.
    pub upper: Option<f64>,
    /// Its comparison with the benchmark (its colour).
    pub class: Comparison,
}

impl Mark {
    /// A mark of `label` and `value` with no interval, not compared.
    pub fn new(label: impl Into<String>, value: Option<f64>) -> Mark {
        Mark { label: label.into(), value, ..Mark::default() }
    }
}

/// A drawn chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// The whole `<svg>` element.
    pub svg: String,
    /// Its title (also the SVG's `<title>`).
    pub title: String,
    /// Its text alternative (also the SVG's `<desc>`): what it shows and what stands out.
    pub description: String,
    /// How many `data-mark` elements it has (one per data row).
    pub marks: usize,
}

/// What every chart function is told besides its data.
#[derive(Clone, Debug, PartialEq)]
pub struct Opts {
    /// A prefix unique on the page for the ids of `<title>`/`<desc>` (letters, digits, `-`).
    pub id: String,
    /// The chart's title.
    pub title: String,
    /// Its text alternative; a chart function may append what it finds (the range shown).
    pub description: String,
    /// The width of the view box, in user units (the SVG scales to its container).
    pub width: f64,
    /// The height of the view box (charts with one row per mark compute theirs).
    pub height: f64,
    /// A standalone download: the SVG namespace and its own `<style>`.
    pub standalone: bool,
    /// The palette (only the class on the `<svg>`: the colours are CSS).
    pub palette: Palette,
    /// The unit of the values, for marks' titles and axes ("per 100,000", "%", "years").
    pub unit: String,
}

impl Opts {
    /// Options of a chart `id` titled `title` described by `description`, 640 × 320, inline,
    /// standard palette, no unit.
    pub fn new(id: impl Into<String>, title: impl Into<String>, description: impl Into<String>) -> Opts {
        Opts {
            id: id.into(),
            title: title.into(),
            description: description.into(),
            width: 640.0,
            height: 320.0,
            standalone: false,
            palette: Palette::Standard,
            unit: String::new(),
        }
    }
}

/// The `<style>` of a standalone SVG: the classes the page's CSS gives inline charts.
pub const STANDALONE_STYLE: &str = "text{font:12px system-ui,sans-serif;fill:#1b1b1b}\
.axis,.grid{stroke:#c8c8c8;stroke-width:1;fill:none}.benchmark{stroke:#1b1b1b;stroke-width:2;fill:none}\
.range{fill:#d9d9d9}.band{fill:#a6a6a6}.ci{stroke:#1b1b1b;stroke-width:1.5;fill:none}\
.line{stroke:#0b3c5d;stroke-width:2;fill:none}.series2{stroke:#1b1b1b;stroke-dasharray:4 3}\
.limits{fill:#0b3c5d;fill-opacity:.15;stroke:none}.sii{stroke:#1b1b1b;stroke-width:2}.sii-ci{fill:#1b1b1b;fill-opacity:.12}\
[data-mark]>circle,[data-mark]>rect,[data-mark]>path{stroke:#1b1b1b;stroke-width:.5}\
.better{fill:#92D050}.similar{fill:#FFC000}.worse{fill:#C00000}.higher{fill:#BED2FF}.lower{fill:#5555E6}\
.none{fill:#fff;stroke:#767676}.palette-cb .better{fill:#0072B2}.palette-cb .similar{fill:#BBBBBB}\
.palette-cb .worse{fill:#D55E00}.cause-0{fill:#0072B2}.cause-1{fill:#E69F00}.cause-2{fill:#009E73}.cause-3{fill:#CC79A7}";

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for SVG/HTML text and attributes.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A coordinate as SVG text: rounded to one decimal, without a trailing `.0`, `-0` as `0`;
/// a non-finite number (a bug upstream) is written `0` so that the SVG stays valid.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let tenths = (x * 10.0).round();
    if tenths == 0.0 {
        return "0".to_string();
    }
    if tenths % 10.0 == 0.0 {
        format!("{}", tenths / 10.0)
    } else {
        format!("{:.1}", tenths / 10.0)
    }
}

/// A value for people: at most `decimals` decimals, thousands separated by commas
/// (`12345.678` with 1 → `12,345.7`); `None` or non-finite → `-`.
pub fn human(value: Option<f64>, decimals: usize) -> String {
    let Some(v) = value.filter(|v| v.is_finite()) else { return "-".to_string() };
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + 4);
    if v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A mark's tooltip text: "label: value unit (lower – upper), comparison", or "label: no
/// value". The comparison is left out when not compared.
pub fn mark_title(mark: &Mark, unit: &str) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(&mark.label);
    out.push_str(": ");
    match mark.value.filter(|v| v.is_finite()) {
        None => out.push_str("no value"),
        Some(v) => {
            out.push_str(&human(Some(v), 1));
            if !unit.is_empty() {
                out.push(' ');
                out.push_str(unit);
            }
            if mark.lower.is_some() || mark.upper.is_some() {
                let _ = write!(out, " ({} – {})", human(mark.lower, 1), human(mark.upper, 1));
            }
            if mark.class != Comparison::NotCompared {
                out.push_str(", ");
                out.push_str(mark.class.label());
            }
        }
    }
    out
}

/// `text` cut to `max` characters with an ellipsis (the full text is in the mark's title and
/// the table). A closing parenthesis that tells rows apart, such as the sex in
/// `"Pupils achieving … GCSEs (Female)"`, is kept whole when it takes at most half of `max`:
/// the ellipsis goes before it.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = |head: &str, keep: usize| -> String {
        let mut s: String = head.chars().take(keep.saturating_sub(1)).collect();
        s.push('…');
        s
    };
    match text.rfind(" (").filter(|_| text.ends_with(')')) {
        Some(at) if text[at..].chars().count() * 2 <= max => {
            let suffix = &text[at..];
            cut(&text[..at], max - suffix.chars().count()) + suffix
        }
        _ => cut(text, max),
    }
}

/// A horizontal interval as one path: the line from x1 to x2 at y with end ticks of half
/// height `h` (`M x1 y-h v 2h m 0 -h H x2 m 0 -h v 2h`).
pub fn whisker_h(x1: f64, x2: f64, y: f64, h: f64) -> String {
    format!("M{} {}v{}m0 {}H{}m0 {}v{}", num(x1), num(y - h), num(2.0 * h), num(-h), num(x2), num(-h), num(2.0 * h))
}

/// A vertical interval as one path: the line from y1 to y2 at x with end ticks of half width
/// `w`.
pub fn whisker_v(x: f64, y1: f64, y2: f64, w: f64) -> String {
    format!("M{} {}h{}m{} 0V{}m{} 0h{}", num(x - w), num(y1), num(2.0 * w), num(-w), num(y2), num(-w), num(2.0 * w))
}

/// The smallest and largest finite numbers of `values`; `None` when there is none.
pub fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A linear map from a domain of values to a range of coordinates: `y = r0 + (x − d0)·(r1 −
/// r0)/(d1 − d0)`. A degenerate domain (`d0 == d1`) is widened by 1 on each side (by 10% of
/// |d0| when larger) so that the map stays finite; non-finite bounds become `0..1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// The domain's first value.
    pub d0: f64,
    /// The domain's last value.
    pub d1: f64,
    /// The coordinate of `d0`.
    pub r0: f64,
    /// The coordinate of `d1`.
    pub r1: f64,
}

impl Scale {
    /// The map of `domain` onto `range` (either may run backwards, as a y axis does).
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        let (mut d0, mut d1) = domain;
        if !d0.is_finite() || !d1.is_finite() {
            (d0, d1) = (0.0, 1.0);
        }
        if d0 == d1 {
            let pad = (d0.abs() * 0.1).max(1.0);
            (d0, d1) = (d0 - pad, d1 + pad);
        }
        let (r0, r1) = if range.0.is_finite() && range.1.is_finite() { range } else { (0.0, 1.0) };
        Scale { d0, d1, r0, r1 }
    }

    /// The coordinate of `x` (not clamped).
    pub fn map(&self, x: f64) -> f64 {
        self.r0 + (x - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)
    }

    /// The coordinate of `x` clamped to the range (for values outside the domain).
    pub fn map_clamped(&self, x: f64) -> f64 {
        let (lo, hi) = if self.r0 <= self.r1 { (self.r0, self.r1) } else { (self.r1, self.r0) };
        self.map(x).clamp(lo, hi)
    }

    /// The same scale with the domain widened to round numbers (multiples of the step of
    /// [`Scale::ticks`] with about `count` ticks).
    pub fn nice(&self, count: usize) -> Scale {
        let step = tick_step(self.d0.min(self.d1), self.d0.max(self.d1), count);
        let (lo, hi) = (self.d0.min(self.d1), self.d0.max(self.d1));
        let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        if self.d0 <= self.d1 {
            Scale::new((lo, hi), (self.r0, self.r1))
        } else {
            Scale::new((hi, lo), (self.r0, self.r1))
        }
    }

    /// About `count` round values within the domain (steps of 1, 2 or 5 × 10ⁿ), ascending.
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        let (lo, hi) = (self.d0.min(self.d1), self.d0.max(self.d1));
        let step = tick_step(lo, hi, count);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        if last < first || last - first > 1000 {
            return Vec::new();
        }
        // Round away the float noise of `i * step` (0.30000000000000004) at the step's decimals.
        let scale = 10f64.powi((-step.log10().floor()).max(0.0) as i32);
        (first..=last).map(|i| (i as f64 * step * scale).round() / scale).collect()
    }
}

/// The round step (1, 2 or 5 × 10ⁿ) that cuts `lo..hi` into about `count` pieces.
fn tick_step(lo: f64, hi: f64, count: usize) -> f64 {
    let span = (hi - lo).abs();
    if !span.is_finite() || span == 0.0 {
        return 1.0;
    }
    let raw = span / count.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = match raw / power {
        f if f < 1.5 => 1.0,
        f if f < 3.5 => 2.0,
        f if f < 7.5 => 5.0,
        _ => 10.0,
    } * power;
    if step > 0.0 && step.is_finite() {
        step
    } else {
        1.0
    }
}

/// An SVG being written: the root with its title and description, then marks and decoration,
/// then [`Svg::finish`].
pub struct Svg {
    out: String,
    marks: usize,
    title: String,
    description: String,
}

impl Svg {
    /// Opens the `<svg>` of `kind` (a class: `spine`, `bars`, …) with the view box of `opts`
    /// (`height` may differ from `opts.height`), its `<title>`, `<desc>` and, when standalone,
    /// the namespace and the `<style>`.
    pub fn begin(kind: &str, opts: &Opts, height: f64) -> Svg {
        let mut out = String::with_capacity(8 << 10);
        let id = escape(&opts.id);
        let _ = write!(out, "<svg");
        if opts.standalone {
            out.push_str(" xmlns=\"http://www.w3.org/2000/svg\"");
            let _ = write!(out, " width=\"{}\" height=\"{}\"", num(opts.width), num(height));
        }
        let palette = opts.palette.class();
        let _ = write!(
            out,
            " class=\"chart {kind}{}{palette}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">",
            if palette.is_empty() { "" } else { " " },
            num(opts.width),
            num(height),
        );
        let _ = write!(out, "<title id=\"{id}-title\">{}</title>", escape(&opts.title));
        let _ = write!(out, "<desc id=\"{id}-desc\">{}</desc>", escape(&opts.description));
        if opts.standalone {
            let _ = write!(out, "<style>{STANDALONE_STYLE}</style>");
        }
        Svg { out, marks: 0, title: opts.title.clone(), description: opts.description.clone() }
    }

    /// Opens a mark: `<g class="CLASS" data-mark="N"><title>TITLE</title>` (the class's fill
    /// is inherited by the shapes inside); draw its shapes, then [`Svg::end_group`].
    pub fn begin_mark(&mut self, class: Comparison, title: &str) {
        let _ = write!(
            self.out,
            "<g class=\"{}\" data-mark=\"{}\"><title>{}</title>",
            class.class(),
            self.marks,
            escape(title)
        );
        self.marks += 1;
    }

    /// Opens a group of `class` (decoration, not a mark).
    pub fn begin_group(&mut self, class: &str) {
        let _ = write!(self.out, "<g class=\"{}\">", escape(class));
    }

    /// Closes a mark or a group.
    pub fn end_group(&mut self) {
        self.out.push_str("</g>");
    }

    /// A rectangle from (x, y), `w` × `h` (negative sizes are flipped).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str) {
        let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
        let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>",
            num(x),
            num(y),
            num(w),
            num(h),
            class_attr(class)
        );
    }

    /// A line from (x1, y1) to (x2, y2).
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            class_attr(class)
        );
    }

    /// A circle at (cx, cy) of radius `r`.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, class: &str) {
        let _ =
            write!(self.out, "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{}/>", num(cx), num(cy), num(r), class_attr(class));
    }

    /// A path of `d` (made with [`num`]: the caller's commands are written as they are).
    pub fn path(&mut self, d: &str, class: &str) {
        let _ = write!(self.out, "<path d=\"{}\"{}/>", escape(d), class_attr(class));
    }

    /// A polyline through `points` (non-finite points skipped).
    pub fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        self.out.push_str("<polyline points=\"");
        let mut first = true;
        for &(x, y) in points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
            if !first {
                self.out.push(' ');
            }
            first = false;
            let _ = write!(self.out, "{},{}", num(x), num(y));
        }
        let _ = write!(self.out, "\"{}/>", class_attr(class));
    }

    /// Text at (x, y), anchored `start`, `middle` or `end`.
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = write!(self.out, "<text x=\"{}\" y=\"{}\"", num(x), num(y));
        if anchor != "start" {
            let _ = write!(self.out, " text-anchor=\"{}\"", escape(anchor));
        }
        let _ = write!(self.out, "{}>{}</text>", class_attr(class), escape(text));
    }

    /// Writes raw SVG (already escaped by the caller).
    pub fn raw(&mut self, svg: &str) {
        self.out.push_str(svg);
    }

    /// How many marks so far.
    pub fn marks(&self) -> usize {
        self.marks
    }

    /// Closes the `<svg>` and returns the chart.
    pub fn finish(mut self) -> Chart {
        self.out.push_str("</svg>");
        Chart { svg: self.out, title: self.title, description: self.description, marks: self.marks }
    }
}

/// ` class="CLASS"`, or nothing for an empty class.
fn class_attr(class: &str) -> String {
    if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", escape(class))
    }
}

#[cfg(test)]
pub(crate) mod tests {

    #[test]
    fn truncation_keeps_the_parenthesis_that_tells_rows_apart() {
        assert_eq!(truncate("Short (Male)", 60), "Short (Male)");
        let long = "Pupils achieving grade 4 or above in English and maths GCSEs (Female)";
        let cut = truncate(long, 40);
        assert_eq!(cut, "Pupils achieving grade 4 or ab… (Female)");
        assert_eq!(cut.chars().count(), 40);
        // A suffix longer than half the room is cut like any text.
        assert_eq!(truncate("Abcdefghij (a very long note here)", 20).chars().count(), 20);
        assert!(truncate("Abcdefghij (a very long note here)", 20).ends_with('…'));
    }

    use super::*;

    /// Every number in the chart's attributes parses as a finite f64 (checks `x="…"`-style
    /// attributes, `points`, `viewBox` and path commands).
    pub(crate) fn assert_finite_coordinates(svg: &str) {
        for attr in ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "points", "viewBox", "d"] {
            let needle = format!(" {attr}=\"");
            let mut rest = svg;
            while let Some(i) = rest.find(&needle) {
                rest = &rest[i + needle.len()..];
                let end = rest.find('"').expect("closed attribute");
                let value = &rest[..end];
                for token in value.split(|c: char| c == ' ' || c == ',' || c.is_ascii_alphabetic()) {
                    if token.is_empty() || token == "-" {
                        continue;
                    }
                    // Relative path commands run numbers together: "1-2" is 1 then -2.
                    for part in split_signed(token) {
                        let v: f64 =
                            part.parse().unwrap_or_else(|_| panic!("{attr}=\"{value}\": {part:?} is not a number"));
                        assert!(v.is_finite(), "{attr}=\"{value}\"");
                    }
                }
                rest = &rest[end..];
            }
        }
    }

    fn split_signed(token: &str) -> Vec<&str> {
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in token.char_indices() {
            if c == '-' && i > start {
                parts.push(&token[start..i]);
                start = i;
            }
        }
        parts.push(&token[start..]);
        parts
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape("plain"), "plain");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }

    #[test]
    fn numbers_have_at_most_one_decimal_and_stay_finite() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(-12.36), "-12.4");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
    }

    #[test]
    fn human_numbers_have_thousands_and_decimals() {
        assert_eq!(human(Some(12345.678), 1), "12,345.7");
        assert_eq!(human(Some(-1234567.0), 0), "-1,234,567");
        assert_eq!(human(Some(999.96), 1), "1,000.0");
        assert_eq!(human(Some(-0.01), 1), "0.0");
        assert_eq!(human(Some(5.0), 1), "5.0");
        assert_eq!(human(None, 1), "-");
        assert_eq!(human(Some(f64::NAN), 1), "-");
    }

    #[test]
    fn comparisons_parse_the_portal_wording() {
        for c in Comparison::ALL {
            assert_eq!(Comparison::parse(Some(c.label())), c);
        }
        assert_eq!(Comparison::parse(Some(" better ")), Comparison::Better);
        assert_eq!(Comparison::parse(Some("Worst")), Comparison::Worse);
        assert_eq!(Comparison::parse(Some("?")), Comparison::NotCompared);
        assert_eq!(Comparison::parse(None), Comparison::NotCompared);
        assert_eq!(Comparison::NotCompared.class(), "none");
        assert_eq!(Palette::parse(Some("cb")), Palette::ColourBlind);
        assert_eq!(Palette::parse(Some("x")), Palette::Standard);
        assert_eq!(Palette::ColourBlind.class(), "palette-cb");
    }

    #[test]
    fn mark_titles_say_value_interval_and_comparison() {
        let m = Mark {
            label: "Leeds".into(),
            value: Some(1234.56),
            lower: Some(1200.0),
            upper: Some(1270.04),
            class: Comparison::Worse,
        };
        assert_eq!(mark_title(&m, "per 100,000"), "Leeds: 1,234.6 per 100,000 (1,200.0 – 1,270.0), Worse");
        assert_eq!(mark_title(&Mark::new("York", None), ""), "York: no value");
        assert_eq!(mark_title(&Mark::new("York", Some(2.0)), ""), "York: 2.0");
    }

    #[test]
    fn scales_map_linearly_and_survive_degenerate_domains() {
        let s = Scale::new((0.0, 10.0), (100.0, 0.0));
        assert_eq!(s.map(0.0), 100.0);
        assert_eq!(s.map(2.5), 75.0);
        assert_eq!(s.map(10.0), 0.0);
        assert_eq!(s.map_clamped(20.0), 0.0);
        let flat = Scale::new((5.0, 5.0), (0.0, 100.0));
        assert!(flat.map(5.0).is_finite());
        assert_eq!(flat.map(5.0), 50.0);
        let bad = Scale::new((f64::NAN, 1.0), (0.0, 100.0));
        assert!(bad.map(0.5).is_finite());
    }

    #[test]
    fn ticks_are_round_and_inside_the_domain() {
        let s = Scale::new((0.0, 1.0), (0.0, 100.0));
        assert_eq!(s.ticks(5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let s = Scale::new((13.0, 87.0), (0.0, 100.0));
        assert_eq!(s.ticks(4), vec![20.0, 40.0, 60.0, 80.0]);
        let n = s.nice(4);
        assert_eq!((n.d0, n.d1), (0.0, 100.0));
        assert_eq!(extent([3.0, f64::NAN, -1.0, 7.0]), Some((-1.0, 7.0)));
        assert_eq!(extent([f64::NAN]), None);
    }

    #[test]
    fn svg_root_is_labelled_and_marks_are_counted() {
        let mut opts = Opts::new("c1", "A <chart>", "What it shows & why");
        opts.palette = Palette::ColourBlind;
        let mut svg = Svg::begin("bars", &opts, 100.0);
        svg.begin_mark(Comparison::Better, "A: 1");
        svg.rect(10.0, 10.0, -5.0, 5.0, "better");
        svg.end_group();
        svg.begin_mark(Comparison::NotCompared, "B: no value");
        svg.end_group();
        svg.text(1.0, 2.0, "middle", "", "x < y");
        let chart = svg.finish();
        assert_eq!(chart.marks, 2);
        assert_eq!(chart.svg.matches("data-mark=").count(), 2);
        assert!(chart.svg.starts_with("<svg class=\"chart bars palette-cb\" viewBox=\"0 0 640 100\" role=\"img\" aria-labelledby=\"c1-title c1-desc\">"));
        assert!(chart.svg.contains(
            "<title id=\"c1-title\">A &lt;chart&gt;</title><desc id=\"c1-desc\">What it shows &amp; why</desc>"
        ));
        assert!(chart.svg.contains("<rect x=\"5\" y=\"10\" width=\"5\" height=\"5\" class=\"better\"/>"));
        assert!(chart.svg.contains(">x &lt; y</text>"));
        assert!(!chart.svg.contains("http"), "an inline chart has no namespace URL");
        assert!(chart.svg.ends_with("</svg>"));
        assert_finite_coordinates(&chart.svg);

        opts.standalone = true;
        let chart = Svg::begin("bars", &opts, 100.0).finish();
        assert!(chart.svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"100\""));
        assert!(chart.svg.contains("<style>"));
    }
}
