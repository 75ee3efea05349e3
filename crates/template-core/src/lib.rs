//! `wc`-style statistics — lines, words and bytes — as POSIX defines `wc -l -w -c` in the C
//! locale, which GNU coreutils 9.5 and later follow under `LC_ALL=C`.
//!
//! * lines: the number of `\n` bytes;
//! * words: maximal runs of bytes that are not C-locale whitespace (`isspace()`: space,
//!   `\t`, `\n`, `\v`, `\f`, `\r`); NUL, other control bytes and bytes `>= 0x80` are word
//!   bytes. GNU `wc` before 9.5 lets those neither start nor end a word, so its word count
//!   can be lower on such input;
//! * bytes: the length.
//!
//! [`count_bytes`] counts a slice, [`Counter`] counts a stream chunk by chunk (a word that
//! straddles two chunks counts once), [`count_reader`] streams any reader through a fixed
//! buffer, and [`count_path`] opens and counts a file, naming the path in its error.
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod error;
mod scan;

use std::fs::File;
use std::io::{self, Read};
use std::ops::{Add, AddAssign};
use std::path::Path;

pub use error::{os_error_text, CountError};

/// Size of the buffer [`count_reader`] streams through; memory does not grow with input.
pub const BUFFER_SIZE: usize = 256 * 1024;

/// Line, word and byte counts of one input (or, summed with `+`, of several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    /// Number of `\n` bytes.
    pub lines: u64,
    /// Number of maximal runs of non-whitespace bytes.
    pub words: u64,
    /// Number of bytes.
    pub bytes: u64,
}

impl Add for Stats {
    type Output = Stats;
    fn add(self, rhs: Stats) -> Stats {
        Stats {
            lines: self.lines + rhs.lines,
            words: self.words + rhs.words,
            bytes: self.bytes + rhs.bytes,
        }
    }
}

impl AddAssign for Stats {
    fn add_assign(&mut self, rhs: Stats) {
        *self = *self + rhs;
    }
}

impl std::iter::Sum for Stats {
    fn sum<I: Iterator<Item = Stats>>(iter: I) -> Stats {
        iter.fold(Stats::default(), Add::add)
    }
}

/// Incremental counter: feed chunks with [`Counter::update`], read the result with
/// [`Counter::finish`]. Splitting the input differently never changes the result.
#[derive(Debug, Clone)]
pub struct Counter {
    stats: Stats,
    /// Whether the last byte seen was whitespace; true at the start of the input, so a
    /// leading non-whitespace byte starts a word.
    after_space: bool,
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}

impl Counter {
    /// A counter that has seen no bytes.
    pub const fn new() -> Self {
        Counter {
            stats: Stats {
                lines: 0,
                words: 0,
                bytes: 0,
            },
            after_space: true,
        }
    }

    /// Counts `chunk` as the continuation of everything fed so far.
    pub fn update(&mut self, chunk: &[u8]) {
        let (Some(&first), Some(&last)) = (chunk.first(), chunk.last()) else {
            return;
        };
        self.stats.bytes += chunk.len() as u64;
        self.stats.lines += u64::from(first == b'\n');
        self.stats.words += u64::from(self.after_space && !scan::is_space(first));
        let (lines, words) = scan::newlines_and_word_starts(&chunk[1..], &chunk[..chunk.len() - 1]);
        self.stats.lines += lines;
        self.stats.words += words;
        self.after_space = scan::is_space(last);
    }

    /// The counts of everything fed so far, without consuming the counter.
    pub const fn stats(&self) -> Stats {
        self.stats
    }

    /// The counts of everything fed.
    pub const fn finish(self) -> Stats {
        self.stats
    }
}

/// Counts a byte slice.
pub fn count_bytes(data: &[u8]) -> Stats {
    let mut counter = Counter::new();
    counter.update(data);
    counter.finish()
}

/// Counts everything `reader` yields, through one buffer of [`BUFFER_SIZE`] bytes.
///
/// Reads interrupted by a signal (`ErrorKind::Interrupted`) are retried; any other error
/// is returned as is.
pub fn count_reader<R: Read>(mut reader: R) -> io::Result<Stats> {
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut counter = Counter::new();
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(counter.finish()),
            Ok(n) => counter.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Opens and counts the file at `path`.
///
/// Errors carry the path and the OS error. On Linux, opening a directory succeeds and the
/// first read fails with `EISDIR`; that error is returned unchanged, so its errno survives.
pub fn count_path(path: &Path) -> Result<Stats, CountError> {
    let wrap = |source| CountError::new(path, source);
    let file = File::open(path).map_err(wrap)?;
    count_reader(file).map_err(wrap)
}

#[cfg(test)]
mod tests;
