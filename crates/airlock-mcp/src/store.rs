//! Sessions shared by several servers, in Redis (`airlock serve --http --store redis://HOST:PORT`).
//! Any server can serve any session: a run takes the session's lease, loads its state (unless
//! this server already holds that very version), runs, writes the state back and lets go.
//!
//! Keys, each under the prefix `airlock:`:
//! - `s:{key}`: the session's record, JSON: owner, id, version, runs, seed, working directory,
//!   budgets, and each file and folder with the SHA-256 of its contents. Expires after the idle
//!   time, as the session does.
//! - `b:{key}`: a hash of the session's file contents by SHA-256. A content is sent once, when it
//!   first appears in the session; unchanged files are never written again, and contents no file
//!   holds any more are dropped in the same step.
//! - `l:{key}`: the lease, one run at a time per session. A server takes it with `SET NX` and an
//!   expiry it renews while its run goes on; the record is only written by a script that checks
//!   the lease is still the writer's own, so a server that lost it (stalled, cut off, killed and
//!   come back) can never overwrite what another wrote since: the lease is the fencing token.
//! - `m:{id}`: an MCP session's `initialize`, so a server that never saw the session can take
//!   it over (rmcp's session store); its sandbox session is the key `mcp:{id}`.
//!
//! - `pending:{server}` and `answers:{server}`: the approvals a server's runs wait for, and the
//!   answers other servers took for them (the approvals endpoint's shared half).
//!
//! What is not shared: `--journal` files (refused with a store).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use airlock::vfs::{FileData, ImageEntry};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::McpError;

/// How long a lease lives unless renewed; a server that dies holding one frees its session
/// after this long.
pub const LEASE_TTL: Duration = Duration::from_secs(10);

/// How long a run waits for a session another run holds.
pub const LEASE_WAIT: Duration = Duration::from_secs(120);

const PREFIX: &str = "airlock:";

/// Times a command is sent again after the connection broke (waiting 0.1 s, 0.2 s, ...).
const RETRIES: u64 = 8;

/// Takes the lease if it is free, and reads the record in the same step. KEYS: lease, record.
/// ARGV: token, expiry (ms).
const TAKE: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2])}
end
return {0, false}
";

/// Writes the record and the new contents, drops the old ones and lets go of the lease, if
/// the lease is still the writer's; keeps an MCP session's `initialize` as long as its session.
/// KEYS: lease, record, blobs, the MCP session's key (or one that never exists). ARGV: token,
/// record, expiry (ms), new count, then sha/bytes pairs, then the shas to drop.
const SAVE: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
local n = tonumber(ARGV[4])
for i = 0, n - 1 do redis.call('HSET', KEYS[3], ARGV[5 + 2 * i], ARGV[6 + 2 * i]) end
for i = 5 + 2 * n, #ARGV do redis.call('HDEL', KEYS[3], ARGV[i]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[3]) end
return 1
";

/// Renews the lease if it is still the caller's. KEYS: lease. ARGV: token, expiry (ms).
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

/// Lets go of the lease if it is still the caller's. KEYS: lease. ARGV: token.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// A session as stored, without its file contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub version: u64,
    pub owner: Option<String>,
    pub id: String,
    pub runs: u64,
    pub seed: Option<u64>,
    pub cwd: String,
    pub budgets: airlock::policy::BudgetImage,
    pub files: Vec<FileRecord>,
}

/// One file or folder of a stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileRecord {
    pub path: String,
    /// The SHA-256 of a file's contents; absent for a folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub mtime: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readonly: bool,
}

/// What a server knows of the contents it stored for one session: the hash of each file it
/// holds (by the identity of its shared bytes, so an unchanged file is not hashed again) and
/// the hashes the store holds.
#[derive(Debug, Default)]
pub(crate) struct Stored {
    hashes: HashMap<usize, (FileData, String)>,
    in_store: HashSet<String>,
}

impl Stored {
    fn hash(&mut self, data: &FileData) -> String {
        let at = Arc::as_ptr(data) as usize;
        if let Some((_, sha)) = self.hashes.get(&at) {
            return sha.clone();
        }
        let sha = hex(&Sha256::digest(data.as_slice()));
        self.hashes.insert(at, (FileData::clone(data), sha.clone()));
        sha
    }
}

fn parse_record(key: &str, text: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(text).map_err(|e| format!("the stored session {key} is unreadable: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One run's hold on a session; renewed in the background until released or dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    key: String,
    token: String,
    renew: tokio::task::JoinHandle<()>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renew.abort();
    }
}

/// The Redis store.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    idle: Duration,
    take: Arc<redis::Script>,
    save: Arc<redis::Script>,
    renew: Arc<redis::Script>,
    release: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

fn failed(what: &str, e: &redis::RedisError) -> String {
    format!("the session store (Redis) failed to {what}: {e}")
}

impl RedisStore {
    /// Connects to `url` (`redis://[:PASSWORD@]HOST:PORT[/DB]`) and checks that Redis
    /// answers. Sessions expire after `idle` unused.
    ///
    /// # Errors
    /// A malformed URL, or a Redis that does not answer.
    pub async fn connect(url: &str, idle: Duration) -> Result<Self, McpError> {
        let bad = |e: redis::RedisError| {
            McpError::Serve(format!(
                "--store {url}: {e}\nhint: give redis://HOST:PORT of a running Redis"
            ))
        };
        let client = redis::Client::open(url).map_err(bad)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2)
            .set_response_timeout(Some(Duration::from_secs(10)));
        let mut conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(bad)?;
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(bad)?;
        Ok(Self {
            conn,
            idle,
            take: Arc::new(redis::Script::new(TAKE)),
            save: Arc::new(redis::Script::new(SAVE)),
            renew: Arc::new(redis::Script::new(RENEW)),
            release: Arc::new(redis::Script::new(RELEASE)),
        })
    }

    /// Sends `cmd`, again after a moment when the connection broke (Redis restarted, a network
    /// blip): the connection manager reconnects meanwhile. Every command here is safe to repeat.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> redis::RedisResult<T> {
        self.retried(|mut conn| async move { cmd.query_async(&mut conn).await })
            .await
    }

    /// [`query`](Self::query) of a script.
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> redis::RedisResult<T> {
        self.retried(|mut conn| async move { invocation.invoke_async(&mut conn).await })
            .await
    }

    /// `send` on a connection, again (waiting 0.1 s, 0.2 s, ...) while the connection is broken.
    async fn retried<T, F, Fut>(&self, send: F) -> redis::RedisResult<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let mut tries = 0;
        loop {
            match send(self.conn.clone()).await {
                Err(e)
                    if tries < RETRIES
                        && (e.is_io_error()
                            || e.is_connection_dropped()
                            || e.is_connection_refusal()) =>
                {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                }
                done => return done,
            }
        }
    }

    fn idle_ms(&self) -> u64 {
        u64::try_from(self.idle.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Takes the lease of session `key`, waiting up to `wait` while another run holds it, and
    /// reads the session's record in the same step (one round trip).
    pub(crate) async fn lease(
        &self,
        key: &str,
        wait: Duration,
    ) -> Result<(Lease, Option<Record>), String> {
        let token = crate::approvals::fresh_token();
        let lease_key = format!("{PREFIX}l:{key}");
        let ttl = u64::try_from(LEASE_TTL.as_millis()).unwrap_or(10_000);
        let began = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(2);
        let record = loop {
            let mut invocation = self.take.prepare_invoke();
            invocation
                .key(&lease_key)
                .key(format!("{PREFIX}s:{key}"))
                .arg(&token)
                .arg(ttl);
            let (taken, record): (i64, Option<Vec<u8>>) = self
                .invoke(&invocation)
                .await
                .map_err(|e| failed("take a session's lease", &e))?;
            if taken == 1 {
                break record;
            }
            if began.elapsed() >= wait {
                return Err(format!(
                    "the session is busy: another run has held it for {} s\nhint: runs of one session take turns; try again when it ends",
                    wait.as_secs()
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        };
        let store = self.clone();
        let (renew_key, renew_token) = (lease_key.clone(), token.clone());
        let renew = tokio::spawn(async move {
            loop {
                tokio::time::sleep(LEASE_TTL / 3).await;
                let mut invocation = store.renew.prepare_invoke();
                invocation.key(&renew_key).arg(&renew_token).arg(ttl);
                let kept: Result<i64, _> = store.invoke(&invocation).await;
                if matches!(kept, Ok(0)) {
                    return;
                }
            }
        });
        let lease = Lease {
            key: key.to_string(),
            token,
            renew,
        };
        let record = match record.map(|text| parse_record(key, &text)).transpose() {
            Ok(record) => record,
            Err(e) => {
                self.release(lease).await;
                return Err(e);
            }
        };
        Ok((lease, record))
    }

    /// Lets go of a lease (a lease that expired meanwhile is left to its new holder).
    pub(crate) async fn release(&self, lease: Lease) {
        let mut invocation = self.release.prepare_invoke();
        invocation
            .key(format!("{PREFIX}l:{}", lease.key))
            .arg(&lease.token);
        let _: Result<i64, _> = self.invoke(&invocation).await;
    }

    /// The files of `record`, with their contents; remembers in `stored` what the store holds.
    pub(crate) async fn files(
        &self,
        key: &str,
        record: &Record,
        stored: &mut Stored,
    ) -> Result<Vec<ImageEntry>, String> {
        let shas: Vec<&str> = {
            let mut seen = HashSet::new();
            record
                .files
                .iter()
                .filter_map(|f| f.sha256.as_deref())
                .filter(|s| seen.insert(*s))
                .collect()
        };
        let mut contents: HashMap<&str, FileData> = HashMap::new();
        if !shas.is_empty() {
            let found: Vec<Option<Vec<u8>>> = self
                .query(
                    redis::cmd("HMGET")
                        .arg(format!("{PREFIX}b:{key}"))
                        .arg(&shas),
                )
                .await
                .map_err(|e| failed("read a session's files", &e))?;
            for (sha, data) in shas.iter().zip(found) {
                let data = data.ok_or_else(|| {
                    format!("the stored session {key} lacks the contents {sha} of one of its files")
                })?;
                contents.insert(sha, Arc::new(data));
            }
        }
        stored.hashes.clear();
        stored.in_store = contents.keys().map(|s| (*s).to_string()).collect();
        let mut entries = Vec::with_capacity(record.files.len());
        for f in &record.files {
            entries.push(match &f.sha256 {
                None => ImageEntry::dir(f.path.clone(), f.mtime, f.readonly),
                Some(sha) => {
                    let data = FileData::clone(&contents[sha.as_str()]);
                    stored.hashes.insert(
                        Arc::as_ptr(&data) as usize,
                        (FileData::clone(&data), sha.clone()),
                    );
                    ImageEntry::file(f.path.clone(), data, f.mtime, f.readonly)
                }
            });
        }
        Ok(entries)
    }

    /// Writes `record` with `files` while `lease` is still this server's, and lets go of it
    /// (one round trip): contents the store lacks are sent, those no file holds any more
    /// dropped. `Ok(false)`: the lease was lost and nothing was written.
    pub(crate) async fn save(
        &self,
        lease: &Lease,
        mut record: Record,
        files: &[ImageEntry],
        stored: &mut Stored,
    ) -> Result<bool, String> {
        let mut keep = HashSet::new();
        let mut new: Vec<(String, FileData)> = Vec::new();
        record.files = files
            .iter()
            .map(|e| {
                let sha256 = e.data.as_ref().map(|data| {
                    let sha = stored.hash(data);
                    if !stored.in_store.contains(&sha) && keep.insert(sha.clone()) {
                        new.push((sha.clone(), FileData::clone(data)));
                    }
                    keep.insert(sha.clone());
                    sha
                });
                FileRecord {
                    path: e.path.clone(),
                    sha256,
                    mtime: e.mtime_ms,
                    readonly: e.readonly,
                }
            })
            .collect();
        let dropped: Vec<String> = stored
            .in_store
            .iter()
            .filter(|sha| !keep.contains(*sha))
            .cloned()
            .collect();
        let text = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        let mut invocation = self.save.prepare_invoke();
        invocation
            .key(format!("{PREFIX}l:{}", lease.key))
            .key(format!("{PREFIX}s:{}", lease.key))
            .key(format!("{PREFIX}b:{}", lease.key))
            .key(match lease.key.strip_prefix("mcp:") {
                Some(id) => format!("{PREFIX}m:{id}"),
                None => format!("{PREFIX}none"),
            })
            .arg(&lease.token)
            .arg(text)
            .arg(self.idle_ms())
            .arg(new.len());
        for (sha, data) in &new {
            invocation.arg(sha).arg(data.as_slice());
        }
        for sha in &dropped {
            invocation.arg(sha);
        }
        let written: i64 = self
            .invoke(&invocation)
            .await
            .map_err(|e| failed("write a session", &e))?;
        if written == 1 {
            stored.in_store = keep;
            // Hashes of contents no file holds any more are not needed again.
            stored
                .hashes
                .retain(|_, (_, sha)| stored.in_store.contains(sha));
        }
        Ok(written == 1)
    }

    /// Ends session `key`: its record, contents and lease.
    pub(crate) async fn delete(&self, key: &str) -> Result<(), String> {
        self.query::<()>(
            redis::cmd("DEL")
                .arg(format!("{PREFIX}s:{key}"))
                .arg(format!("{PREFIX}b:{key}")),
        )
        .await
        .map_err(|e| failed("end a session", &e))
    }
}

/// How long a server's list of pending approvals stays in Redis unless published again.
const PENDING_TTL_MS: u64 = 3_000;

impl RedisStore {
    /// Publishes the approvals waiting on server `replica` (a JSON array), for the approvals
    /// endpoint of every server.
    pub(crate) async fn publish_pending(&self, replica: &str, list: &serde_json::Value) {
        let _: Result<(), _> = self
            .query(
                redis::cmd("SET")
                    .arg(format!("{PREFIX}pending:{replica}"))
                    .arg(list.to_string())
                    .arg("PX")
                    .arg(PENDING_TTL_MS),
            )
            .await;
    }

    /// The approvals waiting on the servers other than `replica`.
    pub(crate) async fn pending_elsewhere(
        &self,
        replica: &str,
    ) -> Result<Vec<serde_json::Value>, String> {
        let mut out = Vec::new();
        let mut cursor = 0_u64;
        let own = format!("{PREFIX}pending:{replica}");
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(format!("{PREFIX}pending:*"))
                        .arg("COUNT")
                        .arg(100),
                )
                .await
                .map_err(|e| failed("list the pending approvals", &e))?;
            let keys: Vec<String> = keys.into_iter().filter(|k| *k != own).collect();
            if !keys.is_empty() {
                let lists: Vec<Option<String>> = self
                    .query(redis::cmd("MGET").arg(&keys))
                    .await
                    .map_err(|e| failed("list the pending approvals", &e))?;
                for list in lists.into_iter().flatten() {
                    if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&list) {
                        out.extend(items);
                    }
                }
            }
            if next == 0 {
                return Ok(out);
            }
            cursor = next;
        }
    }

    /// Hands an answer to the server `replica` whose run waits for approval `id`.
    pub(crate) async fn forward_answer(
        &self,
        replica: &str,
        id: &str,
        body: &[u8],
    ) -> Result<(), String> {
        let message = serde_json::json!({ "id": id, "body": String::from_utf8_lossy(body) });
        let key = format!("{PREFIX}answers:{replica}");
        self.query::<()>(redis::cmd("RPUSH").arg(&key).arg(message.to_string()))
            .await
            .map_err(|e| failed("pass an answer on", &e))?;
        let _: Result<(), _> = self
            .query(redis::cmd("PEXPIRE").arg(&key).arg(60_000))
            .await;
        Ok(())
    }

    /// The answers other servers passed on to `replica`: (approval id, request body).
    pub(crate) async fn take_answers(&self, replica: &str) -> Vec<(String, Vec<u8>)> {
        let taken: Result<Option<Vec<String>>, _> = self
            .query(
                redis::cmd("LPOP")
                    .arg(format!("{PREFIX}answers:{replica}"))
                    .arg(64),
            )
            .await;
        taken
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let v: serde_json::Value = serde_json::from_str(&m).ok()?;
                Some((
                    v["id"].as_str()?.to_string(),
                    v["body"].as_str()?.as_bytes().to_vec(),
                ))
            })
            .collect()
    }
}

/// rmcp's store of MCP sessions (their `initialize`), so a server that never saw an MCP
/// session takes it over when the client's next request reaches it.
#[derive(Debug, Clone)]
pub struct McpSessions(pub RedisStore);

#[async_trait::async_trait]
impl rmcp::transport::streamable_http_server::session::SessionStore for McpSessions {
    async fn load(
        &self,
        session_id: &str,
    ) -> Result<
        Option<rmcp::transport::streamable_http_server::session::SessionState>,
        rmcp::transport::streamable_http_server::session::SessionStoreError,
    > {
        let text: Option<Vec<u8>> = self
            .0
            .query(redis::cmd("GET").arg(format!("{PREFIX}m:{session_id}")))
            .await?;
        Ok(text.map(|t| serde_json::from_slice(&t)).transpose()?)
    }

    async fn store(
        &self,
        session_id: &str,
        state: &rmcp::transport::streamable_http_server::session::SessionState,
    ) -> Result<(), rmcp::transport::streamable_http_server::session::SessionStoreError> {
        self.0
            .query::<()>(
                redis::cmd("SET")
                    .arg(format!("{PREFIX}m:{session_id}"))
                    .arg(serde_json::to_vec(state)?)
                    .arg("PX")
                    .arg(self.0.idle_ms()),
            )
            .await?;
        Ok(())
    }

    async fn delete(
        &self,
        session_id: &str,
    ) -> Result<(), rmcp::transport::streamable_http_server::session::SessionStoreError> {
        self.0
            .query::<()>(redis::cmd("DEL").arg(format!("{PREFIX}m:{session_id}")))
            .await?;
        self.0.delete(&format!("mcp:{session_id}")).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `redis-server` on a free loopback port, without persistence, stopped on drop.
    struct Server(std::process::Child, u16);

    impl Server {
        fn start() -> Self {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let child = std::process::Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("redis-server (`bash scripts/peers.sh` installs it)");
            let began = std::time::Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    began.elapsed() < Duration::from_secs(20),
                    "redis-server did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Self(child, port)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn file(path: &str, data: &[u8]) -> ImageEntry {
        ImageEntry::file(path, Arc::new(data.to_vec()), 1, false)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_that_lost_its_lease_cannot_write_and_contents_go_once() {
        let server = Server::start();
        let store = RedisStore::connect(
            &format!("redis://127.0.0.1:{}", server.1),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        let (first, record) = store.lease("s1", Duration::ZERO).await.unwrap();
        assert!(record.is_none(), "a new session has no record");
        // Held: another run cannot take it.
        let busy = store
            .lease("s1", Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(busy.contains("busy"), "{busy}");
        // The first writer stalls past its lease (here: the lease is gone), a second takes over.
        let mut conn = store.conn.clone();
        redis::cmd("DEL")
            .arg("airlock:l:s1")
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
        let (second, _) = store.lease("s1", Duration::ZERO).await.unwrap();
        let mut stored = Stored::default();
        let files = [
            ImageEntry::dir("/workspace/d", 1, false),
            file("/workspace/d/a", b"second"),
        ];
        assert!(
            store
                .save(
                    &second,
                    Record {
                        version: 1,
                        ..Record::default()
                    },
                    &files,
                    &mut stored
                )
                .await
                .unwrap(),
            "the holder writes"
        );
        let mut stale = Stored::default();
        let late = [file("/workspace/d/a", b"first, too late")];
        assert!(
            !store
                .save(
                    &first,
                    Record {
                        version: 1,
                        ..Record::default()
                    },
                    &late,
                    &mut stale
                )
                .await
                .unwrap(),
            "the writer that lost its lease is refused"
        );
        // What is stored is the holder's, with each content once.
        let (third, record) = store.lease("s1", Duration::ZERO).await.unwrap();
        let record = record.unwrap();
        assert_eq!(record.version, 1);
        let mut loaded = Stored::default();
        let back = store.files("s1", &record, &mut loaded).await.unwrap();
        assert_eq!(back, files);
        let blobs: u64 = redis::cmd("HLEN")
            .arg("airlock:b:s1")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(blobs, 1);
        // An unchanged file is not sent again; a content no file holds is dropped.
        let next = [
            ImageEntry::dir("/workspace/d", 1, false),
            file("/workspace/d/a", b"second"),
            file("/workspace/d/b", b"new"),
        ];
        assert!(
            store
                .save(
                    &third,
                    Record {
                        version: 2,
                        ..Record::default()
                    },
                    &next,
                    &mut loaded
                )
                .await
                .unwrap()
        );
        let (fourth, _) = store.lease("s1", Duration::ZERO).await.unwrap();
        assert!(
            store
                .save(
                    &fourth,
                    Record {
                        version: 3,
                        ..Record::default()
                    },
                    &[file("/workspace/only", b"new")],
                    &mut loaded
                )
                .await
                .unwrap()
        );
        let blobs: u64 = redis::cmd("HLEN")
            .arg("airlock:b:s1")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(blobs, 1, "only the content still held is kept");
    }
}
