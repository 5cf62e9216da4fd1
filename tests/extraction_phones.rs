//! Phone numbers on pages modelled on real sites (WordPress footers, Elementor widgets, the
//! JSON-LD of SEO plugins): which numbers are read, in which region, and which digits are not
//! phone numbers.

use domain_scheduler::extract::{Page, extract};

fn phones(url: &str, html: &str) -> Vec<String> {
    let headers = reqwest::header::HeaderMap::new();
    let url = url::Url::parse(url).unwrap();
    extract(&Page { html, headers: &headers, url: &url }).phone_numbers
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
