//! What each platform writes before its content and after it: the head (metadata, inline CSS
//! and scripts, generator tags) and the inline state blob (`__NEXT_DATA__`, Wix's warm-up data,
//! Shopify's product meta, Squarespace's context, Elementor's and Drupal's settings).

use super::blocks::Writer;
use super::platforms::Platform;

pub fn head(w: &mut Writer, p: Platform, css: usize, script: usize) {
    let name = w.brand.name.clone();
    let slug = w.brand.slug.clone();
    let tagline = w.phrase(6);
    let description = w.phrase(22);
    w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    w.raw(&format!("<title>{name} – {tagline}</title><meta name=\"description\" content=\"{description}\">"));
    w.raw(&format!(
        "<link rel=\"canonical\" href=\"/\"><meta property=\"og:title\" content=\"{name}\"><meta property=\"og:description\" content=\"{description}\"><meta property=\"og:url\" content=\"/\"><meta property=\"og:type\" content=\"website\"><meta property=\"og:image\" content=\"/images/og-{slug}.jpg\"><meta name=\"twitter:card\" content=\"summary_large_image\">"
    ));
    match p {
        Platform::Elementor | Platform::WordPress => {
            w.raw("<meta name='robots' content='index, follow, max-image-preview:large, max-snippet:-1, max-video-preview:-1' />");
            w.json_ld();
            w.raw("<script>window._wpemojiSettings = {\"baseUrl\":\"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/72x72\\/\",\"ext\":\".png\",\"source\":{\"concatemoji\":\"\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.4.2\"}};");
            w.script_body(script);
            w.raw("</script><style id='global-styles-inline-css'>body{--wp--preset--color--black: #000000;}");
            w.css(css, ".elementor-element.elementor-element-");
            w.raw("</style>");
            let sheets = [
                "wp-block-library",
                "elementor-icons",
                "elementor-frontend",
                "swiper",
                "elementor-post-7",
                "hello-elementor-theme-style",
                "google-fonts-1",
            ];
            let count = if p == Platform::Elementor { sheets.len() } else { 2 };
            for sheet in &sheets[..count] {
                w.raw(&format!("<link rel='stylesheet' id='{sheet}-css' href='/wp-content/plugins/elementor/assets/css/{sheet}.min.css?ver=3.18.3' media='all' />\n"));
            }
            w.raw("<script src=\"/wp-includes/js/jquery/jquery.min.js?ver=3.7.1\" id=\"jquery-core-js\"></script><link rel=\"https://api.w.org/\" href=\"/wp-json/\" /><meta name=\"generator\" content=\"WordPress 6.4.2\" />");
            if p == Platform::Elementor {
                w.raw("<meta name=\"generator\" content=\"Elementor 3.18.3; features: e_dom_optimization, e_optimized_assets_loading, additional_custom_breakpoints; settings: css_print_method-external, google_font-enabled, font_display-swap\">");
            }
            w.raw("<link rel=\"icon\" href=\"/wp-content/uploads/2023/01/cropped-favicon-32x32.png\" sizes=\"32x32\" />");
        }
        Platform::Shopify => {
            w.raw(&format!("<link rel=\"preconnect\" href=\"https://cdn.shopify.com\" crossorigin><link rel=\"icon\" type=\"image/png\" href=\"//{slug}.com/cdn/shop/files/favicon.png?crop=center&height=32&v=1699&width=32\"><script src=\"//{slug}.com/cdn/shop/t/3/assets/constants.js?v=58251544750838685771694014823\" defer=\"defer\"></script><script>window.shopUrl = 'https://{slug}.com';window.Shopify = window.Shopify || {{}};"));
            w.script_body(script);
            w.raw("</script><style data-shopify>");
            w.css(css, "#shopify-section-template--1938__");
            w.raw("</style><meta name=\"shopify-digital-wallet\" content=\"/6242/digital_wallets/dialog\">");
        }
        Platform::Wix => {
            w.raw("<meta name=\"generator\" content=\"Wix.com Website Builder\"/><link rel=\"icon\" sizes=\"192x192\" href=\"https://static.wixstatic.com/media/favicon.png/v1/fill/w_192,h_192,lg_1,usm_0.66_1.00_0.01/favicon.png\" type=\"image/png\"/><script>window.viewerModel = {};");
            w.script_body(script);
            w.raw("</script><style id=\"css_masterPage\">");
            w.css(css, "#comp-");
            w.raw("</style>");
        }
        Platform::Squarespace => {
            w.raw(&format!("<!-- This is Squarespace. --><!-- {slug} --><link rel=\"shortcut icon\" type=\"image/x-icon\" href=\"https://images.squarespace-cdn.com/content/v1/favicon.ico?format=100w\"/><script type=\"text/javascript\" crossorigin=\"anonymous\" defer=\"true\" nomodule=\"nomodule\" src=\"//assets.squarespace.com/@sqs/polyfiller/1.6/legacy.js\"></script><script>"));
            w.script_body(script);
            w.raw("</script><style>");
            w.css(css, "#block-yui_3_17_2_1_");
            w.raw("</style>");
            w.json_ld();
        }
        Platform::Joomla => {
            w.raw("<meta name=\"generator\" content=\"Joomla! - Open Source Content Management\"><link href=\"/templates/protostar/favicon.ico\" rel=\"shortcut icon\" type=\"image/vnd.microsoft.icon\" /><script type=\"application/json\" class=\"joomla-script-options new\">{\"csrf.token\":\"");
            let token = w.hex(32);
            w.raw(&token);
            w.raw("\",\"system.paths\":{\"root\":\"\",\"base\":\"\"}}</script><script src=\"/media/jui/js/jquery.min.js?5f6b1c\"></script><script>");
            w.script_body(script);
            w.raw("</script><style>");
            w.css(css, "#mod-custom");
            w.raw("</style>");
        }
        Platform::Drupal => {
            w.raw("<meta name=\"Generator\" content=\"Drupal 10 (https://www.drupal.org)\" /><meta name=\"MobileOptimized\" content=\"width\" /><link rel=\"icon\" href=\"/themes/custom/site/favicon.ico\" type=\"image/vnd.microsoft.icon\" /><link rel=\"stylesheet\" media=\"all\" href=\"/sites/default/files/css/css_Xq9e.css?delta=0&amp;language=en&amp;theme=olivero\" /><script>");
            w.script_body(script);
            w.raw("</script><style>");
            w.css(css, ".block-");
            w.raw("</style>");
        }
        Platform::NextJs => {
            let build = w.hex(20);
            w.raw(&format!("<meta name=\"next-head-count\" content=\"22\"/><link rel=\"icon\" href=\"/favicon.ico\"/><link rel=\"preload\" href=\"/_next/static/css/{build}.css\" as=\"style\"/><link rel=\"stylesheet\" href=\"/_next/static/css/{build}.css\" data-n-g=\"\"/><style>"));
            w.css(css, ".tw-");
            w.raw("</style><script>");
            w.script_body(script);
            w.raw("</script>");
        }
        Platform::Static => {
            w.raw("<link rel=\"stylesheet\" href=\"style.css\" type=\"text/css\"><link rel=\"shortcut icon\" href=\"favicon.ico\"><style type=\"text/css\">");
            w.css(css, "#box");
            w.raw("</style><script type=\"text/javascript\">");
            w.script_body(script);
            w.raw("</script>");
        }
    }
}

/// The platform's inline state: `__NEXT_DATA__`, Wix's warm-up data, Shopify's product meta,
/// Squarespace's context, Elementor's front-end config, Drupal's and Joomla's settings.
pub fn state_blob(w: &mut Writer, p: Platform, bytes: usize) {
    if bytes < 64 {
        return;
    }
    let (open, keys): (&str, &[&str]) = match p {
        Platform::NextJs => (
            "<script id=\"__NEXT_DATA__\" type=\"application/json\">",
            &[
                "props",
                "pageProps",
                "slug",
                "title",
                "excerpt",
                "image",
                "author",
                "publishedAt",
                "categories",
                "seo",
            ],
        ),
        Platform::Wix => (
            "<script type=\"application/json\" id=\"wix-warmup-data\">",
            &[
                "compId",
                "props",
                "layout",
                "skin",
                "styleId",
                "dataQuery",
                "mediaItem",
                "linkProps",
                "translations",
                "appDefinitionId",
            ],
        ),
        Platform::Shopify => (
            "<script>var meta = ",
            &[
                "id",
                "gid",
                "vendor",
                "type",
                "variants",
                "price",
                "name",
                "public_title",
                "sku",
                "featured_image",
            ],
        ),
        Platform::Squarespace => (
            "<script>Static.SQUARESPACE_CONTEXT = ",
            &[
                "website",
                "collection",
                "itemId",
                "templateId",
                "siteTitle",
                "socialAccounts",
                "tweakJSON",
                "imageMeta",
                "fullUrl",
                "assetUrl",
            ],
        ),
        Platform::Elementor => (
            "<script id=\"elementor-frontend-js-before\">var elementorFrontendConfig = ",
            &[
                "environmentMode",
                "i18n",
                "breakpoints",
                "responsive",
                "version",
                "urls",
                "settings",
                "kit",
                "post",
                "experimentalFeatures",
            ],
        ),
        Platform::Drupal => (
            "<script type=\"application/json\" data-drupal-selector=\"drupal-settings-json\">",
            &[
                "path",
                "baseUrl",
                "currentPath",
                "ajaxPageState",
                "theme",
                "libraries",
                "views",
                "ajaxViews",
                "user",
                "pluralDelimiter",
            ],
        ),
        _ => (
            "<script type=\"application/json\" class=\"settings\">",
            &["path", "user", "lang", "token", "site"],
        ),
    };
    w.raw(open);
    w.json(bytes, keys);
    let close = if open.ends_with('=') || open.ends_with("= ") { ";</script>" } else { "</script>" };
    w.raw(close);
    if p == Platform::NextJs {
        for chunk in ["webpack", "framework", "main", "pages/_app", "pages/index"] {
            let hash = w.hex(16);
            w.raw(&format!("<script src=\"/_next/static/chunks/{chunk}-{hash}.js\" defer=\"\"></script>"));
        }
    }
}
