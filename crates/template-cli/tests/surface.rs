//! `--dump-surface` and the documented rules in `--help`.

mod common;

use common::{run, text};

fn surface() -> serde_json::Value {
    let out = run(&["--dump-surface"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--dump-surface prints JSON")
}

#[test]
fn dump_surface_is_the_real_command_tree() {
    let dump = surface();
    assert_eq!(dump["format"], 1);
    assert_eq!(dump["name"], "template-cli");
    assert_eq!(dump["version"], env!("CARGO_PKG_VERSION"));
    let names: Vec<&str> = dump["subcommands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["count", "help"]);
    let count = &dump["subcommands"][0];
    let flag = |long: &str| {
        count["flags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["long"] == long)
            .unwrap_or_else(|| panic!("no --{long} in {count}"))
            .clone()
    };
    assert_eq!(flag("json")["takes_value"], false);
    assert_eq!(flag("max-lines")["takes_value"], true);
    assert_eq!(flag("max-lines")["value_names"], serde_json::json!(["N"]));
    assert_eq!(flag("help")["short"], "h");
    assert_eq!(
        count["positionals"][0]["value_names"],
        serde_json::json!(["PATH"])
    );
    assert_eq!(
        count["positionals"][0]["num_args"]["max"],
        serde_json::Value::Null
    );
    assert_eq!(
        count["json_fields"],
        serde_json::json!(["path", "lines", "words", "bytes"])
    );
    let top_flags: Vec<(&str, bool)> = dump["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["long"].as_str().unwrap(), f["hidden"] == true))
        .collect();
    assert_eq!(
        top_flags,
        [("dump-surface", true), ("help", false), ("version", false)]
    );
    // `help count` is a real call: clap's help subcommand carries the tree below it.
    assert_eq!(dump["subcommands"][1]["subcommands"][0]["name"], "count");
}

#[test]
fn dump_surface_exit_codes_are_the_ones_help_prints() {
    let dump = surface();
    let help = text(&run(&["--help"], b"").stdout);
    let codes = dump["exit_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 3);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for entry in codes {
        let line = format!("{} {}", entry["code"], entry["meaning"].as_str().unwrap());
        assert!(flat.contains(&line), "{line:?} not in --help:\n{help}");
    }
}

#[test]
fn dump_surface_is_hidden_and_stands_alone() {
    for args in [&["--help"][..], &["-h"]] {
        let help = text(&run(args, b"").stdout);
        assert!(!help.contains("dump-surface"), "{help}");
    }
    let out = run(&["--dump-surface", "count"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn help_states_the_word_rule_and_how_old_wc_differs() {
    for args in [&["--help"][..], &["count", "--help"]] {
        let help = text(&run(args, b"").stdout);
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "A word is a maximal run of bytes that are not whitespace",
            "isspace() set: space, \\t, \\n, \\v, \\f and \\r",
            "POSIX",
            "GNU coreutils 9.5 and later",
            "neither start nor end a word",
        ] {
            assert!(flat.contains(needle), "{needle:?} not in {args:?}:\n{help}");
        }
    }
}
