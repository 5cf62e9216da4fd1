//! What a domain's DNS says about its mail, read from the records the fetcher looked up
//! ([`MailRecords`]): its MX hosts in preference order, who runs them (`mail_provider`, from
//! the data table `mail_providers.toml`), its SPF record and its DMARC policy.
//!
//! Pure, like the rest of the extraction: no look-up happens here, and a record that cannot be
//! read leaves its field `None`, never an error.

use std::sync::LazyLock;

use entity::Metadata;
use serde::Deserialize;

/// The `mail_provider` of a domain whose MX host lies under the domain itself.
pub const SELF_HOSTED: &str = "self-hosted";

/// What the name servers answered for one domain. `None` is a look-up that failed (SERVFAIL,
/// no answer in time): nothing is known. An empty list is a name that has no such record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailRecords {
    /// Each MX record of the domain: its preference and its exchange host.
    pub mx: Option<Vec<(u16, String)>>,
    /// Each TXT record of the domain, its strings joined.
    pub txt: Option<Vec<String>>,
    /// Each TXT record of `_dmarc.<domain>`, its strings joined.
    pub dmarc: Option<Vec<String>>,
    /// The domain's name servers (its NS records), which tell a parked name
    /// ([`crate::extract::parking::parked_by_nameservers`]).
    pub ns: Option<Vec<String>>,
}

/// Sets `mx_hosts`, `mail_provider`, `spf` and `dmarc_policy` of `metadata` from the `records`
/// of `domain`.
pub fn fill(domain: &str, records: &MailRecords, metadata: &mut Metadata) {
    metadata.mx_hosts = records.mx.as_deref().map(mx_hosts);
    metadata.mail_provider = metadata.mx_hosts.as_deref().and_then(|hosts| provider(domain, hosts));
    metadata.spf = records.txt.as_deref().and_then(spf);
    metadata.dmarc_policy = records.dmarc.as_deref().and_then(dmarc_policy).map(str::to_owned);
}

/// The exchange hosts in preference order (ties by name, so that a re-scan lists them alike),
/// lower case, without the final dot, each once. The null MX of RFC 7505 (`0 .`: this domain
/// takes no mail) is no host.
fn mx_hosts(records: &[(u16, String)]) -> Vec<String> {
    let mut sorted: Vec<(u16, String)> = records
        .iter()
        .map(|(preference, host)| (*preference, host.trim_end_matches('.').to_ascii_lowercase()))
        .filter(|(_, host)| !host.is_empty())
        .collect();
    sorted.sort();
    let mut hosts: Vec<String> = Vec::with_capacity(sorted.len());
    for (_, host) in sorted {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// Who receives the mail of `domain`, whose MX hosts are `hosts` (in preference order): the
/// provider of the first host that the table knows or that lies under the domain itself.
/// `None` when there is no MX, or no host says.
fn provider(domain: &str, hosts: &[String]) -> Option<String> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    hosts.iter().find_map(|host| {
        if let Some(known) = PROVIDERS.iter().find(|provider| provider.matches(host)) {
            return Some(known.name.clone());
        }
        under(host, &domain).then(|| SELF_HOSTED.to_owned())
    })
}

/// Whether `host` is `suffix` or ends with `.suffix` (whole labels only).
fn under(host: &str, suffix: &str) -> bool {
    host == suffix || host.strip_suffix(suffix).is_some_and(|head| head.ends_with('.'))
}

/// The domain's SPF record: the first TXT record that is `v=spf1` followed by nothing or a
/// space (RFC 7208, 4.5; the version is matched in any case), as published.
fn spf(records: &[String]) -> Option<String> {
    records
        .iter()
        .find(|record| {
            let lower = record.trim_start().to_ascii_lowercase();
            lower == "v=spf1" || lower.starts_with("v=spf1 ")
        })
        .map(|record| record.trim().to_owned())
}

/// The `p=` tag of the first `v=DMARC1` record (RFC 7489, 6.3): `none`, `quarantine` or
/// `reject`; `None` for a record without a valid policy.
fn dmarc_policy(records: &[String]) -> Option<&'static str> {
    let record = records.iter().find(|record| {
        let mut tags = record.split(';');
        tags.next().is_some_and(|first| {
            first.split_once('=').is_some_and(|(key, value)| {
                key.trim().eq_ignore_ascii_case("v") && value.trim().eq_ignore_ascii_case("DMARC1")
            })
        })
    })?;
    let policy = record.split(';').find_map(|tag| {
        let (key, value) = tag.split_once('=')?;
        key.trim().eq_ignore_ascii_case("p").then(|| value.trim().to_ascii_lowercase())
    })?;
    ["none", "quarantine", "reject"].into_iter().find(|known| *known == policy)
}

/// The data table, in the repository beside this file.
const PROVIDERS_FILE: &str = include_str!("mail_providers.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    #[serde(rename = "provider")]
    providers: Vec<Provider>,
}

/// One `[[provider]]` of the table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Provider {
    name: String,
    /// Host name suffixes of its MX hosts; one `*` stands for one or more labels.
    mx: Vec<String>,
}

impl Provider {
    fn matches(&self, host: &str) -> bool {
        self.mx.iter().any(|pattern| match pattern.split_once('*') {
            // `head*tail`: `head`, at least one label, `tail` (the `*` sits between dots).
            Some((head, tail)) => {
                host.len() > head.len() + tail.len()
                    && host.starts_with(head)
                    && host.ends_with(tail)
                    && !host[head.len()..host.len() - tail.len()].starts_with('.')
                    && (head.is_empty() || head.ends_with('.'))
            }
            None => under(host, pattern),
        })
    }
}

/// The table, read once. It is part of the build: the unit tests read it, so a file that does
/// not parse never ships; should it anyway, no provider is named rather than the service failing.
static PROVIDERS: LazyLock<Vec<Provider>> =
    LazyLock::new(|| match toml::from_str::<ProvidersFile>(PROVIDERS_FILE) {
        Ok(file) => file.providers,
        Err(error) => {
            tracing::error!(%error, "mail_providers.toml does not parse: no mail provider is named");
            Vec::new()
        }
    });

#[cfg(test)]
mod tests {
    use super::*;

    fn provider_of(domain: &str, hosts: &[&str]) -> Option<String> {
        let records: Vec<(u16, String)> = hosts
            .iter()
            .zip((10..).step_by(10))
            .map(|(host, preference)| (preference, format!("{host}.")))
            .collect();
        provider(domain, &mx_hosts(&records))
    }

    /// One real MX host per provider of the table (and of the list).
    #[test]
    fn each_provider_is_named_from_a_real_mx_host_of_its_own() {
        let table = [
            ("aspmx.l.google.com", "Google Workspace"),
            ("alt1.aspmx.l.google.com", "Google Workspace"),
            ("aspmx2.googlemail.com", "Google Workspace"),
            ("smtp.google.com", "Google Workspace"),
            ("contoso-com.mail.protection.outlook.com", "Microsoft 365"),
            ("contoso-com.l-v1.mx.microsoft", "Microsoft 365"),
            ("mx.zoho.com", "Zoho"),
            ("mx2.zoho.eu", "Zoho"),
            ("mx.zohomail.com", "Zoho"),
            ("mail.protonmail.ch", "Proton"),
            ("mailsec.protonmail.ch", "Proton"),
            ("in1-smtp.messagingengine.com", "Fastmail"),
            ("mx.yandex.net", "Yandex"),
            ("mx.yandex.ru", "Yandex"),
            ("mx01.mail.icloud.com", "iCloud"),
            ("inbound-smtp.us-east-1.amazonaws.com", "Amazon WorkMail/SES"),
            ("feedback-smtp.eu-west-1.amazonses.com", "Amazon WorkMail/SES"),
            ("eu-smtp-inbound-1.mimecast.com", "Mimecast"),
            ("za-smtp-inbound-1.mimecast.co.za", "Mimecast"),
            ("mx0a-001b2d01.pphosted.com", "Proofpoint"),
            ("mx1-us1.ppe-hosted.com", "Proofpoint"),
            ("d123456a.ess.barracudanetworks.com", "Barracuda"),
            ("mx1.mail.ovh.net", "OVH"),
            ("mx00.ionos.de", "IONOS"),
            ("mx01.ionos.com", "IONOS"),
            ("mx00.1and1.co.uk", "IONOS"),
            ("mx.kundenserver.de", "IONOS"),
            ("mx1.secureserver.net", "GoDaddy"),
            ("smtp.secureserver.net", "GoDaddy"),
            ("eforward1.registrar-servers.com", "Namecheap"),
            ("mx1.privateemail.com", "Namecheap"),
        ];
        for (host, expected) in table {
            assert_eq!(provider_of("shop.example", &[host]).as_deref(), Some(expected), "{host}");
        }
        let named: std::collections::BTreeSet<&str> = table.iter().map(|(_, name)| *name).collect();
        for provider in PROVIDERS.iter() {
            assert!(named.contains(provider.name.as_str()), "{} has no line in this table", provider.name);
        }
    }

    #[test]
    fn a_suffix_matches_whole_labels_and_a_star_one_or_more_labels_only() {
        assert_eq!(provider_of("shop.example", &["notgoogle.com"]), None);
        assert_eq!(provider_of("shop.example", &["google.com.attacker.example"]), None);
        assert_eq!(provider_of("shop.example", &["ec2-1-2-3-4.compute-1.amazonaws.com"]), None);
        assert_eq!(provider_of("shop.example", &["inbound-smtp..amazonaws.com"]), None);
        assert_eq!(provider_of("shop.example", &["xinbound-smtp.us-east-1.amazonaws.com"]), None);
    }

    #[test]
    fn an_mx_under_the_domain_itself_is_self_hosted_and_the_most_preferred_host_decides() {
        assert_eq!(provider_of("shop.example", &["mail.shop.example"]).as_deref(), Some(SELF_HOSTED));
        assert_eq!(provider_of("shop.example", &["shop.example"]).as_deref(), Some(SELF_HOSTED));
        assert_eq!(provider_of("shop.example", &["mail.myshop.example"]), None, "another domain");
        assert_eq!(
            provider_of("shop.example", &["mail.shop.example", "backup.mimecast.com"]).as_deref(),
            Some(SELF_HOSTED)
        );
        assert_eq!(
            provider_of("shop.example", &["mx.unknown-host.example", "aspmx.l.google.com"]).as_deref(),
            Some("Google Workspace"),
            "a host nobody knows tells nothing; the next one does"
        );
        assert_eq!(provider_of("google.com", &["smtp.google.com"]).as_deref(), Some("Google Workspace"));
        assert_eq!(provider_of("shop.example", &[]), None, "no MX, no provider");
    }

    #[test]
    fn mx_hosts_come_in_preference_order_once_each_and_a_null_mx_is_none() {
        let records = vec![
            (20, "ALT1.ASPMX.L.GOOGLE.COM.".to_owned()),
            (10, "aspmx.l.google.com.".to_owned()),
            (20, "alt1.aspmx.l.google.com".to_owned()),
            (30, "alt2.aspmx.l.google.com.".to_owned()),
        ];
        assert_eq!(
            mx_hosts(&records),
            vec!["aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com"]
        );
        assert!(mx_hosts(&[(0, ".".to_owned())]).is_empty(), "RFC 7505: this domain takes no mail");
    }

    #[test]
    fn the_spf_record_is_the_one_that_says_v_spf1_as_published() {
        let records = vec![
            "google-site-verification=abc".to_owned(),
            "v=spf10 not this".to_owned(),
            "v=spf1 include:_spf.google.com ~all".to_owned(),
        ];
        assert_eq!(spf(&records).as_deref(), Some("v=spf1 include:_spf.google.com ~all"));
        assert_eq!(spf(&["V=SPF1 -all".to_owned()]).as_deref(), Some("V=SPF1 -all"));
        assert_eq!(spf(&["v=spf1".to_owned()]).as_deref(), Some("v=spf1"));
        assert_eq!(spf(&["verification=x".to_owned()]), None);
        assert_eq!(spf(&[]), None);
    }

    #[test]
    fn the_dmarc_policy_is_the_p_tag_of_a_v_dmarc1_record() {
        let policy = |record: &str| dmarc_policy(&[record.to_owned()]);
        assert_eq!(policy("v=DMARC1; p=reject; rua=mailto:d@shop.example"), Some("reject"));
        assert_eq!(policy("v=DMARC1;p=quarantine;pct=50"), Some("quarantine"));
        assert_eq!(policy(" v = dmarc1 ; P = None "), Some("none"));
        assert_eq!(policy("v=DMARC1; rua=mailto:d@shop.example"), None, "no policy");
        assert_eq!(policy("v=DMARC1; p=block"), None, "not a policy");
        assert_eq!(policy("p=reject; v=DMARC1"), None, "v=DMARC1 must come first");
        assert_eq!(policy("v=spf1 -all"), None);
    }

    #[test]
    fn fill_leaves_null_what_failed_and_empty_what_is_not_published() {
        let mut metadata = Metadata::default();
        fill("shop.example", &MailRecords { mx: None, txt: None, dmarc: None, ns: None }, &mut metadata);
        assert_eq!(
            (metadata.mx_hosts, metadata.mail_provider, metadata.spf, metadata.dmarc_policy),
            (None, None, None, None)
        );
        let mut metadata = Metadata::default();
        let none = MailRecords { mx: Some(vec![]), txt: Some(vec![]), dmarc: Some(vec![]), ns: Some(vec![]) };
        fill("shop.example", &none, &mut metadata);
        assert_eq!(metadata.mx_hosts, Some(vec![]));
        assert_eq!((metadata.mail_provider, metadata.spf, metadata.dmarc_policy), (None, None, None));
    }
}
