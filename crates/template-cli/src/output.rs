//! Text and JSON output of `template-cli count`.

use std::ffi::OsString;
use std::io::{self, Write};

use template_core::Stats;

use crate::quote;

/// The keys of each object `--json` prints, in order (the dump of the CLI surface lists them).
pub(crate) const JSON_FIELDS: [&str; 4] = ["path", "lines", "words", "bytes"];

/// One printed row: a name (`None` for standard input given implicitly) and its counts.
pub(crate) struct Row {
    pub(crate) name: Option<OsString>,
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

/// `lines words bytes[ name]`, each number right-aligned to `width`, like GNU `wc`; the
/// name's bytes as they are, or shell-quoted when it holds a newline (see [`quote`]).
pub(crate) fn write_text_row(out: &mut impl Write, row: &Row, width: usize) -> io::Result<()> {
    let Stats {
        lines,
        words,
        bytes,
    } = row.stats;
    write!(out, "{lines:>width$} {words:>width$} {bytes:>width$}")?;
    if let Some(name) = &row.name {
        out.write_all(b" ")?;
        out.write_all(&quote::file_name(&quote::os_bytes(name)))?;
    }
    out.write_all(b"\n")
}

/// One JSON array of objects with the keys [`JSON_FIELDS`], in that order, on one line;
/// standard input is `"-"`. serde_json escapes the path; a name that is not valid UTF-8 is
/// converted lossily (JSON strings are Unicode).
pub(crate) fn write_json(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    let [path_key, lines_key, words_key, bytes_key] = JSON_FIELDS;
    out.write_all(b"[")?;
    for (i, row) in rows.iter().enumerate() {
        let name = row
            .name
            .as_deref()
            .map_or("-".into(), |n| n.to_string_lossy());
        let path = serde_json::to_string(&name)?;
        let Stats {
            lines,
            words,
            bytes,
        } = row.stats;
        let sep = if i == 0 { "" } else { "," };
        write!(
            out,
            r#"{sep}{{"{path_key}":{path},"{lines_key}":{lines},"{words_key}":{words},"{bytes_key}":{bytes}}}"#
        )?;
    }
    out.write_all(b"]\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: Option<&str>, lines: u64, words: u64, bytes: u64) -> Row {
        Row {
            name: name.map(OsString::from),
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
    fn text_rows_quote_names_with_a_newline_only() {
        let mut out = Vec::new();
        write_text_row(&mut out, &row(Some("tab\tx"), 1, 2, 3), 1).unwrap();
        write_text_row(&mut out, &row(Some("we\"ird\nname.txt"), 1, 2, 3), 1).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1 2 3 tab\tx\n1 2 3 'we\"ird'$'\\n''name.txt'\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn text_rows_keep_non_utf8_names_byte_for_byte() {
        use std::os::unix::ffi::OsStringExt;
        let mut out = Vec::new();
        let name = OsString::from_vec(b"\xff\xfe.txt".to_vec());
        let r = Row {
            name: Some(name),
            stats: Stats::default(),
        };
        write_text_row(&mut out, &r, 1).unwrap();
        assert_eq!(out, b"0 0 0 \xff\xfe.txt\n");
    }

    #[test]
    fn json_keys_are_json_fields() {
        let mut out = Vec::new();
        write_json(&mut out, &[row(Some("a"), 1, 2, 3)]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let keys: Vec<&str> = value[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = JSON_FIELDS.to_vec();
        expected.sort_unstable(); // serde_json's Map sorts keys; the order is checked below
        assert_eq!(keys, expected);
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
