//! Which page each farm domain gets, built once at start-up and kept gzip-compressed in memory.
//!
//! Varied mode: domain `d` draws a page size from a log-normal (median 35 KB, mean about
//! 50 KB, p99 about 250 KB, as home pages measure); with probability `corpus_share` it is
//! served the real corpus page closest to that size (when one is within 30 %), else the
//! generated page of that size from a pool of `pool` pages whose platforms, charsets, damage
//! and nesting are drawn once. Everything follows from the seed, so the parse benchmark
//! rebuilds exactly what the farm serves.

use std::io::{Read, Write};
use std::path::Path;

use bytes::Bytes;
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::blocks::Lang;
use super::lorem;
use super::platforms::{Charset, Platform, Spec, generate};

/// Median of the drawn sizes: below the 35 KB aimed at because pages come out a little
/// larger than drawn (a page has its head, header and footer however small it is drawn).
const SIZE_MEDIAN: f64 = 32_000.0;

pub struct FarmConfig {
    pub seed: u64,
    pub domains: usize,
    /// Distinct generated pages; domains beyond it share them.
    pub pool: usize,
    /// Share of domains offered a real page of their drawn size.
    pub corpus_share: f64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Corpus(String),
    Generated(Platform),
    Lorem,
}

pub struct Page {
    /// The body as served: gzip of the encoded page.
    pub gzip: Bytes,
    pub content_type: &'static str,
    /// How the page is encoded (what a client must decode it with).
    pub encoding: &'static Encoding,
    /// Size before compression.
    pub bytes: usize,
    pub origin: Origin,
    pub broken: bool,
    pub deep: bool,
    /// What a generated page states about its site's contacts (every generated page ends with
    /// them): the truth the farm's accuracy is scored against. None for other pages.
    pub truth: Option<Truth>,
}

/// The contacts a generated page states, as the extraction should report them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truth {
    /// The brand's number in E.164.
    pub phone: String,
    pub email: String,
}

impl Page {
    fn new(text: &str, charset: Charset, origin: Origin, broken: bool, deep: bool) -> Page {
        let (encoding, content_type) = match charset {
            Charset::Utf8 => (UTF_8, "text/html; charset=utf-8"),
            Charset::Windows1252Header => (WINDOWS_1252, "text/html; charset=windows-1252"),
            Charset::Windows1252Meta => (WINDOWS_1252, "text/html"),
        };
        let (encoded, _, _) = encoding.encode(text);
        Page {
            gzip: gzip(&encoded),
            content_type,
            encoding,
            bytes: encoded.len(),
            origin,
            broken,
            deep,
            truth: None,
        }
    }

    /// The page as a client ends up with it: inflated and decoded.
    pub fn text(&self) -> String {
        let mut raw = Vec::with_capacity(self.bytes);
        let _ = flate2::read::GzDecoder::new(&self.gzip[..]).read_to_end(&mut raw);
        self.encoding.decode(&raw).0.into_owned()
    }
}

pub struct Catalogue {
    pub pages: Vec<Page>,
    /// Page index of each domain.
    pub assignment: Vec<u32>,
}

impl Catalogue {
    /// The page of `site-{domain}.bench-farm.com`.
    pub fn page_of(&self, domain: usize) -> Option<&Page> {
        self.assignment.get(domain).and_then(|&index| self.pages.get(index as usize))
    }

    /// The old baseline: one lorem-ipsum page of about 48 KB per domain.
    pub fn lorem(domains: usize) -> Catalogue {
        let pages = (0..domains)
            .map(|i| Page::new(&lorem::page(i), Charset::Utf8, Origin::Lorem, false, false))
            .collect();
        Catalogue { pages, assignment: (0..domains as u32).collect() }
    }

    pub fn varied(config: &FarmConfig, corpus_dir: &Path) -> Result<Catalogue, String> {
        let corpus = read_corpus(corpus_dir)?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let pool = config.pool.clamp(1, config.domains.max(1));
        // Sizes of the pool at evenly spaced quantiles of the log-normal, so a uniform draw of
        // a pool entry is a draw of the size distribution.
        let mut sizes: Vec<usize> = (0..pool)
            .map(|k| {
                let z = inverse_normal((k as f64 + 0.5) / pool as f64);
                (SIZE_MEDIAN * (0.845 * z).exp()).clamp(3_000.0, 1_200_000.0) as usize
            })
            .collect();
        sizes.sort_unstable();
        let specs: Vec<(Spec, u64)> =
            sizes.iter().map(|&size| (draw_spec(&mut rng, size), rng.random())).collect();
        let mut pages = generate_all(&specs);
        let corpus_start = pages.len();
        let mut corpus_sizes = Vec::new();
        for (name, text) in &corpus {
            corpus_sizes.push(text.len());
            pages.push(Page::new(text, Charset::Utf8, Origin::Corpus(name.clone()), false, false));
        }
        // Every pool page serves a domain before any serves two.
        let mut order: Vec<usize> = (0..pool).collect();
        order.shuffle(&mut rng);
        let assignment = (0..config.domains)
            .map(|domain| {
                let k = order[domain % pool];
                let size = sizes[k] as f64;
                if rng.random_bool(config.corpus_share.clamp(0.0, 1.0)) {
                    let near: Vec<usize> = (0..corpus_sizes.len())
                        .filter(|&c| (corpus_sizes[c] as f64 / size - 1.0).abs() <= 0.3)
                        .collect();
                    if !near.is_empty() {
                        return (corpus_start + near[rng.random_range(0..near.len())]) as u32;
                    }
                }
                k as u32
            })
            .collect();
        Ok(Catalogue { pages, assignment })
    }

    /// The served pages' sizes and kinds, counted over domains (not over distinct pages).
    pub fn summary(&self) -> String {
        let served: Vec<&Page> = (0..self.assignment.len()).filter_map(|d| self.page_of(d)).collect();
        if served.is_empty() {
            return "no domains".into();
        }
        let n = served.len() as f64;
        let mut sizes: Vec<usize> = served.iter().map(|p| p.bytes).collect();
        sizes.sort_unstable();
        let mean = sizes.iter().sum::<usize>() as f64 / n;
        let compressed = served.iter().map(|p| p.gzip.len()).sum::<usize>() as f64 / n;
        let share =
            |test: &dyn Fn(&Page) -> bool| served.iter().filter(|p| test(p)).count() as f64 / n * 100.0;
        let mut kinds = Vec::new();
        for platform in Platform::ALL {
            kinds.push(format!(
                "{} {:.0}%",
                platform.name(),
                share(&|p| p.origin == Origin::Generated(platform))
            ));
        }
        format!(
            "{} domains on {} distinct pages; size median {:.1} KB, mean {:.1} KB, p99 {:.1} KB, max {:.1} KB; \
             gzip mean {:.1} KB; corpus {:.1}%, lorem {:.0}%, broken markup {:.1}%, windows-1252 {:.1}%, \
             deep nesting {:.1}%; {}",
            served.len(),
            self.distinct().len(),
            sizes[sizes.len() / 2] as f64 / 1000.0,
            mean / 1000.0,
            sizes[(sizes.len() * 99 / 100).min(sizes.len() - 1)] as f64 / 1000.0,
            sizes[sizes.len() - 1] as f64 / 1000.0,
            compressed / 1000.0,
            share(&|p| matches!(p.origin, Origin::Corpus(_))),
            share(&|p| p.origin == Origin::Lorem),
            share(&|p| p.broken),
            share(&|p| p.encoding == WINDOWS_1252),
            share(&|p| p.deep),
            kinds.join(", "),
        )
    }

    /// Each page served to at least one domain, with how many domains get it.
    pub fn distinct(&self) -> Vec<(usize, usize)> {
        let mut counts = vec![0usize; self.pages.len()];
        for &index in &self.assignment {
            counts[index as usize] += 1;
        }
        counts.into_iter().enumerate().filter(|(_, count)| *count > 0).collect()
    }
}

/// Platform by prevalence and by how often it is seen at this size; charset, damage and
/// nesting by the rates real home pages show them.
fn draw_spec(rng: &mut StdRng, size: usize) -> Spec {
    let weights: Vec<f64> = Platform::ALL
        .iter()
        .map(|p| {
            let (share, typical) = p.prevalence();
            let distance = (size as f64 / typical).ln();
            share * (-distance * distance / 2.0).exp()
        })
        .collect();
    let mut roll = rng.random::<f64>() * weights.iter().sum::<f64>();
    let mut platform = Platform::Static;
    for (p, weight) in Platform::ALL.iter().zip(&weights) {
        if roll < *weight {
            platform = *p;
            break;
        }
        roll -= weight;
    }
    let lang = match rng.random_range(0..20) {
        0..=12 => Lang::En,
        13 | 14 => Lang::De,
        15 | 16 => Lang::Fr,
        17 => Lang::Es,
        18 => Lang::It,
        _ => Lang::Nl,
    };
    let charset = if platform.may_be_legacy() && rng.random_bool(0.09) {
        if rng.random_bool(0.5) { Charset::Windows1252Header } else { Charset::Windows1252Meta }
    } else {
        Charset::Utf8
    };
    let broken = rng.random_bool(if platform == Platform::Static { 0.25 } else { 0.05 });
    let deep = rng.random_bool(0.03).then(|| rng.random_range(150..800));
    Spec { platform, target: size, lang, charset, broken, deep }
}

/// Generates and compresses the pool on every core: start-up stays short even for large pools.
fn generate_all(specs: &[(Spec, u64)]) -> Vec<Page> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(specs.len().max(1));
    let chunk = specs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(spec, seed)| {
                            let (text, brand) = generate(spec, StdRng::seed_from_u64(*seed));
                            let origin = Origin::Generated(spec.platform);
                            let mut page =
                                Page::new(&text, spec.charset, origin, spec.broken, spec.deep.is_some());
                            let digits: String = brand.phone.chars().filter(char::is_ascii_digit).collect();
                            page.truth = Some(Truth {
                                phone: format!("+{digits}"),
                                email: format!("info@{}.com", brand.slug),
                            });
                            page
                        })
                        .collect::<Vec<Page>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    })
}

fn read_corpus(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read the corpus {}: {e}", dir.display()))?;
    let mut pages = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "html") {
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            pages.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    pages.sort();
    Ok(pages)
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn inverse_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    const C: [f64; 6] = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_5,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}
