//! `--dump-surface`: the CLI's real command tree as JSON, read from clap's `Command`.
//!
//! Tools that check calls of the CLI (the `action_surface` gate) or compare two versions of
//! it read this instead of parsing `--help`, so hidden flags, aliases and nested
//! subcommands are known exactly. The document (`"format": 1`) is, per command: `name`,
//! `about`, `aliases`, `hidden`, `subcommand_required`, `flags` (every non-positional
//! argument), `positionals` and `subcommands`, recursively; `main` adds what clap does not
//! know (exit codes, the keys of `--json` output).

use std::io::{self, Write};

use clap::builder::PossibleValue;
use clap::{Arg, ArgAction, Command};
use serde_json::{json, Value};

/// Version of the document's shape; bump it when a key changes meaning or goes away.
pub(crate) const FORMAT: u32 = 1;

/// The whole tree of `cmd` (built first, so clap's `--help`, `--version` and `help` exist).
pub(crate) fn command_tree(cmd: &mut Command) -> Value {
    cmd.build();
    let mut tree = command(cmd);
    tree["format"] = json!(FORMAT);
    tree["version"] = json!(cmd.get_version());
    tree
}

/// The entry of the direct subcommand `name` of a tree made by [`command_tree`].
pub(crate) fn subcommand_mut<'a>(tree: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    tree["subcommands"]
        .as_array_mut()?
        .iter_mut()
        .find(|sub| sub["name"] == name)
}

/// Prints `tree` as pretty JSON and returns the exit code (2 if stdout cannot be written).
pub(crate) fn print(tree: &Value) -> u8 {
    let mut out = io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, tree)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => crate::count::EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => crate::count::EXIT_OK,
        Err(e) => {
            crate::count::complain(&format!(
                "error writing standard output: {}",
                template_core::os_error_text(&e)
            ));
            crate::count::EXIT_FAILED
        }
    }
}

fn command(cmd: &Command) -> Value {
    json!({
        "name": cmd.get_name(),
        "about": cmd.get_about().map(ToString::to_string),
        "aliases": cmd.get_all_aliases().collect::<Vec<_>>(),
        "hidden": cmd.is_hide_set(),
        "subcommand_required": cmd.is_subcommand_required_set(),
        "arg_required_else_help": cmd.is_arg_required_else_help_set(),
        "flags": cmd.get_arguments().filter(|a| !a.is_positional()).map(flag).collect::<Vec<_>>(),
        "positionals": cmd.get_positionals().map(positional).collect::<Vec<_>>(),
        "subcommands": cmd.get_subcommands().map(command).collect::<Vec<_>>(),
    })
}

fn flag(arg: &Arg) -> Value {
    let mut entry = common(arg);
    entry["long"] = json!(arg.get_long());
    entry["short"] = json!(arg.get_short().map(String::from));
    entry["aliases"] = json!(arg.get_all_aliases().unwrap_or_default());
    entry["short_aliases"] = json!(arg
        .get_all_short_aliases()
        .unwrap_or_default()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>());
    entry["global"] = json!(arg.is_global_set());
    entry["require_equals"] = json!(arg.is_require_equals_set());
    entry
}

fn positional(arg: &Arg) -> Value {
    let mut entry = common(arg);
    entry["index"] = json!(arg.get_index());
    entry
}

/// What flags and positionals share: identity, visibility, values and defaults.
fn common(arg: &Arg) -> Value {
    let takes_value = arg.get_action().takes_values();
    let range = arg.get_num_args().filter(|_| takes_value);
    // clap keeps a value name and a default ("false") for plain flags too: not part of a call.
    let value_names: Vec<String> = match arg.get_value_names() {
        _ if !takes_value => Vec::new(),
        Some(names) => names.iter().map(ToString::to_string).collect(),
        None => vec![arg.get_id().as_str().to_uppercase()],
    };
    let default: Vec<String> = if takes_value {
        arg.get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect()
    } else {
        Vec::new()
    };
    let possible: Vec<String> = if takes_value {
        arg.get_possible_values()
            .iter()
            .map(PossibleValue::get_name)
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "id": arg.get_id().as_str(),
        "help": arg.get_help().map(ToString::to_string),
        "hidden": arg.is_hide_set(),
        "action": action_name(arg.get_action()),
        "takes_value": takes_value,
        "num_args": range.map(|r| json!({
            "min": r.min_values(),
            "max": (r.max_values() != usize::MAX).then(|| r.max_values()),
        })),
        "value_names": value_names,
        "possible_values": possible,
        "required": arg.is_required_set(),
        "default": default,
    })
}

fn action_name(action: &ArgAction) -> &'static str {
    match action {
        ArgAction::Set => "set",
        ArgAction::Append => "append",
        ArgAction::SetTrue => "set_true",
        ArgAction::SetFalse => "set_false",
        ArgAction::Count => "count",
        ArgAction::Help => "help",
        ArgAction::HelpShort => "help_short",
        ArgAction::HelpLong => "help_long",
        ArgAction::Version => "version",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Command {
        Command::new("demo")
            .version("1.2.3")
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .hide(true)
                    .action(ArgAction::SetTrue),
            )
            .subcommand(
                Command::new("run")
                    .visible_alias("r")
                    .alias("go")
                    .arg(
                        Arg::new("color")
                            .long("color")
                            .short('c')
                            .visible_alias("colour")
                            .short_alias('C')
                            .value_parser(["auto", "never"])
                            .default_value("auto"),
                    )
                    .arg(Arg::new("verbose").short('v').action(ArgAction::Count))
                    .arg(Arg::new("files").num_args(1..).required(true))
                    .subcommand(Command::new("deep").hide(true)),
            )
    }

    #[test]
    fn tree_has_every_level_hidden_items_and_value_facts() {
        let tree = command_tree(&mut demo());
        assert_eq!(tree["format"], 1);
        assert_eq!(tree["name"], "demo");
        assert_eq!(tree["version"], "1.2.3");
        let longs: Vec<&Value> = tree["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["long"])
            .collect();
        assert_eq!(longs, [&json!("secret"), &json!("help"), &json!("version")]);
        assert_eq!(tree["flags"][0]["hidden"], true);
        assert_eq!(tree["flags"][0]["takes_value"], false);
        assert_eq!(tree["flags"][0]["possible_values"], json!([]));
        assert_eq!(tree["flags"][0]["value_names"], json!([]));
        assert_eq!(tree["flags"][0]["default"], json!([]));

        let run = &tree["subcommands"][0];
        assert_eq!(run["name"], "run");
        assert_eq!(run["aliases"], json!(["r", "go"]));
        let color = &run["flags"][0];
        assert_eq!(color["short"], "c");
        assert_eq!(color["aliases"], json!(["colour"]));
        assert_eq!(color["short_aliases"], json!(["C"]));
        assert_eq!(color["takes_value"], true);
        assert_eq!(color["action"], "set");
        assert_eq!(color["value_names"], json!(["COLOR"]));
        assert_eq!(color["possible_values"], json!(["auto", "never"]));
        assert_eq!(color["default"], json!(["auto"]));
        assert_eq!(color["num_args"], json!({"min": 1, "max": 1}));
        assert_eq!(run["flags"][1]["action"], "count");
        assert_eq!(run["flags"][1]["long"], Value::Null);
        let files = &run["positionals"][0];
        assert_eq!(files["required"], true);
        assert_eq!(files["index"], 1);
        assert_eq!(files["num_args"], json!({"min": 1, "max": null}));
        assert_eq!(run["subcommands"][0]["name"], "deep");
        assert_eq!(run["subcommands"][0]["hidden"], true);
        // clap's own `help` subcommand, with the tree below it, is part of the surface.
        let help = subcommand_mut(&mut tree.clone(), "help").unwrap().clone();
        assert_eq!(help["subcommands"][0]["name"], "run");
    }
}
