//! Approvals in `airlock serve`: MCP elicitation when the client supports it, and a loopback
//! HTTP endpoint, guarded by a bearer token, for every other channel.
//!
//! - A call that needs a person's confirmation is asked of the MCP client with a form-mode
//!   elicitation (accept runs the call; decline or cancel refuses it), when the client declared
//!   elicitation in its `initialize` handshake (the 2025-06-18 protocol, where the server can
//!   send it requests during a call). One-time passwords are
//!   never asked in form mode (the MCP specification forbids sensitive data there): they, and
//!   every approval of a client without elicitation, stay pending.
//! - `GET /approvals` lists the pending approvals of every session as JSON;
//!   `POST /approvals/{id}` with `{"approve": true}`, `{"approve": true, "code": "123456"}` or
//!   `{"approve": false, "reason": "..."}` answers one. Both need
//!   `Authorization: Bearer TOKEN`; a missing or wrong token is a 401 that says nothing more.

use std::sync::{Arc, Mutex};

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

/// Asks the MCP client's user through elicitation.
pub(crate) struct Elicitation {
    pub(crate) peer: Peer<RoleServer>,
}

impl Approver for Elicitation {
    fn ask(&self, request: &ApprovalRequest) -> LayerFuture<'static, Option<Answered>> {
        let peer = self.peer.clone();
        let request = request.clone();
        Box::pin(async move {
            if request.wants_code()
                || !peer
                    .supported_elicitation_modes()
                    .contains(&ElicitationMode::Form)
            {
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
    sessions: Mutex<Vec<Approvals>>,
}

impl Registry {
    /// Registers a session's broker; its approvals get ids `s{N}.{id}`.
    pub(crate) fn add(&self, approvals: Approvals) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.push(approvals);
        }
    }

    fn all(&self) -> Vec<Approvals> {
        self.sessions.lock().map(|s| s.clone()).unwrap_or_default()
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
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            approve: bool,
            code: Option<String>,
            reason: Option<String>,
        }
        if body.len() > MAX_ANSWER_BYTES {
            return (413, json!({ "error": "the answer is too large" }));
        }
        let body: Body = match serde_json::from_slice(body) {
            Ok(b) => b,
            Err(e) => {
                return (
                    400,
                    json!({ "error": format!("{e}"), "hint": "send {\"approve\": true} (with \"code\" for a one-time password) or {\"approve\": false, \"reason\": \"...\"}" }),
                );
            }
        };
        let Some((session, inner)) = id
            .strip_prefix('s')
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(n, inner)| Some((n.parse::<usize>().ok()?, inner)))
        else {
            return (404, json!({ "error": format!("no pending approval {id}") }));
        };
        let Some(approvals) = self.all().into_iter().nth(session) else {
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

/// The approvals endpoint's state: the token and the sessions.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) token: String,
    pub(crate) registry: Arc<Registry>,
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

/// Serves `GET /approvals` and `POST /approvals/{id}`.
pub(crate) async fn serve(
    endpoint: &Endpoint,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    let auth = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !endpoint.authorized(auth) {
        return respond(401, &json!({ "error": "unauthorized" }));
    }
    let path = req.uri().path().to_string();
    match (req.method().as_str(), path.strip_prefix("/approvals")) {
        ("GET", Some("" | "/")) => respond(200, &endpoint.registry.pending()),
        ("POST", Some(rest)) if rest.len() > 1 => {
            let id = rest[1..].to_string();
            let limited = http_body_util::Limited::new(req.into_body(), MAX_ANSWER_BYTES);
            match limited.collect().await {
                Ok(body) => {
                    let (status, value) = endpoint.registry.answer(&id, &body.to_bytes());
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
