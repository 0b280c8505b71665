//! `airlock journal verify` and `airlock replay`.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use airlock::journal::{self, Entry};
use airlock::tool::{ToolError, ToolErrorKind, Toolbox, tool_fn};
use airlock::{Language, Replay, Sandbox, SandboxConfig, Termination, Toolset};
use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};

use crate::run::{stream_live, stream_rest};

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Check a journal's hash chain: any edit, insertion or deletion is reported.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The journal file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The head hash printed when the journal was written: also catches a cut or edited tail.
    #[arg(long, value_name = "HASH")]
    head: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The journal recorded with `airlock run --journal`.
    #[arg(value_name = "JOURNAL")]
    journal: PathBuf,
    /// Run this script instead of the recorded one (to test a change against the recording).
    #[arg(value_name = "SCRIPT")]
    script: Option<PathBuf>,
}

pub fn execute(command: JournalCommand) -> anyhow::Result<i32> {
    match command {
        JournalCommand::Verify(args) => verify(&args),
    }
}

fn open(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the journal {}", path.display()))?;
    Ok(BufReader::new(file))
}

fn verify(args: &VerifyArgs) -> anyhow::Result<i32> {
    let reader = open(&args.file)?;
    let name = args.file.display().to_string();
    let report = match &args.head {
        Some(head) => journal::verify_with_head(reader, head),
        None => journal::verify(reader),
    };
    match report {
        Ok(report) => {
            println!("{name}: {report}");
            Ok(0)
        }
        Err(e) => {
            eprintln!("airlock: {}", e.in_file(&name));
            Ok(1)
        }
    }
}

pub fn replay(args: ReplayArgs) -> anyhow::Result<i32> {
    let name = args.journal.display().to_string();
    let entries =
        journal::read(open(&args.journal)?).map_err(|e| anyhow!("{}", e.in_file(&name)))?;
    let replay = Replay::new(entries.clone()).map_err(|e| anyhow!("{name}: {e}"))?;
    let override_script = match &args.script {
        Some(path) => Some((
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read script {}", path.display()))?,
            path.file_name()
                .map_or_else(|| "script.js".into(), |n| n.to_string_lossy().into_owned()),
        )),
        None => None,
    };
    let mut config = SandboxConfig::default();
    config.tools = recorded_tools(&replay)?;
    config.max_concurrent_runs = 1;
    let sandbox = Sandbox::new(config)?;
    let mut session = sandbox.session();
    let starts: Vec<_> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Start(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let recorded_exits: Vec<i32> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::End(end) => Some(end.exit_code),
            _ => None,
        })
        .collect();
    if starts.first().is_some_and(|s| s.deterministic) {
        session.set_deterministic(0);
    }
    session.set_replay(replay);
    let streamed = stream_live(&mut session);
    let mut calls = 0;
    let mut failed = 0;
    for (k, start) in starts.iter().enumerate() {
        let (code, file) = match &override_script {
            Some((code, file)) => (code.as_str(), file.as_str()),
            None => (start.script.as_str(), start.name.as_str()),
        };
        let language = Language::from(start.language);
        let output = session.run_named(language, code, file)?;
        stream_rest(&output, &streamed)?;
        calls += output.calls.len();
        if let Termination::Diverged(_) = output.termination {
            return Ok(output.exit_code);
        }
        let recorded = recorded_exits.get(k).copied();
        if recorded.is_some_and(|r| r != output.exit_code) {
            eprintln!(
                "airlock: replay: run {k} exited with {}, the recording with {}",
                output.exit_code,
                recorded.unwrap_or_default()
            );
        }
        // A run that stopped at a pending approval (exit 75) and was resumed later replays
        // as stopping there again: only a script's own failure counts.
        let stopped_as_recorded =
            output.exit_code == airlock::exit_code::PENDING && recorded == Some(output.exit_code);
        if output.exit_code != 0 && !stopped_as_recorded && failed == 0 {
            failed = output.exit_code;
        }
    }
    if failed == 0 {
        eprintln!(
            "airlock: replay matched the recording: {} run(s), {calls} tool call(s)",
            starts.len()
        );
    } else {
        eprintln!(
            "airlock: replay: the tool calls followed the recording ({} run(s), {calls} call(s)), but the script exited with {failed}",
            starts.len()
        );
    }
    Ok(failed)
}

/// The recorded tools, so the script gets the same functions; a replay never calls them.
fn recorded_tools(replay: &Replay) -> anyhow::Result<Toolset> {
    let mut toolbox = Toolbox::new();
    for spec in replay.tools(0) {
        let tool = tool_fn(spec, |_| async {
            Err(ToolError::new(
                ToolErrorKind::Unavailable,
                "a replay serves results from the journal and never calls a tool",
            ))
        });
        toolbox
            .add(tool)
            .map_err(|e| anyhow!("the journal's tools: {e}"))?;
    }
    Ok(Toolset::new(toolbox, airlock::policy::Policy::allow_all()))
}
