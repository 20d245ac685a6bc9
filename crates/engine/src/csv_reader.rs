//! A CSV record reader that reads exactly what the `csv` crate reads with its default settings
//! (`,` between fields, `"` quotes with `""` inside them, `\n`, `\r` or `\r\n` ending a record,
//! blank lines skipped, a UTF-8 byte order mark at the start ignored), faster on plain rows.
//!
//! A record without any `"` before its end is split on commas in place, without copying (the
//! common case: numbers, codes, labels). A record with a `"` anywhere is handed whole to
//! `csv_core`, the parser the `csv` crate itself uses, so quoting, quotes inside fields and line
//! breaks inside quoted fields are read by the very same code as before.

use std::io::{ErrorKind, Read};

/// Bytes that end a plain field or record, or call for the full parser.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table[b'"' as usize] = true;
    table
};

/// Reads CSV records one at a time; the current record's fields are borrowed from the reader.
pub(crate) struct CsvReader {
    source: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// End of the bytes read into `buf`.
    len: usize,
    eof: bool,
    /// The byte order mark has not been looked for yet.
    first: bool,
    core: csv_core::Reader,
    /// Field bytes of a record read by `core`, and where each field ends.
    decoded: Vec<u8>,
    decoded_ends: Vec<usize>,
    /// The current record's fields as (start, end) in `buf`, or in `decoded` when
    /// `in_decoded`.
    fields: Vec<(usize, usize)>,
    in_decoded: bool,
    /// Whether the current record's bytes are all ASCII.
    ascii: bool,
    /// Records read, the header included; the current record's index is one less.
    records: u64,
}

impl CsvReader {
    /// A reader of `source`.
    pub(crate) fn new(source: Box<dyn Read + Send>) -> Self {
        CsvReader {
            source,
            buf: vec![0; 1 << 20],
            pos: 0,
            len: 0,
            eof: false,
            first: true,
            core: primed_core(),
            decoded: Vec::new(),
            decoded_ends: Vec::new(),
            fields: Vec::new(),
            in_decoded: false,
            ascii: true,
            records: 0,
        }
    }

    /// The index of the current record: 0 for the first (the header), 1 for the next, … (the
    /// `csv` crate's `Position::record`).
    pub(crate) fn index(&self) -> u64 {
        self.records.saturating_sub(1)
    }

    /// Number of fields of the current record.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `i` of the current record.
    #[inline]
    pub(crate) fn field(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.fields.get(i)?;
        Some(if self.in_decoded { &self.decoded[start..end] } else { &self.buf[start..end] })
    }

    /// Whether every field of the current record is valid UTF-8 (checked as the `csv` crate's
    /// `StringRecord` checks it: each field).
    pub(crate) fn is_utf8(&self) -> bool {
        self.ascii || (0..self.len()).all(|i| self.field(i).is_some_and(|f| std::str::from_utf8(f).is_ok()))
    }

    /// Moves the unread bytes to the front of the buffer (growing it when full) and reads more.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the next record; `false` at the end of the input.
    ///
    /// # Errors
    /// The source cannot be read.
    pub(crate) fn read(&mut self) -> std::io::Result<bool> {
        if self.first {
            while self.len - self.pos < 3 && !self.eof {
                self.fill()?;
            }
            if self.buf[self.pos..self.len].starts_with(b"\xef\xbb\xbf") {
                self.pos += 3;
            }
            self.first = false;
        }
        loop {
            // Blank lines, and the \n of a \r\n, are skipped.
            while self.pos < self.len && matches!(self.buf[self.pos], b'\n' | b'\r') {
                self.pos += 1;
            }
            if self.pos == self.len {
                if self.eof {
                    return Ok(false);
                }
                self.fill()?;
                continue;
            }
            let start = self.pos;
            self.fields.clear();
            let mut field_start = start;
            let mut i = start;
            let mut end = None;
            let mut high = 0u8;
            while i < self.len {
                let b = self.buf[i];
                high |= b;
                if SPECIAL[b as usize] {
                    match b {
                        b',' => {
                            self.fields.push((field_start, i));
                            field_start = i + 1;
                        }
                        b'"' => return self.read_quoted(),
                        _ => {
                            end = Some(i);
                            break;
                        }
                    }
                }
                i += 1;
            }
            let end = match end {
                Some(e) => e,
                None if self.eof => self.len,
                None => {
                    // The record goes on beyond the buffer: read more and start it again.
                    self.fill()?;
                    continue;
                }
            };
            self.fields.push((field_start, end));
            self.ascii = high < 0x80;
            self.in_decoded = false;
            self.pos = if end < self.len { end + 1 } else { end };
            self.records += 1;
            return Ok(true);
        }
    }

    /// Reads the record starting at `pos`, which has a quote, with `csv_core`.
    fn read_quoted(&mut self) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult;
        'restart: loop {
            self.core = primed_core();
            let (mut consumed, mut out_len, mut ends_len) = (0usize, 0usize, 0usize);
            loop {
                let input = &self.buf[self.pos + consumed..self.len];
                // The decoded fields are never longer than the input, nor more numerous.
                let need = out_len + input.len() + 1;
                if self.decoded.len() < need {
                    self.decoded.resize(need, 0);
                }
                if self.decoded_ends.len() < ends_len + input.len() + 1 {
                    self.decoded_ends.resize(ends_len + input.len() + 1, 0);
                }
                let at_end = input.is_empty();
                let (result, nin, nout, nend) =
                    self.core.read_record(input, &mut self.decoded[out_len..], &mut self.decoded_ends[ends_len..]);
                consumed += nin;
                out_len += nout;
                ends_len += nend;
                match result {
                    ReadRecordResult::Record => {
                        self.pos += consumed;
                        self.fields.clear();
                        let mut start = 0;
                        for &e in &self.decoded_ends[..ends_len] {
                            self.fields.push((start, e));
                            start = e;
                        }
                        self.in_decoded = true;
                        self.ascii = self.decoded[..start].is_ascii();
                        self.records += 1;
                        return Ok(true);
                    }
                    ReadRecordResult::End => {
                        self.pos = self.len;
                        return Ok(false);
                    }
                    ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => continue,
                    ReadRecordResult::InputEmpty => {
                        if self.eof {
                            if at_end {
                                // csv_core asks for more after end of input only if it has
                                // nothing; treat as the end.
                                self.pos = self.len;
                                return Ok(false);
                            }
                            // Signal the end of input on the next call (empty input).
                            continue;
                        }
                        // The record goes on beyond the buffer: read more and start it again.
                        self.fill()?;
                        continue 'restart;
                    }
                }
            }
        }
    }
}

/// A `csv_core` reader with the `csv` crate's defaults, past the point where it would strip a
/// byte order mark (that is done once, at the start of the file).
fn primed_core() -> csv_core::Reader {
    let mut core = csv_core::Reader::new();
    let (mut out, mut ends) = ([0u8; 1], [0usize; 1]);
    // A blank line: skipped, leaving the reader at the start of a record.
    let _ = core.read_record(b"\n", &mut out, &mut ends);
    core
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` with both readers and compares every record.
    fn same_as_csv_crate(text: &[u8], buffer: usize) {
        let mut ours = CsvReader::new(Box::new(std::io::Cursor::new(text.to_vec())));
        ours.buf = vec![0; buffer];
        let mut theirs = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
        let mut record = csv::ByteRecord::new();
        loop {
            let a = ours.read().unwrap();
            let b = theirs.read_byte_record(&mut record).unwrap();
            assert_eq!(a, b, "{:?}", String::from_utf8_lossy(text));
            if !a {
                break;
            }
            let fields: Vec<&[u8]> = (0..ours.len()).map(|i| ours.field(i).unwrap()).collect();
            let want: Vec<&[u8]> = record.iter().collect();
            assert_eq!(fields, want, "{:?}", String::from_utf8_lossy(text));
            assert_eq!(ours.index(), record.position().unwrap().record());
            assert_eq!(ours.is_utf8(), record.iter().all(|f| std::str::from_utf8(f).is_ok()));
        }
    }

    #[test]
    fn reads_what_the_csv_crate_reads() {
        let cases: &[&[u8]] = &[
            b"",
            b"a",
            b"a,b,c\n1,2,3\n",
            b"a,b,c\r\n1,2,3\r\n",
            b"a,b\r1,2\r",
            b"a,b\n\n\n1,2\n\r\n3,4",
            b"a,b,\n,,\n",
            b"\xef\xbb\xbfa,b\n1,2\n",
            b"\xef\xbb\xbf\"a\",b\n1,2\n",
            b"a,\xef\xbb\xbfb\n",
            b"name,x\n\"Bristol, City of\",5\n\"say \"\"hi\"\"\",6\n",
            b"name,x\n\"two\nlines\",5\nplain,6\n",
            b"a,b\n  \"a\"  ,x\n",
            b"a,b\nx\"y,z\n",
            b"a,b\n\"unterminated,1\n2,3",
            b"a,b\n\"\"\n",
            b"a,b\n\"q\"rest,1\n",
            b"h\n1\n2\n3",
            b"h\n\"last\"",
            b"a\xffb,c\n",
            b" spaced , fields \n",
        ];
        for &text in cases {
            for buffer in [1, 2, 3, 5, 64, 1 << 16] {
                same_as_csv_crate(text, buffer);
            }
        }
        // Many rows, mixing plain and quoted records, through a small buffer.
        let mut text = Vec::new();
        for i in 0..2000 {
            if i % 7 == 0 {
                text.extend_from_slice(format!("\"E{i:06}, quoted\",{i},\"{}\"\r\n", i * 3).as_bytes());
            } else if i % 11 == 0 {
                text.extend_from_slice(b"\n");
            } else {
                text.extend_from_slice(format!("E{i:06},{i},{}.5\n", i * 3).as_bytes());
            }
        }
        for buffer in [7, 100, 4096] {
            same_as_csv_crate(&text, buffer);
        }
        // Random text from the bytes that matter.
        let alphabet: &[&[u8]] =
            &[b"a", b"1", b",", b"\"", b"\n", b"\r", b" ", "é".as_bytes(), b"\xef\xbb\xbf", b"\xc3"];
        let mut state = 0x1234_5678_9abc_def1u64;
        for _ in 0..3000 {
            let mut text = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.extend_from_slice(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            for buffer in [1, 4, 64] {
                same_as_csv_crate(&text, buffer);
            }
        }
    }
}
