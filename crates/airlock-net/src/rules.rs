//! Which hosts a request may reach: host rules (`api.example.com`, `*.example.org:8443`,
//! `127.0.0.1:8080`) and the address classes refused unless an address is allowed exactly.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One allowed host: a name (or `*.` a domain's subdomains) or an address, and a port (the
/// scheme's default when none is written, `*` for any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
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

/// A host rule that cannot be read; its message names the text and shows the forms to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{text}': {why}; write a host name or address with an optional port, like \"api.example.com\", \"*.example.org:8443\" or \"127.0.0.1:8080\""
)]
pub struct HostRuleError {
    text: String,
    why: &'static str,
}

impl HostRule {
    /// Reads one rule.
    ///
    /// # Errors
    /// [`HostRuleError`] for a URL, a misplaced `*`, an empty host or a bad port.
    pub fn parse(text: &str) -> Result<Self, HostRuleError> {
        let bad = |why| HostRuleError {
            text: text.to_string(),
            why,
        };
        let text = text.trim();
        if text.contains("://") || text.contains('/') {
            return Err(bad("a rule names a host, not a URL"));
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
                    .ok()
                    .filter(|&p| p != 0)
                    .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
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
            // An address is kept in its canonical form, so `::0001` matches `::1`.
            _ => HostMatch::Exact(
                host.parse::<IpAddr>()
                    .map_or(host, |ip| canonical(ip).to_string()),
            ),
        };
        Ok(Self { host, port })
    }

    /// Whether a request to `host` on `port` (the URL's, or the scheme's default) is allowed.
    pub fn allows(&self, host: &str, port: u16, default_port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let host = host
            .parse::<IpAddr>()
            .map_or(host, |ip| canonical(ip).to_string());
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

    /// The address this rule names, when it names one rather than a host name: such a rule
    /// lets requests reach that address even when it is loopback or private.
    pub fn address(&self) -> Option<IpAddr> {
        match &self.host {
            HostMatch::Exact(h) => h.parse().ok(),
            HostMatch::Subdomains(_) => None,
        }
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

/// Why a request is out of reach of a set of host rules and methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfReach {
    /// No host is allowed at all.
    NoHosts,
    /// The host (and port) is in no rule.
    Host,
    /// The host is allowed, the method is not.
    Method,
}

/// Whether a request with `method` to `host:port` is within `rules` and `methods`: the one
/// check behind `[network]` and a component's network grant, which each word the refusal.
pub fn within_reach(
    rules: &[HostRule],
    methods: &[http::Method],
    method: &http::Method,
    host: &str,
    port: u16,
    default_port: u16,
) -> Result<(), OutOfReach> {
    if rules.is_empty() {
        return Err(OutOfReach::NoHosts);
    }
    if !rules.iter().any(|r| r.allows(host, port, default_port)) {
        return Err(OutOfReach::Host);
    }
    if !methods.contains(method) {
        return Err(OutOfReach::Method);
    }
    Ok(())
}

/// An HTTP method as an operator writes it (letters, any case), or `None`.
pub fn parse_method(text: &str) -> Option<http::Method> {
    let m = text.trim().to_ascii_uppercase();
    if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    http::Method::from_bytes(m.as_bytes()).ok()
}

/// Items joined with ", ", as refusals list what is allowed.
pub fn listed<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An IPv4 address carried in IPv6 (`::ffff:127.0.0.1`) as the IPv4 address it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The class of an address a request may not reach unless the address is allowed exactly
/// (loopback, private, link-local, cloud metadata, ...), or `None` for a public address.
pub fn special_use(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    // The instance metadata services of AWS, GCP and Azure (169.254.169.254), Alibaba
    // (100.100.100.200) and Oracle (192.0.0.192): credentials live there.
    if ip == Ipv4Addr::new(169, 254, 169, 254)
        || ip == Ipv4Addr::new(100, 100, 100, 200)
        || ip == Ipv4Addr::new(192, 0, 0, 192)
    {
        return Some("a cloud metadata address");
    }
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private address"
    } else if ip.is_link_local() {
        "a link-local address"
    } else if a == 0 {
        "an unspecified address"
    } else if a == 100 && (64..128).contains(&b) {
        "a shared (carrier-grade NAT) address"
    } else if ip.is_multicast() || ip.is_broadcast() {
        "a multicast or broadcast address"
    } else if a >= 240
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || ip.is_documentation()
    {
        "a reserved address"
    } else {
        return None;
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some("a cloud metadata address");
    }
    // NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form (::a.b.c.d) reach the
    // IPv4 address they embed.
    if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4]) || (s[0..6] == [0; 6] && s[6] != 0) {
        let embedded = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return special_v4(embedded);
    }
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_unspecified() {
        "an unspecified address"
    } else if s[0] & 0xfe00 == 0xfc00 {
        "a private (unique local) address"
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        "a link-local address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        "a reserved address"
    } else {
        return None;
    })
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
        assert_eq!(r.address(), Some(IpAddr::from([127, 0, 0, 1])));
        assert!(rule("localhost:*").allows("localhost", 1234, 80));
        assert_eq!(rule("localhost:*").address(), None);
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
    fn ipv6_addresses_are_bracketed_and_compared_canonically() {
        let r = rule("[::1]:9000");
        assert!(r.allows("[::1]", 9000, 80));
        assert!(r.allows("::1", 9000, 80));
        assert!(r.allows("0:0::0001", 9000, 80));
        assert_eq!(r.to_string(), "[::1]:9000");
        // An IPv4 address written as IPv4-mapped IPv6 is that IPv4 address.
        assert!(rule("127.0.0.1:80").allows("::ffff:127.0.0.1", 80, 80));
    }

    #[test]
    fn malformed_rules_are_refused_with_the_form_to_write() {
        for bad in [
            "https://api.example.com",
            "a.*.com",
            "host:http",
            "",
            "*.",
            "h:99999",
            "h:0",
            "[::1",
        ] {
            let err = HostRule::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("like \"api.example.com\""), "{bad}: {err}");
        }
    }

    #[test]
    fn special_addresses_are_named_and_public_ones_pass() {
        let cases: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("loopback")),
            ("127.9.9.9", Some("loopback")),
            ("::1", Some("loopback")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::127.0.0.1", Some("loopback")),
            ("64:ff9b::a9fe:a9fe", Some("metadata")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("fd12::1", Some("private")),
            ("169.254.169.254", Some("metadata")),
            ("fd00:ec2::254", Some("metadata")),
            ("100.100.100.200", Some("metadata")),
            ("169.254.1.1", Some("link-local")),
            ("fe80::1", Some("link-local")),
            ("0.0.0.0", Some("unspecified")),
            ("::", Some("unspecified")),
            ("100.64.0.1", Some("shared")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("8.8.8.8", None),
            ("140.82.112.3", None),
            ("2606:4700::1111", None),
            ("172.32.0.1", None),
        ];
        for (ip, want) in cases {
            let got = special_use(ip.parse().unwrap());
            match want {
                Some(word) => assert!(
                    got.is_some_and(|g| g.contains(word)),
                    "{ip}: {got:?} lacks {word}"
                ),
                None => assert_eq!(got, None, "{ip}"),
            }
        }
    }
}
