//! Numbers and periods as pages show them: for people (rounded, thousands separated) and for
//! machines (`data-value` attributes: every digit, reading back as the stored number).

/// `x` rounded to `decimals` places with thousands separated by commas ("12,345.7",
/// "-0.4"); "–" (en dash) for no value or a value that is not finite. Halves round away from
/// zero, as the indicator portal rounds.
pub fn number(x: Option<f64>, decimals: usize) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else { return "–".to_string() };
    let scale = 10f64.powi(decimals as i32);
    let rounded = (x * scale).round() / scale;
    // No "-0.0" for a small negative number rounded to zero.
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let text = format!("{:.*}", decimals, rounded.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    if rounded < 0.0 {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A value to 1 decimal place (values, rates, percentages), as [`number`].
pub fn value(x: Option<f64>) -> String {
    number(x, 1)
}

/// A count: whole numbers with thousands separated; counts that are not whole (an average
/// over years) keep 1 decimal place.
pub fn count(x: Option<f64>) -> String {
    match x {
        Some(c) if c.fract() == 0.0 => number(Some(c), 0),
        other => number(other, 1),
    }
}

/// A 95% (or 99.8%) interval, "72.1 – 75.3", or "–" when either limit is missing.
pub fn interval(lower: Option<f64>, upper: Option<f64>) -> String {
    match (lower.filter(|x| x.is_finite()), upper.filter(|x| x.is_finite())) {
        (Some(l), Some(u)) => format!("{} – {}", value(Some(l)), value(Some(u))),
        _ => "–".to_string(),
    }
}

/// The text of a `data-value` attribute: the shortest digits that read back as `x` exactly
/// (`engine::output::write_f64`), empty for no value, so that a test can compare a page's
/// numbers with the store's bit for bit.
pub fn data_value(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else { return String::new() };
    let mut out = Vec::with_capacity(24);
    engine::output::write_f64(x, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// A period label as people read it: the results' "2019 - 21" becomes "2019–21" (an en dash,
/// no spaces); other labels ("2022/23", "2022") are kept.
pub fn period(label: &str) -> String {
    match label.split_once(" - ") {
        Some((from, to)) => format!("{from}–{to}"),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(number(Some(1234567.891), 1), "1,234,567.9");
        assert_eq!(number(Some(999.95), 1), "1,000.0");
        assert_eq!(number(Some(-1234.5), 0), "-1,235");
        assert_eq!(number(Some(-0.04), 1), "0.0");
        assert_eq!(number(Some(12.0), 0), "12");
        assert_eq!(number(None, 1), "–");
        assert_eq!(number(Some(f64::NAN), 1), "–");
        assert_eq!(value(Some(78.25)), "78.3");
        assert_eq!(count(Some(12345.0)), "12,345");
        assert_eq!(count(Some(2.5)), "2.5");
        assert_eq!(interval(Some(72.06), Some(75.34)), "72.1 – 75.3");
        assert_eq!(interval(None, Some(1.0)), "–");
    }

    #[test]
    fn data_values_read_back_exactly() {
        for x in [0.1 + 0.2, 1e-7, 123456789.123, 80.0, -3.5e20, f64::MIN_POSITIVE] {
            let text = data_value(Some(x));
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{text}");
        }
        assert_eq!(data_value(Some(80.0)), "80");
        assert_eq!(data_value(None), "");
    }

    #[test]
    fn periods() {
        assert_eq!(period("2019 - 21"), "2019–21");
        assert_eq!(period("2022/23"), "2022/23");
    }
}
