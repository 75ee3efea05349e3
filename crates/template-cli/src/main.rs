//! `template-cli`: the command-line surface of template-core.

mod count;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  every input was counted (and within --max-lines, if given)
  1  at least one input has more lines than --max-lines
  2  usage error, an unreadable input (named on stderr with the OS error; the other
     inputs are still counted and printed), or standard output could not be written;
     2 wins over 1";

/// wc-style line, word and byte counts, identical to GNU `wc -l -w -c` under `LC_ALL=C`.
#[derive(Debug, Parser)]
#[command(name = "template-cli", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Count lines, words and bytes of files or standard input, like `LC_ALL=C wc -l -w -c`
    #[command(after_help = EXIT_CODES)]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Count(args) => count::run(&args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
