//! A GET through wasi:http's outgoing-handler; only the status is kept.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingRequest, Scheme};

/// GETs `url` and returns its status. The error is the host's error code in its debug form,
/// which carries the host's reason (a refused host, say).
pub fn get_status(url: &str) -> Result<u16, String> {
    let (scheme, authority, path) = split_url(url)?;
    let request = OutgoingRequest::new(Fields::new());
    // The setters only fail on a malformed value; say which one.
    request
        .set_method(&Method::Get)
        .map_err(|()| "cannot set method GET".to_string())?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| format!("bad scheme in {url}"))?;
    request
        .set_authority(Some(authority))
        .map_err(|()| format!("bad authority: {authority}"))?;
    request
        .set_path_with_query(Some(&path))
        .map_err(|()| format!("bad path: {path}"))?;

    let pending = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or("the response was not ready after waiting for it")?
        .map_err(|()| "the response was already taken")?
        .map_err(|e| format!("{e:?}"))?;
    // The body is not read: dropping the response releases it.
    Ok(response.status())
}

/// Splits `scheme://authority/path?query` into the parts wasi:http asks for.
fn split_url(url: &str) -> Result<(Scheme, &str, String), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("not an absolute URL: {url}"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(format!("no host in URL: {url}"));
    }
    // The fragment stays with the client; "host?q" and "host" still need the leading slash.
    let path = path.split('#').next().unwrap_or_default();
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    Ok((scheme, authority, path))
}
