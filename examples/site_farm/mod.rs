//! The site farm's pages, shared by the farm server (`bench_farm`) and the bare-parse
//! benchmark (`bench_parse`), so both see the same bytes for the same domains.

pub mod blocks;
pub mod catalogue;
pub mod heads;
pub mod lorem;
pub mod platforms;
pub mod site_files;

use std::path::PathBuf;

pub use catalogue::{Catalogue, FarmConfig};

/// What the farm serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Real corpus pages and generated platform pages, sent as fast as the client reads.
    Varied,
    /// The varied pages, each site's body sent at its own pace of 4 to 64 KB/s.
    Slow,
    /// The old baseline: the same lorem-ipsum page for every domain.
    Lorem,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "varied" => Some(Mode::Varied),
            "slow" => Some(Mode::Slow),
            "lorem" => Some(Mode::Lorem),
            _ => None,
        }
    }
}

/// The farm's settings, from the environment, shared by both programs:
/// `FARM_MODE` (varied | slow | lorem), `FARM_SEED`, `FARM_POOL` (distinct generated pages),
/// `FARM_CORPUS_SHARE`, `FARM_CORPUS` (folder of real pages), `FARM_WEB`.
pub struct FarmEnv {
    pub mode: Mode,
    /// `FARM_WEB=1`: the same pages served as the web serves them (`bench_farm`'s web mode:
    /// TLS, redirects, walls, parked pages), paced or not as `mode` says.
    pub web: bool,
    pub config: FarmConfig,
    pub corpus: PathBuf,
}

impl FarmEnv {
    pub fn from_env(domains: usize) -> Result<FarmEnv, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mode_text = var("FARM_MODE").unwrap_or_else(|| "varied".into());
        let mode =
            Mode::parse(&mode_text).ok_or(format!("FARM_MODE: varied, slow or lorem, not {mode_text}"))?;
        let number = |name: &str, default: f64| -> Result<f64, String> {
            var(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("{name}: a number, not {v}")))
        };
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let corpus =
            var("FARM_CORPUS").map_or_else(|| manifest.join("../shared/corpus/pages"), PathBuf::from);
        Ok(FarmEnv {
            mode,
            web: var("FARM_WEB").is_some_and(|v| v == "1"),
            config: FarmConfig {
                seed: number("FARM_SEED", 14.0)? as u64,
                domains,
                pool: number("FARM_POOL", 2000.0)? as usize,
                corpus_share: number("FARM_CORPUS_SHARE", 0.3)?,
            },
            corpus,
        })
    }

    pub fn catalogue(&self) -> Result<Catalogue, String> {
        match self.mode {
            Mode::Lorem => Ok(Catalogue::lorem(self.config.domains)),
            Mode::Varied | Mode::Slow => Catalogue::varied(&self.config, &self.corpus),
        }
    }
}

/// The pace of `domain`'s site in slow mode, in bytes per second: 4 to 64 KB/s, even on a log
/// scale, drawn from the domain and the seed.
pub fn pace(seed: u64, domain: usize) -> u64 {
    (4096.0 * 16f64.powf(unit(seed, domain, 0))) as u64
}

/// A number in 0..1 drawn from the seed, the domain and a salt (one salt per thing drawn).
pub fn unit(seed: u64, domain: usize, salt: u64) -> f64 {
    let mut x = seed ^ salt ^ (domain as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}
