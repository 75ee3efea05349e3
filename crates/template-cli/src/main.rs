//! `template-cli`: the command-line surface of template-core.

mod count;
mod output;
mod quote;
mod surface;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// The exit codes and what each means; `--help` and `--dump-surface` are made from this list.
pub(crate) const EXIT_CODES: [(u8, &str); 3] = [
    (
        count::EXIT_OK,
        "every input was counted (and within --max-lines, if given)",
    ),
    (
        count::EXIT_OVER_BUDGET,
        "at least one input has more lines than --max-lines",
    ),
    (
        count::EXIT_FAILED,
        "usage error, an unreadable input (named on stderr with the OS error; the other \
         inputs are still counted and printed), or standard output could not be written; \
         2 wins over 1",
    ),
];

/// What a line and a word are, shown by `--help` (not `-h`) of the program and of `count`.
const COUNTING_RULES: &str = "\
Lines are `\\n` bytes. A word is a maximal run of bytes that are not whitespace, where
whitespace is the C locale's isspace() set: space, \\t, \\n, \\v, \\f and \\r. NUL, other
control bytes and bytes >= 0x80 are word bytes. This is POSIX's definition for `wc` in the
C locale, which GNU coreutils 9.5 and later follow, so the counts equal
`LC_ALL=C wc -l -w -c` there. An older GNU wc (before 9.5, such as 9.1) lets control
bytes and bytes >= 0x80 neither start nor end a word, so its word count can be lower
on input holding such bytes (UTF-8 text outside ASCII, binary data).

A file name holding a newline is printed shell-quoted, as GNU wc prints it
('we\"ird'$'\\n''name.txt'); --json escapes names as JSON strings.";

/// The `Exit codes:` section after the help, wrapped to 80 columns.
fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in EXIT_CODES {
        let mut line = format!("\n  {code}  ");
        for word in meaning.split_whitespace() {
            if line.len() + 1 + word.len() > 80 {
                text.push_str(line.trim_end());
                line = String::from("\n     ");
            } else if !line.ends_with("  ") && !line.ends_with('\n') {
                line.push(' ');
            }
            line.push_str(word);
        }
        text.push_str(&line);
    }
    text
}

/// wc-style line, word and byte counts of files or standard input
#[derive(Debug, Parser)]
#[command(
    name = env!("CARGO_BIN_NAME"),
    version,
    // The subcommand is optional only so that `--dump-surface` can stand alone.
    override_usage = format!("{} <COMMAND>", env!("CARGO_BIN_NAME")),
    long_about = format!("wc-style line, word and byte counts of files or standard input.\n\n{COUNTING_RULES}"),
    after_help = exit_codes_help(),
    arg_required_else_help = true,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Print the command tree (subcommands, flags, positionals, exit codes) as JSON
    #[arg(long, hide = true)]
    dump_surface: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Count lines, words and bytes of files or standard input, like `LC_ALL=C wc -l -w -c`
    #[command(
        long_about = format!(
            "Count lines, words and bytes of files or standard input, like `LC_ALL=C wc -l -w -c`.\n\n\
             {COUNTING_RULES}"
        ),
        after_help = exit_codes_help()
    )]
    Count(CountArgs),
}

/// Arguments of `template-cli count`.
#[derive(Debug, Args)]
pub(crate) struct CountArgs {
    /// Print one JSON array of {"path", "lines", "words", "bytes"} objects instead of text
    #[arg(long)]
    pub(crate) json: bool,

    /// Exit 1 if an input has more than N lines, naming each such input on stderr
    #[arg(long, value_name = "N")]
    pub(crate) max_lines: Option<u64>,

    /// Files to count; none, or `-`, reads standard input
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

/// The surface as `--dump-surface` prints it: clap's command tree plus what clap does not
/// know (exit codes, the keys of `count --json`).
fn surface() -> serde_json::Value {
    let mut cmd = Cli::command();
    let mut dump = surface::command_tree(&mut cmd);
    dump["exit_codes"] = EXIT_CODES
        .iter()
        .map(|(code, meaning)| serde_json::json!({"code": code, "meaning": meaning}))
        .collect();
    if let Some(count) = surface::subcommand_mut(&mut dump, "count") {
        count["json_fields"] = serde_json::json!(output::JSON_FIELDS);
    }
    dump
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Some(Command::Count(args)) => count::run(&args),
        None if cli.dump_surface => surface::print(&surface()),
        // Unreachable through clap (no arguments prints the help), kept as a usage error.
        None => Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a subcommand is required",
            )
            .exit(),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::{exit_codes_help, surface, Cli, EXIT_CODES};
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_help_lists_every_code_within_80_columns() {
        let text = exit_codes_help();
        assert!(text.lines().all(|l| l.len() <= 80), "{text}");
        for (code, _) in EXIT_CODES {
            assert!(text.contains(&format!("\n  {code}  ")), "{text}");
        }
        assert!(text.ends_with("2 wins over 1"), "{text}");
    }

    #[test]
    fn surface_adds_exit_codes_and_json_fields() {
        let dump = surface();
        assert_eq!(dump["exit_codes"][1]["code"], 1);
        assert_eq!(
            dump["subcommands"][0]["json_fields"],
            serde_json::json!(["path", "lines", "words", "bytes"])
        );
    }
}
