//! Timestamps as text (RFC 3339, UTC), the same on both backends.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339), which sorts as text.
pub fn utc_now() -> String {
    utc_at(SystemTime::now())
}

/// `time` in UTC as `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339), as [`utc_now`] writes it; a time
/// before 1970 is written as 1970-01-01T00:00:00.000Z.
pub fn utc_at(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, since.subsec_millis())
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn utc_today() -> String {
    utc_now()[..10].to_string()
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Whether `text` is a date `YYYY-MM-DD` that exists in the Gregorian calendar.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (text[..4].parse::<u32>(), text[5..7].parse::<u32>(), text[8..].parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    text[..4].bytes().all(|c| c.is_ascii_digit()) && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_819), (2027, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("+024-01-01"));
        assert!(utc_now().ends_with('Z') && utc_now().len() == 24);
    }
}
