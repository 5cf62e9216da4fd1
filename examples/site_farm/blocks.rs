//! The pieces real home pages are made of, written into one growing page: text in a few
//! languages, inline SVG icons, JSON state blobs, minified scripts, inline CSS, and the damage
//! hand-edited pages carry (end tags left out, stray `</div>`, attribute values without quotes).

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// The language of a page's text; every word is in windows-1252, so any page can be re-encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    It,
    Nl,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en-US",
            Lang::De => "de-DE",
            Lang::Fr => "fr-FR",
            Lang::Es => "es-ES",
            Lang::It => "it-IT",
            Lang::Nl => "nl-NL",
        }
    }

    /// The words of running text, separated by spaces.
    fn vocabulary(self) -> &'static str {
        match self {
            Lang::En => {
                "we our team quality service customers your home and the for with since family owned local best price free estimate today call us projects experience years professional trusted solutions design build repair garden kitchen roof clinic care studio shop new collection order online delivery support learn more about what clients say work from every detail matters it's don't café résumé — &amp;"
            }
            Lang::De => {
                "wir sind Ihr Partner für Qualität und Service seit Jahren in der Region Beratung Angebot kostenlos Handwerk Küche Bäder Straße Größe über uns Kontakt Öffnungszeiten Termin vereinbaren mehr erfahren"
            }
            Lang::Fr => {
                "nous sommes votre partenaire qualité et service depuis années à la région devis gratuit artisan cuisine été très où équipe découvrir nos créations français prêt contactez-nous boutique élégance"
            }
            Lang::Es => {
                "somos su empresa de confianza calidad y servicio desde años en la región presupuesto gratis diseño cocina baños más información contáctenos señor mañana niños tienda envío atención"
            }
            Lang::It => {
                "siamo la vostra azienda di fiducia qualità e servizio dal anni nella regione preventivo gratuito cucina città perché più novità contattaci negozio spedizione caffè così"
            }
            Lang::Nl => {
                "wij zijn uw partner voor kwaliteit en service al jaren in de regio offerte gratis keuken badkamer meer informatie neem contact op winkel bezorging café één ideeën"
            }
        }
    }
}

/// Who a generated site belongs to: the name and contacts its page shows.
pub struct Brand {
    pub name: String,
    pub slug: String,
    pub phone: String,
    pub city: &'static str,
}

const FIRST: [&str; 24] = [
    "Harbor", "Summit", "Oak", "Blue", "Golden", "Pine", "River", "Stone", "Maple", "Bright", "Urban",
    "Cedar", "North", "Silver", "Green", "Iron", "Sunny", "Alpine", "Coastal", "Royal", "Little", "Prairie",
    "Metro", "Old",
];
const SECOND: [&str; 20] = [
    "Roofing",
    "Dental",
    "Bakery",
    "Studio",
    "Plumbing",
    "Law",
    "Yoga",
    "Coffee",
    "Garden",
    "Auto",
    "Boutique",
    "Realty",
    "Fitness",
    "Design",
    "Electric",
    "Pets",
    "Clinic",
    "Kitchen",
    "Outfitters",
    "Books",
];
const CITIES: [&str; 12] = [
    "Portland", "Austin", "Denver", "Leeds", "München", "Lyon", "Sevilla", "Bologna", "Utrecht", "Québec",
    "Brighton", "Zürich",
];

impl Brand {
    pub fn new(rng: &mut StdRng) -> Brand {
        let first = *FIRST.choose(rng).unwrap_or(&"Harbor");
        let second = *SECOND.choose(rng).unwrap_or(&"Studio");
        let number: u16 = rng.random_range(1..1000);
        Brand {
            name: format!("{first} {second}"),
            slug: format!("{}{}{number}", first.to_lowercase(), second.to_lowercase()),
            phone: format!("+1 (503) 555-{:04}", rng.random_range(0..10_000)),
            city: CITIES.choose(rng).unwrap_or(&"Portland"),
        }
    }
}

/// A page being written, with its own seeded randomness.
pub struct Writer {
    pub out: String,
    pub rng: StdRng,
    pub lang: Lang,
    pub brand: Brand,
    vocabulary: Vec<&'static str>,
    /// Hand-edited damage: end tags left out, stray end tags, unquoted attribute values.
    pub broken: bool,
}

impl Writer {
    pub fn new(mut rng: StdRng, lang: Lang, broken: bool, capacity: usize) -> Writer {
        let brand = Brand::new(&mut rng);
        let vocabulary = lang.vocabulary().split(' ').collect();
        Writer { out: String::with_capacity(capacity + 4096), rng, lang, brand, vocabulary, broken }
    }

    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// An end tag; a broken page sometimes leaves it out, or adds a stray `</div>`.
    pub fn close(&mut self, tag: &str) {
        if self.broken {
            let roll: f64 = self.rng.random();
            if roll < 0.06 && matches!(tag, "p" | "li" | "div" | "span" | "a" | "td" | "tr" | "font") {
                return;
            }
            if roll > 0.985 {
                self.out.push_str("</div>");
            }
        }
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// ` name="value"`, or ` name=value` now and then on a broken page.
    pub fn attr(&mut self, name: &str, value: &str) {
        let bare = self.broken
            && !value.is_empty()
            && !value.contains([' ', '"', '\'', '>', '='])
            && self.rng.random_bool(0.4);
        self.out.push(' ');
        self.out.push_str(name);
        if bare {
            self.out.push('=');
            self.out.push_str(value);
        } else {
            self.out.push_str("=\"");
            self.out.push_str(value);
            self.out.push('"');
        }
    }

    /// A random identifier of `len` hex digits, like page builders give elements.
    pub fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from_digit(self.rng.random_range(0..16), 16).unwrap_or('0')).collect()
    }

    /// `count` words of running text, with capitals, commas, full stops and a few entities.
    pub fn words(&mut self, count: usize) {
        let mut start = true;
        for n in 0..count {
            let word = *self.vocabulary.choose(&mut self.rng).unwrap_or(&"and");
            if n > 0 {
                self.out.push_str(if self.rng.random_bool(0.01) { "&nbsp;" } else { " " });
            }
            if start {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    self.out.extend(first.to_uppercase());
                    self.out.push_str(chars.as_str());
                }
            } else {
                self.out.push_str(word);
            }
            start = false;
            let roll: f64 = self.rng.random();
            if roll < 0.08 {
                self.out.push('.');
                start = true;
            } else if roll < 0.14 {
                self.out.push(',');
            }
        }
        if !self.out.ends_with('.') {
            self.out.push('.');
        }
    }

    /// A short text, returned rather than written (titles, alt texts, JSON strings).
    pub fn phrase(&mut self, count: usize) -> String {
        let picked: Vec<&str> = (0..count)
            .map(|_| *self.vocabulary.choose(&mut self.rng).unwrap_or(&"and"))
            .filter(|w| *w != "&amp;")
            .collect();
        let mut text = picked.join(" ");
        if let Some(first) = text.get(..1) {
            let upper = first.to_uppercase();
            text.replace_range(..1, &upper);
        }
        text
    }

    /// A social or interface icon as inline SVG, as icon fonts' SVG mode and themes emit them.
    pub fn icon(&mut self, class: &str) {
        let paths = [
            "M504 256C504 119 393 8 256 8S8 119 8 256c0 123.78 90.69 226.38 209.25 245V327.69h-63V256h63v-54.64c0-62.15 37-96.48 93.67-96.48 27.14 0 55.52 4.84 55.52 4.84v61h-31.28c-30.8 0-40.41 19.12-40.41 38.73V256h68.78l-11 71.69h-57.78V501C413.31 482.38 504 379.78 504 256z",
            "M224.1 141c-63.6 0-114.9 51.3-114.9 114.9s51.3 114.9 114.9 114.9S339 319.5 339 255.9 287.7 141 224.1 141zm0 189.6c-41.1 0-74.7-33.5-74.7-74.7s33.5-74.7 74.7-74.7 74.7 33.5 74.7 74.7-33.6 74.7-74.7 74.7zm146.4-194.3c0 14.9-12 26.8-26.8 26.8-14.9 0-26.8-12-26.8-26.8s12-26.8 26.8-26.8 26.8 12 26.8 26.8z",
            "M21 21l-6-6m2-5a7 7 0 11-14 0 7 7 0 0114 0z",
            "M16 11V7a4 4 0 00-8 0v4M5 9h14l1 12H4L5 9z",
            "M3 5a2 2 0 012-2h3.28a1 1 0 01.948.684l1.498 4.493a1 1 0 01-.502 1.21l-2.257 1.13a11.042 11.042 0 005.516 5.516l1.13-2.257a1 1 0 011.21-.502l4.493 1.498a1 1 0 01.684.949V19a2 2 0 01-2 2h-1C9.716 21 3 14.284 3 6V5z",
        ];
        let path = *paths.choose(&mut self.rng).unwrap_or(&paths[0]);
        self.out.push_str(&format!(
            r#"<svg aria-hidden="true" class="{class}" viewBox="0 0 512 512" xmlns="http://www.w3.org/2000/svg"><path d="{path}"></path></svg>"#
        ));
    }

    /// A drawn illustration or logo as one large inline SVG of about `bytes`.
    pub fn illustration(&mut self, bytes: usize) {
        let end = self.out.len() + bytes;
        self.out.push_str(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 800" fill="none" role="img">"#,
        );
        while self.out.len() < end {
            let colour = self.hex(6);
            self.out.push_str(&format!(r##"<path fill="#{colour}" d="M"##));
            let points = self.rng.random_range(8..40);
            for n in 0..points {
                let (x, y): (f32, f32) =
                    (self.rng.random_range(0.0..1200.0), self.rng.random_range(0.0..800.0));
                let command = if n % 3 == 0 { "c" } else { " " };
                self.out.push_str(&format!("{command}{x:.2} {y:.2}"));
            }
            self.out.push_str(r#"z"></path>"#);
        }
        self.out.push_str("</svg>");
    }

    /// Inline CSS rules of about `bytes`, keyed by generated element ids as page builders write.
    pub fn css(&mut self, bytes: usize, prefix: &str) {
        let end = self.out.len() + bytes;
        let properties = [
            "color:#1a1a1a",
            "font-family:\"Poppins\",Sans-serif",
            "font-size:42px",
            "font-weight:600",
            "line-height:1.2em",
            "margin:0px 0px 20px 0px",
            "padding:60px 0px 60px 0px",
            "background-color:#F4F1EC",
            "border-radius:8px 8px 8px 8px",
            "--e-con-grid-template-columns:repeat(3, 1fr)",
            "display:flex",
            "box-shadow:0px 10px 30px 0px rgba(0,0,0,0.08)",
            "transition:background 0.3s",
        ];
        while self.out.len() < end {
            let id = self.hex(7);
            self.out.push_str(&format!("{prefix}{id}{{"));
            for _ in 0..self.rng.random_range(2..6) {
                let property = *properties.choose(&mut self.rng).unwrap_or(&properties[0]);
                self.out.push_str(property);
                self.out.push(';');
            }
            self.out.push('}');
            if self.rng.random_bool(0.15) {
                self.out.push_str("@media(max-width:767px){");
                self.out.push_str(&format!("{prefix}{id}{{font-size:28px;padding:30px 10px}}}}"));
            }
        }
    }

    /// Minified script of about `bytes` (bundles and runtimes that sites inline).
    pub fn script_body(&mut self, bytes: usize) {
        let end = self.out.len() + bytes;
        let names = ["e", "t", "n", "r", "o", "i", "a", "s", "c", "u", "l", "d", "f", "p", "h", "m"];
        while self.out.len() < end {
            let (a, b, c) = (
                *names.choose(&mut self.rng).unwrap_or(&"e"),
                *names.choose(&mut self.rng).unwrap_or(&"t"),
                *names.choose(&mut self.rng).unwrap_or(&"n"),
            );
            let key = self.hex(4);
            let statement = match self.rng.random_range(0..6) {
                0 => format!("function {a}{key}({b},{c}){{return {b}&&{b}.__esModule?{b}:{{default:{b}}}}}"),
                1 => format!("var {a}=\"_{key}\",{b}=window.{a}||[];{b}.push(arguments);"),
                2 => format!(
                    "{a}.prototype.{b}{key}=function({c}){{if(!{c})throw new Error(\"missing {key}\");return this.{b}.call(this,{c})}};"
                ),
                3 => format!(
                    "document.querySelectorAll(\".js-{key}\").forEach(function({a}){{{a}.addEventListener(\"click\",{b})}});"
                ),
                4 => format!(
                    "for(var {a}=0;{a}<{b}.length;{a}++){{{c}[{a}]={b}[{a}]>>>{}&255}}",
                    self.rng.random_range(1..24)
                ),
                _ => format!(
                    "{a}[{}]=function({b},{c},{a}){{\"use strict\";{a}.d({c},{{\"{key}\":function(){{return {b}}}}})}};",
                    self.rng.random_range(100..9999)
                ),
            };
            self.out.push_str(&statement);
        }
    }

    /// A JSON state blob of about `bytes` built from `keys`, with strings escaped the way
    /// frameworks escape them inside `<script>` (`\u003c`, `\/`).
    pub fn json(&mut self, bytes: usize, keys: &[&str]) {
        let end = self.out.len() + bytes;
        self.out.push_str("{\"items\":[");
        let mut first = true;
        while self.out.len() < end {
            if !first {
                self.out.push(',');
            }
            first = false;
            self.json_object(keys, 3);
        }
        self.out.push_str("],\"locale\":\"");
        self.out.push_str(self.lang.code());
        self.out.push_str("\",\"isFallback\":false}");
    }

    fn json_object(&mut self, keys: &[&str], depth: usize) {
        self.out.push('{');
        let fields = self.rng.random_range(3..9);
        for n in 0..fields {
            if n > 0 {
                self.out.push(',');
            }
            let key = *keys.choose(&mut self.rng).unwrap_or(&"id");
            self.out.push_str(&format!("\"{key}{n}\":"));
            match self.rng.random_range(0..10) {
                0 | 1 => {
                    let id: u64 = self.rng.random_range(1_000_000_000..9_999_999_999_999);
                    self.out.push_str(&id.to_string());
                }
                2 => {
                    let price: f32 = self.rng.random_range(1.0..500.0);
                    self.out.push_str(&format!("{price:.2}"));
                }
                3 => self.out.push_str(if self.rng.random_bool(0.5) { "true" } else { "null" }),
                4 => {
                    let (slug, file) = (self.brand.slug.clone(), self.hex(12));
                    self.out.push_str(&format!(
                        "\"https:\\/\\/cdn.{slug}.com\\/files\\/{file}.jpg?v=1699{}&width=800\"",
                        self.rng.random_range(100_000..999_999)
                    ));
                }
                5 => {
                    let text = self.phrase(12);
                    self.out.push_str(&format!("\"\\u003cp\\u003e{text}\\u003c\\/p\\u003e\""));
                }
                6 | 7 if depth > 0 => {
                    if self.rng.random_bool(0.5) {
                        self.out.push('[');
                        for item in 0..self.rng.random_range(1..4) {
                            if item > 0 {
                                self.out.push(',');
                            }
                            self.json_object(keys, depth - 1);
                        }
                        self.out.push(']');
                    } else {
                        self.json_object(keys, depth - 1);
                    }
                }
                _ => {
                    let text = self.phrase(4);
                    self.out.push('"');
                    self.out.push_str(&text);
                    self.out.push('"');
                }
            }
        }
        self.out.push('}');
    }

    /// The site's organisation as JSON-LD, as SEO plugins write it.
    pub fn json_ld(&mut self) {
        let (name, slug, phone, city) =
            (self.brand.name.clone(), self.brand.slug.clone(), self.brand.phone.clone(), self.brand.city);
        self.out.push_str(&format!(
            r#"<script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{{"@type":"Organization","@id":"/#organization","name":"{name}","url":"/","logo":{{"@type":"ImageObject","url":"/wp-content/uploads/logo-{slug}.png","width":300,"height":80}},"telephone":"{phone}","address":{{"@type":"PostalAddress","addressLocality":"{city}"}},"sameAs":["https://www.facebook.com/{slug}","https://www.instagram.com/{slug}/"]}},{{"@type":"WebSite","@id":"/#website","name":"{name}","inLanguage":"{}"}}]}}</script>"#,
            self.lang.code()
        ));
    }

    /// The contacts block most home pages end with: e-mail, phone, address, social profiles and
    /// a link to the contact page.
    ///
    /// About one site in 75 (chosen by its number, so that no other page changes) writes its
    /// number as text only, in a paragraph above its street address: the shape that lost 1.3 %
    /// of the farm's phone numbers when the visible text ran the street number on from the
    /// phone number (issue 21, item 10).
    pub fn contacts(&mut self) {
        let (slug, phone, city) = (self.brand.slug.clone(), self.brand.phone.clone(), self.brand.city);
        let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        let line: u32 = digits[digits.len().saturating_sub(4)..].parse().unwrap_or(1);
        if line.is_multiple_of(75) {
            let street = 1000 + line % 9000;
            self.out.push_str(&format!(
                r#"<address><a href="mailto:info@{slug}.com">info@{slug}.com</a></address><p>Call us: {phone}</p><p>{street} Main Street, {city}</p><ul class="social">"#
            ));
        } else {
            self.out.push_str(&format!(
                r#"<address><a href="mailto:info@{slug}.com">info@{slug}.com</a><br><a href="tel:{digits}">{phone}</a><br>12 Main Street, {city}</address><ul class="social">"#
            ));
        }
        for network in ["facebook.com/", "instagram.com/", "linkedin.com/company/", "youtube.com/@"] {
            self.out.push_str(&format!(
                r#"<li><a href="https://www.{network}{slug}" target="_blank" rel="noopener">"#
            ));
            self.icon("social-icon");
            self.close("a");
            self.close("li");
        }
        self.out
            .push_str(r#"</ul><p><a href="/contact/">Contact</a> · <a href="/about-us/">About us</a></p>"#);
    }
}

/// A deep stack of wrappers, as some page builders and broken templates produce: `levels`
/// nested `<div>`s around `inner`.
pub fn nest(w: &mut Writer, levels: usize, inner: impl FnOnce(&mut Writer)) {
    for n in 0..levels {
        w.raw(&format!(r#"<div class="wrap-{}">"#, n % 7));
    }
    inner(w);
    for _ in 0..levels {
        w.raw("</div>");
    }
}
