//! Generated home pages in the shapes that site builders and CMSs give them: the head each
//! platform writes, its wrappers and class soup around every widget, its inline state blob, CSS
//! and scripts, sized to a target.

use rand::Rng;
use rand::rngs::StdRng;

use super::blocks::{Brand, Lang, Writer, nest};
use super::heads::{head, state_blob};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Elementor,
    WordPress,
    Shopify,
    Wix,
    Squarespace,
    Joomla,
    Drupal,
    NextJs,
    Static,
}

impl Platform {
    pub const ALL: [Platform; 9] = [
        Platform::Elementor,
        Platform::WordPress,
        Platform::Shopify,
        Platform::Wix,
        Platform::Squarespace,
        Platform::Joomla,
        Platform::Drupal,
        Platform::NextJs,
        Platform::Static,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Platform::Elementor => "wordpress-elementor",
            Platform::WordPress => "wordpress",
            Platform::Shopify => "shopify",
            Platform::Wix => "wix",
            Platform::Squarespace => "squarespace",
            Platform::Joomla => "joomla",
            Platform::Drupal => "drupal",
            Platform::NextJs => "nextjs",
            Platform::Static => "static",
        }
    }

    /// How common the platform is among sites, and the page size it is most often seen at:
    /// a page of a given size is drawn from the platforms weighted by both.
    pub fn prevalence(self) -> (f64, f64) {
        match self {
            Platform::Elementor => (18.0, 60_000.0),
            Platform::WordPress => (22.0, 40_000.0),
            Platform::Shopify => (9.0, 110_000.0),
            Platform::Wix => (7.0, 180_000.0),
            Platform::Squarespace => (5.0, 70_000.0),
            Platform::Joomla => (4.0, 30_000.0),
            Platform::Drupal => (4.0, 35_000.0),
            Platform::NextJs => (8.0, 80_000.0),
            Platform::Static => (23.0, 12_000.0),
        }
    }

    /// Shares of the page taken by the inline state blob, inline CSS and inline scripts.
    fn shares(self) -> (f64, f64, f64) {
        match self {
            Platform::Elementor => (0.06, 0.15, 0.04),
            Platform::WordPress => (0.03, 0.12, 0.05),
            Platform::Shopify => (0.25, 0.08, 0.08),
            Platform::Wix => (0.45, 0.15, 0.08),
            Platform::Squarespace => (0.20, 0.05, 0.10),
            Platform::Joomla => (0.03, 0.03, 0.03),
            Platform::Drupal => (0.05, 0.02, 0.02),
            Platform::NextJs => (0.35, 0.05, 0.03),
            Platform::Static => (0.0, 0.03, 0.02),
        }
    }

    /// Whether this platform's sites might still be served in a legacy charset.
    pub fn may_be_legacy(self) -> bool {
        matches!(self, Platform::Static | Platform::Joomla | Platform::WordPress | Platform::Drupal)
    }
}

/// Where a page declares its charset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8, declared by `<meta charset>`.
    Utf8,
    /// windows-1252, declared only in the Content-Type header.
    Windows1252Header,
    /// windows-1252, declared only by a `<meta http-equiv>` in the head.
    Windows1252Meta,
}

pub struct Spec {
    pub platform: Platform,
    pub target: usize,
    pub lang: Lang,
    pub charset: Charset,
    pub broken: bool,
    /// Levels of `<div>` around the main content, for the pages that nest absurdly deep.
    pub deep: Option<usize>,
}

/// The page as text (the caller encodes it in the page's charset).
pub fn generate(spec: &Spec, rng: StdRng) -> (String, Brand) {
    let mut w = Writer::new(rng, spec.lang, spec.broken, spec.target);
    let p = spec.platform;
    let (blob, css, script) = p.shares();
    let target = spec.target as f64;
    w.raw("<!DOCTYPE html>\n");
    w.raw(&format!("<html lang=\"{}\"", spec.lang.code()));
    if p == Platform::Wix {
        w.raw(" class=\"\"");
    }
    w.raw("><head>");
    match spec.charset {
        Charset::Utf8 => w.raw("<meta charset=\"utf-8\">"),
        Charset::Windows1252Meta => {
            w.raw("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">")
        }
        Charset::Windows1252Header => {}
    }
    head(&mut w, p, (css * target) as usize, (script * target) as usize);
    let blob_bytes = (blob * target) as usize;
    if matches!(p, Platform::Squarespace | Platform::Shopify) {
        state_blob(&mut w, p, blob_bytes);
    }
    w.raw("</head>");
    body_open(&mut w, p);
    header(&mut w, p);
    let tail = if matches!(p, Platform::Squarespace | Platform::Shopify) { 0 } else { blob_bytes };
    // Sections stop short of the target by what the footer and half a section add.
    let main_end = spec.target.saturating_sub(tail + 4000);
    let sections = |w: &mut Writer| {
        w.raw("<main id=\"main\">");
        while w.len() < main_end {
            section(w, p);
        }
        w.close("main");
    };
    match spec.deep {
        Some(levels) => nest(&mut w, levels, sections),
        None => sections(&mut w),
    }
    footer(&mut w, p);
    if tail > 0 {
        state_blob(&mut w, p, tail);
    }
    w.raw("</body></html>\n");
    (w.out, w.brand)
}

fn body_open(w: &mut Writer, p: Platform) {
    let class = match p {
        Platform::Elementor => {
            "home page-template-default page page-id-7 wp-custom-logo elementor-default elementor-kit-5 elementor-page elementor-page-7 e--ua-blink e--ua-chrome e--ua-webkit"
        }
        Platform::WordPress => {
            "home page-template-default page page-id-2 wp-embed-responsive is-light-theme has-background-white singular"
        }
        Platform::Shopify => "gradient template-index",
        Platform::Wix => "",
        Platform::Squarespace => {
            "header-overlay-alignment-center tweak-social-icons-style-regular tweak-blog-list-style-stacked homepage"
        }
        Platform::Joomla => "site com_content view-featured no-layout no-task itemid-101",
        Platform::Drupal => "path-frontpage page-node-type-page",
        Platform::NextJs => "antialiased font-sans text-gray-900 bg-white",
        Platform::Static => "",
    };
    w.raw("<body");
    if !class.is_empty() {
        w.attr("class", class);
    }
    w.raw(">");
    if p == Platform::Wix {
        w.raw("<div id=\"SITE_CONTAINER\"><div id=\"main_MF\" class=\"main_MF\"><div id=\"site-root\" class=\"site-root\"><div id=\"masterPage\" class=\"mesh-layout\">");
    }
    if p == Platform::NextJs {
        w.raw("<div id=\"__next\">");
    }
}

fn header(w: &mut Writer, p: Platform) {
    let (name, slug) = (w.brand.name.clone(), w.brand.slug.clone());
    w.raw("<header id=\"site-header\" class=\"site-header\">");
    w.raw(&format!("<a href=\"/\" class=\"custom-logo-link\" rel=\"home\"><img src=\"/images/logo-{slug}.png\" class=\"custom-logo\" alt=\"{name}\" width=\"300\" height=\"80\"></a><nav aria-label=\"Primary\"><ul class=\"menu\">"));
    let links = w.rng.random_range(4..(5 + w.out.capacity() / 4000).min(30));
    for n in 0..links {
        let label = w.phrase(2);
        w.raw(&format!("<li class=\"menu-item menu-item-type-post_type menu-item-object-page menu-item-{n}\"><a href=\"/{}-{n}/\">{label}", label.len()));
        w.close("a");
        w.close("li");
    }
    w.raw("</ul></nav>");
    if p != Platform::Static {
        w.icon("icon icon-search");
        w.icon("icon icon-cart");
    }
    w.close("header");
}

/// Opens the wrappers a platform puts around one widget and returns how many to close.
fn widget_open(w: &mut Writer, p: Platform) -> usize {
    match p {
        Platform::Elementor => {
            let (a, b) = (w.hex(7), w.hex(7));
            w.raw(&format!("<div class=\"elementor-column elementor-col-33 elementor-top-column elementor-element elementor-element-{a}\" data-id=\"{a}\" data-element_type=\"column\" data-settings=\"{{&quot;background_background&quot;:&quot;classic&quot;,&quot;animation&quot;:&quot;fadeInUp&quot;}}\"><div class=\"elementor-widget-wrap elementor-element-populated\"><div class=\"elementor-element elementor-element-{b} elementor-widget elementor-widget-text-editor\" data-id=\"{b}\" data-element_type=\"widget\" data-widget_type=\"text-editor.default\"><div class=\"elementor-widget-container\">"));
            4
        }
        Platform::Wix => {
            let (a, b) = (w.hex(8), w.hex(8));
            w.raw(&format!("<div id=\"comp-{a}\" class=\"comp-{a} wixui-column-strip__column\"><div data-mesh-id=\"comp-{a}inlineContent\" data-testid=\"inline-content\" class=\"\"><div data-mesh-id=\"comp-{a}inlineContent-gridContainer\" data-testid=\"mesh-container-content\"><div id=\"comp-{b}\" class=\"KcpHeO tz5f0K comp-{b} wixui-rich-text\" data-testid=\"richTextElement\">"));
            4
        }
        Platform::Squarespace => {
            let id = w.rng.random_range(100_000_000_000u64..999_999_999_999);
            w.raw(&format!("<div class=\"fe-block fe-block-yui_3_17_2_1_{id}\"><div class=\"sqs-block html-block sqs-block-html\" data-blend-mode=\"NORMAL\" data-block-type=\"2\" data-border-radii=\"&#123;&quot;topLeft&quot;:&#123;&quot;unit&quot;:&quot;px&quot;,&quot;value&quot;:0.0&#125;&#125;\" id=\"block-yui_3_17_2_1_{id}\"><div class=\"sqs-block-content\">"));
            3
        }
        Platform::Shopify => {
            w.raw("<div class=\"card-wrapper product-card-wrapper underline-links-hover\"><div class=\"card card--standard card--media\" style=\"--ratio-percent: 100.0%;\"><div class=\"card__content\">");
            3
        }
        Platform::NextJs => {
            w.raw("<div class=\"relative flex flex-col gap-y-4 rounded-2xl bg-white p-6 shadow-sm ring-1 ring-gray-900/5 sm:p-8 lg:col-span-1\"><div class=\"mt-4 text-base leading-7 text-gray-600 max-w-prose\">");
            2
        }
        Platform::Drupal => {
            w.raw("<div class=\"views-row\"><article role=\"article\" class=\"node node--type-article node--promoted node--view-mode-teaser\"><div class=\"node__content clearfix\">");
            3
        }
        Platform::WordPress => {
            w.raw("<div class=\"wp-block-column is-layout-flow wp-block-column-is-layout-flow\">");
            1
        }
        Platform::Joomla => {
            w.raw("<div class=\"moduletable\">");
            1
        }
        Platform::Static => 0,
    }
}

fn widget_close(w: &mut Writer, p: Platform, count: usize) {
    for n in 0..count {
        w.close(if p == Platform::Drupal && n == 1 { "article" } else { "div" });
    }
}

fn section(w: &mut Writer, p: Platform) {
    let id = w.hex(7);
    let table = p == Platform::Static && w.rng.random_bool(0.4);
    match p {
        Platform::Elementor => w.raw(&format!("<section class=\"elementor-section elementor-top-section elementor-element elementor-element-{id} elementor-section-boxed elementor-section-height-default\" data-id=\"{id}\" data-element_type=\"section\"><div class=\"elementor-container elementor-column-gap-default\">")),
        Platform::Wix => w.raw(&format!("<section id=\"comp-{id}\" tabindex=\"-1\" class=\"Oqnisf comp-{id} wixui-section\" data-block-level-container=\"ClassicSection\"><div id=\"bgLayers_comp-{id}\" data-hook=\"bgLayers\" class=\"MW5IWV\"><div data-testid=\"colorUnderlay\" class=\"LWbAav Kv1aVt\"></div></div><div data-testid=\"columns\" class=\"V5AUxf\">")),
        Platform::Squarespace => w.raw(&format!("<section data-test=\"page-section\" data-section-theme=\"light\" class=\"page-section layout-engine-section background-width--full-bleed section-height--medium content-width--wide horizontal-alignment--center vertical-alignment--middle light\" data-section-id=\"{id}\" data-controller=\"SectionWrapperController\" data-current-styles=\"{{&quot;imageOverlayOpacity&quot;: 0.15, &quot;sectionHeight&quot;: &quot;medium&quot;}}\" data-animation=\"none\"><div class=\"section-border\"><div class=\"section-background\"></div></div><div class=\"content-wrapper\"><div class=\"content\">")),
        Platform::Shopify => w.raw(&format!("<div id=\"shopify-section-template--1938__{id}\" class=\"shopify-section section\"><div class=\"page-width section-template--1938__{id}-padding\"><ul class=\"grid product-grid contains-card--product grid--4-col-desktop grid--2-col-tablet-down\" role=\"list\">")),
        Platform::NextJs => w.raw("<section class=\"mx-auto max-w-7xl px-6 py-24 sm:py-32 lg:px-8\"><div class=\"mx-auto grid max-w-2xl grid-cols-1 gap-x-8 gap-y-16 sm:gap-y-20 lg:mx-0 lg:max-w-none lg:grid-cols-3\">"),
        Platform::Drupal => w.raw(&format!("<div class=\"views-element-container block block-views block-views-block-frontpage-{id}\"><div class=\"view view-frontpage view-id-frontpage js-view-dom-id-{id}\">")),
        Platform::WordPress => w.raw("<div class=\"wp-block-group alignfull has-base-background-color has-background is-layout-constrained wp-block-group-is-layout-constrained\"><div class=\"wp-block-columns is-layout-flex wp-container-core-columns-is-layout-1 wp-block-columns-is-layout-flex\">"),
        Platform::Joomla => w.raw("<div class=\"row-fluid\"><div class=\"span12\">"),
        Platform::Static if table => w.raw("<table width=\"100%\" border=\"0\" cellpadding=\"4\"><tr><td valign=\"top\">"),
        Platform::Static => w.raw("<div class=\"box\"><div>"),
    }
    let heading = w.phrase(5);
    w.raw(&format!("<h2 class=\"section-title\">{heading}</h2>"));
    if w.rng.random_bool(0.05) {
        let bytes = w.rng.random_range(3_000..30_000);
        w.illustration(bytes);
    }
    for _ in 0..w.rng.random_range(2..5) {
        if p == Platform::Shopify {
            w.raw("<li class=\"grid__item scroll-trigger animate--slide-in\" data-cascade style=\"--animation-order: 1;\">");
        }
        let wrappers = widget_open(w, p);
        widget(w, p);
        widget_close(w, p, wrappers);
        if p == Platform::Shopify {
            w.close("li");
        }
    }
    match p {
        Platform::Elementor | Platform::WordPress | Platform::Joomla | Platform::Drupal => {
            w.close("div");
            w.close(if p == Platform::Elementor { "section" } else { "div" });
        }
        Platform::Wix | Platform::NextJs => {
            w.close("div");
            w.close("section");
        }
        Platform::Squarespace => {
            w.raw("</div></div>");
            w.close("section");
        }
        Platform::Shopify => w.raw("</ul></div></div>"),
        Platform::Static => w.raw(if table { "</td></tr></table>" } else { "</div></div>" }),
    }
}

/// One widget's content: a card with an icon, an image, a title and running text.
fn widget(w: &mut Writer, p: Platform) {
    let slug = w.brand.slug.clone();
    let file = w.hex(10);
    let alt = w.phrase(4);
    if p == Platform::Shopify {
        w.raw("<div class=\"card__media\"><div class=\"media media--transparent media--hover-effect\"><img srcset=\"");
        for width in [165, 360, 533, 720, 940, 1066] {
            w.raw(&format!("//{slug}.com/cdn/shop/files/{file}.jpg?v=1699871539&width={width} {width}w, "));
        }
        w.raw(&format!("//{slug}.com/cdn/shop/files/{file}.jpg?v=1699871539 1200w\" src=\"//{slug}.com/cdn/shop/files/{file}.jpg?v=1699871539&width=533\" sizes=\"(min-width: 1200px) 267px, (min-width: 990px) calc((100vw - 130px) / 4), (min-width: 750px) calc((100vw - 120px) / 3), calc((100vw - 35px) / 2)\" alt=\"{alt}\" class=\"motion-reduce\" loading=\"lazy\" width=\"1200\" height=\"1200\"></div></div>"));
        let price = w.rng.random_range(900..25_000);
        w.raw(&format!("<h3 class=\"card__heading h5\"><a href=\"/products/{file}\" class=\"full-unstyled-link\">{alt}</a></h3><div class=\"price\"><span class=\"price-item price-item--regular\">${}.{:02} USD</span></div>", price / 100, price % 100));
        return;
    }
    if w.rng.random_bool(0.5) && p != Platform::Static {
        w.icon("e-font-icon-svg e-fas-check");
    }
    if w.rng.random_bool(0.6) {
        w.raw("<img");
        w.attr("src", &format!("/wp-content/uploads/2023/05/{file}-1024x683.jpg"));
        if p != Platform::Static {
            w.raw(&format!(" srcset=\"/wp-content/uploads/2023/05/{file}-1024x683.jpg 1024w, /wp-content/uploads/2023/05/{file}-300x200.jpg 300w, /wp-content/uploads/2023/05/{file}-768x512.jpg 768w\" sizes=\"(max-width: 800px) 100vw, 800px\" loading=\"lazy\" decoding=\"async\""));
        }
        w.attr("width", "800");
        w.attr("height", "533");
        w.raw(&format!(" alt=\"{alt}\">"));
    }
    let title = w.phrase(4);
    w.raw(&format!("<h3>{title}</h3><p>"));
    if p == Platform::Static && w.rng.random_bool(0.3) {
        w.raw("<font face=\"Arial\" size=\"2\">");
        let count = w.rng.random_range(25..90);
        w.words(count);
        w.close("font");
    } else {
        let count = w.rng.random_range(25..90);
        w.words(count);
    }
    w.close("p");
    let label = w.phrase(2);
    w.raw("<a");
    w.attr("href", &format!("/services/{file}/"));
    w.attr("class", "button");
    w.raw(&format!(">{label}"));
    w.close("a");
}

fn footer(w: &mut Writer, p: Platform) {
    let name = w.brand.name.clone();
    w.raw("<footer id=\"colophon\" class=\"site-footer\"><div class=\"footer-widgets\">");
    w.contacts();
    w.raw(&format!("<p class=\"copyright\">&copy; 2024 {name}. "));
    w.words(12);
    w.raw("</p></div></footer>");
    match p {
        Platform::Wix => w.raw("</div></div></div></div>"),
        Platform::NextJs => w.raw("</div>"),
        _ => {}
    }
}
