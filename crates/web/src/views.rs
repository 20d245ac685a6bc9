//! View models of the chart pages: what a template shows, as text ready to print (numbers are
//! formatted here, never in templates).
//!
//! A [`Section`] is one chart with its data table (one row per mark, each number with its
//! exact value in a `data-value` attribute) and its download links; a [`ChartPage`] is a page
//! of sections with a form of GET controls and tabs (the area profile and the indicator tabs).

use askama::Template;

use crate::charts::{human, Chart, Comparison, Palette};

/// A number's exact text for a `data-value` attribute: Rust's shortest text that reads back
/// to the same f64 (`0.1` → "0.1", `1e-7` → "0.0000001"); `None` for a missing or
/// non-finite number.
pub fn data_value(x: Option<f64>) -> Option<String> {
    x.filter(|v| v.is_finite()).map(|v| format!("{v}"))
}

/// A table cell.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    /// What it shows.
    pub text: String,
    /// The exact number, for `data-value` (numbers only).
    pub value: Option<String>,
    /// Its CSS class (`num`, a comparison's class, …), may be empty.
    pub class: String,
    /// A row header (`<th scope="row">`).
    pub header: bool,
    /// A link, when the cell names something with a page.
    pub href: Option<String>,
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }

    /// A row header, linked when `href` is given.
    pub fn header(text: impl Into<String>, href: Option<String>) -> Cell {
        Cell { text: text.into(), header: true, href, ..Cell::default() }
    }

    /// A number shown with `decimals` decimals, its exact value in `data-value`.
    pub fn number(x: Option<f64>, decimals: usize) -> Cell {
        Cell { text: human(x, decimals), value: data_value(x), class: "num".into(), ..Cell::default() }
    }

    /// A comparison, coloured by its class.
    pub fn comparison(c: Comparison) -> Cell {
        Cell { text: c.label().into(), class: format!("cmp {}", c.class()), ..Cell::default() }
    }
}

/// A chart's data as a table: one row per mark.
#[derive(Clone, Debug, Default)]
pub struct DataTable {
    /// Its caption.
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

/// A chart, its data table and downloads.
#[derive(Clone, Debug, Default)]
pub struct Section {
    /// The section's id (its heading's anchor).
    pub id: String,
    /// Its heading.
    pub heading: String,
    /// Paragraphs above the chart.
    pub notes: Vec<String>,
    /// The chart (its SVG goes into the page unescaped: it is built escaped).
    pub chart: Option<Chart>,
    /// The chart's data.
    pub table: DataTable,
    /// Links to download the data or the chart: (label, URL).
    pub downloads: Vec<(String, String)>,
}

/// One choice of a GET control.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What it shows.
    pub label: String,
    /// Whether it is the current one.
    pub selected: bool,
}

/// A `<select>` of the page's GET form.
#[derive(Clone, Debug)]
pub struct Control {
    /// The parameter's name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// The choices.
    pub choices: Vec<Choice>,
}

impl Control {
    /// A control named `name` labelled `label` of (value, label) choices, `current` selected.
    pub fn new(name: &str, label: &str, choices: impl IntoIterator<Item = (String, String)>, current: &str) -> Control {
        Control {
            name: name.into(),
            label: label.into(),
            choices: choices
                .into_iter()
                .map(|(value, label)| Choice { selected: value == current, value, label })
                .collect(),
        }
    }

    /// The palette control (standard or colour-blind-safe).
    pub fn palette(current: Palette) -> Control {
        Control::new(
            "palette",
            "Colours",
            [("".to_string(), "Standard".to_string()), ("cb".to_string(), "Colour-blind safe".to_string())],
            current.query().unwrap_or(""),
        )
    }
}

/// A tab of the indicator pages.
#[derive(Clone, Debug)]
pub struct Tab {
    /// Its label.
    pub label: String,
    /// Its page.
    pub href: String,
    /// Whether it is this page.
    pub current: bool,
}

/// A page of charts: the area profile and the indicator tabs.
#[derive(Template)]
#[template(path = "chart_page.html")]
pub struct ChartPage {
    /// The `<title>` and `<h1>`.
    pub title: String,
    /// Paragraphs under the heading.
    pub lede: Vec<String>,
    /// Tabs (empty: none).
    pub tabs: Vec<Tab>,
    /// Where the GET form goes (its own path).
    pub action: String,
    /// Hidden fields kept by the form (name, value).
    pub hidden: Vec<(String, String)>,
    /// The form's controls (empty: no form).
    pub controls: Vec<Control>,
    /// The palette's class on the page's content.
    pub palette: &'static str,
    /// Whether to show the comparison legend.
    pub legend: bool,
    /// The sections.
    pub sections: Vec<Section>,
    /// Terms and definitions (the definition tab).
    pub definitions: Vec<(String, String)>,
}

/// The comparisons of the legend.
impl ChartPage {
    /// The legend's entries: class and wording.
    pub fn legend_entries(&self) -> Vec<(&'static str, &'static str)> {
        Comparison::ALL.iter().map(|c| (c.class(), c.label())).collect()
    }
}

/// `name` of a catalogue id in words: `ill_health_prevention` → "Ill health prevention".
pub fn words(id: &str) -> String {
    let text = id.replace(['_', '-'], " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The arrow and words of a recent trend ("Increasing and getting better" → ("↑", "better")
/// class), for the profile's trend column.
pub fn trend_arrow(trend: Option<&str>) -> (&'static str, &'static str) {
    let Some(t) = trend.map(str::to_ascii_lowercase) else { return ("", "none") };
    let arrow = if t.starts_with("increasing") {
        "↑"
    } else if t.starts_with("decreasing") {
        "↓"
    } else if t.starts_with("no significant") {
        "→"
    } else {
        ""
    };
    let class = if t.contains("better") {
        "better"
    } else if t.contains("worse") {
        "worse"
    } else {
        "none"
    };
    (arrow, class)
}

/// A query string of the pairs with a value (`?a=1&b=x%20y`), empty when none has one.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// `text` percent-encoded for a query string (unreserved characters kept).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_read_back_exactly() {
        for x in [0.1, 1.0 / 3.0, 78.123456789012345, -1e-7, 1e21] {
            let text = data_value(Some(x)).unwrap();
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{text}");
        }
        assert_eq!(data_value(Some(f64::NAN)), None);
        assert_eq!(data_value(None), None);
    }

    #[test]
    fn words_queries_and_arrows() {
        assert_eq!(words("ill_health_prevention"), "Ill health prevention");
        assert_eq!(query(&[("a", "1"), ("b", ""), ("c", "x y&z")]), "?a=1&c=x%20y%26z");
        assert_eq!(query(&[("b", "")]), "");
        assert_eq!(trend_arrow(Some("Increasing and getting better")), ("↑", "better"));
        assert_eq!(trend_arrow(Some("Decreasing and getting worse")), ("↓", "worse"));
        assert_eq!(trend_arrow(Some("No significant change")), ("→", "none"));
        assert_eq!(trend_arrow(None), ("", "none"));
    }
}
