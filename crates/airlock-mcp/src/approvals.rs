//! Approvals in `airlock serve`: MCP elicitation when the client supports it, and a loopback
//! HTTP endpoint, guarded by a bearer token, for every other channel.
//!
//! - A call that needs a person's confirmation is asked of the MCP client with a form-mode
//!   elicitation (accept runs the call; decline or cancel refuses it), when the client declared
//!   elicitation in its `initialize` handshake (the 2025-06-18 protocol, where the server can
//!   send it requests during a call). One-time passwords are never asked in form mode (the MCP
//!   specification forbids sensitive data there): with the HTTP endpoint, a client with URL-mode
//!   elicitation is sent to a single-use loopback page (`/approvals/page/{token}`) where the
//!   person types the code. Every other approval stays pending.
//! - `GET /approvals` lists the pending approvals of every session as JSON;
//!   `POST /approvals/{id}` with `{"approve": true}`, `{"approve": true, "code": "123456"}` or
//!   `{"approve": false, "reason": "..."}` answers one. Both need
//!   `Authorization: Bearer TOKEN`; a missing or wrong token is a 401 that says nothing more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use airlock::pipeline::{Answer, Answered, ApprovalRequest, Approvals, Approver, LayerFuture};
use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitationAction, ElicitationSchema, InputRequest,
};
use rmcp::service::{ElicitationMode, Peer};
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest answer body the endpoint reads: a code and a reason.
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Code pages open at once per server: each is an approval a session waits on, so honest use
/// keeps a handful; this only bounds a flood.
const MAX_PAGES: usize = 256;

/// Asks the MCP client's user through elicitation.
pub(crate) struct Elicitation {
    /// The MCP client (none for a run resumed after a restart: its client is gone).
    pub(crate) peer: Option<Peer<RoleServer>>,
    /// With the HTTP approvals endpoint: where a one-time password is typed (URL mode), and
    /// the session's number there.
    pub(crate) pages: Option<(Arc<Registry>, usize)>,
    /// Where a waiting run is written down to outlive the server.
    pub(crate) durable: Option<Arc<crate::durable::Durable>>,
}

impl Approver for Elicitation {
    fn ask(&self, request: &ApprovalRequest) -> LayerFuture<'static, Option<Answered>> {
        if let Some(durable) = &self.durable {
            durable.waiting(request);
        }
        let peer = self.peer.clone();
        let request = request.clone();
        let pages = self.pages.clone();
        Box::pin(async move {
            let peer = peer?;
            let modes = peer.supported_elicitation_modes();
            if request.wants_code() {
                // Never in a form: the person types the code on a loopback page instead, and
                // its answer arrives through the endpoint while the call waits.
                let (registry, session) = pages?;
                if !modes.contains(&ElicitationMode::Url) {
                    return None;
                }
                let url = registry.page_url(session, &request.id)?;
                let params = ElicitRequestParams::UrlElicitationParams {
                    meta: None,
                    message: format!(
                        "{}\n\nType the one-time password for {} on the page.",
                        request.prompt, request.tool
                    ),
                    url,
                    elicitation_id: request.id.clone(),
                };
                let result = peer.create_elicitation(params).await.ok()?;
                return match result.action {
                    ElicitationAction::Accept => None,
                    _ => Some(Answered::new(
                        Answer::decline(Some("declined in the MCP client".into())),
                        "mcp",
                    )),
                };
            }
            if !modes.contains(&ElicitationMode::Form) {
                return None;
            }
            let params = form(&request)?;
            let result = peer.create_elicitation(params).await.ok()?;
            let answer = match result.action {
                ElicitationAction::Accept => Answer::approve(),
                ElicitationAction::Decline => {
                    Answer::decline(Some("declined in the MCP client".into()))
                }
                _ => Answer::decline(Some("cancelled in the MCP client".into())),
            };
            Some(Answered::new(answer, "mcp"))
        })
    }
}

/// The form elicitation a person answers to approve `request`.
fn form(request: &ApprovalRequest) -> Option<ElicitRequestParams> {
    let schema = ElicitationSchema::from_json_schema(
        json!({ "type": "object", "properties": {} })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )
    .ok()?;
    let message = format!(
        "{}\n\ntool {} {}{}",
        request.prompt,
        request.tool,
        request.args,
        request
            .rule
            .as_deref()
            .map(|r| format!(" (allowed by {r})"))
            .unwrap_or_default()
    );
    Some(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    })
}

/// `request` as an input request of a multi-round-trip `tools/call` answer.
pub(crate) fn input_request(request: &ApprovalRequest) -> InputRequest {
    let params = form(request).unwrap_or(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: request.prompt.clone(),
        requested_schema: ElicitationSchema::new(Default::default()),
    });
    InputRequest::Elicitation(ElicitRequest::new(params))
}

/// 128 random bits as hex: a `requestState` a client cannot guess.
pub(crate) fn fresh_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let now = std::time::SystemTime::now();
    let a = RandomState::new().hash_one(now);
    let b = RandomState::new().hash_one((now, a));
    format!("{a:016x}{b:016x}")
}

/// Every session's approvals, numbered, so the endpoint can list and answer them.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<Vec<Option<Approvals>>>,
    /// One-time pages where a person types a code: page token -> (session, approval id).
    pages: Mutex<HashMap<String, (usize, String)>>,
    /// `http://ADDR` of the endpoint, once it listens.
    pub(crate) base: OnceLock<String>,
}

impl Registry {
    /// A number for a new session; its approvals get ids `s{N}.{id}`.
    pub(crate) fn reserve(&self) -> usize {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.push(None);
        sessions.len() - 1
    }

    /// Registers session `n`'s broker.
    pub(crate) fn set(&self, n: usize, approvals: Approvals) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = sessions.get_mut(n) {
            *slot = Some(approvals);
        }
    }

    fn all(&self) -> Vec<Approvals> {
        self.sessions
            .lock()
            .map(|s| s.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }

    fn session(&self, n: usize) -> Option<Approvals> {
        self.sessions.lock().ok()?.get(n).cloned().flatten()
    }

    /// A single-use page for approval `id` of session `session`, or `None` before the
    /// endpoint listens or with too many pages open.
    fn page_url(&self, session: usize, id: &str) -> Option<String> {
        let base = self.base.get()?;
        let token = fresh_token();
        let mut pages = self.pages.lock().ok()?;
        if pages.len() >= MAX_PAGES {
            // Drop the pages of approvals nobody waits on any more (answered or timed out).
            pages.retain(|_, (n, id)| {
                self.session(*n)
                    .is_some_and(|a| a.pending().iter().any(|r| &r.id == id))
            });
        }
        if pages.len() >= MAX_PAGES {
            return None;
        }
        pages.insert(token.clone(), (session, id.to_string()));
        Some(format!("{base}/approvals/page/{token}"))
    }

    /// The pending approvals of every session.
    pub(crate) fn pending(&self) -> Value {
        let mut out = Vec::new();
        for (n, approvals) in self.all().iter().enumerate() {
            for request in approvals.pending() {
                let mut v = serde_json::to_value(&request).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), Value::from(format!("s{n}.{}", request.id)));
                }
                out.push(v);
            }
        }
        Value::Array(out)
    }

    /// Answers approval `id` (`s{N}.{id}`) from the body; the status and a message.
    pub(crate) fn answer(&self, id: &str, body: &[u8]) -> (u16, Value) {
        let body = match AnswerBody::parse(body) {
            Ok(b) => b,
            Err(refusal) => return refusal,
        };
        let Some((session, inner)) = id
            .strip_prefix('s')
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(n, inner)| Some((n.parse::<usize>().ok()?, inner)))
        else {
            return (404, json!({ "error": format!("no pending approval {id}") }));
        };
        let Some(approvals) = self.session(session) else {
            return (404, json!({ "error": format!("no pending approval {id}") }));
        };
        let answer = match (body.approve, body.code) {
            (true, Some(code)) => Answer::code(code),
            (true, None) => Answer::approve(),
            (false, _) => Answer::decline(body.reason),
        };
        match approvals.answer(inner, Answered::new(answer, "http")) {
            Ok(()) => (200, json!({ "answered": id })),
            Err(e) => (404, json!({ "error": e.to_string() })),
        }
    }
}

/// The body of `POST /approvals/{id}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    approve: bool,
    code: Option<String>,
    reason: Option<String>,
}

impl AnswerBody {
    fn parse(body: &[u8]) -> Result<Self, (u16, Value)> {
        if body.len() > MAX_ANSWER_BYTES {
            return Err((413, json!({ "error": "the answer is too large" })));
        }
        serde_json::from_slice(body).map_err(|e| {
            (
                400,
                json!({ "error": format!("{e}"), "hint": "send {\"approve\": true} (with \"code\" for a one-time password) or {\"approve\": false, \"reason\": \"...\"}" }),
            )
        })
    }
}

/// The approvals endpoint's state: the token and the sessions.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) token: String,
    pub(crate) registry: Arc<Registry>,
    /// With a shared store, the approvals of every server.
    pub(crate) shared: Option<SharedApprovals>,
}

/// The approvals of several servers sharing a store: each publishes the approvals its runs wait
/// for, and an answer given to any server goes to the one whose run waits. Ids carry the
/// server's name: `r{NAME}.s{N}.{id}`.
#[derive(Debug, Clone)]
pub(crate) struct SharedApprovals {
    pub(crate) store: crate::store::RedisStore,
    pub(crate) replica: String,
}

/// How often a server publishes its pending approvals and takes the answers passed to it.
pub(crate) const SYNC_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl SharedApprovals {
    fn name_ids(&self, list: &mut Value) {
        if let Value::Array(items) = list {
            for item in items {
                if let Some(id) = item.get("id").and_then(Value::as_str) {
                    item["id"] = Value::from(format!("{}.{id}", self.replica));
                }
            }
        }
    }

    /// Every server's pending approvals.
    async fn pending(&self, registry: &Registry) -> (u16, Value) {
        let mut list = registry.pending();
        self.name_ids(&mut list);
        match self.store.pending_elsewhere(&self.replica).await {
            Ok(more) => {
                if let Value::Array(items) = &mut list {
                    items.extend(more);
                }
                (200, list)
            }
            Err(e) => (503, json!({ "error": e })),
        }
    }

    /// Answers approval `id` here, or passes the answer to the server whose run waits for it.
    async fn answer(&self, registry: &Registry, id: &str, body: &[u8]) -> (u16, Value) {
        let Some((replica, local)) = id.split_once('.') else {
            return (404, json!({ "error": format!("no pending approval {id}") }));
        };
        if replica == self.replica {
            return registry.answer(local, body);
        }
        if let Err(refusal) = AnswerBody::parse(body) {
            return refusal;
        }
        match self.store.pending_elsewhere(&self.replica).await {
            Ok(list) if list.iter().any(|v| v["id"] == id) => {}
            Ok(_) => return (404, json!({ "error": format!("no pending approval {id}") })),
            Err(e) => return (503, json!({ "error": e })),
        }
        match self.store.forward_answer(replica, id, body).await {
            Ok(()) => (
                202,
                json!({ "forwarded": id, "note": "passed to the server whose run waits for it" }),
            ),
            Err(e) => (503, json!({ "error": e })),
        }
    }

    /// Publishes this server's pending approvals and applies the answers passed to it.
    pub(crate) async fn sync(&self, registry: &Registry) {
        let mut list = registry.pending();
        self.name_ids(&mut list);
        self.store.publish_pending(&self.replica, &list).await;
        let own = format!("{}.", self.replica);
        for (id, body) in self.store.take_answers(&self.replica).await {
            if let Some(local) = id.strip_prefix(&own) {
                // An approval answered or timed out meanwhile is gone: nothing to do.
                let _ = registry.answer(local, &body);
            }
        }
    }
}

impl Endpoint {
    /// Whether `header` (the `Authorization` value) carries the token, compared in constant
    /// time.
    pub(crate) fn authorized(&self, header: Option<&str>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return false;
        };
        let (a, b) = (given.as_bytes(), self.token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

type Body = http_body_util::combinators::BoxBody<hyper::body::Bytes, std::convert::Infallible>;

fn respond(status: u16, value: &Value) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    let body = http_body_util::Full::new(hyper::body::Bytes::from(value.to_string())).boxed();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn respond_html(status: u16, html: String) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    let body = http_body_util::Full::new(hyper::body::Bytes::from(html)).boxed();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /approvals/page/{token}`: the form; `POST` it with `code=...` (or `decline=1`).
async fn page(
    registry: &Registry,
    token: &str,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    let found = registry
        .pages
        .lock()
        .ok()
        .and_then(|p| p.get(token).cloned());
    let Some((session, id)) = found else {
        return respond_html(404, "<p>This page has expired.</p>".into());
    };
    let Some(approvals) = registry.session(session) else {
        return respond_html(404, "<p>This page has expired.</p>".into());
    };
    if req.method() == http::Method::GET {
        let Some(request) = approvals.pending().into_iter().find(|r| r.id == id) else {
            return respond_html(404, "<p>Nothing waits on this page any more.</p>".into());
        };
        return respond_html(
            200,
            format!(
                "<!doctype html><title>airlock approval</title><h1>{}</h1><p>tool <code>{}</code> <code>{}</code></p>\
                 <form method=\"post\"><label>One-time password <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" autofocus></label> \
                 <button>Approve</button> <button name=\"decline\" value=\"1\">Decline</button></form>",
                escape(&request.prompt),
                escape(&request.tool),
                escape(&request.args.to_string())
            ),
        );
    }
    let limited = http_body_util::Limited::new(req.into_body(), MAX_ANSWER_BYTES);
    let Ok(body) = limited.collect().await else {
        return respond_html(413, "<p>The answer is too large.</p>".into());
    };
    let body = body.to_bytes();
    let form: HashMap<String, String> = form_pairs(&String::from_utf8_lossy(&body));
    // Single use: whatever the answer, the page is gone.
    if let Ok(mut pages) = registry.pages.lock() {
        pages.remove(token);
    }
    let answer = if form.contains_key("decline") {
        Answer::decline(Some("declined on the approval page".into()))
    } else {
        Answer::code(form.get("code").cloned().unwrap_or_default())
    };
    match approvals.answer(&id, Answered::new(answer, "http")) {
        Ok(()) => respond_html(200, "<p>Answered. You can close this page.</p>".into()),
        Err(_) => respond_html(404, "<p>Nothing waits on this page any more.</p>".into()),
    }
}

/// `application/x-www-form-urlencoded` pairs.
fn form_pairs(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Serves `GET /approvals` and `POST /approvals/{id}`.
pub(crate) async fn serve(
    endpoint: &Endpoint,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    // A code page is its own capability (a single-use token in its address): a browser
    // sends no bearer token.
    if let Some(token) = req.uri().path().strip_prefix("/approvals/page/") {
        let token = token.to_string();
        return page(&endpoint.registry, &token, req).await;
    }
    let auth = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !endpoint.authorized(auth) {
        return respond(401, &json!({ "error": "unauthorized" }));
    }
    let path = req.uri().path().to_string();
    match (req.method().as_str(), path.strip_prefix("/approvals")) {
        ("GET", Some("" | "/")) => match &endpoint.shared {
            None => respond(200, &endpoint.registry.pending()),
            Some(shared) => {
                let (status, list) = shared.pending(&endpoint.registry).await;
                respond(status, &list)
            }
        },
        ("POST", Some(rest)) if rest.len() > 1 => {
            let id = rest[1..].to_string();
            let limited = http_body_util::Limited::new(req.into_body(), MAX_ANSWER_BYTES);
            match limited.collect().await {
                Ok(body) => {
                    let body = body.to_bytes();
                    let (status, value) = match &endpoint.shared {
                        None => endpoint.registry.answer(&id, &body),
                        Some(shared) => shared.answer(&endpoint.registry, &id, &body).await,
                    };
                    respond(status, &value)
                }
                Err(_) => respond(
                    413,
                    &json!({ "error": "the answer is too large or unreadable" }),
                ),
            }
        }
        _ => respond(
            405,
            &json!({ "error": "use GET /approvals or POST /approvals/{id}" }),
        ),
    }
}
