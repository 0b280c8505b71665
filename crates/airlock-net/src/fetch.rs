//! `http/fetch`: one HTTP request (and its redirects) made by the host for the script.
//!
//! Every hop is checked before it is sent: the scheme (http or https), the host and port
//! against [`Network`]'s allow list, the method, and the addresses the name resolves to. A
//! loopback, private, link-local or metadata address is refused unless the allow list names
//! that address; the connection goes to the address that was checked (the resolver hands
//! reqwest only checked addresses), so a name that changes its answer between the check and
//! the connect (DNS rebinding) gains nothing.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use airlock_tools::{CallContext, Tool, ToolError, ToolErrorKind, ToolFuture, ToolSpec};
use base64::Engine as _;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};
use tokio::time::Instant;
use url::Url;

use crate::config::{NetError, Network, REDACTED};
use crate::rules::special_use;

/// The tool's name.
pub const FETCH_TOOL: &str = "http/fetch";

/// Request headers the script may not set: they belong to the connection, and `Host` would
/// let a request reach another site behind an allowed address.
const FORBIDDEN: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
];

/// The `http/fetch` tool over `network`.
///
/// # Errors
/// [`NetError`] if the HTTP client cannot be built (no TLS roots on the machine).
pub fn fetch_tool(network: Network) -> Result<Arc<dyn Tool>, NetError> {
    Ok(Arc::new(Fetch::new(network)?))
}

/// The `http/fetch` tool: see the module docs.
#[derive(Debug)]
pub struct Fetch {
    spec: ToolSpec,
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    network: Network,
    client: reqwest::Client,
}

impl Fetch {
    /// # Errors
    /// [`NetError`] if the HTTP client cannot be built.
    pub fn new(network: Network) -> Result<Self, NetError> {
        let resolver = Arc::new(CheckedResolver {
            allowed: network
                .allowed()
                .iter()
                .filter_map(|r| r.address())
                .collect(),
        });
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(resolver)
            .connect_timeout(network.timeout)
            .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NetError::new(format!("the HTTP client cannot start: {e}")))?;
        // The pipeline bounds the call too; the request's own deadline fires first, with a
        // message naming the limit.
        let spec = ToolSpec::new(FETCH_TOOL, description(&network))
            .with_input_schema(input_schema())
            .with_output_schema(output_schema())
            .with_timeout(network.timeout + Duration::from_secs(1));
        Ok(Self {
            spec,
            inner: Arc::new(Inner { network, client }),
        })
    }
}

impl Tool for Fetch {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, _cx: CallContext) -> ToolFuture {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move { inner.fetch(args).await })
    }
}

fn description(net: &Network) -> String {
    let hosts: Vec<String> = net.allowed().iter().map(ToString::to_string).collect();
    let methods: Vec<&str> = net.methods().iter().map(http::Method::as_str).collect();
    format!(
        "Makes an HTTP request from the host (the sandbox has no sockets) and returns the response; \
         redirects are followed. In JavaScript, use fetch(url, init); in the shell, curl. \
         Allowed hosts: {}. Methods: {}. Responses up to {} bytes, {} s per request.",
        if hosts.is_empty() {
            "none".to_string()
        } else {
            hosts.join(", ")
        },
        methods.join(", "),
        net.max_response,
        net.timeout.as_secs_f64()
    )
}

fn input_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "url": { "type": "string", "description": "An http or https URL." },
            "method": { "type": "string", "description": "GET (the default), HEAD, POST, PUT, PATCH, DELETE, ..." },
            "headers": {
                "type": "object",
                "additionalProperties": { "type": "string" },
                "description": "Request headers by name."
            },
            "body": { "type": "string", "description": "The request body: text, or base64 when bodyEncoding is \"base64\"." },
            "bodyEncoding": { "enum": ["utf8", "base64"] },
            "timeoutMs": {
                "type": "integer",
                "minimum": 1,
                "description": "Give up after this many milliseconds (at most the [network] timeout)."
            },
            "redirect": {
                "enum": ["follow", "manual", "error"],
                "description": "follow (the default) follows redirects; manual returns the 3xx response; error fails on one."
            }
        },
        "required": ["url"],
        "additionalProperties": false
    })
}

fn output_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "url": { "type": "string", "description": "The URL of the final response, after redirects." },
            "status": { "type": "integer" },
            "statusText": { "type": "string" },
            "redirected": { "type": "boolean" },
            "headers": {
                "type": "array",
                "items": { "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 },
                "description": "[name, value] pairs, names in lower case, in the order received."
            },
            "body": { "type": "string" },
            "bodyEncoding": { "enum": ["utf8", "base64"], "description": "utf8 when the body is valid UTF-8 text, else base64." }
        },
        "required": ["url", "status", "statusText", "redirected", "headers", "body", "bodyEncoding"]
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirect {
    Follow,
    Manual,
    Error,
}

/// The call's arguments, read.
struct Request {
    url: Url,
    method: http::Method,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    redirect: Redirect,
    /// The script's own deadline (an `AbortSignal.timeout`), when shorter than the network's.
    timeout: Option<Duration>,
}

fn bad(message: impl Into<String>) -> ToolError {
    ToolError::failed(message)
}

fn refused(message: impl Into<String>) -> ToolError {
    ToolError::new(ToolErrorKind::Refused, message)
        .with_hint("the hosts and methods a script may use are listed in [network] in airlock.toml")
}

impl Request {
    fn read(args: &Value) -> Result<Self, ToolError> {
        let obj = args
            .as_object()
            .ok_or_else(|| bad("http/fetch takes an object like {\"url\": \"https://...\"}"))?;
        let text = obj
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("http/fetch: url is missing"))?;
        let url =
            Url::parse(text).map_err(|e| bad(format!("http/fetch: invalid URL '{text}': {e}")))?;
        let method = match obj.get("method").and_then(Value::as_str) {
            None => http::Method::GET,
            Some(m) => http::Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes())
                .map_err(|_| bad(format!("http/fetch: '{m}' is not an HTTP method")))?,
        };
        let mut headers = HeaderMap::new();
        if let Some(given) = obj.get("headers").and_then(Value::as_object) {
            for (name, value) in given {
                let value = value.as_str().unwrap_or_default();
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| bad(format!("http/fetch: '{name}' is not a header name")))?;
                if FORBIDDEN.contains(&name.as_str()) || name.as_str().starts_with("proxy-") {
                    continue;
                }
                let value = HeaderValue::from_str(value).map_err(|_| {
                    bad(format!(
                        "http/fetch: the value of header {name} has characters a header cannot carry"
                    ))
                })?;
                headers.append(name, value);
            }
        }
        let body = match obj.get("body").and_then(Value::as_str) {
            None => None,
            Some(b) if obj.get("bodyEncoding").and_then(Value::as_str) == Some("base64") => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| bad(format!("http/fetch: body is not base64: {e}")))?,
            ),
            Some(b) => Some(b.as_bytes().to_vec()),
        };
        if body.is_some() && (method == http::Method::GET || method == http::Method::HEAD) {
            return Err(bad(format!(
                "http/fetch: a {method} request cannot have a body"
            )));
        }
        let redirect = match obj.get("redirect").and_then(Value::as_str) {
            None | Some("follow") => Redirect::Follow,
            Some("manual") => Redirect::Manual,
            Some("error") => Redirect::Error,
            Some(other) => {
                return Err(bad(format!(
                    "http/fetch: redirect '{other}' is not follow, manual or error"
                )));
            }
        };
        let timeout = obj
            .get("timeoutMs")
            .and_then(Value::as_u64)
            .map(|ms| Duration::from_millis(ms.max(1)));
        Ok(Self {
            url,
            method,
            headers,
            body,
            redirect,
            timeout,
        })
    }
}

impl Inner {
    async fn fetch(&self, args: Value) -> Result<Value, ToolError> {
        let request = Request::read(&args)?;
        let what = format!("{} {}", request.method, request.url);
        let timeout = request
            .timeout
            .map_or(self.network.timeout, |t| t.min(self.network.timeout));
        match tokio::time::timeout_at(Instant::now() + timeout, self.follow(request)).await {
            Ok(result) => result,
            Err(_) => Err(ToolError::new(
                ToolErrorKind::Timeout,
                format!(
                    "{what}: no complete response within {} s{}",
                    timeout.as_secs_f64(),
                    if timeout == self.network.timeout {
                        " ([network] timeout)"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }

    /// Checks one hop: scheme, host, port, method, and an address written in the URL.
    fn check(&self, method: &http::Method, url: &Url) -> Result<(), ToolError> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(refused(format!(
                "{method} {url} refused: only http and https URLs can be fetched, not {scheme}:"
            )));
        }
        let Some(host) = url.host_str() else {
            return Err(bad(format!("{method} {url}: the URL has no host")));
        };
        let (port, default_port) = ports(url);
        if let Some(why) = self.network.refuse(method, host, port, default_port) {
            return Err(refused(why));
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal
            && let Some(kind) = special_use(ip)
            && !self.network.allows_address_on(ip, port, default_port)
        {
            return Err(refused(format!(
                "{method} {url} refused: {ip} is {kind}; allow that exact address in [network] allow to reach it"
            )));
        }
        Ok(())
    }

    /// Where the allow list names special addresses, a name must resolve to one allowed on
    /// this hop's port. The resolver checks again at connect time (without the port, which it
    /// is not told), so the connection goes to a checked address either way.
    async fn check_addresses(&self, method: &http::Method, url: &Url) -> Result<(), ToolError> {
        let Some(url::Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        if !self
            .network
            .allowed()
            .iter()
            .any(|r| r.address().is_some_and(|ip| special_use(ip).is_some()))
        {
            return Ok(());
        }
        let (port, default_port) = ports(url);
        let Ok(found) = tokio::net::lookup_host((name, port)).await else {
            // Resolving fails again at connect time, with the resolver's message.
            return Ok(());
        };
        let mut refusal = None;
        for addr in found {
            let ip = crate::rules::canonical(addr.ip());
            match special_use(ip) {
                Some(kind) if !self.network.allows_address_on(ip, port, default_port) => {
                    refusal.get_or_insert(AddressRefused {
                        host: name.to_string(),
                        ip,
                        kind,
                    });
                }
                _ => return Ok(()),
            }
        }
        match refusal {
            Some(r) => Err(refused(format!("{method} {url} refused: {r}"))),
            None => Ok(()),
        }
    }

    async fn follow(&self, request: Request) -> Result<Value, ToolError> {
        let Request {
            mut url,
            mut method,
            mut headers,
            mut body,
            redirect,
            timeout: _,
        } = request;
        let mut hops = 0;
        loop {
            self.check(&method, &url)?;
            self.check_addresses(&method, &url).await?;
            let mut sent = headers.clone();
            self.add_secrets(&url, &mut sent);
            let mut builder = self
                .client
                .request(method.clone(), url.clone())
                .headers(sent);
            if let Some(b) = &body {
                builder = builder.body(b.clone());
            }
            let response = builder
                .send()
                .await
                .map_err(|e| send_error(&method, &url, &e))?;
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let Some(location) = location.filter(|_| status.is_redirection()) else {
                return self.answer(&method, &url, hops > 0, response).await;
            };
            match redirect {
                Redirect::Manual => return self.answer(&method, &url, hops > 0, response).await,
                Redirect::Error => {
                    return Err(bad(format!(
                        "{method} {url}: redirected ({status}) to {location}, and redirect is 'error'"
                    )));
                }
                Redirect::Follow => {}
            }
            hops += 1;
            if hops > self.network.max_redirects {
                return Err(bad(format!(
                    "{method} {url}: more than {} redirects ([network] max_redirects)",
                    self.network.max_redirects
                )));
            }
            let next = url.join(&location).map_err(|e| {
                bad(format!(
                    "{method} {url}: redirected to '{location}', which is not a URL: {e}"
                ))
            })?;
            // As the Fetch standard: 303 turns into GET, and so do 301 and 302 after a POST.
            let code = status.as_u16();
            if (code == 303 && method != http::Method::HEAD)
                || ((code == 301 || code == 302) && method == http::Method::POST)
            {
                method = http::Method::GET;
                body = None;
                for h in [
                    header::CONTENT_TYPE,
                    header::CONTENT_ENCODING,
                    header::CONTENT_LANGUAGE,
                    header::CONTENT_LOCATION,
                ] {
                    headers.remove(h);
                }
            }
            // Credentials the script set go to the origin it named, not to where it is sent on.
            if next.origin() != url.origin() {
                for h in [
                    header::AUTHORIZATION,
                    header::COOKIE,
                    header::PROXY_AUTHORIZATION,
                ] {
                    headers.remove(h);
                }
            }
            url = next;
        }
    }

    /// The secrets for this hop's host, set over any header of the same name the script sent.
    fn add_secrets(&self, url: &Url, headers: &mut HeaderMap) {
        let host = url.host_str().unwrap_or_default();
        let (port, default_port) = ports(url);
        for secret in self.network.secrets() {
            if secret.applies(host, port, default_port) {
                headers.insert(secret.header().clone(), secret.value().clone());
            }
        }
    }

    /// Reads the body (bounded), scrubs the secrets, and shapes the result.
    async fn answer(
        &self,
        method: &http::Method,
        url: &Url,
        redirected: bool,
        mut response: reqwest::Response,
    ) -> Result<Value, ToolError> {
        let max = self.network.max_response;
        let too_big = || {
            bad(format!(
                "{method} {url}: the response is larger than {max} bytes ([network] max_response)"
            ))
        };
        if response.content_length().is_some_and(|n| n > max) {
            return Err(too_big());
        }
        let status = response.status();
        let mut headers = Vec::with_capacity(response.headers().len());
        for (name, value) in response.headers() {
            let mut value = value.as_bytes().to_vec();
            self.scrub(&mut value);
            headers.push(json!([name.as_str(), String::from_utf8_lossy(&value)]));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            bad(format!(
                "{method} {url}: the response broke off: {}",
                error_chain(&e)
            ))
        })? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        self.scrub(&mut body);
        let (body, encoding) = match String::from_utf8(body) {
            Ok(text) => (text, "utf8"),
            Err(e) => (
                base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                "base64",
            ),
        };
        let mut out = Map::new();
        out.insert("url".into(), url.as_str().into());
        out.insert("status".into(), status.as_u16().into());
        out.insert(
            "statusText".into(),
            status.canonical_reason().unwrap_or("").into(),
        );
        out.insert("redirected".into(), redirected.into());
        out.insert("headers".into(), Value::Array(headers));
        out.insert("body".into(), body.into());
        out.insert("bodyEncoding".into(), encoding.into());
        Ok(Value::Object(out))
    }

    /// Replaces every secret in `bytes` (a server that echoes request headers back).
    fn scrub(&self, bytes: &mut Vec<u8>) {
        for secret in self.network.secrets() {
            for part in secret.scrub_parts() {
                if memchr::memmem::find(bytes, part).is_none() {
                    continue;
                }
                let mut out = Vec::with_capacity(bytes.len());
                let mut last = 0;
                for at in memchr::memmem::find_iter(bytes, part) {
                    if at < last {
                        continue;
                    }
                    out.extend_from_slice(&bytes[last..at]);
                    out.extend_from_slice(REDACTED.as_bytes());
                    last = at + part.len();
                }
                out.extend_from_slice(&bytes[last..]);
                *bytes = out;
            }
        }
    }
}

/// A URL's port (written, or the scheme's) and its scheme's default port (80 for http, 443 for
/// https; `check` refuses every other scheme).
fn ports(url: &Url) -> (u16, u16) {
    let default_port = if url.scheme() == "https" { 443 } else { 80 };
    (
        url.port_or_known_default().unwrap_or(default_port),
        default_port,
    )
}

/// A failed send as the script sees it: a refused address is a policy refusal; the rest
/// name what failed (resolving, connecting, TLS) without the client's internals.
fn send_error(method: &http::Method, url: &Url, e: &reqwest::Error) -> ToolError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(refusal) = s.downcast_ref::<AddressRefused>() {
            return refused(format!("{method} {url} refused: {refusal}"));
        }
        source = s.source();
    }
    if e.is_timeout() {
        return ToolError::new(
            ToolErrorKind::Timeout,
            format!("{method} {url}: timed out ({})", error_chain(e)),
        );
    }
    let what = if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    bad(format!("{method} {url}: {what}: {}", error_chain(e)))
}

/// The innermost causes of an error, joined, without reqwest's URL repeated.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// A name resolved only to addresses a request may not reach.
#[derive(Debug)]
struct AddressRefused {
    host: String,
    ip: IpAddr,
    kind: &'static str,
}

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves to {}, {}; allow that exact address in [network] allow to reach it",
            self.host, self.ip, self.kind
        )
    }
}

impl std::error::Error for AddressRefused {}

/// Resolves names on the host and keeps only the addresses a request may reach, so the
/// connection goes to a checked address.
#[derive(Debug)]
struct CheckedResolver {
    /// Addresses the allow list names exactly: reachable even when special.
    allowed: Vec<IpAddr>,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let mut usable = Vec::with_capacity(found.len());
            for addr in found {
                let ip = crate::rules::canonical(addr.ip());
                match special_use(ip) {
                    Some(kind) if !allowed.contains(&ip) => {
                        refused.get_or_insert(AddressRefused {
                            host: host.clone(),
                            ip,
                            kind,
                        });
                    }
                    _ => usable.push(SocketAddr::new(ip, addr.port())),
                }
            }
            if usable.is_empty() {
                return Err(match refused {
                    Some(r) => Box::new(r) as Box<dyn std::error::Error + Send + Sync>,
                    None => format!("{host} has no address").into(),
                });
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> Network {
        Network::default()
            .allow("api.example.com")
            .unwrap()
            .allow("127.0.0.1:8080")
            .unwrap()
    }

    fn inner(network: Network) -> Inner {
        let Fetch { inner, .. } = Fetch::new(network).unwrap();
        Arc::into_inner(inner).unwrap()
    }

    #[test]
    fn hops_are_checked_for_scheme_host_method_and_address() {
        let i = inner(net());
        let get = http::Method::GET;
        let ok = |u: &str| i.check(&get, &Url::parse(u).unwrap());
        assert!(ok("https://api.example.com/x").is_ok());
        assert!(ok("http://127.0.0.1:8080/").is_ok());
        let code = |r: Result<(), ToolError>| r.unwrap_err().code();
        assert_eq!(code(ok("ftp://api.example.com/")), "EPOLICY");
        assert_eq!(code(ok("https://other.example.com/")), "EPOLICY");
        assert_eq!(code(ok("http://127.0.0.1:9/")), "EPOLICY");
        // The same address in other spellings is the same address.
        assert!(ok("http://2130706433:8080/").is_ok());
        assert_eq!(
            code(i.check(
                &http::Method::POST,
                &Url::parse("https://api.example.com/").unwrap()
            )),
            "EPOLICY"
        );
    }

    #[test]
    fn an_address_literal_matched_by_a_wildcard_is_still_refused() {
        let i = inner(Network::default().allow("*.0.0.1:*").unwrap());
        let err = i
            .check(
                &http::Method::GET,
                &Url::parse("http://127.0.0.1:80/").unwrap(),
            )
            .unwrap_err();
        assert!(err.message().contains("loopback"), "{err}");
    }

    #[test]
    fn arguments_are_read_strictly() {
        let read = |v: Value| Request::read(&v).map(|_| ()).map_err(|e| e.to_string());
        assert!(read(json!({"url": "https://a.com"})).is_ok());
        assert!(
            read(json!({"url": "not a url"}))
                .unwrap_err()
                .contains("invalid URL")
        );
        assert!(read(json!({"url": "https://a.com", "method": "G T"})).is_err());
        assert!(
            read(json!({"url": "https://a.com", "body": "x"}))
                .unwrap_err()
                .contains("cannot have a body")
        );
        assert!(read(json!({"url": "https://a.com", "redirect": "sometimes"})).is_err());
        let r = Request::read(&json!({"url": "https://a.com", "method": "post",
            "headers": {"Host": "evil.com", "X-A": "1", "Proxy-Authorization": "x"},
            "body": "aGk=", "bodyEncoding": "base64"}))
        .unwrap();
        assert_eq!(r.method, http::Method::POST);
        assert_eq!(r.body.as_deref(), Some(&b"hi"[..]));
        assert_eq!(r.headers.len(), 1, "{:?}", r.headers);
    }

    #[test]
    fn secrets_are_scrubbed_from_bytes() {
        let secret = crate::Secret::new("a.com", "Authorization", "Bearer {env:T}", |_| {
            Some("s3cr3t-value".into())
        })
        .unwrap();
        let i = inner(net().with_secret(secret));
        let mut body = b"{\"auth\":\"Bearer s3cr3t-value\",\"raw\":\"s3cr3t-value\"}".to_vec();
        i.scrub(&mut body);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "{\"auth\":\"[REDACTED]\",\"raw\":\"[REDACTED]\"}"
        );
    }
}
