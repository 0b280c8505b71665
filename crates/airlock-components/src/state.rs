//! What one call's store holds: the WASI context built from the component's grants, the
//! `wasi:http` hooks that enforce its network grant, and its memory limiter.

use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::capture::Capture;
use crate::grants::Network;
use crate::layer::LayerCtx;

/// Bytes of a refused request's body taken in (and dropped) before the refusal is answered.
const REFUSED_BODY_BYTES: usize = 1 << 20;
/// How long a refused request's body is waited for.
const REFUSED_BODY_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Table elements one instance may grow to.
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

pub(crate) struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    pub(crate) hooks: Hooks,
    pub(crate) limiter: MemoryLimiter,
    /// The layer imports' state (unused by tools).
    pub(crate) layer: LayerCtx,
}

impl State {
    pub(crate) fn new(
        env: &[(String, String)],
        stdout: &Capture,
        stderr: &Capture,
        network: Arc<Network>,
        http_response_bytes: u64,
        memory: u64,
        preopens: &[crate::files::Preopen],
    ) -> wasmtime::Result<Self> {
        let mut wasi = WasiCtx::builder();
        for p in preopens {
            let perms = if p.writable {
                wasmtime_wasi::FsPerms::ReadWrite
            } else {
                wasmtime_wasi::FsPerms::ReadOnly
            };
            wasi.preopened_dir(&p.host, &p.guest, perms)?;
        }
        for (k, v) in env {
            wasi.env(k, v);
        }
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        Ok(Self {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: Hooks {
                network,
                http_response_bytes,
                refused: Vec::new(),
            },
            limiter: MemoryLimiter {
                limit: usize::try_from(memory).unwrap_or(usize::MAX),
                used: 0,
                hit: false,
            },
            layer: LayerCtx::default(),
        })
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Stops the store's WebAssembly `timeout` from now with [`Trap::Interrupt`], checked at each
/// epoch tick; `yielding` also lets the async task yield at each tick (for calls that share a
/// runtime's workers; a layer's hook runs on the run's own thread and need not).
pub(crate) fn arm_deadline(store: &mut Store<State>, timeout: Duration, yielding: bool) {
    let deadline = Instant::now() + timeout;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Err(wasmtime::Error::new(Trap::Interrupt))
        } else if yielding {
            Ok(UpdateDeadline::Yield(1))
        } else {
            Ok(UpdateDeadline::Continue(1))
        }
    });
}

/// Enforces the network grant on every outgoing request, and bounds response bodies.
pub(crate) struct Hooks {
    network: Arc<Network>,
    http_response_bytes: u64,
    /// The requests refused in this call, each naming the host and the missing grant.
    pub(crate) refused: Vec<String>,
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for Hooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let uri = request.uri();
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let default_port = if https { 443 } else { 80 };
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri.port_u16().unwrap_or(default_port);
        if let Some(why) = self
            .network
            .refuse(request.method(), &host, port, default_port)
        {
            self.refused.push(why.clone());
            // The guest may still be writing the body (JavaScript engines write it after
            // `handle` returns, and abort if the stream is gone): take it in, bounded, and drop
            // it, then refuse.
            let body = request.into_body();
            return Box::new(async move {
                let drained = Limited::new(body, REFUSED_BODY_BYTES).collect();
                let _ = tokio::time::timeout(REFUSED_BODY_WAIT, drained).await;
                Err(wasmtime_wasi_http::Error::InternalError(Some(format!(
                    "airlock: {why}"
                ))))
            });
        }
        let max = self.http_response_bytes;
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let response = response.map(|body| {
                Limited::new(body, usize::try_from(max).unwrap_or(usize::MAX))
                    .map_err(move |e| match e.downcast::<wasmtime_wasi_http::Error>() {
                        Ok(e) => *e,
                        Err(_) => wasmtime_wasi_http::Error::HttpResponseBodySize(Some(max)),
                    })
                    .boxed_unsync()
            });
            Ok((
                response,
                Box::new(io) as Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            ))
        })
    }
}

/// Bounds the linear memory of one instance, all its memories together.
pub(crate) struct MemoryLimiter {
    limit: usize,
    used: usize,
    /// A growth was refused: a trap that follows is the limit's doing.
    pub(crate) hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let grow = desired.saturating_sub(current);
        if self.used.saturating_add(grow) > self.limit {
            self.hit = true;
            return Ok(false);
        }
        self.used += grow;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
