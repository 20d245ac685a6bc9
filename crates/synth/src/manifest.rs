//! The manifest: a hand-written JSON record of how a synthetic world was made and what it
//! holds (seed, scale, years, files and their row counts, calibration), with the statement that
//! the data are synthetic. It holds no timestamps or timings, so the same seed gives the same
//! bytes.

use std::fmt::Write as _;

/// A JSON string literal of `s`.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value, enough for the manifest.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// A string.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A number written with the given decimals.
    Num(f64, usize),
    /// true / false.
    Bool(bool),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in the order given.
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    /// Pretty-printed text with two-space indentation.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            Json::Str(s) => out.push_str(&json_string(s)),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Num(x, d) => {
                if x.is_finite() {
                    let _ = write!(out, "{x:.*}", *d);
                } else {
                    out.push_str("null");
                }
            }
            Json::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&json_string(k));
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_valid_json() {
        let j = Json::Object(vec![
            ("a", Json::Str("x\"y\n".into())),
            ("b", Json::Array(vec![Json::Int(1), Json::Num(2.5, 2), Json::Bool(true)])),
        ]);
        assert_eq!(j.render(), "{\n  \"a\": \"x\\\"y\\n\",\n  \"b\": [\n    1,\n    2.50,\n    true\n  ]\n}\n");
    }
}
