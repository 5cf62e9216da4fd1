//! What a site answers besides its home page: robots.txt as each platform writes it (or 404,
//! as most hand-written sites answer), and the contact and about pages home pages link to.

use super::catalogue::Origin;
use super::platforms::Platform;

/// The robots.txt of `host`, whose home page came from `origin`; `None` answers 404.
/// WordPress, Shopify, Wix, Squarespace and Drupal sites always have one (the platform writes
/// it); Joomla and Next.js sites half the time; hand-written sites one time in five.
pub fn robots(origin: &Origin, host: &str, domain: usize) -> Option<String> {
    let coin = (domain as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58; // 0..64, spread over domains
    let sitemap = format!("Sitemap: http://{host}/sitemap.xml\n");
    let text = match origin {
        Origin::Lorem => return None,
        Origin::Corpus(_) => format!("User-agent: *\nDisallow: /search\nDisallow: /api/\nDisallow: /*?*utm_\n\nUser-agent: GPTBot\nDisallow: /\n\n{sitemap}"),
        Origin::Generated(Platform::Elementor | Platform::WordPress) => {
            format!("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: http://{host}/wp-sitemap.xml\n")
        }
        Origin::Generated(Platform::Shopify) => {
            let mut text = String::from("# we use Shopify as our ecommerce platform\n\nUser-agent: *\n");
            for path in ["/a/downloads/-/*", "/admin", "/cart", "/orders", "/checkouts/", "/checkout", "/carts", "/account", "/collections/*sort_by*", "/*/collections/*sort_by*", "/collections/*+*", "/collections/*%2B*", "/blogs/*+*", "/*design_theme_id*", "/*preview_theme_id*", "/*preview_script_id*", "/policies/", "/search", "/apple-app-site-association", "/.well-known/shopify/monorail", "/recommendations/products", "/*/recommendations/products"] {
                text.push_str(&format!("Disallow: {path}\n"));
            }
            text.push_str("\nUser-agent: adsbot-google\nDisallow: /checkouts/\nDisallow: /checkout\nDisallow: /carts\nDisallow: /orders\n\nUser-agent: Nutch\nDisallow: /\n\nUser-agent: AhrefsBot\nCrawl-delay: 10\nDisallow: /admin\n\nUser-agent: MJ12bot\nCrawl-Delay: 10\n\nUser-agent: Pinterest\nCrawl-delay: 1\n\n");
            text.push_str(&sitemap);
            text
        }
        Origin::Generated(Platform::Wix) => format!("# By Wix\n\nUser-agent: *\nAllow: /\n\n# Optimization for Google Ads Bot\nUser-agent: AdsBot-Google-Mobile\nUser-agent: AdsBot-Google\nDisallow: /_api/*\nDisallow: /_partials*\nDisallow: /pro-gallery-webapp/v1/galleries/*\n\n# Block PetalBot\nUser-agent: PetalBot\nDisallow: /\n\n# Crawl delay for overly enthusiastic bots\nUser-agent: dotbot\nCrawl-delay: 10\nUser-agent: AhrefsBot\nCrawl-delay: 10\n\n{sitemap}"),
        Origin::Generated(Platform::Squarespace) => format!("# Squarespace Robots Txt\n\nUser-agent: GPTBot\nUser-agent: ChatGPT-User\nUser-agent: CCBot\nDisallow: /\n\nUser-agent: *\nDisallow: /config\nDisallow: /search\nDisallow: /account$\nDisallow: /account/\nDisallow: /commerce/digital-download/\nDisallow: /api/\nAllow: /api/ui-extensions/\nDisallow: /static/\nDisallow: /*?author=*\nDisallow: /*&author=*\nDisallow: /*?tag=*\nDisallow: /*?month=*\nDisallow: /*?view=*\nDisallow: /*?format=json\nDisallow: /*&format=json\nDisallow: /*?reversePaginate=*\n\n{sitemap}"),
        Origin::Generated(Platform::Drupal) => {
            let mut text = String::from("#\n# robots.txt\n#\n# This file is to prevent the crawling and indexing of certain parts\n# of your site by web crawlers and spiders run by sites like Yahoo!\n# and Google.\n\nUser-agent: *\n# CSS, JS, Images\nAllow: /core/*.css$\nAllow: /core/*.js$\nAllow: /profiles/*.png\n");
            for path in ["/core/", "/profiles/", "/README.md", "/composer/Metapackage/README.txt", "/web.config", "/admin/", "/comment/reply/", "/filter/tips", "/node/add/", "/search/", "/user/register", "/user/password", "/user/login", "/user/logout", "/index.php/admin/", "/index.php/comment/reply/", "/index.php/node/add/", "/index.php/search/", "/index.php/user/password", "/index.php/user/register", "/index.php/user/login"] {
                text.push_str(&format!("Disallow: {path}\n"));
            }
            text
        }
        Origin::Generated(Platform::Joomla) if coin < 32 => "User-agent: *\nDisallow: /administrator/\nDisallow: /api/\nDisallow: /bin/\nDisallow: /cache/\nDisallow: /cli/\nDisallow: /components/\nDisallow: /includes/\nDisallow: /installation/\nDisallow: /language/\nDisallow: /layouts/\nDisallow: /libraries/\nDisallow: /logs/\nDisallow: /modules/\nDisallow: /plugins/\nDisallow: /tmp/\n".into(),
        Origin::Generated(Platform::NextJs) if coin < 32 => format!("# *\nUser-agent: *\nAllow: /\n\n# Host\nHost: http://{host}\n\n# Sitemaps\n{sitemap}"),
        Origin::Generated(Platform::Static) if coin < 13 => "User-agent: *\nDisallow: /cgi-bin/\nDisallow: /tmp/\n".into(),
        Origin::Generated(_) => return None,
    };
    Some(text)
}

/// Whether `path` names a contact, about, imprint or legal page, as home pages link them.
pub fn is_contact_path(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    ["contact", "kontakt", "about", "imprint", "impressum", "legal", "contacto", "contatti", "mentions"]
        .iter()
        .any(|word| path.contains(word))
}

/// A small contact page for `host`: a form, an address, an e-mail and a phone number.
pub fn contact_page(host: &str, domain: usize) -> String {
    let site = host.split(':').next().unwrap_or(host);
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Contact us</title><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="canonical" href="/contact/"></head><body><header><a href="/">Home</a> <a href="/about-us/">About</a></header><main><h1>Contact us</h1><p>Questions about an order or a project? Write to <a href="mailto:hello@{site}">hello@{site}</a> or call <a href="tel:+15035550{:03}">+1 503 555 0{:03}</a>, Monday to Friday, 9:00 to 17:00.</p><form method="post" action="/contact/#wpcf7-f5-o1" class="wpcf7-form init" novalidate="novalidate" data-status="init"><p><label>Your name<br><input size="40" class="wpcf7-form-control wpcf7-text wpcf7-validates-as-required" aria-required="true" value="" type="text" name="your-name"></label></p><p><label>Your email<br><input size="40" class="wpcf7-form-control wpcf7-email" value="" type="email" name="your-email"></label></p><p><label>Your message<br><textarea cols="40" rows="10" class="wpcf7-form-control wpcf7-textarea" name="your-message"></textarea></label></p><p><input class="wpcf7-form-control wpcf7-submit has-spinner" type="submit" value="Submit"></p></form><address>12 Main Street<br>Portland, OR 97201</address></main><footer><a href="https://www.facebook.com/site{domain}">Facebook</a> <a href="https://www.linkedin.com/company/site{domain}">LinkedIn</a></footer></body></html>"#,
        domain % 1000,
        domain % 1000
    )
}
