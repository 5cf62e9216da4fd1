//! Bot walls as the tests meet them: pages written for these tests in the style of each
//! provider's challenge or block page (status, headers, the markers of their markup), each
//! holding a title, a description and contacts that must never reach a row.

/// A provider's wall: the farm site that answers it and the provider the service must name.
pub struct Wall {
    pub provider: &'static str,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// What a challenge page may show that is not the site's: never stored.
pub const WALL_EMAIL: &str = "abuse@wall-provider.example";
pub const WALL_TITLE: &str = "Just a moment...";

fn contacts() -> String {
    format!(
        r#"<p>Questions? Write to <a href="mailto:{WALL_EMAIL}">{WALL_EMAIL}</a> or call +1 415 555 0100.</p>"#
    )
}

/// One wall per provider of the service's table, and two rate limits (429 and 503).
pub fn every_wall() -> Vec<(&'static str, Wall)> {
    vec![
        (
            "cloudflare-wall.com",
            Wall {
                provider: "Cloudflare",
                status: 403,
                headers: vec![("server", "cloudflare".into()), ("cf-mitigated", "challenge".into())],
                body: format!(
                    r#"<!DOCTYPE html><html lang="en-US"><head><title>{WALL_TITLE}</title>
<meta name="description" content="Checking your browser before accessing the site.">
<meta name="robots" content="noindex,nofollow"></head><body><div class="main-wrapper" role="main">
<h1 class="zone-name-title h1">cloudflare-wall.com</h1><h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
{}</div><script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: "cloudflare-wall.com",cType: 'managed'}};
var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1';}}());</script></body></html>"#,
                    contacts()
                ),
            },
        ),
        (
            "akamai-wall.com",
            Wall {
                provider: "Akamai",
                status: 403,
                headers: vec![("server", "AkamaiGHost".into()), ("mime-version", "1.0".into())],
                body: format!(
                    r#"<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;akamai&#45;wall&#46;com&#47;" on this server.<P>
Reference&#32;&#35;18&#46;a1b2c3d4&#46;1733550000&#46;5e6f7a8b
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;a1b2c3d4&#46;1733550000&#46;5e6f7a8b</P>
{}</BODY>
</HTML>"#,
                    contacts()
                ),
            },
        ),
        (
            "datadome-wall.com",
            Wall {
                provider: "DataDome",
                status: 403,
                headers: vec![("x-datadome", "protected".into()), ("x-dd-b", "1".into())],
                body: format!(
                    r#"<html lang="en"><head><title>datadome-wall.com</title><style>#cmsg{{animation: A 1.5s;}}</style></head>
<body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={{'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1','t':'fe','host':'geo.captcha-delivery.com'}}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>{}</body></html>"#,
                    contacts()
                ),
            },
        ),
        (
            "human-wall.com",
            Wall {
                provider: "HUMAN (PerimeterX)",
                status: 403,
                headers: vec![],
                body: format!(
                    r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Access to this page has been denied</title>
<meta name="description" content="human-wall.com"></head><body>
<section class="container"><div class="page-title-wrapper"><div class="page-title"><h1>Before we continue...</h1></div></div>
<div class="content-wrapper"><div class="content"><p>Press &amp; Hold to confirm you are a human (and not a bot).</p>
<div id="px-captcha"></div></div></div>{}</section>
<script>window._pxAppId = 'PXa1b2c3d4';window._pxJsClientSrc = '/a1b2c3d4/init.js';window._pxHostUrl = '/a1b2c3d4/xhr';</script>
<script src="https://captcha.px-cdn.net/PXa1b2c3d4/captcha.js?a=c&u=1"></script></body></html>"#,
                    contacts()
                ),
            },
        ),
        (
            "sucuri-wall.com",
            Wall {
                provider: "Sucuri",
                status: 403,
                headers: vec![("server", "Sucuri/Cloudproxy".into()), ("x-sucuri-block", "BNP007".into())],
                body: format!(
                    r#"<!DOCTYPE html><html lang="en"><head><title>Sucuri WebSite Firewall - Access Denied</title>
<meta name="description" content="Access denied"></head><body><div id="main-container">
<h1>Access Denied - Sucuri Website Firewall</h1><table><tr><td>Your IP:</td><td>127.0.0.1</td></tr>
<tr><td>URL:</td><td>sucuri-wall.com/</td></tr><tr><td>Block reason:</td><td>Access from your Country was disabled by the administrator.</td></tr></table>
<p>If you are the site owner, <a href="mailto:cloudproxy@sucuri.net">contact us</a>.</p>{}
<footer><a href="https://sucuri.net/privacy-policy">Privacy</a></footer></div></body></html>"#,
                    contacts()
                ),
            },
        ),
        (
            "imperva-wall.com",
            Wall {
                provider: "Imperva",
                status: 403,
                headers: vec![
                    ("x-cdn", "Imperva".into()),
                    ("x-iinfo", "12-345678-0 0NNN RT(1733550000 0)".into()),
                ],
                body: format!(
                    r#"<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW"><title>Imperva block</title>
<meta name="description" content="Request unsuccessful"></head><body style="margin:0px;height:100%">
<iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=9&xinfo=12-345678-0%200NNN%20RT%281733550000%200%29&incident_id=0-123456789&edet=22" frameborder=0 width="100%" height="100%">
Request unsuccessful. Incapsula incident ID: 0-123456789</iframe>{}</body></html>"#,
                    contacts()
                ),
            },
        ),
        (
            "rate-limited.com",
            Wall {
                provider: "Rate limit",
                status: 429,
                headers: vec![("retry-after", "7200".into())],
                body: format!(
                    "<html><head><title>Too Many Requests</title></head><body><h1>Slow down</h1>{}</body></html>",
                    contacts()
                ),
            },
        ),
        (
            "busy-for-hours.com",
            Wall {
                provider: "Rate limit",
                status: 503,
                headers: vec![("retry-after", "10800".into())],
                body: format!(
                    "<html><head><title>Service Unavailable</title></head><body><h1>Back soon</h1>{}</body></html>",
                    contacts()
                ),
            },
        ),
    ]
}
