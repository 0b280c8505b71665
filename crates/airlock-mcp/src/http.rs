//! The streamable-HTTP transport of `airlock serve`, safe to expose: `Host` and `Origin`
//! checks against DNS rebinding, bearer tokens (a bind beyond loopback requires them), sessions
//! bound to the token that made them, bounded bodies, sessions and queue (503 with
//! `Retry-After` past them), slow clients cut off, `GET /healthz`, `GET /readyz`,
//! `GET /metrics`, and a graceful shutdown that lets runs in flight finish.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::error::McpError;
use crate::server::AirlockServer;

type Body = BoxBody<Bytes, Infallible>;

/// Who made a request: the name of the bearer token it carried, and the profile it names.
/// Sessions and session handles serve only the identity that made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub profile: Option<String>,
}

/// A bearer token the server accepts, kept as the SHA-256 of its secret.
#[derive(Clone)]
pub struct Token {
    digest: [u8; 32],
    /// The name requests made with it go by (logs, session ownership).
    pub name: String,
    /// The profile ([`crate::server::Profile`]) its sessions get; none: the server's own.
    pub profile: Option<String>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("profile", &self.profile)
            .finish()
    }
}

/// Tokens shorter than this are refused: a bearer token must not be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

impl Token {
    /// A token from its secret.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_TOKEN_LEN`].
    pub fn from_secret(secret: &str, name: impl Into<String>) -> Result<Self, McpError> {
        let name = name.into();
        if secret.len() < MIN_TOKEN_LEN {
            return Err(McpError::Serve(format!(
                "token {name:?} is shorter than {MIN_TOKEN_LEN} characters\nhint: head -c 24 /dev/urandom | base64"
            )));
        }
        Ok(Self {
            digest: Sha256::digest(secret.as_bytes()).into(),
            name,
            profile: None,
        })
    }

    /// A token from the hex SHA-256 of its secret (`printf %s SECRET | sha256sum`).
    ///
    /// # Errors
    /// Text that is not 64 hex digits.
    pub fn from_sha256_hex(hex: &str, name: impl Into<String>) -> Result<Self, McpError> {
        let name = name.into();
        let hex = hex.trim();
        let bad = || {
            McpError::Serve(format!(
                "token {name:?}: sha256 = {hex:?} is not 64 hex digits\nhint: printf %s \"$TOKEN\" | sha256sum"
            ))
        };
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut digest = [0_u8; 32];
        for (i, byte) in digest.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self {
            digest,
            name,
            profile: None,
        })
    }

    /// The token with its sessions given the profile `name`.
    #[must_use]
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Whether `other` has the same secret.
    pub fn same_secret(&self, other: &Self) -> bool {
        bool::from(self.digest.ct_eq(&other.digest))
    }

    fn matches(&self, secret: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(secret).into();
        bool::from(self.digest.ct_eq(&digest))
    }
}

/// How the HTTP transport guards and bounds itself.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Browser origins allowed besides the local ones (`http://localhost:*`,
    /// `http://127.0.0.1:*`, `http://[::1]:*`); a request with any other `Origin` is refused.
    pub allowed_origins: Vec<String>,
    /// `Host` values accepted besides the loopback names. Empty on a non-loopback bind: any
    /// host (the tokens guard it).
    pub allowed_hosts: Vec<String>,
    /// The bearer tokens; empty means none is asked for, which only a loopback bind allows.
    pub tokens: Vec<Token>,
    /// The largest request body, in bytes (larger: 413).
    pub max_body: usize,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body (slower: 408).
    pub body_timeout: Duration,
    /// On shutdown, how long runs in flight may take to finish.
    pub drain: Duration,
}

/// Default of [`HttpOptions::max_body`].
pub const DEFAULT_MAX_BODY: usize = 4 << 20;

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            tokens: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            drain: Duration::from_secs(30),
        }
    }
}

/// A bound streamable-HTTP MCP endpoint, ready to serve at `/mcp` (it answers on every path
/// but the ones above).
#[derive(Debug)]
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    server: AirlockServer,
    options: HttpOptions,
}

impl HttpServer {
    /// Binds `addr` (port 0 for any free port).
    ///
    /// # Errors
    /// The address cannot be bound, or it is not loopback and no token is configured.
    pub async fn bind(
        server: AirlockServer,
        addr: SocketAddr,
        options: HttpOptions,
    ) -> Result<Self, McpError> {
        if !addr.ip().is_loopback() && options.tokens.is_empty() {
            return Err(McpError::Serve(format!(
                "refusing to serve {addr} without tokens: anyone who reaches it could run code with this server's tools\nhint: give --token-file FILE (one token per line) or [[serve.token]] in the config, or bind 127.0.0.1"
            )));
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| McpError::Serve(format!("cannot listen on {addr}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| McpError::Serve(format!("cannot listen on {addr}: {e}")))?;
        Ok(Self {
            listener,
            addr,
            server,
            options,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves connections until `shutdown` completes, then stops accepting, answers `/readyz`
    /// with 503, lets the runs in flight finish (within [`HttpOptions::drain`]) and returns.
    ///
    /// # Errors
    /// Accepting connections failed.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), McpError> {
        let base = self.server;
        base.set_base_url(format!("http://{}", self.addr));
        // Runs a server before this one left waiting for a person go on here.
        base.recover();
        let sessions = Arc::new(LocalSessionManager::default());
        let mut config = StreamableHttpServerConfig::default();
        config.max_request_body_bytes = self.options.max_body;
        let mut hosts = config.allowed_hosts.clone();
        hosts.extend(self.options.allowed_hosts.iter().cloned());
        config = if !self.addr.ip().is_loopback() && self.options.allowed_hosts.is_empty() {
            config.disable_allowed_hosts()
        } else {
            config.with_allowed_hosts(hosts)
        };
        let mut origins = vec![
            "http://localhost:*".to_string(),
            "http://127.0.0.1:*".to_string(),
            "http://[::1]:*".to_string(),
        ];
        origins.extend(self.options.allowed_origins.iter().cloned());
        config = config
            .with_allowed_origins(origins)
            .enforce_origin_validation();
        // With a shared store, an MCP session another server began is taken over here.
        if let Some(store) = base.store() {
            config.session_store = Some(Arc::new(crate::store::McpSessions(store.clone())));
        }
        let cancel = config.cancellation_token.clone();
        let mcp = StreamableHttpService::new(
            {
                let base = base.clone();
                move || Ok(base.fork())
            },
            Arc::clone(&sessions),
            config,
        );
        // With a shared store, every server lists and answers every server's approvals.
        if let Some(endpoint) = base.endpoint()
            && let Some(shared) = endpoint.shared
        {
            let registry = endpoint.registry;
            tokio::spawn(async move {
                loop {
                    shared.sync(&registry).await;
                    tokio::time::sleep(crate::approvals::SYNC_EVERY).await;
                }
            });
        }
        let front = Arc::new(Front {
            mcp,
            server: base.clone(),
            sessions,
            owners: Mutex::default(),
            endpoint: base.endpoint().map(Arc::new),
            options: self.options.clone(),
            draining: AtomicBool::new(false),
            admitted: Arc::default(),
        });
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        tokio::pin!(shutdown);
        // Serving; once told to stop, still answering (`/readyz` 503, new work 503) while the
        // runs admitted (queued, running, or answered and not yet sent) finish.
        let mut deadline: Option<Instant> = None;
        loop {
            if let Some(deadline) = deadline {
                let admitted = front.admitted.load(Ordering::SeqCst);
                if (admitted == 0 && !base.busy()) || Instant::now() >= deadline {
                    break;
                }
                // Runs waiting for a person that the next server resumes need not hold the stop.
                if let Some(waiting) = base.only_waiting_durably(admitted) {
                    crate::server::log_line(&serde_json::json!({
                        "event": "stopping",
                        "waiting_runs": waiting,
                        "note": "runs waiting for a person are kept in the journal folder; the next server over it resumes them",
                    }));
                    break;
                }
            }
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown, if deadline.is_none() => {
                    front.draining.store(true, Ordering::SeqCst);
                    deadline = Some(Instant::now() + self.options.drain);
                    continue;
                }
                () = tokio::time::sleep(Duration::from_millis(20)), if deadline.is_some() => continue,
            };
            let Ok((stream, _)) = accepted else {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let front = Arc::clone(&front);
            let service = hyper::service::service_fn(move |req| {
                let front = Arc::clone(&front);
                async move { Ok::<_, Infallible>(front.route(req).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(self.options.header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
        drop(self.listener);
        // Then the connections finish what they are sending; long-lived event streams are
        // ended with the sessions.
        let _ = tokio::time::timeout(Duration::from_secs(1), graceful.shutdown()).await;
        cancel.cancel();
        Ok(())
    }
}

/// What every connection shares.
struct Front {
    mcp: StreamableHttpService<AirlockServer, LocalSessionManager>,
    server: AirlockServer,
    sessions: Arc<LocalSessionManager>,
    /// The identity each MCP session was made by.
    owners: Mutex<HashMap<String, Option<Identity>>>,
    endpoint: Option<Arc<crate::approvals::Endpoint>>,
    options: HttpOptions,
    draining: AtomicBool,
    /// Runs admitted and not yet answered: at most the slots plus the queue.
    admitted: Arc<AtomicUsize>,
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{text}\n"))).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn busy(text: &str) -> Response<Body> {
    let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, text);
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    response
}

const SESSION_HEADER: &str = "mcp-session-id";

impl Front {
    async fn route(&self, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path();
        let get = req.method() == hyper::Method::GET;
        match path {
            "/healthz" if get => return plain(StatusCode::OK, "ok"),
            "/readyz" if get => {
                return if self.draining.load(Ordering::SeqCst) {
                    busy("draining")
                } else {
                    plain(StatusCode::OK, "ready")
                };
            }
            _ => {}
        }
        if let Some(endpoint) = &self.endpoint
            && (path == "/approvals" || path.starts_with("/approvals/"))
        {
            return crate::approvals::serve(endpoint, req).await;
        }
        let identity = match self.identify(&req) {
            Ok(identity) => identity,
            Err(response) => return *response,
        };
        if path == "/metrics" && get {
            let mut response = plain(StatusCode::OK, "");
            let text = self.server.refresh_metrics().encode();
            *response.body_mut() = Full::new(Bytes::from(text)).boxed();
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            return response;
        }
        self.mcp(req, identity).await
    }

    /// The identity of the token `req` carries; a 401 that says nothing more when it carries
    /// none or a wrong one.
    fn identify(&self, req: &Request<Incoming>) -> Result<Option<Identity>, Box<Response<Body>>> {
        if self.options.tokens.is_empty() {
            return Ok(None);
        }
        let secret = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        // Every token is compared, so the time taken says nothing of which one was close.
        let found = secret.and_then(|secret| {
            self.options.tokens.iter().fold(None, |found, t| {
                found.or(t.matches(secret.as_bytes()).then_some(t))
            })
        });
        match found {
            Some(token) => Ok(Some(Identity {
                name: token.name.clone(),
                profile: token.profile.clone(),
            })),
            None => {
                self.server.metrics().refused("token");
                let mut response = plain(StatusCode::UNAUTHORIZED, "unauthorized");
                response.headers_mut().insert(
                    hyper::header::WWW_AUTHENTICATE,
                    hyper::header::HeaderValue::from_static("Bearer"),
                );
                Err(Box::new(response))
            }
        }
    }

    async fn mcp(&self, req: Request<Incoming>, identity: Option<Identity>) -> Response<Body> {
        if self.draining.load(Ordering::SeqCst) {
            return busy("the server is shutting down; retry on another replica");
        }
        let session = req
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // Another identity's session is, to this one, a session that does not exist.
        if let Some(id) = &session {
            let owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
            if owners.get(id).is_some_and(|owner| owner != &identity) {
                drop(owners);
                self.server.metrics().refused("session-owner");
                return plain(StatusCode::NOT_FOUND, "no such session");
            }
        }
        let is_delete = req.method() == hyper::Method::DELETE;
        let is_post = req.method() == hyper::Method::POST;
        let (mut parts, body) = req.into_parts();
        if let Some(identity) = &identity {
            parts.extensions.insert(identity.clone());
        }
        if !is_post {
            let response = self.mcp.handle(Request::from_parts(parts, body)).await;
            return self.after(response, session, identity, is_delete);
        }
        // A message is read whole (it is bounded) to tell a run, which takes a place among the
        // runs admitted, and a new session from the answers and notifications that let work in
        // flight finish.
        let bytes = match read_limited(body, self.options.max_body, self.options.body_timeout).await
        {
            Ok(bytes) => bytes,
            Err(response) => return *response,
        };
        match method_of(&bytes).as_deref() {
            Some("tools/call") => match Admission::take(&self.admitted, self.server.capacity()) {
                Some(admission) => {
                    parts.extensions.insert(admission);
                }
                None => {
                    self.server.metrics().refused("queue");
                    return busy("every run slot is busy and the queue is full");
                }
            },
            Some("initialize") if session.is_none() && self.sessions_full().await => {
                self.server.metrics().refused("sessions");
                return busy("the server has as many sessions as it takes");
            }
            _ => {}
        }
        let response = self
            .mcp
            .handle(Request::from_parts(parts, Full::new(bytes)))
            .await;
        self.after(response, session, identity, false)
    }

    /// Notes who made a new session, forgets a deleted one, and answers a DELETE with 204.
    fn after(
        &self,
        mut response: Response<Body>,
        session: Option<String>,
        identity: Option<Identity>,
        is_delete: bool,
    ) -> Response<Body> {
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        if is_delete {
            if let Some(id) = &session {
                owners.remove(id);
            }
            if response.status() == StatusCode::ACCEPTED {
                *response.status_mut() = StatusCode::NO_CONTENT;
                *response.body_mut() = Full::new(Bytes::new()).boxed();
            }
        } else if session.is_none()
            && let Some(id) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
        {
            if owners.len() >= 2 * self.server.max_sessions() {
                // Sessions that ended by themselves (idle) are forgotten here too.
                if let Ok(live) = self.sessions.sessions.try_read() {
                    owners.retain(|id, _| live.contains_key(id.as_str()));
                }
            }
            owners.insert(id.to_string(), identity);
        }
        response
    }

    async fn sessions_full(&self) -> bool {
        self.sessions.sessions.read().await.len() >= self.server.max_sessions()
    }
}

/// The JSON-RPC method of a message (`None` for a response or a batch).
fn method_of(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Message {
        method: Option<String>,
    }
    serde_json::from_slice::<Message>(bytes).ok()?.method
}

/// A run's place among the runs admitted (running or queued), given back when the request that
/// carries it is done with.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    _place: Arc<AdmissionPlace>,
}

#[derive(Debug)]
pub(crate) struct AdmissionPlace(Arc<AtomicUsize>);

impl Drop for AdmissionPlace {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    fn take(admitted: &Arc<AtomicUsize>, capacity: usize) -> Option<Self> {
        admitted
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < capacity).then_some(n + 1)
            })
            .ok()?;
        Some(Self {
            _place: Arc::new(AdmissionPlace(Arc::clone(admitted))),
        })
    }
}

/// The body, refused with 413 past `limit` bytes and 408 past `timeout`.
async fn read_limited(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Box<Response<Body>>> {
    let read = tokio::time::timeout(timeout, http_body_util::Limited::new(body, limit).collect());
    let Ok(read) = read.await else {
        return Err(Box::new(plain(
            StatusCode::REQUEST_TIMEOUT,
            "the request body came too slowly",
        )));
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Box::new(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {limit} bytes"),
        ))),
        Err(_) => Err(Box::new(plain(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_their_secret_only_and_short_ones_are_refused() {
        let token = Token::from_secret("correct horse battery", "team-a").unwrap();
        assert!(token.matches(b"correct horse battery"));
        assert!(!token.matches(b"correct horse batter"));
        assert!(Token::from_secret("short", "x").is_err());
        let hex: String = Sha256::digest(b"correct horse battery")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            Token::from_sha256_hex(&hex, "h")
                .unwrap()
                .matches(b"correct horse battery")
        );
        assert!(Token::from_sha256_hex("abc", "h").is_err());
        assert!(Token::from_sha256_hex(&"zz".repeat(32), "h").is_err());
        assert!(!format!("{token:?}").contains("correct"));
    }
}
