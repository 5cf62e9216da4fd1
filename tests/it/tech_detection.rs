//! Technology detection: a small labelled page (written for the test) per technology, with the
//! version where the page shows one, and the rules file's own shape.

use domain_scheduler::extract::{Page, extract};
use entity::Metadata;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

fn detect(html: &str, headers: &[(&str, &str)]) -> Metadata {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
    }
    let url = url::Url::parse("https://example.org/").unwrap();
    extract(&Page { html, headers: &map, url: &url })
}

/// `Some(version)` when `name` is in the stack.
fn found(metadata: &Metadata, name: &str) -> Option<Option<String>> {
    metadata.tech_stack.iter().find(|t| t.name == name).map(|t| t.version.clone())
}

fn names(metadata: &Metadata) -> Vec<&str> {
    metadata.tech_stack.iter().map(|t| t.name.as_str()).collect()
}

/// (technology, version the page shows, page)
const LABELLED: &[(&str, Option<&str>, &str)] = &[
    (
        "WordPress",
        Some("6.4.2"),
        r#"<head><meta name="generator" content="WordPress 6.4.2">
        <link rel="stylesheet" href="/wp-content/themes/twentytwentyfour/style.css?ver=1.0"></head>"#,
    ),
    (
        "Elementor",
        Some("3.18.3"),
        r#"<link rel="stylesheet" href="https://bakery.example/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
        <div data-elementor-type="wp-page" data-elementor-id="12"></div>"#,
    ),
    (
        "WooCommerce",
        Some("8.5.1"),
        r#"<script src="/wp-content/plugins/woocommerce/assets/js/frontend/cart-fragments.min.js?ver=8.5.1"></script>"#,
    ),
    (
        "Yoast SEO",
        Some("21.7"),
        r#"<head><!-- This site is optimized with the Yoast SEO plugin v21.7 - https://yoast.com/wordpress/plugins/seo/ -->
        <title>Home</title></head>"#,
    ),
    (
        "Contact Form 7",
        Some("5.8.4"),
        r#"<script src="/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4" id="contact-form-7-js"></script>"#,
    ),
    ("jQuery", Some("3.7.1"), r#"<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>"#),
    (
        "Google Analytics",
        None,
        r#"<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ"></script>
        <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date()); gtag('config', 'G-ABC123XYZ');</script>"#,
    ),
    (
        "Google Tag Manager",
        None,
        r#"<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});
        var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;
        j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
        })(window,document,'script','dataLayer','GTM-AB12CD3');</script>"#,
    ),
    (
        "Facebook Pixel",
        None,
        r#"<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){};t=b.createElement(e);t.async=!0;
        t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',
        'https://connect.facebook.net/en_US/fbevents.js'); fbq('init', '1234567890'); fbq('track', 'PageView');</script>"#,
    ),
    (
        "Shopify",
        None,
        r#"<link href="//cdn.shopify.com/s/files/1/0123/4567/t/3/assets/theme.css?v=1700000000" rel="stylesheet">"#,
    ),
    ("Wix", None, r#"<meta name="generator" content="Wix.com Website Builder">"#),
    (
        "Squarespace",
        None,
        r#"<!-- This is Squarespace. --><link rel="stylesheet" href="https://static1.squarespace.com/static/versioned-site-css/abc/site.css">"#,
    ),
    ("Joomla", None, r#"<meta name="generator" content="Joomla! - Open Source Content Management">"#),
    ("Drupal", Some("10"), r#"<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">"#),
    (
        "Bootstrap",
        Some("5.3.2"),
        r#"<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css" rel="stylesheet">"#,
    ),
    (
        "Font Awesome",
        Some("6.5.1"),
        r#"<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.5.1/css/all.min.css">"#,
    ),
    (
        "Google Fonts",
        None,
        r#"<link href="https://fonts.googleapis.com/css2?family=Inter:wght@400;700&amp;display=swap" rel="stylesheet">"#,
    ),
    (
        "Hotjar",
        None,
        r#"<script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:3456789,hjsv:6};a=o.getElementsByTagName('head')[0];r=o.createElement('script');
        r.async=1;r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;a.appendChild(r);
        })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>"#,
    ),
    (
        "reCAPTCHA",
        None,
        r#"<script src="https://www.google.com/recaptcha/api.js" async defer></script>
        <form><div class="g-recaptcha" data-sitekey="6Lc_example"></div></form>"#,
    ),
    (
        "React",
        Some("18.2.0"),
        r#"<script crossorigin src="https://unpkg.com/react@18.2.0/umd/react.production.min.js"></script>"#,
    ),
    (
        "Vue.js",
        Some("3.4.15"),
        r#"<script src="https://unpkg.com/vue@3.4.15/dist/vue.global.prod.js"></script>"#,
    ),
    (
        "Next.js",
        None,
        r#"<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"page":"/"}</script>
        <script src="/_next/static/chunks/main-3f2a.js" defer></script>"#,
    ),
    ("Nuxt.js", None, r#"<div id="__nuxt"></div><script type="module" src="/_nuxt/entry.4c1e.js"></script>"#),
    (
        "HubSpot",
        None,
        r#"<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/1234567.js"></script>"#,
    ),
    (
        "Webflow",
        None,
        r#"<html data-wf-page="65a1b2c3" data-wf-site="65a0b1c2"><head><meta content="Webflow" name="generator"></head></html>"#,
    ),
    ("Ghost", Some("5.75"), r#"<meta name="generator" content="Ghost 5.75">"#),
    (
        "PrestaShop",
        None,
        r#"<script type="text/javascript">var prestashop = {"cart":{"products":[]}};</script>"#,
    ),
    ("Magento", None, r#"<script type="text/x-magento-init">{"*":{"Magento_Ui/js/core/app":{}}}</script>"#),
    (
        "Umami",
        None,
        r#"<script defer src="/script.js" data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409"></script>"#,
    ),
];

#[test]
fn each_labelled_page_shows_its_technology_and_version() {
    let mut failures = Vec::new();
    for (name, version, html) in LABELLED {
        let metadata = detect(html, &[]);
        let expected = Some(version.map(str::to_owned));
        if found(&metadata, name) != expected {
            failures.push(format!(
                "{name}: expected {expected:?}, got {:?} in {:?}",
                found(&metadata, name),
                names(&metadata)
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn cloudflare_and_versions_come_from_headers() {
    let metadata = detect(
        "<p>hi</p>",
        &[("server", "cloudflare"), ("cf-ray", "84a1b2c3d4e5f6a7-CDG"), ("x-powered-by", "PHP/8.2.1")],
    );
    assert_eq!(found(&metadata, "Cloudflare"), Some(None));
    assert_eq!(found(&metadata, "PHP"), Some(Some("8.2.1".to_owned())));
    let metadata = detect("<p>hi</p>", &[("server", "nginx/1.25.3"), ("x-powered-by", "Express")]);
    assert_eq!(found(&metadata, "nginx"), Some(Some("1.25.3".to_owned())));
    assert_eq!(found(&metadata, "Express"), Some(None));
    assert_eq!(found(&metadata, "Cloudflare"), None);
}

#[test]
fn cookies_are_read_from_set_cookie_names() {
    let metadata = detect(
        "<p>hi</p>",
        &[
            ("set-cookie", "XSRF-TOKEN=eyJpdiI6; expires=Fri, 01 Mar 2030 10:00:00 GMT; path=/"),
            (
                "set-cookie",
                "laravel_session=eyJpdiI6IkF; expires=Fri, 01 Mar 2030 10:00:00 GMT; path=/; httponly",
            ),
        ],
    );
    assert_eq!(found(&metadata, "Laravel"), Some(None));
    assert_eq!(found(&metadata, "PHP"), Some(None), "Laravel implies PHP");
    let django = detect("<p>hi</p>", &[("set-cookie", "csrftoken=abc; Path=/; SameSite=Lax")]);
    assert_eq!(found(&django, "Django"), Some(None));
    let value_only = detect("<p>hi</p>", &[("set-cookie", "session=laravel_session")]);
    assert_eq!(found(&value_only, "Laravel"), None, "a cookie value is not a cookie name");
}

#[test]
fn google_analytics_is_not_read_from_gtm_js_alone() {
    let (_, _, gtm) = LABELLED.iter().find(|(name, ..)| *name == "Google Tag Manager").unwrap();
    let metadata = detect(gtm, &[]);
    assert_eq!(found(&metadata, "Google Tag Manager"), Some(None));
    assert_eq!(found(&metadata, "Google Analytics"), None, "{:?}", names(&metadata));
    let universal = r#"<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;})(window,document,'script',
        'https://www.google-analytics.com/analytics.js','ga'); ga('create', 'UA-12345-1', 'auto');</script>"#;
    assert_eq!(found(&detect(universal, &[]), "Google Analytics"), Some(None));
    let classic = r#"<script>var ga = document.createElement('script');
        ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';</script>"#;
    assert_eq!(found(&detect(classic, &[]), "Google Analytics"), Some(None));
    let ads_only =
        r#"<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123456789"></script>"#;
    let metadata = detect(ads_only, &[]);
    assert_eq!(found(&metadata, "Google Analytics"), None);
    assert_eq!(found(&metadata, "Google Ads"), Some(None));
}

#[test]
fn the_wordpress_version_comes_only_from_the_generator() {
    let rewritten = r#"<link rel="stylesheet" href="/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2">
        <script src="/wp-includes/js/wp-emoji-release.min.js?ver=6.4.2"></script>"#;
    let metadata = detect(rewritten, &[]);
    assert!(metadata.is_wordpress);
    assert_eq!(metadata.wordpress_version, None);
    assert_eq!(found(&metadata, "WordPress"), Some(None));
    let generator = r#"<meta name="generator" content="WordPress 6.5"><meta name="generator" content="Elementor 3.21.0; features: e_optimized_assets_loading">
        <script src="/wp-includes/js/wp-emoji-release.min.js?ver=9.9.9"></script>"#;
    let metadata = detect(generator, &[]);
    assert_eq!(metadata.wordpress_version.as_deref(), Some("6.5"));
    assert!(metadata.has_elementor, "the second generator meta is read too");
    assert_eq!(found(&metadata, "Elementor"), Some(Some("3.21.0".to_owned())));
}

#[test]
fn technologies_imply_others() {
    let (_, _, woo) = LABELLED.iter().find(|(name, ..)| *name == "WooCommerce").unwrap();
    let metadata = detect(woo, &[]);
    assert!(metadata.is_wordpress);
    assert_eq!(found(&metadata, "WordPress"), Some(None));
    assert_eq!(found(&metadata, "PHP"), Some(None), "WooCommerce implies WordPress, which implies PHP");
    let elementor =
        r#"<link rel="stylesheet" href="/wp-content/uploads/elementor/css/post-7.css?ver=1700000000">"#;
    let metadata = detect(elementor, &[]);
    assert!(metadata.has_elementor && metadata.is_wordpress);
    assert_eq!(found(&metadata, "Elementor"), Some(None), "a generated stylesheet's ?ver= is no version");
    for (framework, library) in [("Next.js", "React"), ("Nuxt.js", "Vue.js")] {
        let (_, _, page) = LABELLED.iter().find(|(name, ..)| *name == framework).unwrap();
        assert_eq!(found(&detect(page, &[]), library), Some(None), "{framework} implies {library}");
    }
    for plugin in ["Yoast SEO", "Contact Form 7"] {
        let (_, _, page) = LABELLED.iter().find(|(name, ..)| *name == plugin).unwrap();
        assert!(detect(page, &[]).is_wordpress, "{plugin} implies WordPress");
    }
}

#[test]
fn a_plain_page_has_no_technology() {
    let page = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plain</title>
        <link rel="stylesheet" href="/css/site.css"><script src="/js/app.js"></script></head>
        <body><h1>We build with WordPress, React and Shopify</h1><p>jquery-3.7.1.min.js is a file name here.</p>
        <a href="https://www.google.com/maps/place/Somewhere">Find us</a></body></html>"#;
    let metadata = detect(page, &[("content-type", "text/html; charset=utf-8")]);
    assert_eq!(metadata.tech_stack, Vec::new());
    assert!(!metadata.is_wordpress && !metadata.has_elementor);
    assert_eq!(metadata.wordpress_version, None);
}

#[test]
fn the_rules_file_names_sixty_technologies_with_categories_matchers_and_known_implications() {
    let file: toml::Table = toml::from_str(include_str!("../../src/extract/technologies.toml")).unwrap();
    let categories: Vec<&str> =
        file["categories"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let technologies = file["technology"].as_array().unwrap();
    assert!(technologies.len() >= 60, "{} technologies", technologies.len());
    let names: Vec<&str> = technologies.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for technology in technologies {
        let name = technology["name"].as_str().unwrap();
        assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name} twice");
        let own = technology["categories"].as_array().unwrap();
        assert!(!own.is_empty(), "{name} has no category");
        assert!(own.iter().all(|c| categories.contains(&c.as_str().unwrap())), "{name}: unknown category");
        let matchers = ["generator", "assets", "html", "headers", "cookies", "meta"]
            .iter()
            .filter_map(|key| technology.get(*key))
            .map(|value| value.as_array().map_or_else(|| value.as_table().unwrap().len(), Vec::len))
            .sum::<usize>();
        assert!(matchers >= 1, "{name} has no matcher");
        for implied in technology.get("implies").and_then(|i| i.as_array()).into_iter().flatten() {
            let implied = implied.as_str().unwrap();
            assert!(names.contains(&implied), "{name} implies {implied}, which is not in the file");
        }
    }
}

#[test]
fn plugin_versions_ignore_the_libraries_they_bundle() {
    let page = r#"<link rel="stylesheet" href="/wp-content/plugins/elementor/assets/lib/eicons/css/elementor-icons.min.css?ver=5.10.0">
        <link rel="stylesheet" href="/wp-content/plugins/elementor/assets/lib/font-awesome/css/all.min.css?ver=4.4.0">
        <link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.1.1">
        <script src="/wp-content/plugins/woocommerce/assets/js/jquery-blockui/jquery.blockUI.min.js?ver=2.7.0-wc.8.5.1"></script>
        <script src="/wp-content/plugins/woocommerce/assets/js/frontend/add-to-cart.min.js?ver=8.5.1"></script>"#;
    let metadata = detect(page, &[]);
    assert_eq!(found(&metadata, "Elementor"), Some(Some("3.1.1".to_owned())));
    assert_eq!(found(&metadata, "WooCommerce"), Some(Some("8.5.1".to_owned())));
    assert_eq!(found(&metadata, "Font Awesome"), Some(None));
}

/// An inlined `data:` URI is an image or a font, not a file of the site: whatever its payload
/// spells, it names no technology. A crafted URL of megabytes is not read either.
#[test]
fn inlined_data_and_oversized_urls_name_no_technology() {
    let payload = "/wp-content/plugins/elementor/assets/js/frontend.min.js?ver=9.9.9";
    let page = format!(
        r#"<link rel="icon" href="data:image/svg+xml,{payload}">
        <script src="DATA:text/javascript,{payload}"></script>
        <script src="/x/{}{payload}"></script>"#,
        "a".repeat(20_000)
    );
    let metadata = detect(&page, &[]);
    assert_eq!(found(&metadata, "Elementor"), None, "{:?}", names(&metadata));
    let page = format!(r#"<script src="https://cdn.example.org/{}{payload}"></script>"#, "a".repeat(2_000));
    assert_eq!(
        found(&detect(&page, &[]), "Elementor"),
        Some(Some("9.9.9".to_owned())),
        "a long URL under the limit is read"
    );
}

/// Asserts, for each (page, version), that `name` is found with that version; and for each
/// page of `absent`, that it is not.
fn shows(name: &str, present: &[(&str, Option<&str>)], absent: &[&str]) {
    for (page, version) in present {
        let metadata = detect(page, &[]);
        assert_eq!(
            found(&metadata, name),
            Some(version.map(str::to_owned)),
            "{name} in {page}: {:?}",
            names(&metadata)
        );
    }
    for page in absent {
        let metadata = detect(page, &[]);
        assert_eq!(found(&metadata, name), None, "{name} is not in {page}: {:?}", names(&metadata));
    }
}

#[test]
fn classic_adsense_is_found_from_its_show_ads_js() {
    shows(
        "Google AdSense",
        &[
            (
                r#"<script type="text/javascript"><!--
                google_ad_client = "ca-pub-1234567890123456"; google_ad_slot = "1234567890";
                google_ad_width = 728; google_ad_height = 90; //--></script>
                <script type="text/javascript" src="//pagead2.googlesyndication.com/pagead/show_ads.js"></script>"#,
                None,
            ),
            (
                r#"<script src="http://pagead2.googlesyndication.com/pagead/show_ads.js" type="text/javascript"></script>"#,
                None,
            ),
        ],
        &[
            r#"<script type="application/json">{"adTargeting": {"sensitivity": "SHOW_ADS"}}</script>"#,
            r#"<script src="/js/show_ads.js"></script><p>google_ad_client = "ca-pub-0"</p>"#,
        ],
    );
}

#[test]
fn jquery_is_found_in_file_names_without_a_separator_with_a_hash_or_as_a_bundle() {
    shows(
        "jQuery",
        &[
            (r#"<script src="/js/jquery1.3.2.min.js"></script>"#, Some("1.3.2")),
            (r#"<script src="http://media2.example.in/js/jquery.min.1.8.2.js"></script>"#, Some("1.8.2")),
            (r#"<script src="/assets/jquery.min.f9c7afd0.js"></script>"#, None),
            (r#"<script src="/assets/jquery-3.6.0.min.0a1b2c3d4e.js"></script>"#, Some("3.6.0")),
            (
                r#"<script src="/bundles/jquery?v=guGiAVIp0f1T2TxJO-1NYkUT4F2gOxZwD3D5fOxH8tI1"></script>"#,
                None,
            ),
            (r#"<script src="/bundles/jquery"></script>"#, None),
        ],
        &[
            r#"<script src="/js/jquery.cookie.js"></script><script src="/js/jquery.validate.min.js"></script>"#,
            r#"<script src="/js/jquery.facade.js"></script><script src="/bundles/jquerycustomplugins?v=abc"></script>"#,
        ],
    );
}

#[test]
fn google_tag_manager_is_found_from_its_noscript_iframe_alone() {
    shows(
        "Google Tag Manager",
        &[(
            r#"<body><noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-NLXNPCQ" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>"#,
            None,
        )],
        &[
            r#"<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ"></script>"#,
            r#"<a href="https://www.googletagmanager.com/">Tag Manager</a>"#,
        ],
    );
}

#[test]
fn seo_plugins_are_found_from_each_form_of_their_comments() {
    shows(
        "Yoast SEO",
        &[
            (
                "<!-- This site is optimized with the Yoast WordPress SEO plugin v1.7.4 - https://yoast.com/wordpress/plugins/seo/ -->",
                Some("1.7.4"),
            ),
            (
                "<!-- This site is optimized with the Yoast SEO Premium plugin v15.0 (Yoast SEO v15.0) - https://yoast.com/wordpress/plugins/seo/ -->",
                Some("15.0"),
            ),
            (r#"<script type="application/ld+json" class="yoast-schema-graph">{"@graph":[]}</script>"#, None),
        ],
        &["<p>We optimized this site with the Yoast SEO plugin v20 and it helped.</p>"],
    );
    shows(
        "All in One SEO",
        &[
            ("<!-- All in One SEO 4.5.3.1 - aioseo.com -->", Some("4.5.3.1")),
            ("<!-- All in One SEO Pro 4.4.2 - aioseo.com -->", Some("4.4.2")),
            (
                "<!-- All in One SEO Pack 3.3.5 by Michael Torbert of Semper Fi Web Design[208,270] -->",
                Some("3.3.5"),
            ),
            (
                "<!-- All In One SEO Pack 2.2.7.1 by Michael Torbert of Semper Fi Web Design -->",
                Some("2.2.7.1"),
            ),
        ],
        &["<p>All in One SEO 4 is a plugin we reviewed.</p>"],
    );
    assert!(detect("<!-- All in One SEO Pack 3.3.5 by Michael Torbert -->", &[]).is_wordpress);
}

#[test]
fn stripe_and_onetrust_are_found_from_their_script_urls() {
    shows(
        "Stripe",
        &[
            (r#"<script src="https://js.stripe.com/v3/"></script>"#, Some("3")),
            (r#"<script src="https://js.stripe.com/acacia/stripe.js"></script>"#, None),
            (r#"<script src="https://js.stripe.com/basil/stripe.js"></script>"#, None),
            (r#"<script src="https://checkout.stripe.com/checkout.js"></script>"#, None),
        ],
        &[
            r#"<link rel="preconnect" href="https://js.stripe.com/">"#,
            r#"<script src="/js/stripe.js"></script><a href="https://stripe.com/">Pay</a>"#,
        ],
    );
    shows(
        "OneTrust",
        &[
            (
                r#"<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" data-domain-script="0a1b2c3d-0000"></script>"#,
                None,
            ),
            (
                r#"<script src="https://geolocation.onetrust.com/cookieconsentpub/v1/geo/location/dnsfeed" async></script>"#,
                None,
            ),
            (r#"<script src="https://cdn-ukwest.onetrust.com/scripttemplates/otSDKStub.js"></script>"#, None),
            (r#"<script src="/vendor/consent/scripttemplates/otSDKStub.js"></script>"#, None),
            (r#"<script src="https://static.example.org/consent/202401.1.0/otBannerSdk.js"></script>"#, None),
        ],
        &[
            r#"<link rel="preconnect" href="https://geolocation.onetrust.com/">"#,
            r#"<link rel="dns-prefetch" href="//cdn-ukwest.onetrust.com/">"#,
        ],
    );
}

#[test]
fn google_fonts_is_found_from_its_stylesheets_and_fonts_not_from_a_bare_preconnect() {
    shows(
        "Google Fonts",
        &[
            (r#"<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Muli:400,400italic">"#, None),
            (
                r#"<link href="https://fonts.googleapis.com/icon?family=Material+Icons" rel="stylesheet">"#,
                None,
            ),
            (
                r#"<link rel="preload" as="font" href="https://fonts.gstatic.com/s/inter/v13/UcCO3FwrK3iLTeHuS_fvQtMwCp50KnMw2boKoduKmMEVuLyfAZ9hiA.woff2" crossorigin>"#,
                None,
            ),
        ],
        &[
            r#"<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>"#,
            r#"<link rel="preconnect" href="https://fonts.googleapis.com/"><link rel="dns-prefetch" href="//fonts.gstatic.com/">"#,
        ],
    );
}
