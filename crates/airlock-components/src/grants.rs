//! What a component may do beyond computing: its grants (hosts it may reach, environment
//! values) and its limits (time, memory, fuel, output). Deny by default: a component with no
//! grants has no network, no files and no environment; clocks and randomness are always there.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::error::Error;

/// The powers of one component, given by the operator in `[component.grants]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grants {
    /// Hosts it may send HTTP requests to, as `host`, `host:port`, `*.domain` or `host:*`.
    pub network: Vec<String>,
    /// HTTP methods it may use; empty means `GET` and `HEAD`.
    pub methods: Vec<String>,
    /// Literal environment values.
    pub env: BTreeMap<String, String>,
    /// Host environment variables passed on by name (the script never sees them). A variable
    /// not set on the host is left out.
    pub env_from_host: Vec<String>,
    /// Subtrees of the session's files the component sees, by the path it sees them at.
    pub files: BTreeMap<String, FileGrant>,
}

/// One `files` grant: a subtree of the session's filesystem, shown to the component as a
/// preopened directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileGrant {
    /// The folder of the session's filesystem (the script's view) to show.
    pub from: String,
    /// Whether the component may change it. Only read-only grants are available so far.
    pub writable: bool,
}

impl FileGrant {
    /// The folder `from` of the session's files, read-only.
    pub fn read_only(from: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            writable: false,
        }
    }
}

impl Grants {
    /// Whether the component was granted anything at all.
    pub fn is_empty(&self) -> bool {
        self.network.is_empty()
            && self.env.is_empty()
            && self.env_from_host.is_empty()
            && self.files.is_empty()
    }

    pub(crate) fn check_files(&self) -> Result<(), Error> {
        for (at, grant) in &self.files {
            if !at.starts_with('/') || !grant.from.starts_with('/') {
                return Err(Error::config(format!(
                    "grants.files \"{at}\" = \"{}\": both paths must be absolute, like \"/data\" = {{ from = \"/workspace/in\", mode = \"ro\" }}",
                    grant.from
                )));
            }
            if grant.writable {
                return Err(Error::config(format!(
                    "grants.files \"{at}\": read-write file grants are not available yet; components can be given files read-only (mode = \"ro\") and return what they produce"
                )));
            }
        }
        Ok(())
    }

    /// The environment the component sees: the literal values, then the host's named ones.
    pub(crate) fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for name in &self.env_from_host {
            if let Ok(value) = std::env::var(name) {
                env.retain(|(k, _)| k != name);
                env.push((name.clone(), value));
            }
        }
        env
    }
}

/// The bounds of one call of a component, from `[component.limits]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Wall-clock time of one call, instantiation included. Default 10 s.
    pub timeout: Duration,
    /// Linear memory of one instance, all its memories together, in bytes. Default 256 MiB;
    /// at most [`MAX_MEMORY`].
    pub memory: u64,
    /// Fuel (roughly, WebAssembly instructions) one call may burn; `None` is unmetered.
    pub fuel: Option<u64>,
    /// Bytes of one HTTP response body the component may receive. Default 4 MiB.
    pub http_response_bytes: u64,
    /// Bytes of stdout and of stderr kept per call; the rest is counted and dropped. Default 64 KiB.
    pub output_bytes: usize,
}

/// The largest memory limit a component can be given: the pooling allocator reserves this much
/// address space per instance slot.
pub const MAX_MEMORY: u64 = 4 << 30;

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory: 256 << 20,
            fuel: None,
            http_response_bytes: 4 << 20,
            output_bytes: 64 << 10,
        }
    }
}

impl Limits {
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.memory > MAX_MEMORY {
            return Err(Error::config(format!(
                "limits.memory is {} bytes, over the most a component can have ({} GiB)",
                self.memory,
                MAX_MEMORY >> 30
            )));
        }
        if self.memory < 64 << 10 {
            return Err(Error::config(
                "limits.memory is below one WebAssembly page (64 KiB)".to_string(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::config(
                "limits.timeout must be above zero".to_string(),
            ));
        }
        Ok(())
    }
}

/// One `network` grant: a host name (or `*.` a domain's subdomains) and a port (or any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRule {
    host: HostMatch,
    port: PortMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Exact(String),
    /// `*.example.org`: any name ending in `.example.org` (not `example.org` itself).
    Subdomains(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortMatch {
    /// No port written: the scheme's default port (80 for http, 443 for https).
    Default,
    Exact(u16),
    Any,
}

impl HostRule {
    pub(crate) fn parse(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::config(format!(
                "grants.network entry '{text}': {why}; write a host name or address with an optional port, like \"api.example.com\", \"*.example.org:8443\" or \"127.0.0.1:8080\""
            ))
        };
        let text = text.trim();
        if text.contains("://") || text.contains('/') {
            return Err(bad("a grant names a host, not a URL"));
        }
        // `[::1]:8080` or `[::1]`; else split at the last colon when it is not part of an
        // unbracketed IPv6 address.
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            (host, after.strip_prefix(':'))
        } else if text.matches(':').count() == 1 {
            let (h, p) = text.split_once(':').unwrap_or((text, ""));
            (h, Some(p))
        } else {
            (text, None)
        };
        let port = match port {
            None => PortMatch::Default,
            Some("*") => PortMatch::Any,
            Some(p) => PortMatch::Exact(
                p.parse()
                    .map_err(|_| bad("the port is not a number from 1 to 65535"))?,
            ),
        };
        let host = host.to_ascii_lowercase();
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        let host = match host.strip_prefix("*.") {
            Some(domain) if !domain.is_empty() && !domain.contains('*') => {
                HostMatch::Subdomains(domain.to_string())
            }
            _ if host.contains('*') => {
                return Err(bad("'*' may only start a name, as in *.example.org"));
            }
            _ => HostMatch::Exact(host),
        };
        Ok(Self { host, port })
    }

    /// Whether a request to `host` on `port` (the URL's, or the scheme's default) is granted.
    pub(crate) fn allows(&self, host: &str, port: u16, default_port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let host_ok = match &self.host {
            HostMatch::Exact(h) => *h == host,
            HostMatch::Subdomains(d) => {
                host.len() > d.len() + 1
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.'
            }
        };
        let port_ok = match self.port {
            PortMatch::Default => port == default_port,
            PortMatch::Exact(p) => p == port,
            PortMatch::Any => true,
        };
        host_ok && port_ok
    }
}

impl fmt::Display for HostRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostMatch::Exact(h) if h.contains(':') => write!(f, "[{h}]")?,
            HostMatch::Exact(h) => f.write_str(h)?,
            HostMatch::Subdomains(d) => write!(f, "*.{d}")?,
        }
        match self.port {
            PortMatch::Default => Ok(()),
            PortMatch::Exact(p) => write!(f, ":{p}"),
            PortMatch::Any => f.write_str(":*"),
        }
    }
}

/// The network grant compiled: host rules and methods.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub(crate) rules: Vec<HostRule>,
    pub(crate) methods: Vec<String>,
}

impl Network {
    pub(crate) fn compile(grants: &Grants) -> Result<Self, Error> {
        let rules = grants
            .network
            .iter()
            .map(|r| HostRule::parse(r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut methods: Vec<String> = grants
            .methods
            .iter()
            .map(|m| m.trim().to_ascii_uppercase())
            .collect();
        if let Some(bad) = methods
            .iter()
            .find(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(Error::config(format!(
                "grants.methods entry '{bad}' is not an HTTP method (like \"GET\" or \"POST\")"
            )));
        }
        if methods.is_empty() {
            methods = vec!["GET".into(), "HEAD".into()];
        }
        Ok(Self { rules, methods })
    }

    /// `None` when the request is granted, else why not (naming the host and the grant).
    pub(crate) fn refuse(
        &self,
        method: &str,
        host: &str,
        port: u16,
        default_port: u16,
    ) -> Option<String> {
        if self.rules.is_empty() {
            return Some(format!(
                "{method} to {host}:{port} refused: this component has no network grant (add the host to [component.grants] network)"
            ));
        }
        if !self
            .rules
            .iter()
            .any(|r| r.allows(host, port, default_port))
        {
            let granted: Vec<String> = self.rules.iter().map(ToString::to_string).collect();
            return Some(format!(
                "{method} to {host}:{port} refused: the host is not in this component's network grant ({})",
                granted.join(", ")
            ));
        }
        if !self.methods.iter().any(|m| m == method) {
            return Some(format!(
                "{method} to {host}:{port} refused: the method is not granted (grants.methods = {})",
                self.methods.join(", ")
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> HostRule {
        HostRule::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn exact_hosts_take_the_default_port_unless_one_is_written() {
        let r = rule("api.example.com");
        assert!(r.allows("api.example.com", 443, 443));
        assert!(r.allows("API.example.com", 80, 80));
        assert!(!r.allows("api.example.com", 8443, 443));
        assert!(!r.allows("example.com", 443, 443));
        let r = rule("127.0.0.1:8080");
        assert!(r.allows("127.0.0.1", 8080, 80));
        assert!(!r.allows("127.0.0.1", 80, 80));
        assert!(rule("localhost:*").allows("localhost", 1234, 80));
    }

    #[test]
    fn a_wildcard_covers_subdomains_only() {
        let r = rule("*.example.org:8443");
        assert!(r.allows("a.example.org", 8443, 443));
        assert!(r.allows("a.b.example.org", 8443, 443));
        assert!(!r.allows("example.org", 8443, 443));
        assert!(!r.allows("badexample.org", 8443, 443));
        assert!(!r.allows("a.example.org", 443, 443));
    }

    #[test]
    fn ipv6_addresses_are_bracketed() {
        let r = rule("[::1]:9000");
        assert!(r.allows("[::1]", 9000, 80));
        assert!(r.allows("::1", 9000, 80));
        assert_eq!(r.to_string(), "[::1]:9000");
    }

    #[test]
    fn malformed_grants_are_refused_with_the_form_to_write() {
        for bad in [
            "https://api.example.com",
            "a.*.com",
            "host:http",
            "",
            "*.",
            "h:99999",
        ] {
            let err = HostRule::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("like \"api.example.com\""), "{bad}: {err}");
        }
    }

    #[test]
    fn refusals_name_the_host_and_the_missing_grant() {
        let none = Network::compile(&Grants::default()).unwrap();
        assert!(
            none.refuse("GET", "a.com", 443, 443)
                .unwrap()
                .contains("no network grant")
        );
        let g = Grants {
            network: vec!["a.com".into()],
            ..Grants::default()
        };
        let net = Network::compile(&g).unwrap();
        assert_eq!(net.refuse("GET", "a.com", 443, 443), None);
        assert!(
            net.refuse("GET", "b.com", 443, 443)
                .unwrap()
                .contains("b.com:443")
        );
        let post = net.refuse("POST", "a.com", 443, 443).unwrap();
        assert!(
            post.contains("method is not granted") && post.contains("GET, HEAD"),
            "{post}"
        );
    }
}
