//! The old drain benchmark page, kept as a labelled baseline: the same lorem-ipsum home page of
//! about 48 KB for every domain, one element per paragraph.

/// A home page of about 50 KB with the usual furniture: head metadata, navigation, articles,
/// contacts, social links and scripts.
pub fn page(i: usize) -> String {
    let mut html = format!(
        r#"<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>Site {i} | Home</title>
<meta name="description" content="Everything about site {i}: products, services and news.">
<meta name="generator" content="WordPress 6.4.{}"><meta property="og:title" content="Site {i}">
<link rel="icon" href="/favicon-{i}.png"><link rel="canonical" href="https://site-{i}.bench-farm.com/">
<link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script></head><body>
<header><img class="logo" src="/logo.png" alt="Site {i}"><nav>"#,
        i % 10
    );
    for n in 0..30 {
        html.push_str(&format!(r#"<a href="/section-{n}/">Section {n}</a> "#));
    }
    html.push_str("</nav></header><main>");
    let mut n = 0;
    while html.len() < 48_000 {
        html.push_str(&format!(
            "<article><h2>Story {n} of site {i}</h2><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
             eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
             exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat {n}.</p><a href=\"/story-{n}\">Read \
             more</a></article>"
        ));
        n += 1;
    }
    html.push_str(&format!(
        r#"</main><footer><a href="mailto:contact@site-{i}.bench-farm.com">Contact</a> <a href="tel:+14155550{:03}">Call</a>
<a href="https://www.facebook.com/site{i}">Facebook</a> <a href="https://twitter.com/site{i}">Twitter</a></footer>
<script>window.dataLayer=window.dataLayer||[];</script></body></html>"#,
        i % 1000
    ));
    html
}
