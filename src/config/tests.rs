use std::time::Duration;

use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn load_env(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    load(None, &FlagValues::new(), Some(&env(pairs)))
}

fn load_file(text: &str) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, text).unwrap();
    load(Some(&file), &FlagValues::new(), Some(&env(&[])))
}

#[test]
fn nothing_set_gives_the_documented_defaults() {
    let s = load_env(&[]).unwrap();
    assert_eq!(s.database.url.expose(), "sqlite://domain-scheduler.db?mode=rwc");
    assert_eq!(s.database.url.backend(), Backend::Sqlite);
    let scheduler = &s.scheduler;
    assert_eq!(scheduler.interval, Duration::from_secs(60));
    assert_eq!(
        (scheduler.batch_size, scheduler.max_instances, scheduler.fetcher_pool_size, scheduler.max_attempts),
        (100, 1, 64, 3)
    );
    assert_eq!(scheduler.lease, Duration::from_secs(300));
    assert_eq!(s.fetch.max_bytes, 5 * 1024 * 1024);
    assert_eq!(s.fetch.schemes, vec![Scheme::Https, Scheme::Http]);
    assert!(s.api.tokens.is_empty());
    assert!(!s.fetch.allow_private_networks);
    assert_eq!(
        s.fetch.user_agent,
        format!(
            "domain-scheduler/{} (+https://github.com/domain-scheduler/domain-scheduler)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn every_default_is_a_value_its_setting_accepts() {
    let mut settings = Settings::placeholder();
    for setting in SETTINGS {
        if let Some(default) = setting.default {
            let default = default.replace("VERSION", "1.0.0");
            assert!(
                (setting.apply)(&mut settings, &default).is_some(),
                "{}: default {default:?}",
                setting.key
            );
        }
    }
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "batch_size = 5\nmax_attempts = 7\nfetcher_pool_size = 2\n").unwrap();
    let flags = FlagValues::from([("batch_size".to_owned(), "9".to_owned())]);
    let vars = env(&[("DOMAIN_SCHEDULER_BATCH_SIZE", "6"), ("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "8")]);
    let s = load(Some(&file), &flags, Some(&vars)).unwrap();
    assert_eq!(s.scheduler.batch_size, 9);
    assert_eq!(s.scheduler.max_attempts, 8);
    assert_eq!(s.scheduler.fetcher_pool_size, 2);
    let sources: Vec<(&str, Source)> = s.effective.iter().map(|e| (e.key, e.source)).collect();
    assert!(sources.contains(&("batch_size", Source::Flag)));
    assert!(sources.contains(&("max_attempts", Source::Environment)));
    assert!(sources.contains(&("fetcher_pool_size", Source::File)));
    assert!(sources.contains(&("lease_seconds", Source::Default)));
}

#[test]
fn interval_minutes_still_works_and_seconds_win() {
    let minutes = load_env(&[("DOMAIN_SCHEDULER_INTERVAL_MINUTES", "2")]).unwrap();
    assert_eq!(minutes.scheduler.interval, Duration::from_secs(120));
    let both =
        load_env(&[("DOMAIN_SCHEDULER_INTERVAL_MINUTES", "2"), ("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "5")]);
    assert_eq!(both.unwrap().scheduler.interval, Duration::from_secs(5));
}

#[test]
fn a_bad_value_names_the_setting_and_what_it_accepts() {
    let error = load_env(&[("DOMAIN_SCHEDULER_BATCH_SIZE", "lots")]).err().unwrap().to_string();
    assert!(error.contains("DOMAIN_SCHEDULER_BATCH_SIZE"), "{error}");
    assert!(error.contains("from 1 to 10000"), "{error}");
    let error = load_env(&[("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,gopher")]).err().unwrap().to_string();
    assert!(error.contains("DOMAIN_SCHEDULER_FETCH_SCHEMES"), "{error}");
    let error = load_env(&[("DATABASE_URL", "mysql://x")]).err().unwrap().to_string();
    assert!(error.contains("DATABASE_URL"), "{error}");
    for (var, value) in [
        ("DOMAIN_SCHEDULER_BATCH_SIZE", "0"),
        ("DOMAIN_SCHEDULER_HTTP_ADDR", "nowhere"),
        ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", "127.0.0.1"),
        ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "maybe"),
        ("DOMAIN_SCHEDULER_API_TOKENS", "secret-token=not-a-uuid"),
        ("DOMAIN_SCHEDULER_FETCH_MAX_BYTES", "12 parsecs"),
        ("DOMAIN_SCHEDULER_LOG_FORMAT", "xml"),
    ] {
        let error = load_env(&[(var, value)]).err().unwrap_or_else(|| panic!("{var}={value} accepted"));
        assert!(error.to_string().contains(var), "{error}");
    }
}

#[test]
fn a_bad_value_in_the_file_names_the_file_and_key() {
    let error = load_file("lease_seconds = -4\n").err().unwrap().to_string();
    assert!(error.contains("lease_seconds") && error.contains("c.toml"), "{error}");
    let error = load_file("lease_seconds = [\n").err().unwrap().to_string();
    assert!(error.contains("c.toml"), "{error}");
}

#[test]
fn a_misspelt_key_in_the_file_is_refused_with_the_closest_known_one() {
    let error = load_file("batch_sise = 10\n").err().unwrap().to_string();
    assert!(error.contains("`batch_sise`") && error.contains("did you mean `batch_size`"), "{error}");
    let error = load_file("[scheduler]\nbatch_size = 10\n").err().unwrap().to_string();
    assert!(error.contains("unknown table `scheduler`"), "{error}");
    let error = load_file("completely_unrelated = 1\n").err().unwrap().to_string();
    assert!(error.contains("unknown key `completely_unrelated`"), "{error}");
}

#[test]
fn unknown_variables_of_the_prefix_are_collected_for_a_warning() {
    let s =
        load_env(&[("DOMAIN_SCHEDULER_BATCH_SISE", "10"), ("DOMAIN_SCHEDULER_BATCH_SIZE", "12")]).unwrap();
    assert_eq!(s.unknown_variables, vec!["DOMAIN_SCHEDULER_BATCH_SISE".to_owned()]);
    assert_eq!(s.scheduler.batch_size, 12);
}

#[test]
fn sizes_lists_and_tokens_are_parsed() {
    let tenant = "6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
    let s = load_env(&[
        ("DOMAIN_SCHEDULER_FETCH_MAX_BYTES", "512 KiB"),
        ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http"),
        ("DOMAIN_SCHEDULER_API_TOKENS", &format!("first-token={tenant}, second-token={tenant}")),
    ])
    .unwrap();
    assert_eq!(s.fetch.max_bytes, 512 * 1024);
    assert_eq!(s.fetch.schemes, vec![Scheme::Http]);
    assert_eq!(s.api.tokens.tenant_of("second-token"), Some(tenant.parse().unwrap()));
    assert_eq!(s.api.tokens.tenant_of("second-toke"), None);
    assert!(!format!("{s:?}").contains("first-token"));
}

#[test]
fn a_malformed_token_list_is_refused_without_echoing_a_token() {
    let tenant = "6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
    for value in [
        format!("short={tenant}"),
        "long-enough-token=not-a-uuid".to_owned(),
        format!("twice-given={tenant},twice-given=7f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10"),
    ] {
        let error = load_env(&[("DOMAIN_SCHEDULER_API_TOKENS", &value)]).err().unwrap().to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_API_TOKENS") && error.contains("at least 8"), "{error}");
        for secret in ["short", "long-enough-token", "twice-given"] {
            assert!(!error.contains(secret), "{error}");
        }
    }
}

#[test]
fn a_refused_token_entry_is_named_by_its_position_never_by_its_text() {
    let tenant = "6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
    for (value, entry) in [
        (format!("good-token-1={tenant},bad"), "entry 2 of 2"),
        (format!("good-token-1={tenant}, good-token-2={tenant}, bad-token-3=not-a-uuid"), "entry 3 of 3"),
        (format!("short={tenant},good-token-2={tenant}"), "entry 1 of 2"),
        (format!("good-token-1={tenant},good-token-1={tenant}"), "entry 2 of 2"),
    ] {
        let error = load_env(&[("DOMAIN_SCHEDULER_API_TOKENS", &value)]).err().unwrap().to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_API_TOKENS") && error.contains(entry), "{entry}: {error}");
        for secret in ["good-token", "bad", "short"] {
            assert!(!error.contains(secret), "{error}");
        }
    }
    let error =
        load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-one,tiny")]).err().unwrap().to_string();
    assert!(error.contains("entry 2 of 2") && !error.contains("tiny"), "{error}");
}

#[test]
fn admin_tokens_are_recognised_and_never_printed() {
    let s = load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-one, operator-two")]).unwrap();
    assert!(s.api.admin_tokens.contains("operator-two"));
    assert!(!s.api.admin_tokens.contains("operator-tw"));
    assert!(!format!("{s:?}").contains("operator-one"));
}

#[test]
fn a_short_admin_token_is_refused_without_being_echoed() {
    assert!(load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "opsecret")]).is_ok(), "8 characters is enough");
    let error = load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "short1")]).err().unwrap().to_string();
    assert!(error.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS") && error.contains("at least 8"), "{error}");
    assert!(!error.contains("short1"), "{error}");
}

#[test]
fn a_token_both_admin_and_tenant_is_refused_without_being_echoed() {
    let error = load_env(&[
        ("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-one,shared-token"),
        ("DOMAIN_SCHEDULER_API_TOKENS", "shared-token=6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10"),
    ])
    .err()
    .unwrap()
    .to_string();
    assert!(error.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS") && error.contains("token 2 of 2"), "{error}");
    assert!(!error.contains("shared-token"), "{error}");
}

#[test]
fn the_effective_settings_hide_secrets_and_passwords() {
    let s = load_env(&[
        ("DATABASE_URL", "postgres://app:hunter2@db.internal/domains"),
        ("DOMAIN_SCHEDULER_API_TOKENS", "tenant-token-1=6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10"),
    ])
    .unwrap();
    let shown: BTreeMap<&str, &str> = s.effective.iter().map(|e| (e.key, e.shown.as_str())).collect();
    assert_eq!(shown.len(), SETTINGS.len(), "every setting is shown");
    assert_eq!(shown["database_url"], "postgres://app:***@db.internal/domains");
    assert_eq!(shown["api_tokens"], "(hidden)");
    assert_eq!(shown["admin_tokens"], "(none)");
    assert_eq!(shown["batch_size"], "100");
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn every_setting_has_a_flag() {
    use clap::Args as _;
    let command = SettingFlags::augment_args(clap::Command::new("test"));
    for setting in SETTINGS {
        let matches = command
            .clone()
            .try_get_matches_from(["test", &setting.flag(), "value"])
            .unwrap_or_else(|e| panic!("{}: {e}", setting.flag()));
        let flags = <SettingFlags as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
        assert_eq!(flags.values().get(setting.key).map(String::as_str), Some("value"));
    }
}

/// The README's settings table, row for row, as the settings table says it.
fn readme_rows() -> Vec<String> {
    SETTINGS
        .iter()
        .map(|s| {
            format!(
                "| `{}` | `{}` / `{}` | `{}` | {} | {} |",
                s.env,
                s.key,
                s.flag(),
                s.default_shown(),
                s.accepts,
                s.meaning
            )
        })
        .collect()
}

#[test]
fn every_setting_is_documented_in_the_readme_and_the_example_file() {
    let readme = include_str!("../../README.md");
    let missing: Vec<String> =
        readme_rows().into_iter().filter(|row| !readme.contains(row.as_str())).collect();
    assert!(missing.is_empty(), "README rows out of date; they should read:\n{}", missing.join("\n"));
    let example = include_str!("../../domain-scheduler.example.toml");
    for setting in SETTINGS {
        assert!(example.contains(&format!("# {} = ", setting.key)), "example file lacks {}", setting.key);
        assert!(
            example.contains(&format!("Environment: {}.", setting.env)),
            "example file lacks {}",
            setting.env
        );
    }
}

#[test]
fn the_example_file_uncommented_is_a_valid_configuration() {
    let example = include_str!("../../domain-scheduler.example.toml");
    let settings: String = example
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| line.split_once(" = ").is_some_and(|(key, _)| SETTINGS.iter().any(|d| d.key == key)))
        // The example's extra roots name a file this machine has no reason to hold.
        .filter(|line| !line.starts_with("fetch_extra_roots "))
        .map(|line| format!("{line}\n"))
        .collect();
    let loaded = load_file(&settings).unwrap();
    assert_eq!(loaded.fetch.connect_to.as_deref(), Some("127.0.0.1:8080"));
    assert_eq!(loaded.scheduler.interval, Duration::from_secs(60));
}
