//! `template-cli count`: count every input, report errors and budget overruns, print.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use template_core::{count_reader, CountError, Stats};

use crate::output::{self, Row};
use crate::{quote, CountArgs};

pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_OVER_BUDGET: u8 = 1;
pub(crate) const EXIT_FAILED: u8 = 2;

/// One input as named on the command line.
enum Input {
    /// No path given: standard input, printed without a name (as `wc` does).
    ImplicitStdin,
    /// `-`: standard input, printed as `-`.
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The name shown on stderr and in JSON (`-` for standard input).
    fn name(&self) -> &OsStr {
        match self {
            Input::ImplicitStdin | Input::Stdin => OsStr::new("-"),
            Input::File(p) => p.as_os_str(),
        }
    }

    /// `stat` before counting, as GNU `wc` does to choose the column width: `None` if it
    /// fails, else whether the input is a regular file and its size.
    fn stat(&self) -> Option<(bool, u64)> {
        let meta = match self {
            Input::File(p) => std::fs::metadata(p),
            Input::ImplicitStdin | Input::Stdin => stdin_metadata(),
        };
        meta.ok().map(|m| (m.is_file(), m.len()))
    }

    fn count(&self) -> Result<Stats, CountError> {
        match self {
            Input::File(p) => template_core::count_path(p),
            Input::ImplicitStdin | Input::Stdin => {
                count_reader(io::stdin().lock()).map_err(|e| CountError::new("-", e))
            }
        }
    }
}

#[cfg(unix)]
fn stdin_metadata() -> io::Result<std::fs::Metadata> {
    use std::os::fd::AsFd;
    File::from(io::stdin().as_fd().try_clone_to_owned()?).metadata()
}

#[cfg(not(unix))]
fn stdin_metadata() -> io::Result<std::fs::Metadata> {
    Err(io::ErrorKind::Unsupported.into())
}

/// GNU `wc`'s column width: the digits of the summed sizes of the regular files, at least
/// 7 if an input is not a regular file (a pipe, a terminal), and 1 if the first input
/// could not be stat'ed at all.
fn column_width(stats: &[Option<(bool, u64)>]) -> usize {
    match stats.first() {
        None | Some(None) => 1,
        Some(Some(_)) => {
            let regular_total: u64 = stats.iter().flatten().filter(|s| s.0).map(|s| s.1).sum();
            let minimum = if stats.iter().flatten().any(|s| !s.0) {
                7
            } else {
                1
            };
            output::digits(regular_total).max(minimum)
        }
    }
}

/// One line on stderr, prefixed with the program's name.
pub(crate) fn complain(message: &str) {
    // Nothing useful is left to do if stderr itself cannot be written.
    let _ = writeln!(
        io::stderr().lock(),
        concat!(env!("CARGO_BIN_NAME"), ": {}"),
        message
    );
}

/// Runs `count` and returns the exit code.
pub(crate) fn run(args: &CountArgs) -> u8 {
    let inputs: Vec<Input> = if args.paths.is_empty() {
        vec![Input::ImplicitStdin]
    } else {
        args.paths.iter().map(|p| classify(p)).collect()
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match count_all(args, &inputs, &mut out).and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        // A closed pipe (`| head -c1`) is the reader's choice, not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            complain(&format!(
                "error writing standard output: {}",
                template_core::os_error_text(&e)
            ));
            EXIT_FAILED
        }
    }
}

fn classify(path: &Path) -> Input {
    if path.as_os_str() == "-" {
        Input::Stdin
    } else {
        Input::File(path.to_path_buf())
    }
}

/// Counts every input in order, printing text rows as they come (JSON at the end).
/// Returns the exit code, or the error met while writing to `out`.
fn count_all(args: &CountArgs, inputs: &[Input], out: &mut impl Write) -> io::Result<u8> {
    let width = if args.json {
        0
    } else {
        column_width(&inputs.iter().map(Input::stat).collect::<Vec<_>>())
    };
    let (mut failed, mut over_budget) = (false, false);
    let mut total = Stats::default();
    let mut rows = Vec::new();
    for input in inputs {
        let stats = match input.count() {
            Ok(stats) => stats,
            Err(e) => {
                // Flush first so stdout and stderr stay in order on a terminal.
                out.flush()?;
                complain(&format!(
                    "{}: {}",
                    quote::for_message(e.path().as_os_str()),
                    template_core::os_error_text(e.io_error())
                ));
                failed = true;
                continue;
            }
        };
        total += stats;
        let name = input.name();
        if let Some(max) = args.max_lines.filter(|&max| stats.lines > max) {
            out.flush()?;
            complain(&format!(
                "{}: {} lines, over --max-lines {max}",
                quote::for_message(name),
                stats.lines
            ));
            over_budget = true;
        }
        let row = Row {
            name: if matches!(input, Input::ImplicitStdin) {
                None
            } else {
                Some(name.to_os_string())
            },
            stats,
        };
        if args.json {
            rows.push(row);
        } else {
            output::write_text_row(out, &row, width)?;
        }
    }
    if args.json {
        output::write_json(out, &rows)?;
    } else if inputs.len() > 1 {
        output::write_text_row(
            out,
            &Row {
                name: Some("total".into()),
                stats: total,
            },
            width,
        )?;
    }
    Ok(if failed {
        EXIT_FAILED
    } else if over_budget {
        EXIT_OVER_BUDGET
    } else {
        EXIT_OK
    })
}

#[cfg(test)]
mod tests {
    use super::column_width;

    #[test]
    fn width_follows_gnu_wc() {
        assert_eq!(column_width(&[]), 1);
        assert_eq!(column_width(&[None, Some((true, 123_456))]), 1);
        assert_eq!(column_width(&[Some((true, 6))]), 1);
        assert_eq!(column_width(&[Some((true, 60)), Some((true, 50))]), 3);
        assert_eq!(column_width(&[Some((true, 6)), Some((false, 4096))]), 7);
        assert_eq!(
            column_width(&[Some((false, 0)), Some((true, 123_456_789))]),
            9
        );
    }
}
