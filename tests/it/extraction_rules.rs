//! Labelled fixtures for the extraction rules and the traps today's scrapers fall into: each
//! a small page written for the test, with its expected value.

use domain_scheduler::extract::{Page, extract};
use entity::Metadata;

fn run(url: &str, html: &str) -> Metadata {
    let headers = reqwest::header::HeaderMap::new();
    let url = url::Url::parse(url).unwrap();
    extract(&Page { html, headers: &headers, url: &url })
}

#[test]
fn a_title_inside_svg_is_not_the_page_title() {
    let page = r#"<html><body><svg><title>Menu icon</title></svg></body><head><title>Real  &amp; proper
        title</title></head></html>"#;
    assert_eq!(run("https://example.org/", page).title.as_deref(), Some("Real & proper title"));
}

#[test]
fn the_title_falls_back_to_open_graph_then_twitter_then_h1() {
    let og = r#"<meta property="og:title" content="OG"><meta name="twitter:title" content="TW"><h1>H</h1>"#;
    assert_eq!(run("https://example.org/", og).title.as_deref(), Some("OG"));
    assert_eq!(
        run("https://example.org/", r#"<meta name="twitter:title" content="TW"><h1>H</h1>"#).title.as_deref(),
        Some("TW")
    );
    assert_eq!(
        run("https://example.org/", "<h1>  Heading\n one </h1>").title.as_deref(),
        Some("Heading one")
    );
}

#[test]
fn an_upper_case_shortcut_icon_is_the_favicon_and_mask_icon_is_not() {
    let page = r#"<link rel="mask-icon" href="/mask.svg"><link rel="SHORTCUT ICON" href="//cdn.example.org/fav.ico?a=1&amp;b=2">"#;
    assert_eq!(
        run("https://example.org/", page).favicon_url.as_deref(),
        Some("https://cdn.example.org/fav.ico?a=1&b=2")
    );
    assert_eq!(
        run("https://example.org/x/", "<p>none</p>").favicon_url.as_deref(),
        Some("https://example.org/favicon.ico")
    );
    let base =
        r#"<base href="https://static.example.org/assets/"><link rel="apple-touch-icon" href="touch.png">"#;
    assert_eq!(
        run("https://example.org/", base).favicon_url.as_deref(),
        Some("https://static.example.org/assets/touch.png")
    );
}

#[test]
fn an_icon_link_with_an_empty_href_is_skipped_for_the_next_icon() {
    // A theme's favicon option left empty, then WordPress's own site icon links.
    for empty in ["", "   "] {
        let page = format!(
            r#"<head><link rel="shortcut icon" href="{empty}" type="image/x-icon" />
            <link rel="apple-touch-icon" href="https://example.org/wp-content/uploads/2023/05/cropped-icon-180x180.png" />
            <link rel="icon" href="https://example.org/wp-content/uploads/2023/05/cropped-icon-32x32.png" sizes="32x32" />
            <link rel="icon" href="https://example.org/wp-content/uploads/2023/05/cropped-icon-192x192.png" sizes="192x192" /></head>"#
        );
        assert_eq!(
            run("https://example.org/", &page).favicon_url.as_deref(),
            Some("https://example.org/wp-content/uploads/2023/05/cropped-icon-32x32.png"),
            "href={empty:?}"
        );
    }
}

#[test]
fn the_logo_comes_from_the_organisation_even_inside_a_graph() {
    let page = r#"<script type="application/ld+json">{"@graph":[{"@type":"WebSite"},{"@type":"Organization","logo":{"@type":"ImageObject","contentUrl":"/img/logo.svg"}}]}</script>
        <header><img class="site-logo" src="/other.png"></header>"#;
    assert_eq!(
        run("https://example.org/", page).logo_url.as_deref(),
        Some("https://example.org/img/logo.svg")
    );
    let header_img = r#"<header><img src="/brand/acme-logo.png" alt="Acme"></header>"#;
    assert_eq!(
        run("https://example.org/", header_img).logo_url.as_deref(),
        Some("https://example.org/brand/acme-logo.png")
    );
}

#[test]
fn file_names_versions_font_axes_and_placeholders_are_not_emails() {
    let page = r#"<body><img src="logo@2x.png"><p>logo@2x.png bootstrap@5.3.2 wght@400 you@example.com</p>
        <p>Write to <b>Hello@Boulangerie-Dupont.fr</b> or <a href="mailto:orders%40boulangerie-dupont.fr?subject=Hi">us</a>.</p>
        <script>var a = "hidden@tracker.io";</script></body>"#;
    assert_eq!(
        run("https://boulangerie-dupont.fr/", page).email_addresses,
        vec!["orders@boulangerie-dupont.fr", "hello@boulangerie-dupont.fr"]
    );
}

#[test]
fn obfuscated_emails_are_read() {
    let encoded: String = std::iter::once(0x2au8)
        .chain("shop@example-store.de".bytes().map(|b| b ^ 0x2a))
        .map(|b| format!("{b:02x}"))
        .collect();
    let page = format!(
        r#"<a href="/cdn-cgi/l/email-protection#{encoded}">[email protected]</a><p>info [at] example-store [dot] de</p>"#
    );
    assert_eq!(
        run("https://example-store.de/", &page).email_addresses,
        vec!["shop@example-store.de", "info@example-store.de"]
    );
}

#[test]
fn phones_come_from_links_and_text_but_never_from_identifiers() {
    let page = r#"<html lang="fr-FR"><body><a href="tel:+33 1 42 68 53 00">Appeler</a>
        <p>Boutique : 04 78 12 34 56</p><p>SIRET 732 829 320 00074 — TVA FR40303265045 — © 1998-2024</p></body></html>"#;
    assert_eq!(run("https://dupont.fr/", page).phone_numbers, vec!["+33142685300", "+33478123456"]);
}

#[test]
fn share_links_and_platform_home_pages_are_not_profiles() {
    let page = r#"<a href="https://www.facebook.com/sharer/sharer.php?u=x">Share</a>
        <a href="https://twitter.com/intent/tweet?text=x">Tweet</a><a href="https://www.linkedin.com/">LinkedIn</a>
        <a href="https://www.facebook.com/AcmeBakery/?ref=footer">Facebook</a><a href="https://x.com/acme_bakery">X</a>
        <a href="https://www.instagram.com/acme.bakery/">Instagram</a><a href="https://github.com/acme">GitHub</a>"#;
    let social = run("https://acme-bakery.com/", page).social;
    assert_eq!(social.facebook_url.as_deref(), Some("https://facebook.com/AcmeBakery"));
    assert_eq!(social.twitter_url.as_deref(), Some("https://twitter.com/acme_bakery"));
    assert_eq!(social.instagram_url.as_deref(), Some("https://instagram.com/acme.bakery"));
    assert_eq!(social.github_url.as_deref(), Some("https://github.com/acme"));
    assert_eq!(social.linkedin_url, None);
}

/// Social links as a WordPress theme's footer writes them, with the tracking the platforms add
/// when a link is copied from a phone.
fn social_footer(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|href| {
            format!(r#"<li class="menu-item"><a href="{href}" target="_blank" rel="noopener">x</a></li>"#)
        })
        .collect();
    format!(r#"<footer id="colophon" class="site-footer"><ul class="social-menu">{items}</ul></footer>"#)
}

#[test]
fn a_facebook_profile_php_link_keeps_the_id_that_names_the_profile() {
    let page =
        social_footer(&["https://www.facebook.com/profile.php?id=100087425386369&amp;mibextid=ZbWKwL"]);
    assert_eq!(
        run("https://desertbloomlandscaping.com/", &page).social.facebook_url.as_deref(),
        Some("https://facebook.com/profile.php?id=100087425386369")
    );
}

#[test]
fn facebook_people_and_pages_links_keep_their_path_and_lose_their_tracking() {
    let people = social_footer(&[
        "https://www.facebook.com/people/Desert-Bloom-Landscaping/100063541234567/?utm_source=website&amp;fbclid=IwAR0xYz",
    ]);
    assert_eq!(
        run("https://desertbloomlandscaping.com/", &people).social.facebook_url.as_deref(),
        Some("https://facebook.com/people/Desert-Bloom-Landscaping/100063541234567")
    );
    let pages =
        social_footer(&["https://m.facebook.com/pages/Acme-Plumbing/123456789012345?ref=hl&amp;sk=about"]);
    assert_eq!(
        run("https://acmeplumbing.com/", &pages).social.facebook_url.as_deref(),
        Some("https://facebook.com/pages/Acme-Plumbing/123456789012345")
    );
}

#[test]
fn a_profile_link_that_does_not_say_whose_profile_is_not_a_profile() {
    let page = social_footer(&[
        "https://www.facebook.com/sharer.php?u=https%3A%2F%2Facmeplumbing.com%2F",
        "https://www.facebook.com/profile.php?ref=bookmarks",
        "https://www.facebook.com/AcmePlumbingLV/",
    ]);
    assert_eq!(
        run("https://acmeplumbing.com/", &page).social.facebook_url.as_deref(),
        Some("https://facebook.com/AcmePlumbingLV"),
        "a share script and a profile.php without an id are skipped"
    );
}

#[test]
fn linkedin_and_twitter_profiles_named_in_the_query_keep_that_name() {
    let page = social_footer(&[
        "https://www.linkedin.com/profile/view?id=AAkAAAB3c4IBxyz&amp;trk=nav_responsive_tab_profile",
        "https://twitter.com/intent/follow?screen_name=acme_plumbing&amp;ref_src=twsrc%5Etfw",
    ]);
    let social = run("https://acmeplumbing.com/", &page).social;
    assert_eq!(social.linkedin_url.as_deref(), Some("https://linkedin.com/profile/view?id=AAkAAAB3c4IBxyz"));
    assert_eq!(social.twitter_url.as_deref(), Some("https://twitter.com/acme_plumbing"));
}

#[test]
fn a_youtube_playlist_is_not_the_channel() {
    let page = social_footer(&[
        "https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs",
        "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw?sub_confirmation=1",
    ]);
    assert_eq!(
        run("https://acmeplumbing.com/", &page).social.youtube_url.as_deref(),
        Some("https://youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw")
    );
}

#[test]
fn wordpress_version_comes_only_from_the_generator() {
    let page = r#"<meta name="generator" content="WordPress 6.4.2"><link rel="stylesheet" href="/wp-includes/css/x.css?ver=9.9.9">
        <script src="/wp-content/plugins/woocommerce/assets/js/a.js?ver=8.5.1"></script><script src="/js/jquery-3.7.1.min.js"></script>"#;
    let metadata = run("https://shop.example.org/", page);
    assert!(metadata.is_wordpress);
    assert_eq!(metadata.wordpress_version.as_deref(), Some("6.4.2"));
    let names: Vec<(&str, Option<&str>)> =
        metadata.tech_stack.iter().map(|t| (t.name.as_str(), t.version.as_deref())).collect();
    assert!(names.contains(&("WooCommerce", Some("8.5.1"))), "{names:?}");
    assert!(names.contains(&("jQuery", Some("3.7.1"))), "{names:?}");
    let rewritten = r#"<link rel="stylesheet" href="/wp-includes/css/x.css?ver=6.4.2">"#;
    let metadata = run("https://shop.example.org/", rewritten);
    assert!(metadata.is_wordpress);
    assert_eq!(metadata.wordpress_version, None, "?ver= on core assets is no evidence of the version");
}

#[test]
fn the_language_is_the_primary_subtag_from_html_then_og_locale() {
    assert_eq!(run("https://e.org/", r#"<html lang="pt-BR">"#).language.as_deref(), Some("pt"));
    assert_eq!(
        run("https://e.org/", r#"<meta property="og:locale" content="de_DE">"#).language.as_deref(),
        Some("de")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    #[test]
    fn extraction_never_panics_on_arbitrary_input(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)) {
        let html = domain_scheduler::fetch::decode_html(&bytes, None);
        let _ = run("https://example.org/", &html);
    }

    #[test]
    fn extraction_never_panics_on_markup_like_input(html in "(<[a-z]{1,6}( [a-z]{1,5}=\"[^\"]{0,12}\")?>|</[a-z]{1,6}>|[^<]{0,20}|mailto:|tel:\\+?[0-9 ]{0,14}){0,60}") {
        let _ = run("https://example.org/", &html);
    }
}
