//! Unit tests: edge cases, chunk boundaries, and a property test against a reference.

use super::*;
use std::io::ErrorKind;

/// The dead-simple definition, one byte at a time.
fn reference(data: &[u8]) -> Stats {
    let mut s = Stats {
        bytes: data.len() as u64,
        ..Stats::default()
    };
    let mut in_word = false;
    for &b in data {
        s.lines += u64::from(b == b'\n');
        let ws = matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        s.words += u64::from(!ws && !in_word);
        in_word = !ws;
    }
    s
}

fn stats(lines: u64, words: u64, bytes: u64) -> Stats {
    Stats {
        lines,
        words,
        bytes,
    }
}

/// A reader that returns reads of the given sizes, cycling, and an `Interrupted` error
/// before every read, to prove that both are handled.
struct Dribble<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    next: usize,
    interrupt: bool,
}

impl<'a> Dribble<'a> {
    fn new(data: &'a [u8], sizes: &'a [usize]) -> Self {
        Dribble {
            data,
            sizes,
            next: 0,
            interrupt: true,
        }
    }
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if !self.interrupt {
            return Err(io::Error::from(ErrorKind::Interrupted));
        }
        let want = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Bytes rich in every whitespace kind, NUL, high bytes and long runs.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b" \t\n\x0b\x0c\r\0\x80\xff\x08\x0e\x1f!a";
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let b = match self.below(4) {
                0 => self.next() as u8,
                _ => ALPHABET[self.below(ALPHABET.len() as u64) as usize],
            };
            let run = if self.below(8) == 0 {
                self.below(100) as usize
            } else {
                1
            };
            out.extend(std::iter::repeat_n(b, run.min(len - out.len())));
        }
        out
    }
}

#[test]
fn empty() {
    assert_eq!(count_bytes(b""), Stats::default());
    assert_eq!(count_reader(&b""[..]).unwrap(), Stats::default());
}

#[test]
fn no_trailing_newline() {
    assert_eq!(count_bytes(b"hello world"), stats(0, 2, 11));
    assert_eq!(count_bytes(b"one\ntwo"), stats(1, 2, 7));
}

#[test]
fn only_whitespace() {
    assert_eq!(count_bytes(b" \t\n\x0b\x0c\r \n"), stats(2, 0, 8));
}

#[test]
fn each_whitespace_byte_separates_words() {
    for ws in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'] {
        let data = [b'a', ws, b'b'];
        let lines = u64::from(ws == b'\n');
        assert_eq!(
            count_bytes(&data),
            stats(lines, 2, 3),
            "separator {ws:#04x}"
        );
        assert_eq!(count_bytes(&[ws]), stats(lines, 0, 1), "alone {ws:#04x}");
    }
}

#[test]
fn other_control_bytes_nul_and_high_bytes_are_word_bytes() {
    for b in (0..=255u8).filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')) {
        assert_eq!(
            count_bytes(&[b' ', b, b' ']),
            stats(0, 1, 3),
            "byte {b:#04x}"
        );
        assert_eq!(
            count_bytes(&[b'a', b, b'a']),
            stats(0, 1, 3),
            "byte {b:#04x}"
        );
    }
    assert_eq!(count_bytes(b"\0\0 \x80\xff\n"), stats(1, 2, 6));
}

#[test]
fn word_across_read_boundaries_counts_once() {
    let data = b"  alpha beta\tgamma\n\ndelta  epsilon\x0bzeta\r\n";
    let expected = reference(data);
    for sizes in [&[1usize][..], &[2], &[3], &[1, 4, 7], &[5, 1, 2, 9]] {
        let got = count_reader(Dribble::new(data, sizes)).unwrap();
        assert_eq!(got, expected, "read sizes {sizes:?}");
    }
}

#[test]
fn counter_split_anywhere_matches_whole() {
    let data = b"ab cd\n ef\tg\x80h\0 ";
    let whole = count_bytes(data);
    for cut in 0..=data.len() {
        let mut c = Counter::new();
        c.update(&data[..cut]);
        c.update(b"");
        c.update(&data[cut..]);
        assert_eq!(c.stats(), whole, "cut at {cut}");
        assert_eq!(c.finish(), whole, "cut at {cut}");
    }
}

#[test]
fn large_input() {
    let unit = b"lorem ipsum\tdolor\n";
    let data: Vec<u8> = unit
        .iter()
        .copied()
        .cycle()
        .take(unit.len() * 100_000)
        .collect();
    let expected = stats(100_000, 300_000, data.len() as u64);
    assert_eq!(count_bytes(&data), expected);
    assert_eq!(count_reader(&data[..]).unwrap(), expected);
    assert_eq!(
        count_reader(Dribble::new(&data, &[BUFFER_SIZE - 1, 4093])).unwrap(),
        expected
    );
}

#[test]
fn fast_path_matches_reference_on_random_inputs() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let len = match round % 4 {
            0 => rng.below(70) as usize,
            1 => rng.below(2_000) as usize,
            2 => 8_160 + rng.below(200) as usize - 100,
            _ => rng.below(40_000) as usize,
        };
        let data = rng.bytes(len);
        let expected = reference(&data);
        assert_eq!(count_bytes(&data), expected, "round {round}, len {len}");
        let cut = rng.below(len as u64 + 1) as usize;
        let mut c = Counter::new();
        c.update(&data[..cut]);
        c.update(&data[cut..]);
        assert_eq!(c.finish(), expected, "round {round}, cut {cut}");
    }
}

#[test]
fn stats_add_and_sum() {
    let a = stats(1, 2, 3);
    let mut b = stats(10, 20, 30);
    assert_eq!(a + b, stats(11, 22, 33));
    b += a;
    assert_eq!(b, stats(11, 22, 33));
    assert_eq!([a, a, a].into_iter().sum::<Stats>(), stats(3, 6, 9));
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("template-core-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn count_path_reads_a_file() {
    let dir = scratch("file");
    let path = dir.join("a.txt");
    std::fs::write(&path, b"one two\nthree\n").unwrap();
    assert_eq!(count_path(&path).unwrap(), stats(2, 3, 14));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn count_path_errors_name_the_path_and_keep_the_errno() {
    let dir = scratch("errors");
    let missing = dir.join("missing.txt");
    let err = count_path(&missing).unwrap_err();
    assert_eq!(err.path(), missing);
    assert_eq!(err.io_error().kind(), ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}: ", missing.display())),
        "{text}"
    );
    assert!(!text.contains("os error"), "{text}");
    #[cfg(unix)]
    {
        assert_eq!(err.io_error().raw_os_error(), Some(2), "ENOENT");
        let err = count_path(&dir).unwrap_err();
        assert_eq!(err.io_error().raw_os_error(), Some(21), "EISDIR");
        assert_eq!(
            err.to_string(),
            format!("{}: Is a directory", dir.display())
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn os_error_text_of_a_custom_error_is_its_message() {
    let err = io::Error::other("boom");
    assert_eq!(os_error_text(&err), "boom");
}
