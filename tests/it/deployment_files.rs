//! The deployment files agree with the service: compose.yaml and .env.example name exactly the
//! settings of the settings table (.env.example with each one's default), and the Dockerfile and
//! the Prometheus configuration use the service's port and routes. No Docker daemon is needed:
//! the files are read, not run.

use std::collections::BTreeSet;

use domain_scheduler::config::SETTINGS;

const COMPOSE: &str = include_str!("../../compose.yaml");
const ENV_EXAMPLE: &str = include_str!("../../.env.example");
const DOCKERFILE: &str = include_str!("../../Dockerfile");
const PROMETHEUS: &str = include_str!("../../deploy/prometheus.yml");

/// Every setting name (`DATABASE_URL`, `DOMAIN_SCHEDULER_*`) that `text` mentions.
fn setting_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (start, _) in text.match_indices("DATABASE_URL").chain(text.match_indices("DOMAIN_SCHEDULER_")) {
        let name: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        names.insert(name);
    }
    names
}

fn table() -> BTreeSet<String> {
    SETTINGS.iter().map(|setting| setting.env.to_owned()).collect()
}

/// The service's port when nothing is set: the port of `DOMAIN_SCHEDULER_HTTP_ADDR`'s default.
fn default_port() -> String {
    let setting = SETTINGS.iter().find(|s| s.env == "DOMAIN_SCHEDULER_HTTP_ADDR").unwrap();
    setting.default.and_then(|addr| addr.rsplit_once(':')).unwrap().1.to_owned()
}

#[test]
fn compose_passes_on_exactly_the_settings_of_the_table() {
    assert_eq!(setting_names(COMPOSE), table());
}

#[test]
fn the_env_example_lists_exactly_the_settings_each_with_its_default() {
    assert_eq!(setting_names(ENV_EXAMPLE), table());
    for setting in SETTINGS {
        let value = setting.default.unwrap_or("");
        let listed = ENV_EXAMPLE.lines().any(|line| {
            line.strip_prefix(&format!("# {}=", setting.env)).is_some_and(|v| v.trim_matches('"') == value)
        });
        assert!(listed, ".env.example lacks `# {}={value}`", setting.env);
    }
}

#[test]
fn the_image_listens_exposes_and_checks_health_on_the_service_port() {
    let port = default_port();
    assert!(DOCKERFILE.lines().any(|l| l.trim() == format!("EXPOSE {port}")), "EXPOSE {port}");
    assert!(DOCKERFILE.contains(&format!("DOMAIN_SCHEDULER_HTTP_ADDR=0.0.0.0:{port}")));
    // The readiness route, as the API declares it.
    let readyz = <domain_scheduler::api::health::__path_readyz as utoipa::Path>::path();
    let healthcheck = DOCKERFILE.split("HEALTHCHECK").nth(1).expect("a HEALTHCHECK instruction");
    assert!(healthcheck.contains(&format!("http://127.0.0.1:{port}{readyz}")), "{healthcheck}");
    assert!(DOCKERFILE.contains("\nUSER "), "the service does not run as root");
    assert!(COMPOSE.contains(&format!(":{port}\"")), "compose publishes the service port");
}

#[test]
fn prometheus_scrapes_the_metrics_route_on_the_service_port() {
    let metrics = <domain_scheduler::api::health::__path_metrics as utoipa::Path>::path();
    assert!(PROMETHEUS.contains(&format!("metrics_path: {metrics}")));
    assert!(PROMETHEUS.contains(&format!("port: {}", default_port())));
    assert!(COMPOSE.contains("./deploy/prometheus.yml:/etc/prometheus/prometheus.yml"));
}
