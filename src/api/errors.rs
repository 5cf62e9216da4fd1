//! Every API error is `{"error": {"code", "message"}}` with its status; never a bare 500 with a
//! stack, and the message names the field at fault where there is one.

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::excerpt::Excerpt;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code (`unauthorized`, `not_found`, `invalid_json`,
    /// `no_valid_domain`, `method_not_allowed`, `uri_too_long`, ...).
    pub code: String,
    /// What was wrong, naming the field at fault where there is one.
    pub message: String,
    /// With `no_valid_domain`: every input given, each with the reason it was refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub rejected: Vec<Rejected>,
}

/// An input that is not a domain the service can fetch, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Rejected {
    /// The input as given: at most its first 256 characters, followed by `…` when it is longer.
    pub input: String,
    /// The input's whole length, in characters.
    pub input_length: usize,
    /// Why it was refused, in words.
    pub error: String,
    /// Why it was refused, as a stable code (`invalid_characters`, `unknown_suffix`,
    /// `confusable`, ...).
    pub code: String,
}

impl Rejected {
    /// `input` refused for `error`: only its start is kept, however long it is.
    pub fn new(input: &str, error: impl Into<String>, code: impl Into<String>) -> Rejected {
        let Excerpt { text, length } = Excerpt::of(input);
        Rejected { input: text, input_length: length, error: error.into(), code: code.into() }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The refused inputs of a submission in which none was valid.
    pub rejected: Vec<Rejected>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), rejected: Vec::new() }
    }

    /// A submission none of whose inputs is a domain: 422 listing each input with its reason.
    pub fn no_valid_domain(message: impl Into<String>, rejected: Vec<Rejected>) -> ApiError {
        ApiError { rejected, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_valid_domain", message) }
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code.to_owned(), message: self.message, rejected: self.rejected },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> ApiError {
        tracing::warn!(%error, "database error while answering a request");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; try again",
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let (status, code) = match &rejection {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            JsonRejection::MissingJsonContentType(_) => (StatusCode::BAD_REQUEST, "missing_content_type"),
            JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
            }
            _ => (StatusCode::BAD_REQUEST, "invalid_body"),
        };
        // A value of the wrong type is quoted in serde's message: keep only its start.
        ApiError::new(status, code, Excerpt::of(&rejection.body_text()).text)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text())
    }
}

/// A float already checked to be whole and below 1e18 in magnitude: the cast is exact.
#[allow(clippy::cast_possible_truncation)]
fn whole_f64_to_i64(n: f64) -> i64 {
    n as i64
}

/// Reads a JSON number as an `i32` when it is whole, as JSON Schema counts integers: `2.0` is
/// `2`, while `2.5` and numbers beyond the range are refused.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    use serde::de::{Deserialize, Error, Unexpected};
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match number.as_i64() {
        Some(whole) => Some(whole),
        None => number.as_f64().filter(|n| n.fract() == 0.0 && n.abs() < 1e18).map(whole_f64_to_i64),
    };
    let unexpected = || match (number.as_i64(), number.as_u64(), number.as_f64()) {
        (Some(n), _, _) => Unexpected::Signed(n),
        (_, Some(n), _) => Unexpected::Unsigned(n),
        (_, _, Some(n)) => Unexpected::Float(n),
        _ => Unexpected::Other("a number"),
    };
    let whole = whole.ok_or_else(|| D::Error::invalid_value(unexpected(), &"a whole number"))?;
    i32::try_from(whole).map_err(|_| D::Error::invalid_value(unexpected(), &"a 32-bit whole number"))
}

/// A JSON body extractor whose rejections are [`ApiError`]s that name the field at fault.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}

/// The answer to a known route called with a method it does not have; the router adds the
/// `Allow` header that lists the methods it has.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not a method of {} (the Allow header lists those that are)", uri.path()),
    )
}

/// Longest request target (path and query) the API reads. No route needs more: a domain is at
/// most 253 characters and a cursor is one domain.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses a request target longer than [`MAX_URI_BYTES`] with 414 before any route runs.
pub async fn refuse_long_uris(request: Request, next: Next) -> Response {
    let length = request.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if length > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is {length} bytes long; at most {MAX_URI_BYTES} are read"),
        )
        .into_response();
    }
    next.run(request).await
}
