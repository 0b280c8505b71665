//! The trace layer's configuration: the strict file part ([`TraceConfig`]), the standard
//! OpenTelemetry environment variables, and the validated [`Settings`] both resolve into.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The base endpoint for all signals; traces go to `{it}/v1/traces`.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The traces endpoint, used as it is (wins over [`OTEL_EXPORTER_OTLP_ENDPOINT`]).
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// Headers for every export, `k1=v1,k2=v2`, values percent-encoded.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// Headers for trace exports; a name here wins over [`OTEL_EXPORTER_OTLP_HEADERS`].
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// The `service.name` resource attribute.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// The service name when neither the config nor `OTEL_SERVICE_NAME` gives one.
pub const DEFAULT_SERVICE_NAME: &str = "airlock";

/// The path of the traces endpoint under a base endpoint (OTLP/HTTP spec).
const TRACES_PATH: &str = "/v1/traces";

/// The `trace` layer's configuration, as written in a config file. Every field is optional;
/// what the file leaves out comes from the standard OpenTelemetry environment variables when
/// the layer is built with [`super::TraceLayer::from_env`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TraceConfig {
    /// Put each call's arguments on its span as `gen_ai.tool.call.arguments`, redacted and cut
    /// to [`super::MAX_ATTRIBUTE_BYTES`]. Default `false`. Building the layer fails with
    /// [`TraceError::NoRedactor`] if this is set and no redactor is given.
    pub include_args: bool,
    /// Put each call's result on its span as `gen_ai.tool.call.result`, under the same rules as
    /// `include_args`. Default `false`.
    pub include_results: bool,
    /// The OTLP/HTTP endpoint, e.g. `http://127.0.0.1:4318`; `/v1/traces` is appended unless
    /// the URL already ends with it. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, then
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`; with none of them the layer exports nothing.
    /// An endpoint that is not an `http://` or `https://` URL fails the build with
    /// [`TraceError::InvalidEndpoint`].
    pub endpoint: Option<String>,
    /// Headers sent with every export (e.g. an API key); they win over the environment's.
    /// Default: none. An invalid name or value fails the build with [`TraceError::InvalidHeader`].
    pub headers: BTreeMap<String, String>,
    /// The `service.name` of the spans. Default: `OTEL_SERVICE_NAME`, then `airlock`.
    pub service_name: Option<String>,
}

/// Why the trace layer could not be built, flushed or shut down.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The endpoint (from the config or the environment) is not an http(s) URL.
    #[error(
        "trace: invalid endpoint {endpoint:?} (from {source_name}): {reason}\nhint: give a URL such as http://127.0.0.1:4318"
    )]
    InvalidEndpoint {
        endpoint: String,
        source_name: String,
        reason: String,
    },
    /// A header in the config has a name or value HTTP does not allow.
    #[error(
        "trace: invalid header {name:?}\nhint: names are letters, digits and -_.!#$%&'*+^`|~; values are printable ASCII"
    )]
    InvalidHeader { name: String },
    /// Arguments or results are to be exported but no redactor was given to hide secrets.
    #[error(
        "trace: include_args or include_results needs a redactor\nhint: pass the session's redactor (a no-op one if the session has no secrets)"
    )]
    NoRedactor,
    /// The OpenTelemetry exporter could not be built.
    #[error("trace: cannot build the OTLP exporter: {0}")]
    Exporter(String),
    /// Flushing or shutting down did not finish cleanly (spans may be lost; the run is not
    /// affected).
    #[error("trace: {0}")]
    Export(String),
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// The full traces URL, or `None` to export nothing.
    pub(crate) endpoint: Option<String>,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) service_name: String,
    pub(crate) include_args: bool,
    pub(crate) include_results: bool,
}

impl Settings {
    /// Resolves `config` over the environment variables `env` looks up; the config wins.
    pub(crate) fn resolve(
        config: TraceConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, TraceError> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let endpoint = if let Some(base) = config.endpoint.filter(|e| !e.trim().is_empty()) {
            Some(check_endpoint(traces_url(&base), "the trace config")?)
        } else if let Some(url) = env(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
            Some(check_endpoint(url, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)?)
        } else if let Some(base) = env(OTEL_EXPORTER_OTLP_ENDPOINT) {
            Some(check_endpoint(
                traces_url(&base),
                OTEL_EXPORTER_OTLP_ENDPOINT,
            )?)
        } else {
            None
        };
        // The spec asks that malformed entries in the environment be skipped, not fatal.
        let mut headers = BTreeMap::new();
        for var in [
            OTEL_EXPORTER_OTLP_HEADERS,
            OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        ] {
            headers.extend(env(var).as_deref().map(parse_headers).unwrap_or_default());
        }
        for (name, value) in config.headers {
            if !valid_header(&name, &value) {
                return Err(TraceError::InvalidHeader { name });
            }
            headers.insert(name, value);
        }
        let service_name = config
            .service_name
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env(OTEL_SERVICE_NAME))
            .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_string());
        Ok(Self {
            endpoint,
            headers,
            service_name,
            include_args: config.include_args,
            include_results: config.include_results,
        })
    }
}

/// `base` with the traces path appended, unless it is already there.
fn traces_url(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with(TRACES_PATH) {
        base.to_string()
    } else {
        format!("{base}{TRACES_PATH}")
    }
}

fn check_endpoint(url: String, source_name: &str) -> Result<String, TraceError> {
    let url = url.trim().to_string();
    let invalid = |reason: &str| TraceError::InvalidEndpoint {
        endpoint: url.clone(),
        source_name: source_name.to_string(),
        reason: reason.to_string(),
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| invalid("the scheme must be http or https"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("no host, or a space in the URL"));
    }
    // The exporter's own parser is the final word; check with it so a bad URL fails here,
    // at build time, and not silently on every export.
    url.parse::<http::Uri>()
        .map_err(|e| invalid(&e.to_string()))?;
    Ok(url)
}

/// `k1=v1,k2=v2` with percent-encoded values (W3C baggage format, as the OTLP spec says);
/// entries that are malformed are skipped.
pub(crate) fn parse_headers(input: &str) -> BTreeMap<String, String> {
    input
        .split(',')
        .filter_map(|entry| {
            let (name, value) = entry.split_once('=')?;
            let (name, value) = (name.trim(), percent_decode(value.trim())?);
            valid_header(name, &value).then(|| (name.to_string(), value))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(pair, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An RFC 9110 token as the name, visible ASCII and spaces as the value.
fn valid_header(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!#$%&'*+^`|~".contains(&b))
        && value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}
