//! The hot loop: newlines and word starts of a byte slice.
//!
//! A word starts at every byte that is not whitespace and follows a whitespace byte. For
//! every byte after the first, "follows" means the byte just before it in the same slice,
//! so the kernel compares `cur[i]` with `prev[i]`, where `prev` is the same data shifted by
//! one. That turns the count into independent per-byte comparisons that LLVM vectorises:
//! each lane of a `[u8; LANES]` accumulator adds 0 or 1 per round, and the lanes are
//! widened into `u64` totals every [`MAX_ROUNDS`] rounds, before a `u8` could overflow.
//!
//! On x86-64 the same code is compiled a second time with AVX2 enabled and chosen at run
//! time (the baseline target only guarantees SSE2); every other target uses the portable
//! build, which LLVM vectorises for whatever SIMD the target has (NEON on aarch64).

/// Bytes compared per round; one AVX2 register, two SSE2/NEON registers.
const LANES: usize = 32;
/// Rounds per block: each `u8` lane gains at most 1 per round, so 255 rounds cannot overflow.
const MAX_ROUNDS: usize = 255;
const BLOCK: usize = LANES * MAX_ROUNDS;

/// C-locale `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r` (0x09..=0x0d and 0x20).
#[inline(always)]
pub(crate) const fn is_space(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// Counts `(newlines, word starts)` in `cur`, where `prev[i]` is the byte before `cur[i]`.
///
/// The caller handles the first byte of its buffer (whose predecessor is carried state),
/// so both slices come from the same buffer: `cur = &buf[1..]`, `prev = &buf[..len - 1]`.
#[inline]
pub(crate) fn newlines_and_word_starts(cur: &[u8], prev: &[u8]) -> (u64, u64) {
    assert_eq!(
        cur.len(),
        prev.len(),
        "cur and prev must have the same length"
    );
    #[cfg(target_arch = "x86_64")]
    {
        if cur.len() >= 4 * LANES && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { scan_avx2(cur, prev) };
        }
    }
    scan(cur, prev)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_avx2(cur: &[u8], prev: &[u8]) -> (u64, u64) {
    scan(cur, prev)
}

#[inline(always)]
fn scan(cur: &[u8], prev: &[u8]) -> (u64, u64) {
    let (mut lines, mut words) = (0u64, 0u64);
    let mut cur_blocks = cur.chunks_exact(BLOCK);
    let mut prev_blocks = prev.chunks_exact(BLOCK);
    for (c, p) in (&mut cur_blocks).zip(&mut prev_blocks) {
        let (l, w) = scan_block(c, p);
        lines += l;
        words += w;
    }
    let (l, w) = scan_block(cur_blocks.remainder(), prev_blocks.remainder());
    (lines + l, words + w)
}

/// One block of at most [`BLOCK`] bytes: vectorised rounds, then a scalar tail.
#[inline(always)]
fn scan_block(cur: &[u8], prev: &[u8]) -> (u64, u64) {
    debug_assert!(cur.len() <= BLOCK);
    let mut nl = [0u8; LANES];
    let mut starts = [0u8; LANES];
    let mut cur_rounds = cur.chunks_exact(LANES);
    let mut prev_rounds = prev.chunks_exact(LANES);
    for (c, p) in (&mut cur_rounds).zip(&mut prev_rounds) {
        for j in 0..LANES {
            nl[j] = nl[j].wrapping_add(u8::from(c[j] == b'\n'));
            starts[j] = starts[j].wrapping_add(u8::from(!is_space(c[j]) & is_space(p[j])));
        }
    }
    let mut lines: u64 = nl.iter().map(|&n| u64::from(n)).sum();
    let mut words: u64 = starts.iter().map(|&n| u64::from(n)).sum();
    for (&c, &p) in cur_rounds.remainder().iter().zip(prev_rounds.remainder()) {
        lines += u64::from(c == b'\n');
        words += u64::from(!is_space(c) & is_space(p));
    }
    (lines, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_space_is_exactly_the_c_locale_set() {
        for b in 0..=255u8 {
            let expected = matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            assert_eq!(is_space(b), expected, "byte {b:#04x}");
        }
    }

    #[test]
    fn portable_and_dispatched_paths_agree() {
        let data: Vec<u8> = (0..3 * BLOCK + 77)
            .map(|i| [b'a', b' ', b'\n', 0x80][i % 7 % 4])
            .collect();
        let (cur, prev) = (&data[1..], &data[..data.len() - 1]);
        assert_eq!(scan(cur, prev), newlines_and_word_starts(cur, prev));
    }
}
