//! End-to-end tests of the `template-cli` binary: exit codes, stdin, text and JSON output.

mod common;

use std::process::{Command, Stdio};

use common::{p, run, text, Scratch, BIN};

#[test]
fn version_and_help() {
    let out = run(&["--version"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("template-cli {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("count"), "{help}");
    assert!(help.contains("Exit codes"), "{help}");
    assert!(help.contains("2 wins over 1"), "{help}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["count", "--bogus"],
        &["nope"],
        &["count", "--max-lines", "x"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn stdin_without_paths_prints_no_name() {
    let out = run(&["count"], b"hello world\nbye\n");
    assert_eq!(out.status.code(), Some(0));
    // A pipe is not a regular file, so GNU wc pads to 7 columns.
    assert_eq!(text(&out.stdout), "      2       3      16\n");
    assert!(out.stderr.is_empty());
}

#[test]
fn dash_reads_stdin_and_is_named() {
    let dir = Scratch::new("dash");
    let a = dir.file("a.txt", b"one two\n");
    let out = run(&["count", "-", p(&a)], b"x y z");
    assert_eq!(out.status.code(), Some(0));
    let expected = format!(
        "      0       3       5 -\n      1       2       8 {}\n      1       5      13 total\n",
        p(&a)
    );
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn several_files_with_total_aligned_like_wc() {
    let dir = Scratch::new("several");
    let a = dir.file("a.txt", b"alpha beta\ngamma\n");
    let b = dir.file("b.txt", &b"word ".repeat(30));
    let out = run(&["count", p(&a), p(&b)], b"");
    assert_eq!(out.status.code(), Some(0));
    let expected = format!(
        "  2   3  17 {}\n  0  30 150 {}\n  2  33 167 total\n",
        p(&a),
        p(&b)
    );
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn single_file_has_no_total() {
    let dir = Scratch::new("single");
    let a = dir.file("a.txt", b"no newline at end");
    let out = run(&["count", p(&a)], b"");
    assert_eq!(text(&out.stdout), format!(" 0  4 17 {}\n", p(&a)));
}

#[test]
fn json_is_one_array_with_escaped_paths() {
    let dir = Scratch::new("json");
    let a = dir.file("quote\"tab\t.txt", b"a b\n");
    let out = run(&["count", "--json", p(&a), "-"], b"\x00\xff x\n\n");
    assert_eq!(out.status.code(), Some(0));
    let escaped = p(&a).replace('"', "\\\"").replace('\t', "\\t");
    let expected = format!(
        "[{{\"path\":\"{escaped}\",\"lines\":1,\"words\":2,\"bytes\":4}},\
         {{\"path\":\"-\",\"lines\":2,\"words\":2,\"bytes\":6}}]\n"
    );
    assert_eq!(text(&out.stdout), expected);
    let out = run(&["count", "--json"], b"");
    assert_eq!(
        text(&out.stdout),
        "[{\"path\":\"-\",\"lines\":0,\"words\":0,\"bytes\":0}]\n"
    );
}

#[test]
fn missing_file_among_good_ones_exits_2_and_counts_the_rest() {
    let dir = Scratch::new("missing");
    let a = dir.file("a.txt", b"a\n");
    let b = dir.file("b.txt", b"b b\n");
    let missing = dir.0.join("missing.txt");
    let out = run(&["count", p(&a), p(&missing), p(&b)], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        format!("1 1 2 {}\n1 2 4 {}\n2 3 6 total\n", p(&a), p(&b))
    );
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        format!("template-cli: {}: No such file or directory\n", p(&missing))
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn directory_as_input_exits_2_with_one_line() {
    let dir = Scratch::new("directory");
    let a = dir.file("a.txt", b"a\n");
    let out = run(&["count", "--json", p(&dir.0), p(&a)], b"");
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "[{{\"path\":\"{}\",\"lines\":1,\"words\":1,\"bytes\":2}}]\n",
        p(&a)
    );
    assert_eq!(text(&out.stdout), expected);
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("template-cli: {}: ", p(&dir.0))),
        "{stderr}"
    );
    if cfg!(unix) {
        assert!(stderr.contains("Is a directory"), "{stderr}");
    }
}

#[test]
fn max_lines_boundary() {
    let dir = Scratch::new("budget");
    let three = dir.file("three.txt", b"1\n2\n3\n");
    let four = dir.file("four.txt", b"1\n2\n3\n4\n");
    let out = run(&["count", "--max-lines", "3", p(&three)], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "exactly N lines is within budget"
    );
    assert!(out.stderr.is_empty());

    let out = run(
        &["count", "--max-lines", "3", p(&three), p(&four), "-"],
        b"a\nb\nc\nd\ne\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let expected = format!(
        "template-cli: {}: 4 lines, over --max-lines 3\ntemplate-cli: -: 5 lines, over --max-lines 3\n",
        p(&four)
    );
    assert_eq!(stderr, expected);
    assert_eq!(
        text(&out.stdout).lines().count(),
        4,
        "rows are still printed"
    );
}

#[test]
fn unreadable_input_wins_over_budget() {
    let dir = Scratch::new("precedence");
    let four = dir.file("four.txt", b"1\n2\n3\n4\n");
    let missing = dir.0.join("missing");
    let out = run(&["count", "--max-lines", "1", p(&four), p(&missing)], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 2);
}

#[test]
fn closed_stdout_is_not_a_panic() {
    let dir = Scratch::new("epipe");
    let big = dir.file("big.txt", &b"x\n".repeat(1000));
    let names: Vec<&str> = std::iter::once("count")
        .chain(std::iter::repeat_n(p(&big), 5000))
        .collect();
    let mut child = Command::new(BIN)
        .args(&names)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end at once: every write fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

/// Names whose text rows must come out exactly as `LC_ALL=C wc` prints them.
#[cfg(unix)]
const ODD_NAMES: &[&[u8]] = &[
    b"plain.txt",
    b"sp ace",
    b"it's",
    b"tab\tx",
    b"ctl\x01x",
    b"\xff\xfebad",
    b"we\"ird\nname.txt",
    b"nl\n",
    b"q'\n\"",
    b"a\tb\x01\n\x7f c",
    b"\xc3\xa9\nx",
    b"$x `y` \\z ~#*?[]{}|&;<>!^=%@\n",
];

#[cfg(unix)]
#[test]
fn odd_file_names_print_like_gnu_wc() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = Scratch::new("odd-names");
    // Relative names (run inside the directory), so each row ends with the name alone.
    let paths: Vec<&OsStr> = ODD_NAMES.iter().map(|n| OsStr::from_bytes(n)).collect();
    for (i, name) in paths.iter().enumerate() {
        std::fs::write(dir.0.join(name), "x y\n".repeat(i + 1)).unwrap();
    }
    let ours = Command::new(BIN)
        .arg("count")
        .args(&paths)
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(0));
    // Names without a newline are printed byte for byte; one with a newline is quoted.
    let stdout = ours.stdout.clone();
    assert!(stdout.windows(b"tab\tx\n".len()).any(|w| w == b"tab\tx\n"));
    assert!(stdout
        .windows(b"'we\"ird'$'\\n''name.txt'".len())
        .any(|w| w == b"'we\"ird'$'\\n''name.txt'"));
    let wc = Command::new("wc")
        .args(["-l", "-w", "-c"])
        .args(&paths)
        .env("LC_ALL", "C")
        .current_dir(&dir.0)
        .output();
    let Ok(wc) = wc else {
        eprintln!("skipped the comparison with wc: no `wc` on PATH");
        return;
    };
    assert_eq!(wc.status.code(), Some(0), "{}", text(&wc.stderr));
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&wc.stdout)
    );
    assert_eq!(ours.stdout, wc.stdout);
}

#[cfg(unix)]
#[test]
fn stderr_names_with_a_newline_stay_on_one_line() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = Scratch::new("odd-missing");
    let missing = dir.0.join(OsStr::from_bytes(b"gone\nfile"));
    let long = dir.file("long\nfile", b"1\n2\n");
    let out = run(&["count", "--max-lines", "1", p(&long), p(&missing)], b"");
    assert_eq!(out.status.code(), Some(2));
    let dir_text = p(&dir.0);
    assert_eq!(
        text(&out.stderr),
        format!(
            "template-cli: '{dir_text}/long'$'\\n''file': 2 lines, over --max-lines 1\n\
             template-cli: '{dir_text}/gone'$'\\n''file': No such file or directory\n"
        )
    );
}
