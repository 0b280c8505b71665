//! Approvals that outlive a run: `airlock approvals list|approve|deny`, `airlock resume`, and
//! `airlock otp enroll|reset`.
//!
//! A journaled run that reaches an approval nobody can answer stops with exit 75; the journal
//! records the call as pending. Answers are written next to the journal (`JOURNAL.approvals`,
//! mode 0600, one JSON object a line), bound to the approval's id and the digest of the call's
//! arguments; a code is checked by its layer when it is given (a TOTP code lasts a minute) and
//! is never written down. `airlock resume` then re-runs the script, serves every earlier call
//! from the journal, runs the approved call live and goes on live, appending to the same hash
//! chain.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use airlock::journal::{self, CallEntry, Decision, Entry, StartEntry};
use airlock::pipeline::{Answer, Answered, LayerCall};
use airlock::{Language, Replay, Sandbox, SandboxConfig};
use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use crate::run::{stream_live, stream_rest};
use crate::{config, layers, toolset};

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// List the approvals a journaled run stopped at, with their answers so far.
    List(ListArgs),
    /// Approve a pending call (with --code for a one-time password).
    Approve(AnswerArgs),
    /// Decline a pending call; the script sees EAPPROVAL when the run resumes.
    Deny(AnswerArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The journal of the stopped run.
    #[arg(value_name = "JOURNAL")]
    journal: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    #[arg(value_name = "JOURNAL")]
    journal: PathBuf,
    /// The approval's id, as `approvals list` shows it.
    #[arg(value_name = "ID")]
    id: String,
    /// The one-time password, for an approval that asks for one.
    #[arg(long)]
    code: Option<String>,
    /// Why the call is declined (deny only).
    #[arg(long)]
    reason: Option<String>,
    /// The config file (default: the one the run recorded).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The journal of the run that stopped at a pending approval.
    #[arg(value_name = "JOURNAL")]
    journal: PathBuf,
    /// The config file (default: the one the run recorded).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Results up to this size are journaled in full.
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size, default_value = "64K")]
    journal_results: u64,
    /// The W3C trace the resumed run belongs to (default: $TRACEPARENT).
    #[arg(long, value_name = "TRACEPARENT")]
    traceparent: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OtpCommand {
    /// Write a new one-time-password secret to FILE (mode 0600) and print its otpauth:// URI
    /// for an authenticator app.
    Enroll(EnrollArgs),
    /// Unlock a gate locked by wrong codes (keeps replay protection).
    Reset(ResetArgs),
}

#[derive(Debug, Args)]
pub struct EnrollArgs {
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The account name the app shows.
    #[arg(long, default_value = "agent")]
    account: String,
    /// The issuer the app shows.
    #[arg(long, default_value = "airlock")]
    issuer: String,
    /// Replace an existing secret.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The secret file (its state file is FILE.state), or the state file itself.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// One answer in `JOURNAL.approvals`. (Not `deny_unknown_fields`: serde cannot combine it with
/// the flattened answer; the answer's own tag is still checked.)
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    id: String,
    args_sha256: String,
    #[serde(flatten)]
    answer: Answer,
    time: String,
}

/// A pending approval of the journal's stopped run.
#[derive(Debug, Serialize)]
struct PendingView {
    id: String,
    layer: String,
    tool: String,
    prompt: String,
    method: String,
    args: serde_json::Value,
    args_sha256: String,
    line: Option<u32>,
    answer: Option<&'static str>,
}

fn answers_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".approvals");
    PathBuf::from(name)
}

/// A pending approval of the stopped run, and the call it gates.
type PendingApproval = (CallEntry, journal::ApprovalEntry);

/// The journal's entries, the stopped run's start and its pending approvals.
fn stopped_run(path: &Path) -> anyhow::Result<(Vec<Entry>, StartEntry, Vec<PendingApproval>)> {
    let name = path.display().to_string();
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open the journal {name}"))?;
    let entries = journal::read(std::io::BufReader::new(file))
        .map_err(|e| anyhow!("{}", e.in_file(&name)))?;
    let start_at = entries
        .iter()
        .rposition(|e| matches!(e, Entry::Start(_)))
        .ok_or_else(|| anyhow!("{name}: the journal records no run"))?;
    let Entry::Start(start) = entries[start_at].clone() else {
        unreachable!("found as a start entry");
    };
    let ended = entries.iter().rev().find_map(|e| match e {
        Entry::End(end) => Some(end.exit_code),
        _ => None,
    });
    if ended != Some(airlock::exit_code::PENDING) {
        bail!(
            "{name}: its last run did not stop at a pending approval (exit {})\nhint: only a run that exited 75 has approvals to answer",
            ended.map_or_else(|| "?".into(), |c| c.to_string())
        );
    }
    let pending = entries[start_at..]
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) if c.decision == Decision::Pending => Some(c),
            _ => None,
        })
        .flat_map(|c| {
            c.approvals
                .iter()
                .filter(|a| a.status == "pending")
                .map(|a| (c.clone(), a.clone()))
        })
        .collect();
    Ok((entries, start, pending))
}

fn read_answers(journal: &Path) -> anyhow::Result<Vec<Stored>> {
    let path = answers_path(journal);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("cannot read {}: {e}", path.display())),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| anyhow!("{}: {e}", path.display())))
        .collect()
}

fn view((call, a): &PendingApproval, answers: &[Stored]) -> PendingView {
    let answer = answers
        .iter()
        .rev()
        .find(|s| s.id == a.id)
        .map(|s| match s.answer {
            Answer::Approve { .. } => "approved",
            _ => "declined",
        });
    PendingView {
        id: a.id.clone(),
        layer: a.layer.clone(),
        tool: call.tool.clone(),
        prompt: a.prompt.clone(),
        method: a.method.clone(),
        args: call.args.clone(),
        args_sha256: a.args_sha256.clone(),
        line: call.line,
        answer,
    }
}

pub fn execute(command: ApprovalsCommand) -> anyhow::Result<i32> {
    match command {
        ApprovalsCommand::List(args) => list(&args),
        ApprovalsCommand::Approve(args) => answer(&args, true),
        ApprovalsCommand::Deny(args) => answer(&args, false),
    }
}

fn list(args: &ListArgs) -> anyhow::Result<i32> {
    let (_, _, pending) = stopped_run(&args.journal)?;
    let answers = read_answers(&args.journal)?;
    let views: Vec<_> = pending.iter().map(|p| view(p, &answers)).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&views)?);
        return Ok(0);
    }
    for v in &views {
        println!(
            "{}  {}  {}  {}  [{}; {}]",
            v.id,
            v.tool,
            v.prompt,
            serde_json::to_string(&v.args)?,
            v.layer,
            v.answer.unwrap_or(if v.method == "code" {
                "pending: needs --code"
            } else {
                "pending"
            })
        );
    }
    Ok(0)
}

fn answer(args: &AnswerArgs, approve: bool) -> anyhow::Result<i32> {
    let (_, start, pending) = stopped_run(&args.journal)?;
    let (call, approval) = pending
        .iter()
        .find(|(_, a)| a.id == args.id)
        .ok_or_else(|| {
            let ids: Vec<_> = pending.iter().map(|(_, a)| a.id.as_str()).collect();
            anyhow!(
                "no pending approval {} in {}\nhint: pending: {}",
                args.id,
                args.journal.display(),
                ids.join(", ")
            )
        })?;
    let answer = if !approve {
        Answer::decline(args.reason.clone())
    } else if approval.method == "code" {
        let Some(code) = &args.code else {
            bail!(
                "approval {} asks for a one-time password\nhint: add --code 123456",
                args.id
            );
        };
        verify_code(args, &start, call, approval, code)?;
        Answer::Approve {
            code: None,
            verified: true,
        }
    } else {
        Answer::approve()
    };
    let stored = Stored {
        id: args.id.clone(),
        args_sha256: approval.args_sha256.clone(),
        answer,
        time: journal::rfc3339_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        ),
    };
    let path = answers_path(&args.journal);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{}", serde_json::to_string(&stored)?)?;
    eprintln!(
        "airlock: approval {} {}\nhint: `airlock resume {}` finishes the run",
        args.id,
        if approve { "approved" } else { "declined" },
        args.journal.display()
    );
    Ok(0)
}

/// Checks a code with the layer that asked for it, now: the code expires within a minute.
fn verify_code(
    args: &AnswerArgs,
    start: &StartEntry,
    call: &CallEntry,
    approval: &journal::ApprovalEntry,
    code: &str,
) -> anyhow::Result<()> {
    let config = layers::config_of_journal(args.config.as_deref(), start.config.as_deref())
        .ok_or_else(|| anyhow!("the run recorded no config file\nhint: pass --config FILE"))?;
    let loaded = layers::load(&config)?;
    let stack = layers::build(&loaded, &toolset::config_dir(&loaded))?;
    let pos: usize = approval
        .id
        .rsplit('.')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow!("malformed approval id {}", approval.id))?;
    let layer = stack
        .all()
        .nth(pos)
        .filter(|l| l.name() == approval.layer)
        .ok_or_else(|| {
            anyhow!(
                "the config no longer has layer {} at position {pos}",
                approval.layer
            )
        })?;
    let mut view = LayerCall::new(call.run, call.call, call.tool.clone(), call.args.clone());
    view.line = call.line;
    let checked = toolset::runtime().block_on(layer.verify_code(&view, code));
    checked.map_err(|deny| {
        let hint = deny
            .hint
            .map(|h| format!("\nhint: {h}"))
            .unwrap_or_default();
        anyhow!(
            "approval {}: the code was refused: {}{hint}",
            approval.id,
            deny.reason
        )
    })
}

pub fn resume(args: ResumeArgs) -> anyhow::Result<i32> {
    let (entries, start, pending) = stopped_run(&args.journal)?;
    let answers = read_answers(&args.journal)?;
    let mut missing = Vec::new();
    let answered = |id: &str| answers.iter().rev().find(|s| s.id == id);
    for (call, a) in &pending {
        // A call one of whose gates was declined needs no other answer: it will not run.
        let declined = call.approvals.iter().any(|other| {
            answered(&other.id).is_some_and(|s| matches!(s.answer, Answer::Decline { .. }))
        });
        if !declined && answered(&a.id).is_none() {
            missing.push(a.id.clone());
        }
    }
    if !missing.is_empty() {
        bail!(
            "approval {} has no answer yet\nhint: `airlock approvals approve {} {}` (or deny) first",
            missing.join(", "),
            args.journal.display(),
            missing[0]
        );
    }
    let mut sandbox_config = SandboxConfig::default();
    let config_path = layers::config_of_journal(args.config.as_deref(), start.config.as_deref());
    let loaded = match &config_path {
        Some(path) => Some(layers::load(path)?),
        None => None,
    };
    if let Some(loaded) = &loaded {
        config::apply(
            &loaded.file,
            &mut sandbox_config.limits,
            &mut sandbox_config.vfs,
        )?;
        sandbox_config.tools = toolset::build(loaded, toolset::Upstreams::Require)?;
    }
    sandbox_config.fuel = sandbox_config.limits.fuel.is_some();
    sandbox_config.max_concurrent_runs = 1;
    let sandbox = Sandbox::new(sandbox_config)?;
    let mut session = sandbox.session();
    if start.deterministic {
        session.set_deterministic(0);
    }
    let approvals = layers::approvals(layers::approval_timeout(loaded.as_ref())?, true, false);
    for stored in answers {
        approvals.prepare(
            &stored.id,
            &stored.args_sha256,
            Answered::new(stored.answer, "cli"),
        );
    }
    session.set_approvals(approvals);
    let existing = std::fs::read(&args.journal)
        .with_context(|| format!("cannot read the journal {}", args.journal.display()))?;
    let out = std::fs::OpenOptions::new()
        .append(true)
        .open(&args.journal)
        .with_context(|| format!("cannot append to the journal {}", args.journal.display()))?;
    session.resume_journal(
        &existing,
        out,
        args.journal_results as usize,
        start.run,
        start.seq,
    )?;
    if let Some(path) = &config_path {
        session.set_journal_config(absolute(path));
    }
    session.set_replay(
        Replay::resume(entries).map_err(|e| anyhow!("{}: {e}", args.journal.display()))?,
    );
    let language = Language::from(start.language);
    session.set_traceparent(crate::run::traceparent(args.traceparent.clone()));
    let streamed = stream_live(&mut session);
    let output = session.run_named(language, &start.script, &start.name)?;
    stream_rest(&output, &streamed)?;
    layers::flush_traces();
    if let Some(head) = session.journal_head() {
        eprintln!(
            "airlock: journal {} resumed; head {head}",
            args.journal.display()
        );
    }
    Ok(output.exit_code)
}

/// The path as written into a journal: absolute, so `resume` finds it from any folder.
pub fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

pub fn otp(command: OtpCommand) -> anyhow::Result<i32> {
    use airlock_layers::otp;
    match command {
        OtpCommand::Enroll(args) => {
            let uri = if args.force {
                otp::enroll_replacing(&args.file, &args.account, &args.issuer)
            } else {
                otp::enroll(&args.file, &args.account, &args.issuer)
            }
            .map_err(|e| anyhow!("{e}"))?;
            println!("{uri}");
            eprintln!(
                "airlock: secret written to {} (mode 0600); add the URI to an authenticator app",
                args.file.display()
            );
            Ok(0)
        }
        OtpCommand::Reset(args) => {
            let state = if args.file.extension().is_some_and(|e| e == "state") {
                args.file.clone()
            } else {
                otp::default_state_file(&args.file)
            };
            otp::reset(&state).map_err(|e| anyhow!("{e}"))?;
            eprintln!("airlock: {} unlocked", state.display());
            Ok(0)
        }
    }
}
