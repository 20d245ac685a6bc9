//! Deprivation quantiles named in words, as the indicator portal labels its breakdown rows:
//! "Most deprived decile (IMD2019)", "Third more deprived decile", "Fifth less deprived
//! decile", "Second least deprived decile", "Average deprived quintile". One parser for the
//! engine (reading published rows) and the store (reading result rows back).

/// The decile (1 most deprived … 10 least) of a label such as "Most deprived decile (IMD2019)",
/// "Second most deprived decile", "Third more deprived decile", "Fifth less deprived decile",
/// "Second least deprived decile" or "Least deprived decile" (case ignored, anything from "("
/// on ignored). `None` for any other text.
pub fn decile_of_label(label: &str) -> Option<u8> {
    let lower = label.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('(').next().unwrap_or("").split_whitespace().collect();
    let n = words.len();
    if n < 3 || words[n - 2] != "deprived" || words[n - 1] != "decile" {
        return None;
    }
    match &words[..n - 2] {
        ["most"] => Some(1),
        ["least"] => Some(10),
        [ordinal, side] => {
            let k = match *ordinal {
                "second" => 2,
                "third" => 3,
                "fourth" => 4,
                "fifth" => 5,
                _ => return None,
            };
            match *side {
                "most" | "more" => Some(k),
                "least" | "less" => Some(11 - k),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The quintile (1 most deprived … 5 least) of a label: "Most deprived quintile", "Second most
/// deprived quintile", "Average deprived quintile" (or "Middle quintile"), "Second least
/// deprived quintile", "Least deprived quintile" (case ignored, anything from "(" on ignored).
/// `None` for any other text.
pub fn quintile_of_label(label: &str) -> Option<u8> {
    let lower = label.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('(').next().unwrap_or("").split_whitespace().collect();
    match words.as_slice() {
        ["middle", "quintile"] => Some(3),
        [first @ .., "deprived", "quintile"] => match first {
            ["most"] => Some(1),
            ["second", "most"] | ["second", "more"] => Some(2),
            ["average"] | ["middle"] => Some(3),
            ["second", "least"] | ["second", "less"] => Some(4),
            ["least"] => Some(5),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portals_labels_are_read() {
        let deciles = [
            ("Most deprived decile (IMD2019)", 1),
            ("Second most deprived decile", 2),
            ("Third more deprived decile (IMD2019)", 3),
            ("Fourth more deprived decile", 4),
            ("Fifth more deprived decile", 5),
            ("Fifth less deprived decile (IMD2019)", 6),
            ("Fourth less deprived decile", 7),
            ("Third less deprived decile (IMD2015)", 8),
            ("Second least deprived decile", 9),
            ("LEAST DEPRIVED DECILE", 10),
        ];
        for (label, d) in deciles {
            assert_eq!(decile_of_label(label), Some(d), "{label}");
        }
        for bad in ["Most deprived quintile", "Sixth more deprived decile", "", "decile", "Second deprived decile", "3"]
        {
            assert_eq!(decile_of_label(bad), None, "{bad}");
        }
        let quintiles = [
            ("Most deprived quintile", 1),
            ("Second most deprived quintile (IMD2019)", 2),
            ("Average deprived quintile", 3),
            ("Middle quintile (IMD)", 3),
            ("Second least deprived quintile", 4),
            ("Least deprived quintile", 5),
        ];
        for (label, q) in quintiles {
            assert_eq!(quintile_of_label(label), Some(q), "{label}");
        }
        for bad in ["Most deprived decile", "Third deprived quintile", "quintile", ""] {
            assert_eq!(quintile_of_label(bad), None, "{bad}");
        }
    }
}
