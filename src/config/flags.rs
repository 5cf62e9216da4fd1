//! The settings as command-line flags, generated from the settings table: every setting has its
//! flag (`batch_size` is `--batch-size`), global to every command, and a flag beats its
//! environment variable and the file.

use std::collections::BTreeMap;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use super::table::SETTINGS;

/// Values given as command-line flags, keyed like the toml file (`batch_size`).
pub type FlagValues = BTreeMap<String, String>;

/// The settings given as flags.
#[derive(Clone, Debug, Default)]
pub struct SettingFlags(pub FlagValues);

impl SettingFlags {
    pub fn values(&self) -> &FlagValues {
        &self.0
    }
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut values = FlagValues::new();
        for setting in SETTINGS {
            if let Some(value) = matches.get_one::<String>(setting.key) {
                values.insert(setting.key.to_owned(), value.clone());
            }
        }
        Ok(SettingFlags(values))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = SettingFlags::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(command: Command) -> Command {
        SETTINGS.iter().fold(command, |command, setting| {
            command.arg(
                Arg::new(setting.key)
                    .long(setting.key.replace('_', "-"))
                    .global(true)
                    .value_name("VALUE")
                    .help(format!("{} [env: {}]", setting.meaning, setting.env))
                    .help_heading("Settings"),
            )
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        SettingFlags::augment_args(command)
    }
}
