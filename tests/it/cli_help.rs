//! The README's command table and the binary's own help agree: every command `--help` lists is
//! in the table and the other way round, every option a command's `--help` lists is in its row,
//! every flag its row names is one the command accepts, and every argument says what it is.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::cli::{BIN, stdout};

/// `domain-scheduler ARGS --help`, as text.
fn help(args: &[&str]) -> String {
    let out = std::process::Command::new(BIN).args(args).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?} --help");
    stdout(&out)
}

/// The lines of one section (`Commands:`, `Options:`, ...) of a help text.
fn section<'a>(help: &'a str, title: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|line| *line != title)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// The long flag a help line declares (`      --max-pages <N>  Pages...` is `--max-pages`).
fn declared_flag(line: &str) -> Option<String> {
    let line = line.trim_start();
    if !line.starts_with('-') {
        return None;
    }
    line.split_whitespace()
        .map(|word| word.trim_end_matches(','))
        .find(|word| word.starts_with("--"))
        .map(str::to_owned)
}

/// Every `--flag` written in `text`.
fn named_flags(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("--") {
        let name: String =
            rest[start + 2..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
        if !name.is_empty() {
            flags.insert(format!("--{name}"));
        }
        rest = &rest[start + 2 + name.len()..];
    }
    flags
}

/// The README's command table: each command's name, the usage cell and the description cell.
fn readme_commands() -> BTreeMap<String, (String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table =
        readme.split("\n## Commands\n").nth(1).expect("a Commands section").split("\n#").next().unwrap();
    let mut commands = BTreeMap::new();
    for row in table.lines().filter(|line| line.starts_with("| `")) {
        // A cell may hold an escaped `\|`; the cells are split on the unescaped bars.
        let cells: Vec<String> =
            row.replace("\\|", "\u{1}").split(" | ").map(|cell| cell.replace('\u{1}', "|")).collect();
        let usage = cells[0].trim_start_matches("| ").to_owned();
        let name = usage.trim_start_matches('`').split([' ', '`']).next().unwrap().to_owned();
        let previous = commands.insert(name.clone(), (usage, cells[1..].join(" | ")));
        assert!(previous.is_none(), "{name} has two rows in the README's command table");
    }
    commands
}

/// The commands the binary's `--help` lists (without `help` itself).
fn binary_commands() -> BTreeSet<String> {
    section(&help(&[]), "Commands:")
        .iter()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .filter(|name| name != "help")
        .collect()
}

/// Flags every command has, which the table does not repeat.
const COMMON: [&str; 3] = ["--config", "--help", "--version"];

#[test]
fn the_readme_lists_every_command_of_the_binary_and_no_other() {
    let readme: BTreeSet<String> = readme_commands().into_keys().collect();
    assert_eq!(readme, binary_commands(), "README command table (left) against `domain-scheduler --help`");
}

#[test]
fn each_command_row_names_every_option_of_its_help_and_only_flags_the_command_accepts() {
    let readme = readme_commands();
    for command in binary_commands() {
        let text = help(&[&command]);
        let options: BTreeSet<String> = section(&text, "Options:")
            .iter()
            .filter_map(|line| declared_flag(line))
            .filter(|flag| !COMMON.contains(&flag.as_str()))
            .collect();
        // Settings flags (`--rescan-after`, ...) are accepted by every command: a row may name
        // the ones that matter to it.
        let accepted: BTreeSet<String> = text.lines().filter_map(declared_flag).collect();
        let (usage, description) = &readme[&command];
        let in_usage = named_flags(usage);
        for flag in &options {
            assert!(
                in_usage.contains(flag),
                "`{command} --help` lists {flag}; its README row does not: {usage}"
            );
        }
        for flag in in_usage.iter().chain(&named_flags(description)) {
            assert!(
                accepted.contains(flag),
                "the README row of {command} names {flag}, which it does not accept"
            );
        }
    }
}

#[test]
fn every_argument_and_option_of_every_command_says_what_it_is() {
    for command in binary_commands() {
        let text = help(&[&command]);
        for line in section(&text, "Arguments:").into_iter().chain(section(&text, "Options:")) {
            let said = line.trim().split_once("  ").map_or("", |(_, said)| said.trim());
            assert!(!said.is_empty(), "`{command} --help` does not say what {} is", line.trim());
        }
    }
}
