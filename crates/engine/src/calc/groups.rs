//! Grouping rows by the values of the `--group-by` columns.
//!
//! Groups are kept in a hash map from their key to an accumulator, so grouped methods need
//! memory for the groups, not the rows, and are output in the key's natural order (numbers as
//! numbers, text as text), as the reference's grouped summaries are.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::error::Result;
use crate::input::{Chunk, ChunkReader, ColumnRequest, InputTable};
use crate::output::{LabelColumn, OutputColumn, OutputTable};

const SEPARATOR: char = '\u{1f}';

/// Accumulators of type `A`, one per group.
#[derive(Debug)]
pub struct Groups<A> {
    names: Vec<String>,
    index: HashMap<String, usize>,
    keys: Vec<String>,
    accumulators: Vec<A>,
    buffer: String,
    /// The group of the previous row: rows of a group usually come together, so most rows
    /// find their group without hashing.
    last: Option<usize>,
}

impl<A> Groups<A> {
    /// No groups yet, keyed by the columns `names`.
    pub fn new(names: &[String]) -> Self {
        Groups {
            names: names.to_vec(),
            index: HashMap::new(),
            keys: Vec::new(),
            accumulators: Vec::new(),
            buffer: String::new(),
            last: None,
        }
    }

    /// The accumulator of the group of row `row` of `chunk`, whose key columns are the chunk's
    /// text columns `key_slots`; created with `make` when new.
    pub fn entry(&mut self, chunk: &Chunk, key_slots: &[usize], row: usize, make: impl FnOnce() -> A) -> &mut A {
        self.buffer.clear();
        for (i, &slot) in key_slots.iter().enumerate() {
            if i > 0 {
                self.buffer.push(SEPARATOR);
            }
            if let Some(s) = chunk.text(slot, row) {
                self.buffer.push_str(s);
            }
        }
        let index = match self.last {
            Some(i) if self.keys[i] == self.buffer => i,
            _ => match self.index.get(self.buffer.as_str()) {
                Some(&i) => i,
                None => {
                    let i = self.accumulators.len();
                    self.index.insert(self.buffer.clone(), i);
                    self.keys.push(self.buffer.clone());
                    self.accumulators.push(make());
                    i
                }
            },
        };
        self.last = Some(index);
        &mut self.accumulators[index]
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.accumulators.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.accumulators.is_empty()
    }

    /// The groups in the natural order of their keys: each key's values and its accumulator.
    pub fn into_sorted(self) -> Vec<(Vec<String>, A)> {
        // Each key value is read as a number once, not at every comparison.
        let mut all: Vec<(Vec<Option<f64>>, Vec<String>, A)> = self
            .keys
            .into_iter()
            .zip(self.accumulators)
            .map(|(k, a)| {
                let values: Vec<String> =
                    if self.names.is_empty() { Vec::new() } else { k.split(SEPARATOR).map(str::to_string).collect() };
                (key_numbers(&values), values, a)
            })
            .collect();
        all.sort_by(|a, b| natural_key_order_read(&a.1, &a.0, &b.1, &b.0));
        all.into_iter().map(|(_, key, a)| (key, a)).collect()
    }
}

/// Orders keys value by value: two numbers numerically, otherwise text in natural order (runs
/// of digits compared as numbers, so "Area9" comes before "Area10").
pub fn natural_key_order(a: &[String], b: &[String]) -> Ordering {
    natural_key_order_read(a, &key_numbers(a), b, &key_numbers(b))
}

/// Each value of a key read as a number, where it is one.
fn key_numbers(key: &[String]) -> Vec<Option<f64>> {
    key.iter().map(|v| v.trim().parse::<f64>().ok()).collect()
}

/// [`natural_key_order`] with each key's values already read as numbers ([`key_numbers`]).
fn natural_key_order_read(
    a: &[String],
    a_numbers: &[Option<f64>],
    b: &[String],
    b_numbers: &[Option<f64>],
) -> Ordering {
    for ((x, y), numbers) in a.iter().zip(b).zip(a_numbers.iter().zip(b_numbers)) {
        let o = match numbers {
            (Some(p), Some(q)) => p.partial_cmp(q).unwrap_or(Ordering::Equal),
            _ => natural_text_order(x, y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Compares text with runs of ASCII digits compared by their numeric value, then as text.
fn natural_text_order(x: &str, y: &str) -> Ordering {
    let (mut a, mut b) = (x.as_bytes(), y.as_bytes());
    while let (Some(&ca), Some(&cb)) = (a.first(), b.first()) {
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
            let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
            let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
            let o = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if o != Ordering::Equal {
                return o;
            }
            a = &a[da..];
            b = &b[db..];
        } else {
            if ca != cb {
                return ca.cmp(&cb);
            }
            a = &a[1..];
            b = &b[1..];
        }
    }
    a.len().cmp(&b.len()).then_with(|| x.cmp(y))
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let first = digits.iter().position(|&c| c != b'0').unwrap_or(digits.len());
    &digits[first..]
}

/// "area = E06000001, year = 2020": a group's key as errors and warnings show it.
pub fn key_label(names: &[String], key: &[String]) -> String {
    if names.is_empty() {
        return "(all rows)".to_string();
    }
    names.iter().zip(key).map(|(n, v)| format!("{n} = {v}")).collect::<Vec<_>>().join(", ")
}

/// Output columns holding each group's key values, one column per group-by column (a key
/// repeated on consecutive rows is held once).
pub fn key_columns(names: &[String], keys: &[&[String]]) -> OutputTable {
    let mut table = OutputTable::default();
    for (i, name) in names.iter().enumerate() {
        let mut column = LabelColumn::new();
        for k in keys {
            column.push(k.get(i).map(String::as_str));
        }
        table.push(name.clone(), OutputColumn::Labels(column));
    }
    table
}

/// The columns a method reads: named numeric columns (with the option that named them, for
/// errors) and the group-by columns as text.
pub struct Columns {
    /// Reader of the requested columns.
    pub reader: ChunkReader,
    /// Text slots of the group-by columns in each chunk.
    pub key_slots: Vec<usize>,
}

/// Opens the requested numeric columns (in order) and the group-by columns, plus any `extra`
/// text columns (their slots follow the group-by slots).
///
/// # Errors
/// A column not in the file.
pub fn request(
    table: InputTable,
    numbers: &[(&str, &str)],
    group_by: &[String],
    extra_texts: &[(&str, &str)],
) -> Result<Columns> {
    let mut req = ColumnRequest::default();
    for (name, role) in numbers {
        req.numbers.push(table.column(name, role)?);
    }
    for g in group_by {
        req.texts.push(table.column(g, "a group-by column")?);
    }
    for (name, role) in extra_texts {
        req.texts.push(table.column(name, role)?);
    }
    let key_slots = (0..group_by.len()).collect();
    Ok(Columns { reader: table.chunks(req)?, key_slots })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    #[test]
    fn natural_order() {
        let mut v = [key("Area10"), key("Area09"), key("Area2"), key("Area1"), key("10"), key("9"), key("B")];
        v.sort_by(|a, b| natural_key_order(a, b));
        let got: Vec<&str> = v.iter().map(|k| k[0].as_str()).collect();
        assert_eq!(got, ["9", "10", "Area1", "Area2", "Area09", "Area10", "B"]);
    }
}
