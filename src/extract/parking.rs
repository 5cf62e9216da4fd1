//! Parked domains: a parking provider's lander or a registrar's placeholder in place of a site,
//! recognised from the project's own table (`parking.toml`: signatures in the page, and the
//! registrable domains a parked name redirects to). A parked domain completes with the flag
//! and the provider; the lander's contacts are the provider's, not the owner's, and are not
//! kept. Pure: no I/O, never panics.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::signatures::Signatures;

/// Bytes of a page searched: a lander names its provider in its head and first scripts.
const SEARCHED_BYTES: usize = 128 * 1024;

#[derive(Deserialize)]
struct Table {
    provider: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    body: Vec<String>,
    redirect: Vec<String>,
    #[serde(default)]
    nameservers: Vec<String>,
}

struct Providers {
    /// Every body signature at once; a match's pattern index finds its provider.
    signatures: Option<Signatures>,
    /// The provider of each pattern, by index.
    provider_of: Vec<usize>,
    names: Vec<String>,
    /// Registrable domain, provider.
    redirects: Vec<(String, usize)>,
    /// Domain of the parking name servers, provider.
    nameservers: Vec<(String, usize)>,
}

/// The table compiled once. The file is the project's own and a unit test parses it, so a
/// failure here is a build that never passed its tests: nothing is recognised rather than stop.
static PROVIDERS: LazyLock<Providers> = LazyLock::new(|| {
    compile(include_str!("parking.toml")).unwrap_or_else(|error| {
        tracing::error!(%error, "the parking table does not parse; no parked page is recognised");
        Providers {
            signatures: None,
            provider_of: Vec::new(),
            names: Vec::new(),
            redirects: Vec::new(),
            nameservers: Vec::new(),
        }
    })
});

fn compile(text: &str) -> Result<Providers, String> {
    let table: Table = toml::from_str(text).map_err(|error| error.to_string())?;
    let (mut patterns, mut provider_of, mut names, mut redirects, mut nameservers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (index, entry) in table.provider.into_iter().enumerate() {
        for signature in entry.body {
            patterns.push(signature);
            provider_of.push(index);
        }
        redirects.extend(entry.redirect.into_iter().map(|domain| (domain.to_ascii_lowercase(), index)));
        nameservers.extend(entry.nameservers.into_iter().map(|domain| (domain.to_ascii_lowercase(), index)));
        names.push(entry.name);
    }
    let signatures = Signatures::new(&patterns).map_err(|error| error.to_string())?;
    Ok(Providers { signatures: Some(signatures), provider_of, names, redirects, nameservers })
}

/// The provider of a parked page: `html` is the home page, `moved_to` the registrable domain
/// its visit ended on when it is not the domain's own. `None` for a site.
pub fn parking_provider(html: &str, moved_to: Option<&str>) -> Option<&'static str> {
    let providers = &*PROVIDERS;
    let redirected = moved_to.and_then(|domain| {
        providers.redirects.iter().find(|(parked_at, _)| parked_at == domain).map(|(_, index)| *index)
    });
    let searched = &html.as_bytes()[..html.len().min(SEARCHED_BYTES)];
    let found = redirected.or_else(|| {
        let signatures = providers.signatures.as_ref()?;
        // The earliest provider of the table among the signatures present, as the table says.
        signatures.found(searched).into_iter().map(|pattern| providers.provider_of[pattern]).min()
    })?;
    providers.names.get(found).map(String::as_str)
}

/// The provider whose parking name servers serve the domain (`ns1.sedoparking.com`), from
/// its NS records: a parking provider answers every name it parks, whatever the page says.
/// `None` when no name server is a parking provider's.
pub fn parked_by_nameservers(nameservers: &[String]) -> Option<&'static str> {
    let providers = &*PROVIDERS;
    let found = nameservers.iter().find_map(|host| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        providers
            .nameservers
            .iter()
            .find(|(domain, _)| {
                host == *domain || host.strip_suffix(domain.as_str()).is_some_and(|rest| rest.ends_with('.'))
            })
            .map(|(_, index)| *index)
    })?;
    providers.names.get(found).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lander in the style of each provider of the table, and the provider it must name.
    fn landers() -> Vec<(&'static str, String)> {
        let page = |head: &str, body: &str| {
            format!("<html><head><title>example-parked.com</title>{head}</head><body>{body}</body></html>")
        };
        vec![
            (
                "Sedo",
                page(
                    r#"<link rel="stylesheet" href="https://img.sedoparking.com/templates/css/style.css">"#,
                    "<h1>This domain may be for sale!</h1>",
                ),
            ),
            (
                "Bodis",
                page(
                    r#"<script src="https://bodiscdn.com/assets/js/lander.js"></script>"#,
                    "<p>Related searches</p>",
                ),
            ),
            (
                "ParkingCrew",
                page(r#"<script src="https://www.parkingcrew.net/assets/scripts/park.js"></script>"#, ""),
            ),
            (
                "Above",
                page(
                    "",
                    r#"<a href="https://www.above.com/marketplace/example-parked.com">Buy this domain</a>"#,
                ),
            ),
            (
                "GoDaddy/Afternic",
                page(
                    r#"<link href="https://img1.wsimg.com/parking-lander/static/css/main.css" rel="stylesheet">"#,
                    "",
                ),
            ),
            ("GoDaddy/Afternic", page("", "<p>This Web page is parked FREE, courtesy of GoDaddy.</p>")),
            (
                "Dan.com",
                page(
                    "",
                    r#"<a href="https://dan.com/buy-domain/example-parked.com?redirected=true">Buy now</a>"#,
                ),
            ),
            (
                "HugeDomains",
                page(
                    "",
                    r#"<a href="https://www.hugedomains.com/domain_profile.cfm?d=example-parked.com">Buy</a>"#,
                ),
            ),
            ("Namecheap (registrar placeholder)", page("", "<p>This domain is registered at Namecheap</p>")),
            (
                "IONOS (registrar placeholder)",
                page("", "<p>This domain name has just been registered with IONOS.</p>"),
            ),
            (
                "Porkbun (registrar placeholder)",
                page("", "<p>This domain is parked free of charge with Porkbun.</p>"),
            ),
        ]
    }

    #[test]
    fn the_table_parses_and_each_provider_is_recognised_from_its_own_lander() {
        let table = compile(include_str!("parking.toml")).unwrap();
        for name in &table.names {
            assert!(landers().iter().any(|(provider, _)| provider == name), "no lander tests {name}");
        }
        for (provider, html) in landers() {
            assert_eq!(parking_provider(&html, None), Some(provider), "{html}");
        }
    }

    #[test]
    fn each_parking_name_server_names_its_provider_and_ordinary_dns_does_not() {
        let ns = |hosts: &[&str]| hosts.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>();
        for (hosts, provider) in [
            (ns(&["ns1.sedoparking.com.", "ns2.sedoparking.com."]), "Sedo"),
            (ns(&["ns1.bodis.com", "ns2.bodis.com"]), "Bodis"),
            (ns(&["NS1.PARKINGCREW.NET."]), "ParkingCrew"),
            (ns(&["ns1.above.com", "ns2.above.com"]), "Above"),
            (ns(&["ns1.dan.com", "ns2.dan.com"]), "Dan.com"),
            (ns(&["ns1.undeveloped.com"]), "Dan.com"),
        ] {
            assert_eq!(parked_by_nameservers(&hosts), Some(provider), "{hosts:?}");
        }
        for ordinary in [
            ns(&["ns51.domaincontrol.com.", "ns52.domaincontrol.com."]),
            ns(&["dns1.registrar-servers.com", "dns2.registrar-servers.com"]),
            ns(&["ns1.notsedoparking.com"]),
            ns(&["sedoparking.com.evil.example"]),
            ns(&[]),
        ] {
            assert_eq!(parked_by_nameservers(&ordinary), None, "{ordinary:?}");
        }
    }

    #[test]
    fn a_redirect_to_a_marketplace_is_parked_and_a_mention_of_one_is_not() {
        let plain = "<html><head><title>Shop</title></head><body>We bought our name on HugeDomains.com and Dan.com.</body></html>";
        assert_eq!(parking_provider(plain, None), None);
        assert_eq!(parking_provider(plain, Some("hugedomains.com")), Some("HugeDomains"));
        assert_eq!(parking_provider(plain, Some("dan.com")), Some("Dan.com"));
        assert_eq!(parking_provider(plain, Some("new-brand.co.uk")), None);
        assert_eq!(parking_provider("", Some("jordan.com")), None, "a name ending in dan.com is not Dan.com");
    }
}
