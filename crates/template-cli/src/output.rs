//! Text and JSON output of `template-cli count`.

use std::io::{self, Write};

use template_core::Stats;

/// One printed row: a name (`None` for standard input given implicitly) and its counts.
pub(crate) struct Row {
    pub(crate) name: Option<String>,
    pub(crate) stats: Stats,
}

/// Number of decimal digits of `n` (1 for 0).
pub(crate) fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// `lines words bytes[ name]`, each number right-aligned to `width`, like GNU `wc`.
pub(crate) fn write_text_row(out: &mut impl Write, row: &Row, width: usize) -> io::Result<()> {
    let Stats {
        lines,
        words,
        bytes,
    } = row.stats;
    write!(out, "{lines:>width$} {words:>width$} {bytes:>width$}")?;
    match &row.name {
        Some(name) => writeln!(out, " {name}"),
        None => writeln!(out),
    }
}

/// One JSON array of `{"path", "lines", "words", "bytes"}` objects on one line; standard
/// input is `"-"`. Keys are written in that order; serde_json escapes the path.
pub(crate) fn write_json(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, row) in rows.iter().enumerate() {
        let path = serde_json::to_string(row.name.as_deref().unwrap_or("-"))?;
        let Stats {
            lines,
            words,
            bytes,
        } = row.stats;
        let sep = if i == 0 { "" } else { "," };
        write!(
            out,
            r#"{sep}{{"path":{path},"lines":{lines},"words":{words},"bytes":{bytes}}}"#
        )?;
    }
    out.write_all(b"]\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: Option<&str>, lines: u64, words: u64, bytes: u64) -> Row {
        Row {
            name: name.map(str::to_owned),
            stats: Stats {
                lines,
                words,
                bytes,
            },
        }
    }

    #[test]
    fn digits_counts_decimal_digits() {
        assert_eq!(
            [0, 9, 10, 99, 100, u64::MAX].map(digits),
            [1, 1, 2, 2, 3, 20]
        );
    }

    #[test]
    fn text_rows_are_right_aligned() {
        let mut out = Vec::new();
        write_text_row(&mut out, &row(Some("a b"), 1, 22, 333), 4).unwrap();
        write_text_row(&mut out, &row(None, 1, 2, 3), 1).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "   1   22  333 a b\n1 2 3\n"
        );
    }

    #[test]
    fn json_escapes_paths_and_keeps_key_order() {
        let mut out = Vec::new();
        write_json(&mut out, &[row(Some("q\"\n"), 1, 2, 3), row(None, 0, 0, 0)]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "[{\"path\":\"q\\\"\\n\",\"lines\":1,\"words\":2,\"bytes\":3},\
             {\"path\":\"-\",\"lines\":0,\"words\":0,\"bytes\":0}]\n"
        );
        let empty = {
            let mut o = Vec::new();
            write_json(&mut o, &[]).unwrap();
            o
        };
        assert_eq!(empty, b"[]\n");
    }
}
