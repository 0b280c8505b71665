//! What a component may do beyond computing: its grants (hosts it may reach, environment
//! values) and its limits (time, memory, fuel, output). Deny by default: a component with no
//! grants has no network, no files and no environment; clocks and randomness are always there.

use std::collections::BTreeMap;
use std::time::Duration;

use airlock_net::{HostRule, OutOfReach, listed, parse_method, within_reach};

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
    /// Whether the component may change it (`mode = "rw"`): what it creates, replaces or
    /// removes there goes back to the session's files when the call succeeds.
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
        }
        // Two grants showing the same files, one of them writable, would hand back two versions
        // of the same paths: a writable grant shares its folder with no other grant.
        for (at, grant) in self.files.iter().filter(|(_, g)| g.writable) {
            for (other_at, other) in &self.files {
                if other_at != at
                    && (nested(&grant.from, &other.from) || nested(&other.from, &grant.from))
                {
                    return Err(Error::config(format!(
                        "grants.files \"{at}\" (read-write) and \"{other_at}\" both show {}; a writable grant's folder may not overlap another grant's",
                        if nested(&grant.from, &other.from) {
                            &other.from
                        } else {
                            &grant.from
                        }
                    )));
                }
            }
        }
        Ok(())
    }

    /// What the script needs to know of the `files` grant, for the tools' descriptions: where
    /// the component sees the session's folders (paths given to it are its own), and where what
    /// it writes appears.
    pub(crate) fn files_note(&self) -> Option<String> {
        if self.files.is_empty() {
            return None;
        }
        let shown: Vec<String> = self
            .files
            .iter()
            .map(|(at, g)| {
                let mode = if g.writable {
                    format!("read-write: what it writes there appears in {}", g.from)
                } else {
                    "read-only".to_string()
                };
                if *at == g.from {
                    format!("{at} ({mode})")
                } else {
                    format!("{} as {at} ({mode})", g.from)
                }
            })
            .collect();
        Some(format!(
            "Files: it sees the session's {}; paths given to it are its own.",
            shown.join(", ")
        ))
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

/// The network grant compiled: host rules and methods.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub(crate) rules: Vec<HostRule>,
    pub(crate) methods: Vec<http::Method>,
}

impl Network {
    pub(crate) fn compile(grants: &Grants) -> Result<Self, Error> {
        let rules = grants
            .network
            .iter()
            .map(|r| {
                HostRule::parse(r).map_err(|e| Error::config(format!("grants.network entry {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut methods = grants
            .methods
            .iter()
            .map(|m| {
                parse_method(m).ok_or_else(|| {
                    Error::config(format!(
                        "grants.methods entry '{}' is not an HTTP method (like \"GET\" or \"POST\")",
                        m.trim().to_ascii_uppercase()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if methods.is_empty() {
            methods = vec![http::Method::GET, http::Method::HEAD];
        }
        Ok(Self { rules, methods })
    }

    /// `None` when the request is granted, else why not (naming the host and the grant).
    pub(crate) fn refuse(
        &self,
        method: &http::Method,
        host: &str,
        port: u16,
        default_port: u16,
    ) -> Option<String> {
        let reason = match within_reach(
            &self.rules,
            &self.methods,
            method,
            host,
            port,
            default_port,
        ) {
            Ok(()) => return None,
            Err(OutOfReach::NoHosts) => {
                "this component has no network grant (add the host to [component.grants] network)"
                    .to_string()
            }
            Err(OutOfReach::Host) => format!(
                "the host is not in this component's network grant ({})",
                listed(&self.rules)
            ),
            Err(OutOfReach::Method) => format!(
                "the method is not granted (grants.methods = {})",
                listed(&self.methods)
            ),
        };
        Some(format!("{method} to {host}:{port} refused: {reason}"))
    }
}

/// Whether folder `inner` is `outer` or below it.
fn nested(inner: &str, outer: &str) -> bool {
    let (inner, outer) = (inner.trim_end_matches('/'), outer.trim_end_matches('/'));
    outer.is_empty()
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_note_says_where_the_component_sees_the_session() {
        let mut grants = Grants::default();
        assert_eq!(grants.files_note(), None);
        grants
            .files
            .insert("/data".into(), FileGrant::read_only("/workspace/in"));
        let mut out = FileGrant::read_only("/workspace/out");
        out.writable = true;
        grants.files.insert("/workspace/out".into(), out);
        assert_eq!(
            grants.files_note().unwrap(),
            "Files: it sees the session's /workspace/in as /data (read-only), /workspace/out (read-write: what it writes there appears in /workspace/out); paths given to it are its own."
        );
    }

    #[test]
    fn malformed_grants_name_the_entry() {
        let g = Grants {
            network: vec!["https://api.example.com".into()],
            ..Grants::default()
        };
        let err = Network::compile(&g).unwrap_err().to_string();
        assert!(
            err.contains("grants.network entry 'https://api.example.com'")
                && err.contains("like \"api.example.com\""),
            "{err}"
        );
    }

    #[test]
    fn refusals_name_the_host_and_the_missing_grant() {
        let none = Network::compile(&Grants::default()).unwrap();
        assert!(
            none.refuse(&http::Method::GET, "a.com", 443, 443)
                .unwrap()
                .contains("no network grant")
        );
        let g = Grants {
            network: vec!["a.com".into()],
            ..Grants::default()
        };
        let net = Network::compile(&g).unwrap();
        assert_eq!(net.refuse(&http::Method::GET, "a.com", 443, 443), None);
        assert!(
            net.refuse(&http::Method::GET, "b.com", 443, 443)
                .unwrap()
                .contains("b.com:443")
        );
        let post = net.refuse(&http::Method::POST, "a.com", 443, 443).unwrap();
        assert!(
            post.contains("method is not granted") && post.contains("GET, HEAD"),
            "{post}"
        );
    }
}
