//! The files of a validation report, with the lines their findings point
//! into.
//!
//! A report does not keep whole texts: a central store is megabytes of
//! text, and rendering needs only the positions of the findings and the
//! lines they show. So each file keeps just those lines, taken while its
//! text is at hand ([`SourceFile::excerpt`], [`SourceFile::keep`]).

use std::path::PathBuf;

use crate::span::LineCol;

/// A file that was read, with the lines findings point into.
#[derive(Clone, Debug, Default)]
pub struct SourceFile {
    /// The path as given or found.
    pub path: PathBuf,
    /// Length of the decoded text in bytes.
    len: usize,
    /// The lines kept, by their first byte, ascending.
    lines: Vec<KeptLine>,
}

/// One line of a text.
#[derive(Clone, Debug)]
struct KeptLine {
    /// 1-based line number.
    number: u32,
    /// Offset of its first byte in the text.
    start: usize,
    /// Its text, line break (LF, CR LF or CR) included.
    text: String,
}

impl KeptLine {
    /// Whether `offset` (at most the text's length, `len`) is on this line:
    /// from its first byte up to its line break included; the end of the text
    /// belongs to the last line unless a line break ends the text (then an
    /// empty line starts there).
    fn holds(&self, offset: usize, len: usize) -> bool {
        let end = self.start + self.text.len();
        offset >= self.start
            && (offset < end || (offset == end && end == len && !self.text.ends_with(['\n', '\r'])))
    }
}

impl SourceFile {
    /// `path` with the lines of `text` (its decoded text) that hold
    /// `offsets` (byte offsets, any order; past the end means the end).
    pub fn excerpt(path: PathBuf, text: &str, offsets: &[usize]) -> SourceFile {
        let mut f = SourceFile {
            path,
            len: text.len(),
            lines: Vec::new(),
        };
        f.keep(text, offsets);
        f
    }

    /// Also keeps the lines of `text` that hold `offsets`; `text` must be
    /// the text this file was made from, or a start of it that holds the
    /// lines of those offsets whole (the others are left out).
    pub fn keep(&mut self, text: &str, offsets: &[usize]) {
        let mut todo: Vec<usize> = offsets
            .iter()
            .map(|&o| o.min(self.len))
            .filter(|&o| o <= text.len() && !self.covers(o))
            .collect();
        if todo.is_empty() {
            return;
        }
        todo.sort_unstable();
        todo.dedup();
        let b = text.as_bytes();
        let mut last_start = usize::MAX;
        for (number, start) in line_starts(text, &todo) {
            if start == last_start {
                continue;
            }
            last_start = start;
            let end = match memchr::memchr2(b'\n', b'\r', &b[start..]) {
                Some(k) if b[start + k] == b'\r' && b.get(start + k + 1) == Some(&b'\n') => {
                    start + k + 2
                }
                Some(k) => start + k + 1,
                None => text.len(),
            };
            let line = KeptLine {
                number: number as u32,
                start,
                text: text[start..end].to_string(),
            };
            match self.lines.binary_search_by_key(&start, |l| l.start) {
                Ok(_) => {}
                Err(i) => self.lines.insert(i, line),
            }
        }
    }

    /// The kept line that holds `offset` (clamped to the text's length).
    fn line_of(&self, offset: usize) -> Option<&KeptLine> {
        let offset = offset.min(self.len);
        let i = self.lines.partition_point(|l| l.start <= offset);
        let l = self.lines.get(i.checked_sub(1)?)?;
        l.holds(offset, self.len).then_some(l)
    }

    /// Whether the line of `offset` is kept.
    pub fn covers(&self, offset: usize) -> bool {
        self.line_of(offset).is_some()
    }

    /// Line:column of byte `offset` (as [`crate::span::LineIndex::line_col`]
    /// gives it over the whole text), when its line is kept.
    pub fn line_col(&self, offset: usize) -> Option<LineCol> {
        let l = self.line_of(offset)?;
        let mut end = offset.min(self.len) - l.start;
        while end > 0 && !l.text.is_char_boundary(end) {
            end -= 1;
        }
        Some(LineCol {
            line: l.number,
            column: l.text[..end].chars().count() as u32 + 1,
        })
    }

    /// The text of 1-based `line` without its line break, when kept.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.lines
            .iter()
            .find(|l| l.number == line)
            .map(|l| l.text.trim_end_matches(['\r', '\n']))
    }

    /// Length of the file's decoded text in bytes.
    pub fn text_len(&self) -> usize {
        self.len
    }
}

/// The line (1-based) and the offset of its first byte for each of
/// `offsets` (ascending, at most `text.len()`), in one forward sweep over
/// just the stretch of text they need: lines end at LF, CR LF or a lone CR.
fn line_starts(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    // lone CRs only need looking for when the text has a CR at all
    let has_cr = memchr::memchr(b'\r', b).is_some();
    let mut out = Vec::with_capacity(offsets.len());
    let mut line = 1usize;
    let mut line_start = 0usize;
    let mut at = 0usize;
    for &offset in offsets {
        // the lines that start in (at, offset]: those after an LF or a lone
        // CR at a position in [at, offset) (a CR LF's line starts after its LF)
        let starts = breaks(b, at, offset, has_cr);
        at = offset;
        if starts > 0 {
            line += starts;
            // the last of them: after the last break before `offset`
            let mut end = offset;
            line_start = loop {
                match memchr::memrchr2(b'\n', b'\r', &b[line_start..end]) {
                    Some(k) => {
                        let i = line_start + k;
                        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                            // (only when its LF is at `offset`: not a start yet)
                            end = i;
                        } else {
                            break i + 1;
                        }
                    }
                    None => break line_start,
                }
            };
        }
        out.push((line, line_start));
    }
    out
}

/// LFs and lone CRs (not followed by an LF) at the positions `from..to` of `b`.
fn breaks(b: &[u8], from: usize, to: usize, has_cr: bool) -> usize {
    let s = &b[from..to];
    if s.is_empty() {
        return 0;
    }
    if !has_cr {
        return count_byte(s, b'\n');
    }
    // the last byte's successor may be past the end: that one on its own
    let (body, last) = match to.checked_sub(1) {
        Some(l) if l >= from && to == b.len() => (&b[from..l], Some(b[l])),
        _ => (s, None),
    };
    let next = &b[from + 1..from + 1 + body.len()];
    breaks_in(body, next) + usize::from(matches!(last, Some(b'\n' | b'\r')))
}

/// Bytes per step of [`breaks_in`]: a whole number of vector registers, so
/// that the compiler needs no byte-at-a-time tail inside the sweep.
const LANES: usize = 128;

/// The LFs and lone CRs of `body`, `next` being the bytes that follow each
/// of its bytes (as long as `body`): in steps of [`LANES`] bytes, then of
/// 16 (the stretch between two offsets is often short), then one at a time.
fn breaks_in(body: &[u8], next: &[u8]) -> usize {
    let (n, done) = lanes::<LANES>(body, next);
    let (m, more) = lanes::<16>(&body[done..], &next[done..]);
    let at = done + more;
    let tail = body[at..]
        .iter()
        .zip(&next[at..])
        .filter(|&(&x, &y)| (x == b'\n') | ((x == b'\r') & (y != b'\n')))
        .count();
    n + m + tail
}

/// [`breaks_in`] over the whole steps of `N` bytes of `body`; also gives
/// how many bytes that is. Counts go to one byte counter per lane, emptied
/// before they can overflow (255 steps), which the compiler turns into
/// vector compares and adds.
fn lanes<const N: usize>(body: &[u8], next: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    let mut cs = body.chunks_exact(N);
    let mut ds = next.chunks_exact(N);
    loop {
        let mut acc = [0u8; N];
        let mut steps = 0;
        for (c, d) in (&mut cs).zip(&mut ds).take(255) {
            // (whole chunks: the compiler sees the fixed length)
            let (c, d) = (&c[..N], &d[..N]);
            for i in 0..N {
                let (x, y) = (c[i], d[i]);
                acc[i] += u8::from((x == b'\n') | ((x == b'\r') & (y != b'\n')));
            }
            steps += 1;
        }
        n += acc.iter().map(|&a| usize::from(a)).sum::<usize>();
        if steps < 255 {
            break;
        }
    }
    (n, body.len() - body.len() % N)
}

/// How many bytes of `s` are `x` (memchr counts with the widest vectors
/// the machine has).
fn count_byte(s: &[u8], x: u8) -> usize {
    memchr::memchr_iter(x, s).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::LineIndex;

    /// Every offset of `text` (and past it), kept all at once and a few at a
    /// time, gives what the line index of the whole text gives.
    fn agrees(text: &str, step: usize) {
        let index = LineIndex::new(text);
        let offsets: Vec<usize> = (0..text.len() + 3).step_by(step).collect();
        let all = SourceFile::excerpt(PathBuf::from("t"), text, &offsets);
        let mut piecewise = SourceFile::excerpt(PathBuf::from("t"), text, &[]);
        for chunk in offsets.chunks(7).rev() {
            piecewise.keep(text, chunk);
        }
        for f in [&all, &piecewise] {
            for &o in &offsets {
                let want = index.line_col(text, o);
                assert_eq!(f.line_col(o), Some(want), "{text:?} at {o}");
                assert_eq!(
                    f.line_text(want.line),
                    Some(index.line_text(text, want.line)),
                    "{text:?} line {}",
                    want.line
                );
            }
        }
    }

    #[test]
    fn kept_lines_agree_with_the_line_index() {
        for text in [
            "",
            "a",
            "\n",
            "\r",
            "\r\n",
            "ab\ncd\r\nef\rgh\r\n\r\n\n\rij",
            "é€\r\n𝄞x\r\rz\n",
            "no line break at all, but long enough",
        ] {
            for step in [1, 2, 3] {
                agrees(text, step);
            }
        }
    }

    #[test]
    fn kept_lines_agree_on_long_texts_with_every_kind_of_break() {
        let pieces = [
            "a\r\n",
            "bé\n",
            "\r",
            "c\rd",
            "\r\r\n",
            "\n\r",
            "€€€€",
            "xyz",
        ];
        let mut text = String::new();
        for k in 0..700usize {
            text.push_str(pieces[(k * 7 + k / 5) % pieces.len()]);
            text.push_str(&"w".repeat(k % 300));
        }
        for step in [1, 5, 64, 255, 256, 1000, 4099] {
            agrees(&text, step);
        }
    }

    /// The sweep counts what a byte-at-a-time loop counts, on stretches
    /// that start and end anywhere around its steps and its counter resets.
    #[test]
    fn breaks_agree_with_a_byte_loop() {
        let pieces: [&[u8]; 6] = [b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r", b"abc"];
        let mut b = Vec::new();
        let mut k = 0usize;
        while b.len() < 2 * LANES * 255 + 3 * LANES {
            b.extend_from_slice(pieces[(k * 7 + k / 3) % pieces.len()]);
            b.extend(std::iter::repeat_n(b'w', k % 97));
            k += 1;
        }
        let naive = |from: usize, to: usize| {
            (from..to)
                .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
                .count()
        };
        let n = b.len();
        let ends = [
            0,
            1,
            LANES - 1,
            LANES,
            LANES + 1,
            LANES * 255,
            LANES * 255 + 1,
            n - 1,
            n,
        ];
        for from in [0, 1, 5, LANES - 1, LANES + 3] {
            for &to in &ends {
                if to >= from {
                    assert_eq!(breaks(&b, from, to, true), naive(from, to), "{from}..{to}");
                }
            }
        }
        let lf: Vec<u8> = b
            .iter()
            .map(|&c| if c == b'\r' { b'x' } else { c })
            .collect();
        for &to in &ends {
            let want = lf[..to].iter().filter(|&&c| c == b'\n').count();
            assert_eq!(breaks(&lf, 0, to, false), want);
        }
    }

    #[test]
    fn only_the_lines_asked_for_are_kept() {
        let text = "one\ntwo\r\nthree\rfour\n";
        let f = SourceFile::excerpt(PathBuf::from("t"), text, &[5]);
        assert_eq!(f.line_col(5), Some(LineCol { line: 2, column: 2 }));
        // the CR LF belongs to line 2
        assert_eq!(f.line_col(8), Some(LineCol { line: 2, column: 5 }));
        assert_eq!(f.line_text(2), Some("two"));
        assert!(!f.covers(0) && !f.covers(9) && !f.covers(text.len()));
        assert_eq!(f.line_col(0), None);
        assert_eq!(f.line_text(1), None);
        assert_eq!(f.text_len(), text.len());
    }
}
