//! `[network]`: the built-in `http/fetch` tool behind the script's `fetch` and `curl`.

use anyhow::anyhow;

use airlock::net::{Network, Secret};
use airlock::tool::Tool;

use crate::config::Loaded;
use crate::toolset::line_of;

/// The `http/fetch` tool the config file's `[network]` section describes; `None` without one.
pub fn tool(loaded: &Loaded) -> anyhow::Result<Option<std::sync::Arc<dyn Tool>>> {
    let Some(section) = &loaded.file.network else {
        return Ok(None);
    };
    let at = format!(
        "{}:{}",
        loaded.path.display(),
        line_of(&loaded.text, section.span().start)
    );
    let doc = section.get_ref();
    let fail = |e: &dyn std::fmt::Display| anyhow!("{at}: [network] {e}");
    let mut net = Network::default();
    for rule in &doc.allow {
        net = net.allow(rule).map_err(|e| fail(&e))?;
    }
    if let Some(methods) = &doc.methods {
        net = net.with_methods(methods).map_err(|e| fail(&e))?;
    }
    net.max_response = doc
        .max_response()
        .map_err(|e| fail(&format!("max_response: {e}")))?;
    if let Some(t) = &doc.timeout {
        net.timeout =
            crate::units::parse_duration(t).map_err(|e| fail(&format!("timeout: {e}")))?;
    }
    if net.timeout.is_zero() || net.max_response == 0 {
        return Err(fail(&"timeout and max_response must be above zero"));
    }
    if let Some(n) = doc.max_redirects {
        net.max_redirects = n;
    }
    for s in &doc.secret {
        let secret = Secret::new(&s.host, &s.header, &s.value, |name| {
            std::env::var(name).ok()
        })
        .map_err(|e| fail(&e))?;
        net = net.with_secret(secret);
    }
    Ok(Some(airlock::net::fetch_tool(net).map_err(|e| fail(&e))?))
}
