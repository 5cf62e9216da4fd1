//! Technology detection: a short declarative table of evidence per technology (generator meta,
//! script and link URLs, HTML fragments, headers), with the version where the page shows it.
//! WordPress's version comes only from the generator meta: security plugins rewrite `?ver=` on
//! core assets.

use std::sync::LazyLock;

use entity::{Metadata, Technology};
use regex::Regex;

use super::Document;

struct Rule {
    name: &'static str,
    categories: &'static [&'static str],
    generator: Option<&'static str>,
    asset: Option<&'static str>,
    html: Option<&'static str>,
    header: Option<(&'static str, &'static str)>,
    implies: &'static [&'static str],
}

const fn rule(name: &'static str, categories: &'static [&'static str]) -> Rule {
    Rule { name, categories, generator: None, asset: None, html: None, header: None, implies: &[] }
}

/// Each pattern may capture the version as its first group.
/// A rule with its generator, asset and markup patterns compiled.
type CompiledRule = (Rule, Option<Regex>, Option<Regex>, Option<Regex>);

static RULES: LazyLock<Vec<CompiledRule>> = LazyLock::new(|| {
    let rules = vec![
        Rule {
            generator: Some(r"(?i)^wordpress ?([\d.]+)?"),
            asset: Some(r"/wp-(?:content|includes)/()"),
            ..rule("WordPress", &["CMS", "Blogs"])
        },
        Rule {
            generator: Some(r"(?i)elementor ?([\d.]+)?"),
            asset: Some(r"/elementor(?:-pro)?/.*?(?:ver=([\d.]+))?$"),
            html: Some(r#"class="[^"]*elementor-"#),
            implies: &["WordPress"],
            ..rule("Elementor", &["Page builders"])
        },
        Rule {
            asset: Some(r"/woocommerce/.*?(?:ver=([\d.]+))?$"),
            generator: Some(r"(?i)woocommerce ?([\d.]+)?"),
            implies: &["WordPress"],
            ..rule("WooCommerce", &["Ecommerce"])
        },
        Rule {
            html: Some(r"(?i)<!-- This site is optimized with the Yoast SEO(?: Premium)? plugin v?([\d.]+)?"),
            asset: Some(r"/wordpress-seo/()"),
            implies: &["WordPress"],
            ..rule("Yoast SEO", &["SEO"])
        },
        Rule {
            asset: Some(r"/contact-form-7/.*?(?:ver=([\d.]+))?$"),
            implies: &["WordPress"],
            ..rule("Contact Form 7", &["Forms"])
        },
        Rule {
            asset: Some(r"jquery[.-]?([\d]+\.[\d.]+)?(?:\.min)?\.js"),
            ..rule("jQuery", &["JavaScript libraries"])
        },
        Rule {
            asset: Some(r"googletagmanager\.com/gtag/js|google-analytics\.com/(?:analytics|ga)\.js()"),
            ..rule("Google Analytics", &["Analytics"])
        },
        Rule {
            asset: Some(r"googletagmanager\.com/gtm\.js()"),
            html: Some(r"googletagmanager\.com/gtm\.js()"),
            ..rule("Google Tag Manager", &["Tag managers"])
        },
        Rule {
            html: Some(r"connect\.facebook\.net/[^/]+/fbevents\.js()"),
            ..rule("Facebook Pixel", &["Analytics"])
        },
        Rule {
            asset: Some(r"cdn\.shopify\.com()"),
            header: Some(("x-shopid", "")),
            ..rule("Shopify", &["Ecommerce"])
        },
        Rule {
            generator: Some(r"(?i)^wix\.com"),
            asset: Some(r"static\.parastorage\.com()"),
            ..rule("Wix", &["CMS"])
        },
        Rule {
            generator: Some(r"(?i)^squarespace"),
            asset: Some(r"squarespace(?:-cdn)?\.com()"),
            ..rule("Squarespace", &["CMS"])
        },
        Rule { generator: Some(r"(?i)^joomla!? ?([\d.]+)?"), ..rule("Joomla", &["CMS"]) },
        Rule {
            generator: Some(r"(?i)^drupal ?([\d.]+)?"),
            header: Some(("x-generator", "(?i)drupal")),
            ..rule("Drupal", &["CMS"])
        },
        Rule {
            asset: Some(r"bootstrap(?:\.bundle)?[.-]?([\d]+\.[\d.]+)?(?:\.min)?\.(?:js|css)"),
            ..rule("Bootstrap", &["UI frameworks"])
        },
        Rule {
            asset: Some(r"font-?awesome[^\s]*?([\d]+\.[\d.]+)?"),
            ..rule("Font Awesome", &["Font scripts"])
        },
        Rule { asset: Some(r"fonts\.googleapis\.com()"), ..rule("Google Fonts", &["Font scripts"]) },
        Rule { html: Some(r"static\.hotjar\.com()"), ..rule("Hotjar", &["Analytics"]) },
        Rule { asset: Some(r"google\.com/recaptcha/()"), ..rule("reCAPTCHA", &["Security"]) },
        Rule { header: Some(("server", "(?i)^cloudflare")), ..rule("Cloudflare", &["CDN"]) },
        Rule {
            html: Some(r#"data-reactroot|react(?:-dom)?(?:\.production)?(?:\.min)?\.js()"#),
            ..rule("React", &["JavaScript frameworks"])
        },
        Rule {
            asset: Some(r"vue(?:\.runtime)?(?:\.global)?(?:\.prod)?(?:\.min)?\.js()"),
            html: Some(r"data-v-[0-9a-f]{8}()"),
            ..rule("Vue.js", &["JavaScript frameworks"])
        },
        Rule {
            html: Some(r#"id="__NEXT_DATA__"|/_next/static/()"#),
            implies: &["React"],
            ..rule("Next.js", &["Web frameworks"])
        },
        Rule {
            html: Some(r#"id="__nuxt"|/_nuxt/()"#),
            implies: &["Vue.js"],
            ..rule("Nuxt.js", &["Web frameworks"])
        },
        Rule {
            asset: Some(r"js\.hs-scripts\.com|js\.hsforms\.net()"),
            ..rule("HubSpot", &["Marketing automation"])
        },
        Rule { generator: Some(r"(?i)^webflow"), html: Some(r"data-wf-page()"), ..rule("Webflow", &["CMS"]) },
        Rule { generator: Some(r"(?i)^ghost ?([\d.]+)?"), ..rule("Ghost", &["CMS", "Blogs"]) },
        Rule {
            generator: Some(r"(?i)^prestashop"),
            html: Some(r"var prestashop =()"),
            ..rule("PrestaShop", &["Ecommerce"])
        },
        Rule {
            html: Some(r"Mage\.Cookies|/static/version\d+/frontend/()"),
            ..rule("Magento", &["Ecommerce"])
        },
    ];
    rules
        .into_iter()
        .map(|rule| {
            let compile = |pattern: Option<&str>| pattern.and_then(|p| Regex::new(p).ok());
            let (generator, asset, html) = (compile(rule.generator), compile(rule.asset), compile(rule.html));
            (rule, generator, asset, html)
        })
        .collect()
});

pub(super) fn fill(document: &Document<'_>, metadata: &mut Metadata) {
    let generator = document.meta.get("generator").map(String::as_str).unwrap_or("");
    let assets: Vec<&str> = document
        .elements
        .scripts
        .iter()
        .filter_map(|e| e.value().attr("src"))
        .chain(document.elements.links.iter().filter_map(|e| e.value().attr("href")))
        .collect();
    let mut found: Vec<Technology> = Vec::new();
    let add =
        |name: &str, categories: &[&str], version: Option<String>, found: &mut Vec<Technology>| match found
            .iter_mut()
            .find(|t| t.name == name)
        {
            Some(existing) => {
                if existing.version.is_none() {
                    existing.version = version;
                }
            }
            None => found.push(Technology {
                name: name.to_owned(),
                version,
                categories: categories.iter().map(|c| c.to_string()).collect(),
            }),
        };
    let version_of = |captures: regex::Captures<'_>| {
        captures.get(1).map(|m| m.as_str().to_owned()).filter(|v| !v.is_empty())
    };
    for (rule, generator_re, asset_re, html_re) in RULES.iter() {
        let mut hit: Option<Option<String>> = None;
        if let Some(c) = generator_re.as_ref().and_then(|re| re.captures(generator)) {
            hit = Some(version_of(c));
        }
        if let Some(re) = asset_re {
            for asset in &assets {
                if let Some(c) = re.captures(asset) {
                    let version = if rule.name == "WordPress" { None } else { version_of(c) };
                    hit = Some(hit.flatten().or(version));
                    break;
                }
            }
        }
        if hit.is_none()
            && let Some(c) = html_re.as_ref().and_then(|re| re.captures(document.raw))
        {
            hit = Some(version_of(c));
        }
        if let Some((name, pattern)) = rule.header {
            let value = document.headers.get(name).and_then(|v| v.to_str().ok());
            if value.is_some_and(|v| pattern.is_empty() || Regex::new(pattern).is_ok_and(|re| re.is_match(v)))
            {
                hit = Some(hit.flatten());
            }
        }
        if let Some(version) = hit {
            add(rule.name, rule.categories, version, &mut found);
            for implied in rule.implies {
                let categories = RULES
                    .iter()
                    .find(|(r, ..)| r.name == *implied)
                    .map(|(r, ..)| r.categories)
                    .unwrap_or(&[]);
                add(implied, categories, None, &mut found);
            }
        }
    }
    metadata.is_wordpress = found.iter().any(|t| t.name == "WordPress");
    metadata.has_elementor = found.iter().any(|t| t.name == "Elementor");
    metadata.wordpress_version = found.iter().find(|t| t.name == "WordPress").and_then(|t| t.version.clone());
    metadata.tech_stack = found;
}
