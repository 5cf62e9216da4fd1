//! Phone numbers on pages modelled on real sites (WordPress footers, Elementor widgets, the
//! JSON-LD of SEO plugins): which numbers are read, in which region, and which digits are not
//! phone numbers.

use domain_scheduler::extract::{ExtractOptions, Page, extract, extract_with_options, phone_region};

fn phones(url: &str, html: &str) -> Vec<String> {
    phones_with(url, html, &ExtractOptions::default())
}

fn phones_with(url: &str, html: &str, options: &ExtractOptions) -> Vec<String> {
    let headers = reqwest::header::HeaderMap::new();
    let url = url::Url::parse(url).unwrap();
    extract_with_options(&Page { html, headers: &headers, url: &url }, options, 0).0.phone_numbers
}

/// A small business's page as a page builder writes it: the number in the header, the address
/// block of the footer (the post code on the line above the number), a second office and a
/// number written with its country code.
fn landscaping_page(html_tag: &str) -> String {
    format!(
        r#"<!DOCTYPE html>{html_tag}<head><meta charset="UTF-8"><title>Desert Bloom Landscaping | Phoenix, AZ</title></head>
<body class="home page-template-default"><header class="site-header"><div class="header-cta">Call us: (602) 808-2378</div></header>
<main><h1>Landscaping in Phoenix</h1><p>Serving the Valley since 2009. Free estimates on projects over $1,500.</p></main>
<footer class="site-footer"><div class="footer-widget"><h4 class="widget-title">Contact</h4>
<p>1234 N Central Ave, Suite 200<br>Phoenix, AZ 85004<br>(602) 808-2378</p>
<p>Las Vegas office: 702.670.8287</p><p>Chicago: +1 312-513-1139</p></div>
<p class="copyright">&copy; 2009&ndash;2024 Desert Bloom Landscaping LLC</p></footer></body></html>"#
    )
}

#[test]
fn north_american_numbers_on_an_english_page_without_a_region_are_read() {
    for html_tag in [r#"<html lang="en">"#, "<html>"] {
        assert_eq!(
            phones("https://desertbloomlandscaping.com/", &landscaping_page(html_tag)),
            vec!["+16028082378", "+17026708287", "+13125131139"],
            "{html_tag}"
        );
    }
}

#[test]
fn a_north_american_tel_link_on_an_english_page_without_a_region_is_read() {
    for href in ["tel:602-296-2822", "tel:6022962822", "tel:1-602-296-2822", "tel:(602)%20296-2822"] {
        let page = format!(
            r#"<html lang="en"><body><div class="elementor-widget-button"><a href="{href}" class="elementor-button-link elementor-button elementor-size-sm" role="button">
            <span class="elementor-button-text">Call Now</span></a></div></body></html>"#
        );
        assert_eq!(phones("https://azpoolpros.com/", &page), vec!["+16022962822"], "{href}");
    }
}

#[test]
fn north_american_numbers_are_not_inferred_on_a_page_in_another_language() {
    for html_tag in [r#"<html lang="es">"#, r#"<html lang="fr">"#] {
        let page = landscaping_page(html_tag);
        assert_eq!(phones("https://desertbloomlandscaping.com/", &page), vec!["+13125131139"], "{html_tag}");
    }
}

#[test]
fn north_american_numbers_on_lines_of_their_own_are_each_read() {
    for html_tag in [r#"<html lang="en">"#, r#"<html lang="en-US">"#] {
        let page = format!(
            r#"{html_tag}<body><footer><div class="footer-widget"><p>Suite 2<br>(602) 808-2378<br>(602) 808-2380<br>1-800-826-4766</p></div></footer></body></html>"#
        );
        assert_eq!(
            phones("https://desertbloomlandscaping.com/", &page),
            vec!["+16028082378", "+16028082380", "+18008264766"],
            "{html_tag}"
        );
    }
}

#[test]
fn dashes_and_no_break_spaces_between_digit_groups_are_separators() {
    let page = "<html lang=\"en-US\"><body><div class=\"elementor-widget-icon-list\"><ul class=\"elementor-icon-list-items\">\
        <li class=\"elementor-icon-list-item\"><span class=\"elementor-icon-list-text\">Office: (704) 882\u{2011}6302</span></li>\
        <li class=\"elementor-icon-list-item\"><span class=\"elementor-icon-list-text\">Mobile: 704\u{2010}882\u{2010}6303</span></li>\
        <li class=\"elementor-icon-list-item\"><span class=\"elementor-icon-list-text\">Text: 704\u{2013}882\u{2013}6304</span></li>\
        <li class=\"elementor-icon-list-item\"><span class=\"elementor-icon-list-text\">Billing: (704)&nbsp;882&#8209;6305</span></li>\
        </ul></div></body></html>";
    assert_eq!(
        phones("https://mintcitydental.com/", page),
        vec!["+17048826302", "+17048826303", "+17048826304", "+17048826305"]
    );
    let french = "<html lang=\"fr-FR\"><body><p>Réservations : 01\u{202f}42\u{202f}68\u{202f}53\u{202f}00</p></body></html>";
    assert_eq!(phones("https://bistrot-dupont.com/", french), vec!["+33142685300"], "narrow no-break spaces");
}

/// The `@graph` Yoast's local plugin writes, with a business subtype, a contact point, a fax
/// number and the author.
const YOAST_GRAPH: &str = r#"<script type="application/ld+json" class="yoast-schema-graph">{"@context":"https://schema.org","@graph":[
    {"@type":"WebPage","@id":"https://acmeplumbing.com/","url":"https://acmeplumbing.com/","name":"Acme Plumbing"},
    {"@type":["Organization","Place","Plumber"],"@id":"https://acmeplumbing.com/#organization","name":"Acme Plumbing",
     "telephone":"+17025695975","faxNumber":"+17025695976",
     "contactPoint":{"@type":"ContactPoint","telephone":"+1-800-826-4766","contactType":"customer service"},
     "address":{"@type":"PostalAddress","streetAddress":"4570 W Post Rd","addressLocality":"Las Vegas","postalCode":"89118"}},
    {"@type":"Person","@id":"https://acmeplumbing.com/#/schema/person/1","name":"admin","telephone":"+17025551234"}]}</script>"#;

#[test]
fn the_telephone_of_a_json_ld_organisation_is_read() {
    let page =
        format!(r#"<html lang="en-US"><head>{YOAST_GRAPH}</head><body><p>Open 24/7</p></body></html>"#);
    assert_eq!(phones("https://acmeplumbing.com/", &page), vec!["+17025695975", "+18008264766"]);
}

#[test]
fn a_json_ld_telephone_list_without_country_code_is_read_like_a_tel_link() {
    // Rank Math's local business block: a subtype, several numbers, written nationally.
    let page = r#"<html lang="en"><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
        {"@type":"Dentist","@id":"https://mintcitydental.com/#organization","name":"Mint City Dental",
         "telephone":["(704) 882-6302","704-882-6310"]}]}</script></head><body></body></html>"#;
    assert_eq!(phones("https://mintcitydental.com/", page), vec!["+17048826302", "+17048826310"]);
}

#[test]
fn a_number_already_in_the_text_is_not_repeated_from_json_ld() {
    let page = format!(
        r#"<html lang="en-US"><head>{YOAST_GRAPH}</head><body><footer><a href="tel:+17025695975">(702) 569-5975</a></footer></body></html>"#
    );
    assert_eq!(phones("https://acmeplumbing.com/", &page), vec!["+17025695975", "+18008264766"]);
}

#[test]
fn the_default_region_reads_national_numbers_of_pages_that_give_none() {
    let options = ExtractOptions { default_phone_region: phone_region("gb") };
    let page =
        r#"<html lang="en"><body><footer><p>Call the shop on 020 7946 0000</p></footer></body></html>"#;
    assert_eq!(phones_with("https://harbourbakery.com/", page, &options), vec!["+442079460000"]);
    assert!(
        phones("https://harbourbakery.com/", page).is_empty(),
        "no default, no region, not North American"
    );
}

#[test]
fn the_page_region_beats_the_default_region() {
    let options = ExtractOptions { default_phone_region: phone_region("GB") };
    let german = r#"<html lang="de-DE"><body><p>Telefon: 030 1234 5678</p></body></html>"#;
    assert_eq!(phones_with("https://baeckerei-schmidt.com/", german, &options), vec!["+493012345678"]);
    let by_domain = r#"<html><body><p>Telefon: 030 1234 5678</p></body></html>"#;
    assert_eq!(phones_with("https://baeckerei-schmidt.de/", by_domain, &options), vec!["+493012345678"]);
}

#[test]
fn a_region_code_is_read_in_any_case_and_an_unknown_one_is_refused() {
    assert_eq!(phone_region(" us "), phone_region("US"));
    assert!(phone_region("US").is_some());
    assert_eq!(phone_region("uk"), phone_region("GB"));
    assert_eq!(phone_region("ZZ"), None);
    assert_eq!(phone_region("USA"), None);
}

#[test]
fn extract_reads_with_the_default_options() {
    let headers = reqwest::header::HeaderMap::new();
    let url = url::Url::parse("https://desertbloomlandscaping.com/").unwrap();
    let html = r#"<html lang="en"><body><p>Call 020 7946 0000 or +1 312-513-1139</p></body></html>"#;
    let page = Page { html, headers: &headers, url: &url };
    assert_eq!(extract(&page), extract_with_options(&page, &ExtractOptions::default(), 0).0);
}

#[test]
fn a_name_that_ends_like_an_identifiers_label_does_not_hide_the_number_after_it() {
    let german =
        r#"<html lang="de-DE"><body><p>Ihr Ansprechpartner: Herr Klein, 030 1234 5678</p></body></html>"#;
    assert_eq!(phones("https://baeckerei-schmidt.de/", german), vec!["+493012345678"], "Klein ends in ein");
    let english = r#"<html lang="en"><body><p>Dr. Sarah Epstein, (602) 808-2378</p><p>Pacific: 702.670.8287</p></body></html>"#;
    assert_eq!(phones("https://desertbloomlandscaping.com/", english), vec!["+16028082378", "+17026708287"]);
    let compound = r#"<html lang="de-DE"><body><p>Umsatzsteuer: 030 1234 5678</p></body></html>"#;
    assert!(
        phones("https://baeckerei-schmidt.de/", compound).is_empty(),
        "a label at the end of a compound still counts"
    );
}

/// Digits on English pages that have the North American shape, or come close, and are not
/// phone numbers.
#[test]
fn north_american_look_alikes_are_not_phone_numbers() {
    let traps = [
        ("order number", "Order #602-808-2378 has shipped."),
        ("order number, spelled out", "Your order number: 602-808-2378"),
        ("invoice", "Invoice No. 702.670.8287"),
        ("ISBN-13", "ISBN 978-1-4028-9462-6"),
        ("ISBN-10", "ISBN 0-306-40615-2"),
        ("SKU", "SKU: 602-808-2378"),
        ("ZIP+4", "Phoenix, AZ 85004-1234"),
        ("dotted date", "Updated 2024.01.15"),
        ("US date", "Posted 01-15-2024"),
        ("version", "Requires WordPress 6.4.2, tested up to 6.5.10"),
        ("coordinates", "33.448376, -112.074036"),
        ("price", "Now only $602.808.2378"),
        ("EIN", "EIN: 86-1234567"),
        ("year range", "© 2009-2024"),
        ("IP address", "Server 192.168.100.200"),
        ("part of a longer number", "Tracking 1Z 602-808-2378-44"),
        ("fax stays out", "Fax: (602) 808-2379"),
    ];
    for (label, text) in traps {
        let page = format!(r#"<html lang="en"><body><p>{text}</p></body></html>"#);
        assert_eq!(
            phones("https://desertbloomlandscaping.com/", &page),
            Vec::<String>::new(),
            "{label}: {text}"
        );
    }
}

/// Issue 21, item 10: the number ends where its block ends. Before, the visible text joined
/// the blocks with a space and the street number below was read as more digits of the phone
/// number, which then was not valid: no phone at all.
#[test]
fn a_phone_number_followed_by_digits_in_the_next_block_is_read() {
    let cases = [
        ("paragraphs", "<p>Call us: +1 (704) 570-7729</p><p>4407 Main Street, Charlotte</p>"),
        ("a line break", "<address>Call us: +1 (704) 570-7729<br>4407 Main Street</address>"),
        ("list items", "<ul><li>Call us: +1 (704) 570-7729</li><li>4407 Main Street</li></ul>"),
        ("table cells", "<table><tr><td>+1 (704) 570-7729</td><td>4407</td></tr></table>"),
        ("a national number", "<div>Call us: (704) 570-7729</div><div>4407 Main Street</div>"),
    ];
    for (label, body) in cases {
        let page = format!(r#"<html lang="en"><body><footer>{body}</footer></body></html>"#);
        assert_eq!(phones("https://queencitycarpets.com/", &page), vec!["+17045707729"], "{label}: {body}");
    }
}

#[test]
fn a_number_split_into_inline_elements_is_still_one_number() {
    for body in [
        "<p><span>+1</span> <span>704 570 7729</span></p>",
        "<p>Call <a href=\"/contact\"><b>+1</b> (704) 570-7729</a> today</p>",
        "<p><strong>+44</strong> <em>20 7946 0000</em></p>",
    ] {
        let page = format!(r#"<html lang="en"><body>{body}</body></html>"#);
        let found = phones("https://queencitycarpets.com/", &page);
        assert_eq!(found.len(), 1, "{body}: {found:?}");
        assert!(["+17045707729", "+442079460000"].contains(&found[0].as_str()), "{body}: {found:?}");
    }
}
