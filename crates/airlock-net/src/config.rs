//! What the operator allows: hosts, methods, bounds, and the secrets the host adds to requests.

use std::fmt;
use std::time::Duration;

use http::{HeaderName, HeaderValue};

use crate::rules::{HostRule, OutOfReach, listed, parse_method, within_reach};

/// A network configuration that cannot be used; the message names the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NetError {
    message: String,
}

impl NetError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The network a sandbox's `http/fetch` tool may use: nothing unless hosts are allowed.
///
/// ```
/// use airlock_net::{Network, Secret};
///
/// let net = Network::default()
///     .allow("api.github.com")?
///     .allow("*.example.org:8443")?
///     .with_methods(["GET", "POST"])?
///     .with_secret(Secret::new("api.github.com", "Authorization", "Bearer {env:GH}", |_| {
///         Some("ghp_example".into())
///     })?);
/// assert_eq!(net.allowed().len(), 2);
/// # Ok::<(), airlock_net::NetError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Network {
    allow: Vec<HostRule>,
    methods: Vec<http::Method>,
    /// The largest response body, in bytes.
    pub max_response: u64,
    /// How long one request may take, redirects included.
    pub timeout: Duration,
    /// How many redirects a request follows before it fails.
    pub max_redirects: u32,
    secrets: Vec<Secret>,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            methods: vec![http::Method::GET, http::Method::HEAD],
            max_response: Self::DEFAULT_MAX_RESPONSE,
            timeout: Self::DEFAULT_TIMEOUT,
            max_redirects: Self::DEFAULT_MAX_REDIRECTS,
            secrets: Vec::new(),
        }
    }
}

impl Network {
    pub const DEFAULT_MAX_RESPONSE: u64 = 8 << 20;
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
    pub const DEFAULT_MAX_REDIRECTS: u32 = 10;

    /// Allows requests to a host (see [`HostRule`] for the forms).
    ///
    /// # Errors
    /// [`NetError`] naming the rule when it cannot be read.
    pub fn allow(mut self, rule: &str) -> Result<Self, NetError> {
        let rule =
            HostRule::parse(rule).map_err(|e| NetError::new(format!("network.allow entry {e}")))?;
        self.allow.push(rule);
        Ok(self)
    }

    /// The methods requests may use (default `GET` and `HEAD`).
    ///
    /// # Errors
    /// [`NetError`] for an empty list or a name that is not an HTTP method.
    pub fn with_methods<I, S>(mut self, methods: I) -> Result<Self, NetError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for m in methods {
            let m = m.as_ref();
            out.push(parse_method(m).ok_or_else(|| {
                NetError::new(format!(
                    "network.methods entry '{}' is not an HTTP method (like \"GET\" or \"POST\")",
                    m.trim().to_ascii_uppercase()
                ))
            })?);
        }
        if out.is_empty() {
            return Err(NetError::new(
                "network.methods is empty; leave it out for GET and HEAD, or list the methods",
            ));
        }
        self.methods = out;
        Ok(self)
    }

    /// Adds a header the host puts on matching requests.
    #[must_use]
    pub fn with_secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    pub fn allowed(&self) -> &[HostRule] {
        &self.allow
    }

    pub fn methods(&self) -> &[http::Method] {
        &self.methods
    }

    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// `None` when a request with `method` to `host:port` is allowed, else why not.
    pub(crate) fn refuse(
        &self,
        method: &http::Method,
        host: &str,
        port: u16,
        default_port: u16,
    ) -> Option<String> {
        let reason =
            match within_reach(&self.allow, &self.methods, method, host, port, default_port) {
                Ok(()) => return None,
                Err(OutOfReach::NoHosts) => {
                    "no host is allowed ([network] allow is empty)".to_string()
                }
                Err(OutOfReach::Host) => format!(
                    "the host is not in [network] allow ({})",
                    listed(&self.allow)
                ),
                Err(OutOfReach::Method) => format!(
                    "the method is not in [network] methods ({})",
                    listed(&self.methods)
                ),
            };
        Some(format!("{method} to {host}:{port} refused: {reason}"))
    }

    /// Whether an address is allowed exactly on this port.
    pub(crate) fn allows_address_on(
        &self,
        ip: std::net::IpAddr,
        port: u16,
        default_port: u16,
    ) -> bool {
        let ip = crate::rules::canonical(ip);
        self.allow
            .iter()
            .any(|r| r.address() == Some(ip) && r.allows(&ip.to_string(), port, default_port))
    }
}

/// A header the host adds to requests to one host, with a value the script never sees: not
/// in its arguments, not in the journal, and scrubbed from the responses it gets back.
#[derive(Clone)]
pub struct Secret {
    host: HostRule,
    header: HeaderName,
    value: HeaderValue,
    /// What is replaced in responses: the whole value and each `{env:...}` it took in.
    scrub: Vec<Vec<u8>>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("host", &self.host.to_string())
            .field("header", &self.header)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// What a response shows in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Parts of a secret shorter than this are not scrubbed from responses on their own (a
/// two-letter value would garble every body); the whole header value always is.
const MIN_SCRUB: usize = 6;

impl Secret {
    /// A header for requests to `host` (a [`HostRule`]), whose value is `template` with each
    /// `{env:NAME}` replaced by the host's environment variable, read through `env`.
    ///
    /// # Errors
    /// [`NetError`] for a bad host rule or header name, an unset variable, or a value that
    /// cannot be a header.
    pub fn new(
        host: &str,
        header: &str,
        template: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, NetError> {
        let rule =
            HostRule::parse(host).map_err(|e| NetError::new(format!("network.secret host {e}")))?;
        let header = HeaderName::from_bytes(header.trim().as_bytes()).map_err(|_| {
            NetError::new(format!(
                "network.secret header '{header}' is not a header name (like \"Authorization\")"
            ))
        })?;
        let mut value = String::new();
        let mut scrub = Vec::new();
        let mut rest = template;
        while let Some(at) = rest.find("{env:") {
            value.push_str(&rest[..at]);
            let after = &rest[at + 5..];
            let end = after.find('}').ok_or_else(|| {
                NetError::new(format!(
                    "network.secret value for {header}: '{{env:' is not closed; write {{env:NAME}}"
                ))
            })?;
            let name = &after[..end];
            let got = env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                NetError::new(format!(
                    "network.secret value for {header} on {rule}: the environment variable {name} is not set; export it before starting airlock"
                ))
            })?;
            if got.len() >= MIN_SCRUB {
                scrub.push(got.clone().into_bytes());
            }
            value.push_str(&got);
            rest = &after[end + 1..];
        }
        value.push_str(rest);
        if value.trim().is_empty() {
            return Err(NetError::new(format!(
                "network.secret value for {header} on {rule} is empty"
            )));
        }
        let mut header_value = HeaderValue::from_str(&value).map_err(|_| {
            NetError::new(format!(
                "network.secret value for {header} on {rule} cannot be sent in a header (control characters or non-ASCII)"
            ))
        })?;
        header_value.set_sensitive(true);
        scrub.push(value.into_bytes());
        // Longest first, so a whole value is replaced before the parts inside it.
        scrub.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Self {
            host: rule,
            header,
            value: header_value,
            scrub,
        })
    }

    pub fn host(&self) -> &HostRule {
        &self.host
    }

    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    pub(crate) fn applies(&self, host: &str, port: u16, default_port: u16) -> bool {
        self.host.allows(host, port, default_port)
    }

    pub(crate) fn value(&self) -> &HeaderValue {
        &self.value
    }

    pub(crate) fn scrub_parts(&self) -> &[Vec<u8>] {
        &self.scrub
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_takes_its_value_from_the_environment_and_hides_it_in_debug() {
        let s = Secret::new("api.example.com", "Authorization", "Bearer {env:T}", |n| {
            (n == "T").then(|| "tok-123456".to_string())
        })
        .unwrap();
        assert_eq!(s.value().to_str().unwrap(), "Bearer tok-123456");
        assert!(s.value().is_sensitive());
        assert_eq!(
            s.scrub_parts(),
            &[b"Bearer tok-123456".to_vec(), b"tok-123456".to_vec()]
        );
        let debug = format!("{s:?}");
        assert!(!debug.contains("tok-123456") && debug.contains("[redacted]"));
    }

    #[test]
    fn bad_secrets_and_rules_name_what_is_wrong() {
        let unset = Secret::new("a.com", "X-Key", "{env:NOPE}", |_| None).unwrap_err();
        assert!(unset.to_string().contains("NOPE is not set"), "{unset}");
        let open = Secret::new("a.com", "X-Key", "{env:NOPE", |_| None).unwrap_err();
        assert!(open.to_string().contains("not closed"), "{open}");
        let header = Secret::new("a.com", "Bad Header", "v", |_| None).unwrap_err();
        assert!(header.to_string().contains("not a header name"), "{header}");
        let ctl = Secret::new("a.com", "X", "a\nb", |_| None).unwrap_err();
        assert!(ctl.to_string().contains("cannot be sent"), "{ctl}");
        let rule = Network::default().allow("https://x.com").unwrap_err();
        assert!(
            rule.to_string()
                .starts_with("network.allow entry 'https://x.com'")
        );
        let m = Network::default().with_methods(["G3T"]).unwrap_err();
        assert!(m.to_string().contains("not an HTTP method"), "{m}");
    }

    #[test]
    fn refusals_name_the_host_and_what_is_allowed() {
        let none = Network::default();
        let why = none.refuse(&http::Method::GET, "a.com", 443, 443).unwrap();
        assert!(why.contains("[network] allow is empty"), "{why}");
        let net = Network::default().allow("a.com").unwrap();
        assert_eq!(net.refuse(&http::Method::GET, "a.com", 443, 443), None);
        let other = net.refuse(&http::Method::GET, "b.com", 443, 443).unwrap();
        assert!(
            other.contains("b.com:443") && other.contains("(a.com)"),
            "{other}"
        );
        let post = net.refuse(&http::Method::POST, "a.com", 443, 443).unwrap();
        assert!(post.contains("GET, HEAD"), "{post}");
    }
}
