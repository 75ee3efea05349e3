//! wc-style statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub lines: u64,
    pub words: u64,
    pub bytes: u64,
}

pub fn count_bytes(data: &[u8]) -> Stats {
    let mut s = Stats { bytes: data.len() as u64, ..Stats::default() };
    let mut in_word = false;
    for &b in data {
        if b == b'\n' { s.lines += 1; }
        let ws = matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        if !ws && !in_word { s.words += 1; }
        in_word = !ws;
    }
    s
}
