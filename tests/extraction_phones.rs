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
