//! Typed settings, loaded in one place.
//!
//! Precedence: command-line flag > environment variable > `domain-scheduler.toml` (or
//! `--config F`) > default, layered with figment. [`SETTINGS`] declares every setting once;
//! every value, whatever its source and the defaults too, goes through that setting's parser,
//! so a bad value is reported the same way everywhere: the setting's name, where the value came
//! from, and what the setting accepts (never the value of a secret). Start-up refuses an invalid
//! configuration (exit 2) instead of running on a guess, and a key of the file that no setting
//! has is refused with the closest one that exists.

mod flags;
mod sections;
mod table;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

pub use flags::{FlagValues, SettingFlags};
pub use sections::{
    ApiSettings, CallbackSettings, DatabaseSettings, DnsSettings, EffectiveSetting, FetchSettings,
    SchedulerSettings, Settings, Source, TelemetrySettings,
};
pub use table::{SETTINGS, Setting};
pub use values::{AdminTokens, ApiTokens, Backend, CallbackSecret, DatabaseUrl, LogFormat, Scheme};

/// The file read from the working directory when no `--config` is given (and it exists).
pub const DEFAULT_CONFIG_FILE: &str = "domain-scheduler.toml";
const ENV_PREFIX: &str = "DOMAIN_SCHEDULER_";

/// An invalid configuration: which setting, where its value came from, and what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid setting {env} ({source_name}): {value} is not accepted; expected {accepts}")]
    Invalid { env: &'static str, source_name: String, value: String, accepts: &'static str },
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
    /// Two settings that contradict each other; the message never quotes a secret.
    #[error("invalid setting {env}: {message}")]
    Conflict { env: &'static str, message: String },
}

/// Loads the settings from flags, the environment (`env` lets tests pass their own; `None`
/// reads the process's), the config file and the defaults.
pub fn load(
    config_file: Option<&Path>,
    flags: &FlagValues,
    env: Option<&BTreeMap<String, String>>,
) -> Result<Settings, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = config_path(config_file)? {
        let toml = Toml::file_exact(&path);
        let data = figment::Provider::data(&toml).map_err(|error| ConfigError::File {
            path: path.display().to_string(),
            message: error.to_string(),
        })?;
        for dict in data.values() {
            check_file_keys(&path, dict)?;
        }
        figment = figment.merge(toml);
    }
    let process_env;
    let env = match env {
        Some(vars) => vars,
        None => {
            process_env = std::env::vars().collect::<BTreeMap<_, _>>();
            &process_env
        }
    };
    figment = figment.merge(Serialized::globals(known_variables(env)));
    figment = figment.merge(Serialized::globals(flags.clone()));
    let loader = Loader { figment, flags };
    let mut settings = loader.settings()?;
    settings.unknown_variables = unknown_variables(env);
    Ok(settings)
}

/// Every setting at its default, whatever the environment and the working folder hold.
pub fn defaults() -> Result<Settings, ConfigError> {
    let flags = FlagValues::new();
    Loader { figment: Figment::new(), flags: &flags }.settings()
}

/// The file to read: `--config F` (which must exist), else `domain-scheduler.toml` if present.
fn config_path(config_file: Option<&Path>) -> Result<Option<PathBuf>, ConfigError> {
    match config_file {
        Some(path) if !path.exists() => {
            Err(ConfigError::File { path: path.display().to_string(), message: "no such file".into() })
        }
        Some(path) => Ok(Some(path.to_path_buf())),
        None => Ok(Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists())),
    }
}

/// Refuses a key no setting has (a typo would otherwise be ignored, and its setting left at
/// its default), naming the closest known key.
fn check_file_keys(path: &Path, dict: &figment::value::Dict) -> Result<(), ConfigError> {
    for (key, value) in dict {
        if SETTINGS.iter().any(|s| s.key == key) {
            continue;
        }
        let what = if matches!(value, figment::value::Value::Dict(..)) { "table" } else { "key" };
        let message = match closest_key(key) {
            Some(known) => format!("unknown {what} `{key}`; did you mean `{known}`?"),
            None => {
                format!("unknown {what} `{key}`; the settings are listed in domain-scheduler.example.toml")
            }
        };
        return Err(ConfigError::File { path: path.display().to_string(), message });
    }
    Ok(())
}

/// The known setting key nearest to `key`, if any is near enough to be a likely typo.
fn closest_key(key: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro_winkler(key, s.key), s.key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

/// The environment's values of known settings, keyed like the file.
fn known_variables(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    SETTINGS.iter().filter_map(|s| env.get(s.env).map(|value| (s.key.to_owned(), value.clone()))).collect()
}

/// `DOMAIN_SCHEDULER_*` variables that no setting reads: start-up warns about them.
fn unknown_variables(env: &BTreeMap<String, String>) -> Vec<String> {
    env.keys()
        .filter(|name| name.starts_with(ENV_PREFIX) && !SETTINGS.iter().any(|s| s.env == name.as_str()))
        .cloned()
        .collect()
}

struct Loader<'a> {
    figment: Figment,
    flags: &'a FlagValues,
}

impl Loader<'_> {
    fn settings(&self) -> Result<Settings, ConfigError> {
        let mut settings = Settings::placeholder();
        let version = env!("CARGO_PKG_VERSION");
        for setting in SETTINGS {
            if let Some(default) = setting.default {
                let default = default.replace("VERSION", version);
                if (setting.apply)(&mut settings, &default).is_none() {
                    return Err(self.invalid(setting, &default, "the default".into()));
                }
            }
        }
        for setting in SETTINGS {
            let shown = match self.given(setting) {
                Some(text) => {
                    if (setting.apply)(&mut settings, text.trim()).is_none() {
                        return Err(self.invalid(setting, &text, self.source_of(setting.key)));
                    }
                    shown(setting, &text)
                }
                None => shown(setting, &setting.default_shown().replace("VERSION", version)),
            };
            let source =
                if self.given(setting).is_some() { self.source(setting.key) } else { Source::Default };
            settings.effective.push(EffectiveSetting { key: setting.key, shown, source });
        }
        check_tokens(&settings)?;
        Ok(settings)
    }

    /// The value of `setting` from the highest-precedence source that has one, unless it yields
    /// to another setting that is given.
    fn given(&self, setting: &Setting) -> Option<String> {
        if let Some(other) = setting.yields_to
            && self.figment.find_value(other).is_ok()
        {
            return None;
        }
        self.figment.find_value(setting.key).ok().map(|value| scalar_text(&value))
    }

    fn invalid(&self, setting: &'static Setting, text: &str, source_name: String) -> ConfigError {
        let entry = match setting.key {
            "api_tokens" => values::refused_entry(text, values::api_tokens),
            "admin_tokens" => values::refused_entry(text, values::admin_tokens),
            _ => None,
        };
        let value = match entry {
            Some((position, of)) => format!("entry {position} of {of} (a secret value)"),
            None if setting.secret => "(a secret value)".to_owned(),
            None => format!("{text:?}"),
        };
        ConfigError::Invalid { env: setting.env, source_name, value, accepts: setting.accepts }
    }

    fn source(&self, key: &str) -> Source {
        if self.flags.contains_key(key) {
            return Source::Flag;
        }
        match self.figment.find_metadata(key).and_then(|metadata| metadata.source.as_ref()) {
            Some(figment::Source::File(_)) => Source::File,
            _ => Source::Environment,
        }
    }

    fn source_of(&self, key: &str) -> String {
        if self.flags.contains_key(key) {
            return format!("from flag --{}", key.replace('_', "-"));
        }
        match self.figment.find_metadata(key).and_then(|metadata| metadata.source.as_ref()) {
            Some(figment::Source::File(path)) => format!("from {} key `{key}`", path.display()),
            _ => "from the environment".to_owned(),
        }
    }
}

/// How a value shows in the start-up log: secrets hidden, a database URL without its password.
fn shown(setting: &Setting, text: &str) -> String {
    if setting.secret && setting.default_shown() != text {
        return "(hidden)".to_owned();
    }
    match DatabaseUrl::parse(text) {
        Some(url) if setting.key == "database_url" => url.to_string(),
        _ => text.to_owned(),
    }
}

/// A token is an admin's or one tenant's, never both: it would act for one tenant in one place
/// and for all of them in another.
fn check_tokens(settings: &Settings) -> Result<(), ConfigError> {
    let admins = &settings.api.admin_tokens.0;
    if let Some(position) = admins.iter().position(|token| settings.api.tokens.tenant_of(token).is_some()) {
        return Err(ConfigError::Conflict {
            env: "DOMAIN_SCHEDULER_ADMIN_TOKENS",
            message: format!(
                "token {} of {} is also in DOMAIN_SCHEDULER_API_TOKENS; a token is an admin's or one tenant's, never both",
                position + 1,
                admins.len()
            ),
        });
    }
    Ok(())
}

/// A figment value as text: scalars as written, arrays joined by commas, tables as `k=v` pairs,
/// so `fetch_schemes = ["https", "http"]` and `"https,http"` mean the same.
fn scalar_text(value: &figment::value::Value) -> String {
    fn text(json: &serde_json::Value) -> String {
        match json {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
            serde_json::Value::Object(map) => {
                map.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(",")
            }
            other => other.to_string(),
        }
    }
    serde_json::to_value(value).map(|json| text(&json)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
