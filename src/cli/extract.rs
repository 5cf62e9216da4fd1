//! `extract FILE... (--domain D | --url URL) [--headers F]`: only the extraction, on saved
//! pages: no database, no network. One JSON object per file, naming its file; a file that
//! cannot be read is reported and the others still run (exit 1 at the end).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::{BadInput, CliError, parse_name};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("address").required(true).args(["domain", "url"])))]
pub struct ExtractArgs {
    /// Saved pages; `-` reads one from standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The domain the pages were saved from: relative URLs resolve against https://DOMAIN/.
    #[arg(long)]
    domain: Option<String>,
    /// The page's real address (`http://www.example.at/shop/item/`): relative URLs resolve
    /// against it.
    #[arg(long)]
    url: Option<String>,
    /// A file of response headers (`Name: value` per line) to use as the page's headers.
    #[arg(long, value_name = "FILE")]
    headers: Option<PathBuf>,
}

pub fn extract(args: &ExtractArgs, options: &crate::extract::ExtractOptions) -> Result<ExitCode, CliError> {
    let url = page_url(args)?;
    let headers = match &args.headers {
        Some(path) => read_headers(path)?,
        None => HeaderMap::new(),
    };
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut unreadable = 0;
    for file in &args.files {
        let bytes = match read_page(file) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("{}: cannot read: {error}", file.display());
                unreadable += 1;
                continue;
            }
        };
        let html = crate::fetch::decode_html(&bytes, content_type.as_deref());
        let page = crate::extract::Page { html: &html, headers: &headers, url: &url };
        let (metadata, _) = crate::extract::extract_with_options(&page, options, 0);
        let mut object = serde_json::to_value(&metadata)?;
        if let Some(fields) = object.as_object_mut() {
            fields.insert("file".into(), file.display().to_string().into());
        }
        println!("{}", serde_json::to_string(&object)?);
    }
    if unreadable > 0 {
        eprintln!("{unreadable} of {} files could not be read", args.files.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The address relative URLs resolve against: `--url` as given, or the home page of `--domain`,
/// which must be a bare domain (a path or scheme there would be silently dropped).
fn page_url(args: &ExtractArgs) -> Result<Url, BadInput> {
    if let Some(url) = &args.url {
        let parsed = Url::parse(url).map_err(|error| BadInput(format!("--url {url:?}: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(BadInput(format!("--url {url:?}: an http:// or https:// address is needed")));
        }
        return Ok(parsed);
    }
    let domain = args.domain.as_deref().unwrap_or_default();
    if domain.contains('/') || domain.contains(':') {
        return Err(BadInput(format!(
            "--domain {domain:?} is an address, not a domain: give the page's address with --url"
        )));
    }
    let name = parse_name(domain)?;
    Url::parse(&name.home_page("https")).map_err(|error| BadInput(error.to_string()))
}

fn read_page(file: &Path) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(file)
}

fn read_headers(path: &Path) -> Result<HeaderMap, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| BadInput(format!("cannot read {}: {error}", path.display())))?;
    let mut headers = HeaderMap::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.trim().as_bytes()), HeaderValue::from_str(value.trim()))
        {
            headers.append(name, value);
        }
    }
    Ok(headers)
}
