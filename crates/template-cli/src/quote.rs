//! File names in text output, quoted the way GNU `wc` quotes them in the C locale.
//!
//! `wc` prints a name as is unless it contains a newline, which would break its one line
//! per input. Such a name is printed in gnulib's `shell-escape-always` quoting style (what
//! `quotef` yields once a newline forces outer quotes), so it can be pasted back into a
//! shell: the name goes inside `'…'`; each run of bytes a shell cannot hold literally in
//! single quotes (controls, DEL, bytes >= 0x80 — none is printable in the C locale) becomes
//! one `$'…'` ANSI-C segment of `\n`, `\t`, `\a`-style or three-digit octal escapes; a `'`
//! becomes `'\''`. For example `we"ird<LF>name.txt` prints as `'we"ird'$'\n''name.txt'`.

use std::borrow::Cow;
use std::ffi::OsStr;

/// The bytes of an OS string: as is on Unix, UTF-8 (lossy) elsewhere.
pub(crate) fn os_bytes(s: &OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(s.as_bytes())
    }
    #[cfg(not(unix))]
    match s.to_string_lossy() {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// A file name for a one-line message on stderr: quoted like [`file_name`], lossy UTF-8.
pub(crate) fn for_message(name: &OsStr) -> String {
    String::from_utf8_lossy(&file_name(&os_bytes(name))).into_owned()
}

/// The bytes `wc` prints for the file name `name`: `name` itself unless it holds a `\n`.
pub(crate) fn file_name(name: &[u8]) -> Cow<'_, [u8]> {
    if name.contains(&b'\n') {
        Cow::Owned(shell_escape_always(name))
    } else {
        Cow::Borrowed(name)
    }
}

/// The C escape letter of a control byte that has one (`\a \b \t \n \v \f \r`).
fn escape_letter(b: u8) -> Option<u8> {
    Some(match b {
        0x07 => b'a',
        0x08 => b'b',
        b'\t' => b't',
        b'\n' => b'n',
        0x0b => b'v',
        0x0c => b'f',
        b'\r' => b'r',
        _ => return None,
    })
}

/// gnulib `quotearg` in `shell_escape_always_quoting_style`, unibyte (C) locale.
fn shell_escape_always(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 8);
    out.push(b'\'');
    // Inside a `'$'…` segment that has not been closed with `''` yet.
    let mut in_escape = false;
    for &b in name {
        let escaped = if let Some(letter) = escape_letter(b) {
            Some(vec![b'\\', letter])
        } else if b == b'\'' {
            // Closes whatever is open (a quote or an escape segment), then `\'`, then reopens.
            out.extend_from_slice(b"'\\''");
            in_escape = false;
            continue;
        } else if b.is_ascii_graphic() || b == b' ' {
            None
        } else {
            Some(vec![
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ])
        };
        match escaped {
            Some(seq) => {
                if !in_escape {
                    out.extend_from_slice(b"'$'");
                    in_escape = true;
                }
                out.extend_from_slice(&seq);
            }
            None => {
                if in_escape {
                    out.extend_from_slice(b"''");
                    in_escape = false;
                }
                out.push(b);
            }
        }
    }
    out.push(b'\'');
    out
}

#[cfg(test)]
mod tests {
    use super::file_name;

    /// Expected outputs recorded from `LC_ALL=C wc` (GNU coreutils 9.1) on files with these names.
    #[test]
    fn quotes_exactly_like_gnu_wc() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"plain.txt", b"plain.txt"),
            (b"sp ace", b"sp ace"),
            (b"it's", b"it's"),
            (b"tab\tx", b"tab\tx"),
            (b"ctl\x01x", b"ctl\x01x"),
            (b"\xff\xfebad", b"\xff\xfebad"),
            (b"we\"ird\nname.txt", b"'we\"ird'$'\\n''name.txt'"),
            (b"nl\n", b"'nl'$'\\n'"),
            (b"\nx", b"''$'\\n''x'"),
            (b"q'\n\"", b"'q'\\'''$'\\n''\"'"),
            (b"\n'", b"''$'\\n'\\'''"),
            ("é\nx".as_bytes(), b"''$'\\303\\251\\n''x'"),
            (b"a\tb\x01\n\x7f c", b"'a'$'\\t''b'$'\\001\\n\\177'' c'"),
            (b"a\n\xff\xfe", b"'a'$'\\n\\377\\376'"),
            (b"''\n''", b"''\\'''\\'''$'\\n'\\'''\\'''"),
            (b"\x1b[31m\n", b"''$'\\033''[31m'$'\\n'"),
            (b"{\n", b"'{'$'\\n'"),
            (b"\x07\x08\x0b\x0c\r\n", b"''$'\\a\\b\\v\\f\\r\\n'"),
            (
                b"$x `y` \\z ~#*?[]{}|&;<>!^=%@\n",
                b"'$x `y` \\z ~#*?[]{}|&;<>!^=%@'$'\\n'",
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(
                file_name(name).as_ref(),
                *expected,
                "{}",
                String::from_utf8_lossy(name)
            );
        }
    }
}
