//! Parked pages as the tests meet them: landers written for these tests in the style of each
//! parking provider and registrar placeholder, each holding contacts of the provider's that must
//! not be kept as the domain owner's.

/// An address, a phone and a profile on every lander: the provider's, never stored.
pub const LANDER_EMAIL: &str = "sales@parking-provider.example";

fn lander(name: &str, head: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name} - This domain may be for sale!</title>
<meta name="description" content="{name} is for sale. Make an offer today.">{head}</head>
<body><div class="container"><h1>{name}</h1><h2>This domain may be for sale</h2>{body}
<footer><p>Contact our brokers: <a href="mailto:{LANDER_EMAIL}">{LANDER_EMAIL}</a>, call +1 415 555 0123.</p>
<a href="https://www.facebook.com/parkingprovider/">Follow us</a><a href="/contact">Contact</a></footer></div></body></html>"#
    )
}

/// The landers: (the test's domain, provider, head, body), `{domain}` standing for the name.
const LANDERS: [(&str, &str, &str, &str); 11] = [
    (
        "parked-at-sedo.com",
        "Sedo",
        r#"<link rel="stylesheet" href="https://img.sedoparking.com/templates/brick_css/2.css">"#,
        r#"<a href="https://sedo.com/search/details/?partnerid=324561&domain={domain}">Buy this domain</a>"#,
    ),
    (
        "parked-at-bodis.com",
        "Bodis",
        r#"<script src="https://bodiscdn.com/assets/dist/js/lander.js" defer></script>"#,
        "<ul class=\"related\"><li>Related searches</li></ul>",
    ),
    (
        "parked-at-parkingcrew.com",
        "ParkingCrew",
        r#"<script src="https://www.parkingcrew.net/assets/scripts/jquery.js"></script>"#,
        r#"<div id="pcrw_ads"></div>"#,
    ),
    (
        "parked-at-above.com",
        "Above",
        "",
        r#"<a href="https://www.above.com/marketplace/{domain}">Inquire about this domain</a>"#,
    ),
    (
        "parked-at-godaddy.com",
        "GoDaddy/Afternic",
        r#"<link href="https://img1.wsimg.com/parking-lander/static/css/main.a1b2c3.css" rel="stylesheet">"#,
        "<p>Get this domain</p>",
    ),
    (
        "parked-at-dan.com",
        "Dan.com",
        "",
        r#"<a class="btn" href="https://dan.com/buy-domain/{domain}?redirected=true&tld=com">Buy now for $2,495</a>"#,
    ),
    (
        "parked-at-hugedomains.com",
        "HugeDomains",
        r#"<link rel="icon" href="https://www.hugedomains.com/images/hd_logo_icon.png">"#,
        r#"<a href="https://www.hugedomains.com/domain_profile.cfm?d={domain}">Buy now</a>"#,
    ),
    (
        "parked-at-namecheap.com",
        "Namecheap (registrar placeholder)",
        "",
        "<p>This domain is registered at Namecheap. This domain was recently registered at <a href=\"https://www.namecheap.com\">Namecheap</a>.</p>",
    ),
    (
        "parked-at-ionos.com",
        "IONOS (registrar placeholder)",
        "",
        "<p>This domain name has just been registered with IONOS.</p>",
    ),
    (
        "parked-at-porkbun.com",
        "Porkbun (registrar placeholder)",
        "",
        "<p>This domain is parked free of charge with Porkbun.</p>",
    ),
    (
        "free-parked-godaddy.com",
        "GoDaddy/Afternic",
        "",
        "<p>This Web page is parked FREE, courtesy of GoDaddy.com.</p>",
    ),
];

/// How many landers there are.
pub const LANDER_COUNT: usize = LANDERS.len();

/// Lander `which` (modulo their number) for `domain`: its provider and page.
pub fn lander_for(domain: &str, which: usize) -> (&'static str, String) {
    let (_, provider, head, body) = LANDERS[which % LANDERS.len()];
    (provider, lander(domain, head, &body.replace("{domain}", domain)))
}

/// A parked domain per provider of the service's table: (domain, provider, page).
pub fn every_lander() -> Vec<(&'static str, &'static str, String)> {
    LANDERS
        .iter()
        .enumerate()
        .map(|(which, (domain, _, _, _))| {
            let (provider, page) = lander_for(domain, which);
            (*domain, provider, page)
        })
        .collect()
}
