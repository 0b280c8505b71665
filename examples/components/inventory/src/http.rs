//! A GET through wasi:http's outgoing-handler, with the body read to its end.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, IncomingBody, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

/// The most bytes one blocking read asks for.
const READ_CHUNK: u64 = 64 * 1024;

/// GETs `url` and returns its status and body (lossily decoded as UTF-8).
pub fn get_text(url: &str) -> Result<(u16, String), String> {
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

    let status = response.status();
    let body = response
        .consume()
        .map_err(|()| "the response body was already taken")?;
    let bytes = read_body(&body)?;
    // Trailers are not needed; finishing the body releases it.
    drop(IncomingBody::finish(body));
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

fn read_body(body: &IncomingBody) -> Result<Vec<u8>, String> {
    let stream = body
        .stream()
        .map_err(|()| "the response body stream was already taken")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return Ok(bytes),
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("reading the body failed: {}", e.to_debug_string()));
            }
        }
    }
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
