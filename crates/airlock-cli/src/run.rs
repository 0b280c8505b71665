//! `airlock run`: run one script in a fresh session and mirror its stdout, stderr and exit code.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use airlock::{Language, OutputStream, Sandbox, SandboxConfig};

use crate::config::{self, FileConfig};
use crate::layers;
use crate::mount::{self, Mount};
use crate::toolset;
use crate::units::{parse_duration, parse_size};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Script file to run, or `-` for stdin.
    #[arg(value_name = "FILE", conflicts_with = "eval")]
    file: Option<PathBuf>,
    /// Run CODE instead of a file.
    #[arg(short = 'e', long = "eval", value_name = "CODE")]
    eval: Option<String>,
    /// Language of the script (default: from the file extension, else js).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Wall-clock limit, e.g. 10s, 500ms, 2m [default: 10s].
    #[arg(long, value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Memory limit, e.g. 256M, 1G [default: 256M].
    #[arg(long, value_parser = parse_size)]
    memory: Option<u64>,
    /// Fuel budget (deterministic CPU limit; off by default).
    #[arg(long)]
    fuel: Option<u64>,
    /// Copy a host directory into the sandbox: HOST_DIR:/workspace/dir[:ro]. Repeatable.
    #[arg(long = "mount", value_name = "HOST:GUEST[:ro]", value_parser = Mount::parse)]
    mounts: Vec<Mount>,
    /// After the run, write the sandbox's /workspace into this host directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Limits, tools and policy from a TOML file (default: ./airlock.toml if present; flags
    /// override it).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Journal every tool call to FILE as hash-chained JSON lines (created or truncated).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Results up to this size are journaled in full (replayable); larger ones by hash.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64K")]
    journal_results: u64,
    /// Virtual clock and seeded randomness: the same script with the same tool results gives
    /// byte-identical output and journal.
    #[arg(long)]
    deterministic: bool,
    /// Seed for the script's randomness (with --deterministic; default 0).
    #[arg(long)]
    seed: Option<u64>,
    /// The W3C trace the run belongs to (default: $TRACEPARENT); the trace layer's spans
    /// become its children.
    #[arg(long, value_name = "TRACEPARENT")]
    traceparent: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Lang {
    /// JavaScript (QuickJS).
    Js,
    /// POSIX shell.
    Sh,
    /// TypeScript (types are stripped, not checked).
    Ts,
}

pub fn execute(args: RunArgs) -> anyhow::Result<i32> {
    let (code, filename) = read_source(&args)?;
    let language = match args.lang {
        Some(Lang::Js) => Language::JavaScript,
        Some(Lang::Sh) => Language::Shell,
        Some(Lang::Ts) => Language::TypeScript,
        None => args
            .file
            .as_deref()
            .and_then(Language::from_path)
            .unwrap_or(Language::JavaScript),
    };

    let mut sandbox_config = SandboxConfig::default();
    let config_path = config::locate(args.config.as_deref());
    let mut loaded = None;
    if let Some(path) = &config_path {
        let file = FileConfig::load(path)?;
        config::apply(
            &file.file,
            &mut sandbox_config.limits,
            &mut sandbox_config.vfs,
        )?;
        sandbox_config.tools = toolset::build(&file, toolset::Upstreams::Require)?;
        loaded = Some(file);
    }
    let limits = &mut sandbox_config.limits;
    if let Some(t) = args.timeout {
        limits.timeout = Some(t);
    }
    if let Some(m) = args.memory {
        limits.memory = m;
    }
    if let Some(f) = args.fuel {
        limits.fuel = Some(f);
    }
    sandbox_config.fuel = sandbox_config.limits.fuel.is_some();
    // One run at a time: a small pool reserves less address space and starts faster.
    sandbox_config.max_concurrent_runs = 1;

    let sandbox = Sandbox::new(sandbox_config)?;
    let mut session = sandbox.session();
    for m in &args.mounts {
        mount::copy_in(session.vfs_mut(), m)?;
    }
    if args.deterministic {
        session.set_deterministic(args.seed.unwrap_or(0));
    } else if let Some(seed) = args.seed {
        session.set_seed(seed);
    }
    if let Some(path) = &args.journal {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create the journal {}", path.display()))?;
        session.set_journal(file, args.journal_results as usize);
        if let Some(config) = &config_path {
            session.set_journal_config(crate::approvals::absolute(config));
        }
    }
    let from_stdin = args.file.as_deref().is_some_and(|f| f.as_os_str() == "-");
    session.set_approvals(layers::approvals(
        layers::approval_timeout(loaded.as_ref())?,
        args.journal.is_some(),
        from_stdin,
    ));
    session.set_traceparent(traceparent(args.traceparent.clone()));
    let streamed = stream_live(&mut session);
    let output = session.run_named(language, &code, &filename);
    layers::flush_traces();
    let output = output?;
    stream_rest(&output, &streamed)?;
    if let Some(path) = &args.journal {
        report_journal(&session, path);
    }
    if let Some(dir) = &args.out {
        mount::copy_out(session.vfs(), "/workspace", dir)?;
    }
    Ok(output.exit_code)
}

/// The trace a run belongs to: the flag, else `$TRACEPARENT`.
pub fn traceparent(flag: Option<String>) -> Option<String> {
    flag.or_else(|| std::env::var("TRACEPARENT").ok().filter(|t| !t.is_empty()))
}

/// Live output for a session: each stream's bytes reach the terminal as the script writes
/// them; the counters say how much was shown, so [`stream_rest`] prints only what follows.
pub fn stream_live(session: &mut airlock::Session) -> Arc<[AtomicUsize; 2]> {
    let streamed = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let counts = Arc::clone(&streamed);
    session.on_output(move |stream, bytes| {
        let index = match stream {
            OutputStream::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(bytes).and_then(|()| out.flush());
                0
            }
            _ => {
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(bytes).and_then(|()| err.flush());
                1
            }
        };
        counts[index].fetch_add(bytes.len(), Ordering::Relaxed);
    });
    streamed
}

/// Prints what the run added after its live output (a truncation marker, a limit's message).
pub fn stream_rest(output: &airlock::RunOutput, streamed: &[AtomicUsize; 2]) -> anyhow::Result<()> {
    let tail = |all: &[u8], index: usize| {
        all.get(streamed[index].load(Ordering::Relaxed)..)
            .unwrap_or_default()
            .to_vec()
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&tail(&output.stdout, 0))?;
    stdout.flush()?;
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(&tail(&output.stderr, 1))?;
    stderr.flush()?;
    Ok(())
}

fn report_journal(session: &airlock::Session, path: &std::path::Path) {
    if let Some(why) = session.journal_failure() {
        eprintln!("airlock: {}: {why}", path.display());
    } else if let Some(head) = session.journal_head() {
        eprintln!(
            "airlock: journal {} written; head {head}\nhint: `airlock journal verify {} --head {head}` checks it later",
            path.display(),
            path.display()
        );
    }
}

/// The script and the name its stack traces show.
fn read_source(args: &RunArgs) -> anyhow::Result<(String, String)> {
    if let Some(code) = &args.eval {
        let name = match args.lang {
            Some(Lang::Sh) => "eval.sh",
            Some(Lang::Ts) => "eval.ts",
            _ => "eval.js",
        };
        return Ok((code.clone(), name.into()));
    }
    match &args.file {
        Some(path) if path.as_os_str() == "-" => {
            let mut code = String::new();
            std::io::stdin()
                .read_to_string(&mut code)
                .context("cannot read the script from stdin")?;
            let name = match args.lang {
                Some(Lang::Sh) => "stdin.sh",
                Some(Lang::Ts) => "stdin.ts",
                _ => "stdin.js",
            };
            Ok((code, name.into()))
        }
        Some(path) => {
            let code = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read script {}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "script.js".into());
            Ok((code, name))
        }
        None => bail!("no script given\nhint: pass a FILE, `-e CODE`, or `-` to read stdin"),
    }
}
