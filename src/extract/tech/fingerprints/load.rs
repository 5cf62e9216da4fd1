//! Reading Wappalyzer-format fingerprint files: where they are (a file, or a folder laid out as
//! the collection is or as its packages ship it) and what each technology entry holds, checked
//! field by field so that a bad entry is reported by file and name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// A fingerprint file that cannot be used: start-up stops on it.
#[derive(Debug, thiserror::Error)]
#[error("technologies file {}: {message}", file.display())]
pub struct LoadError {
    pub file: PathBuf,
    /// What is wrong, naming the entry (`technology "Shopify": ...`) when it is one.
    pub message: String,
}

fn error(file: &Path, message: impl Into<String>) -> LoadError {
    LoadError { file: file.to_owned(), message: message.into() }
}

/// One technology entry as the file writes it, fields sorted by what they read. Patterns stay
/// text here (`regex\;version:\1\;confidence:50`); compiling them is the engine's business.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Definition {
    pub name: String,
    pub cats: Vec<u32>,
    pub implies: Vec<String>,
    pub excludes: Vec<String>,
    pub requires: Vec<String>,
    pub requires_category: Vec<u32>,
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<(String, String)>,
    pub meta: Vec<(String, String)>,
    pub html: Vec<String>,
    pub script_src: Vec<String>,
    pub scripts: Vec<String>,
    pub url: Vec<String>,
    pub dom: Vec<DomRule>,
    /// Record type (`MX`, `TXT`, ...) → pattern on one record's value.
    pub dns: Vec<(String, String)>,
    /// The evidence fields this entry has that a static fetch cannot read (`js`, `xhr`, `css`,
    /// ...), for the start-up count of what the collection reaches.
    pub unread: Vec<&'static str>,
}

/// The DNS records a scan asks for, which `dns` patterns can read.
pub const LOOKED_UP_RECORDS: [&str; 3] = ["MX", "NS", "TXT"];

/// Evidence fields of the format that need a browser, a second request or a live DOM.
pub const UNREAD_FIELDS: [&str; 7] = ["js", "xhr", "css", "text", "robots", "certIssuer", "probe"];

/// One CSS selector of `dom` and what it asks of the elements it selects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomRule {
    pub selector: String,
    /// `exists` (or a bare selector): an element is enough.
    pub exists: bool,
    /// Attribute name → pattern on its value.
    pub attributes: Vec<(String, String)>,
    /// Pattern on the element's text.
    pub text: Option<String>,
}

/// Everything read from the operator's files.
#[derive(Debug, Default)]
pub struct Collection {
    pub technologies: Vec<Definition>,
    /// Category id → name.
    pub categories: BTreeMap<u32, String>,
    /// The files read, for the start-up log.
    pub files: Vec<PathBuf>,
}

/// Reads every path: a file of technologies, or a folder holding `technologies/*.json` or one
/// merged `technologies.json` (also under `src/`, as the collection's repository lays them out),
/// with `categories.json` beside them. A later definition of a name replaces an earlier one, as
/// the collection's own files are split by initial and never repeat a name.
pub fn read(paths: &[PathBuf]) -> Result<Collection, LoadError> {
    let mut collection = Collection::default();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for path in paths {
        let (files, categories) = layout(path)?;
        if let Some(categories) = categories {
            read_categories(&categories, &mut collection.categories)?;
            collection.files.push(categories);
        }
        for file in files {
            for definition in read_technologies(&file)? {
                match by_name.get(&definition.name) {
                    Some(&i) => collection.technologies[i] = definition,
                    None => {
                        by_name.insert(definition.name.clone(), collection.technologies.len());
                        collection.technologies.push(definition);
                    }
                }
            }
            collection.files.push(file);
        }
    }
    Ok(collection)
}

/// The technology files and the categories file that `path` stands for.
fn layout(path: &Path) -> Result<(Vec<PathBuf>, Option<PathBuf>), LoadError> {
    let metadata = std::fs::metadata(path).map_err(|e| error(path, format!("cannot be read: {e}")))?;
    if metadata.is_file() {
        let beside = path.parent().map(|dir| dir.join("categories.json")).filter(|c| c.is_file());
        let is_categories = path.file_name().is_some_and(|name| name == "categories.json");
        return Ok(if is_categories {
            (Vec::new(), Some(path.to_owned()))
        } else {
            (vec![path.to_owned()], beside)
        });
    }
    for root in [path.to_owned(), path.join("src")] {
        let categories = Some(root.join("categories.json")).filter(|c| c.is_file());
        let folder = root.join("technologies");
        if folder.is_dir() {
            let entries =
                std::fs::read_dir(&folder).map_err(|e| error(&folder, format!("cannot be read: {e}")))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|file| file.extension().is_some_and(|ext| ext == "json"))
                .collect();
            files.sort();
            return Ok((files, categories));
        }
        let merged = root.join("technologies.json");
        if merged.is_file() {
            return Ok((vec![merged], categories));
        }
    }
    Err(error(path, "a folder without technologies/*.json or technologies.json (nor under src/)"))
}

fn read_json(file: &Path) -> Result<Map<String, Value>, LoadError> {
    let text = std::fs::read_to_string(file).map_err(|e| error(file, format!("cannot be read: {e}")))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(file, "is not a JSON object")),
        Err(e) => Err(error(file, format!("is not JSON: {e}"))),
    }
}

/// `categories.json`: `{"1": {"name": "CMS", ...}, ...}`.
fn read_categories(file: &Path, into: &mut BTreeMap<u32, String>) -> Result<(), LoadError> {
    for (id, entry) in read_json(file)? {
        let number = id
            .parse::<u32>()
            .map_err(|_| error(file, format!("category {id:?}: the key is not a number")))?;
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| error(file, format!("category {id:?}: no \"name\" string")))?;
        into.insert(number, name.to_owned());
    }
    Ok(())
}

/// A technologies file: `{"Name": {...}, ...}`. A merged file may wrap it as
/// `{"technologies": {...}, "categories": {...}}`, as some packages do.
fn read_technologies(file: &Path) -> Result<Vec<Definition>, LoadError> {
    let mut map = read_json(file)?;
    if let Some(Value::Object(inner)) = map.get("technologies")
        && inner.values().all(Value::is_object)
        && map.get("categories").is_some_and(Value::is_object)
    {
        map = inner.clone();
    }
    map.into_iter()
        .map(|(name, entry)| {
            definition(&name, &entry)
                .map_err(|message| error(file, format!("technology {name:?}: {message}")))
        })
        .collect()
}

/// One entry, each field checked for the shape the format gives it. Fields the engine does not
/// read (`js`, `xhr`, ... need what a static fetch has not; `website`, `icon`, ... describe) are
/// not checked, only noted.
pub(crate) fn definition(name: &str, entry: &Value) -> Result<Definition, String> {
    let Value::Object(fields) = entry else { return Err("not a JSON object".into()) };
    if name.trim().is_empty() {
        return Err("an empty name".into());
    }
    let get = |key: &str| fields.get(key).filter(|v| !v.is_null());
    let strings = |key: &str| get(key).map_or(Ok(Vec::new()), |v| strings(key, v));
    let numbers = |key: &str| get(key).map_or(Ok(Vec::new()), |v| numbers(key, v));
    let keyed = |key: &str| get(key).map_or(Ok(Vec::new()), |v| keyed(key, v));
    let dns_records: Vec<(String, String)> =
        keyed("dns")?.into_iter().map(|(record, pattern)| (record.to_ascii_uppercase(), pattern)).collect();
    let mut unread: Vec<&'static str> =
        UNREAD_FIELDS.into_iter().filter(|field| get(field).is_some()).collect();
    if dns_records.iter().any(|(record, _)| !LOOKED_UP_RECORDS.contains(&record.as_str())) {
        unread.push("dns records not looked up (SOA, CNAME)");
    }
    Ok(Definition {
        name: name.to_owned(),
        cats: numbers("cats")?,
        implies: strings("implies")?,
        excludes: strings("excludes")?,
        requires: strings("requires")?,
        requires_category: numbers("requiresCategory")?,
        headers: keyed("headers")?,
        cookies: keyed("cookies")?,
        meta: keyed("meta")?,
        html: strings("html")?,
        script_src: strings("scriptSrc")?,
        scripts: strings("scripts")?,
        url: strings("url")?,
        dom: get("dom").map_or(Ok(Vec::new()), dom)?,
        dns: dns_records
            .into_iter()
            .filter(|(record, _)| LOOKED_UP_RECORDS.contains(&record.as_str()))
            .collect(),
        unread,
    })
}

/// A string or a list of strings.
fn strings(key: &str, value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_owned).ok_or_else(|| format!("\"{key}\" holds a non-string"))
            })
            .collect(),
        _ => Err(format!("\"{key}\" is neither a string nor a list of strings")),
    }
}

/// A number or a list of numbers.
fn numbers(key: &str, value: &Value) -> Result<Vec<u32>, String> {
    let one = |item: &Value| {
        item.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("\"{key}\" holds a non-number"))
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// `{"name": pattern or [patterns]}`.
fn keyed(key: &str, value: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Object(map) = value else { return Err(format!("\"{key}\" is not an object")) };
    let mut out = Vec::new();
    for (name, patterns) in map {
        for pattern in strings(&format!("{key}.{name}"), patterns)? {
            out.push((name.clone(), pattern));
        }
    }
    Ok(out)
}

/// `dom`: a selector, a list of them, or `{selector: {exists, attributes, text, properties}}`.
fn dom(value: &Value) -> Result<Vec<DomRule>, String> {
    match value {
        Value::String(_) | Value::Array(_) => Ok(strings("dom", value)?
            .into_iter()
            .map(|selector| DomRule { selector, exists: true, ..DomRule::default() })
            .collect()),
        Value::Object(map) => {
            let mut rules = Vec::new();
            for (selector, asks) in map {
                let Value::Object(asks) = asks else {
                    return Err(format!("dom {selector:?} is not an object"));
                };
                let attributes = match asks.get("attributes") {
                    Some(value) => keyed(&format!("dom {selector:?} attributes"), value)?,
                    None => Vec::new(),
                };
                let text = match asks.get("text") {
                    Some(Value::String(text)) => Some(text.clone()),
                    Some(_) => return Err(format!("dom {selector:?}: \"text\" is not a string")),
                    None => None,
                };
                // `properties` reads the live DOM's JavaScript properties: no engine here.
                let exists = asks.contains_key("exists");
                if exists || !attributes.is_empty() || text.is_some() {
                    rules.push(DomRule { selector: selector.clone(), exists, attributes, text });
                }
            }
            Ok(rules)
        }
        _ => Err("\"dom\" is neither a selector, a list nor an object".into()),
    }
}
