//! The `airlock` command: thin glue over the `airlock-sandbox` library.

use airlock_cli::{approvals, components, inspect, journal, lockfile, run, serve};

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run an AI agent's script safely: JavaScript inside WebAssembly, over a virtual filesystem,
/// with time, memory and output limits.
#[derive(Debug, Parser)]
#[command(name = "airlock", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    airlock run -e 'console.log(1 + 1)'\n  \
    airlock run agent.js --mount ./data:/workspace/data:ro --out ./results\n  \
    echo 'return 42' | airlock run -\n  \
    airlock serve --config airlock.toml    (an MCP server on stdio)\n\n\
    Exit codes: the script's own; 1 uncaught error, 13 top-level promise never settled,\n\
    75 an approval is pending (answer it, then `airlock resume`),\n\
    124 timeout, 137 out of memory, 139 stack overflow (recursion too deep),\n\
    152 out of fuel, 134 guest crash, 2 bad usage.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a script in a fresh sandbox session.
    Run(run::RunArgs),
    /// Validate a config file and print the effective limits, tools and policy.
    Check(inspect::CheckArgs),
    /// List the tools a script gets (or, with --dts, their TypeScript declarations).
    Tools(inspect::ToolsArgs),
    /// Print a system-prompt section describing the sandbox, its tools and limits.
    Prompt(inspect::PromptArgs),
    /// Work with call journals.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Re-run a recorded script, serving every tool result from its journal.
    Replay(journal::ReplayArgs),
    /// Serve the sandbox as an MCP server (stdio, or streamable HTTP with --http).
    Serve(serve::ServeArgs),
    /// Work with the upstream MCP servers of the config file.
    #[command(subcommand)]
    Mcp(serve::McpCommand),
    /// Answer the approvals a journaled run stopped at (exit 75).
    #[command(subcommand)]
    Approvals(approvals::ApprovalsCommand),
    /// Finish a run that stopped at a pending approval, once it is answered.
    Resume(approvals::ResumeArgs),
    /// Work with WebAssembly components (tools typed by WIT).
    #[command(subcommand)]
    Component(components::ComponentCommand),
    /// Add a component from an OCI registry to the config, pinned by digest in airlock.lock,
    /// showing what it asks for.
    Add(lockfile::AddArgs),
    /// Move the components of airlock.lock to what their tags point at now; an update that asks
    /// for more permissions than were accepted needs --accept-permissions.
    Update(lockfile::UpdateArgs),
    /// One-time-password secrets for the otp layer.
    #[command(subcommand)]
    Otp(approvals::OtpCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The commands that only print end quietly when their reader goes away, as Unix tools do
    // (Rust ignores SIGPIPE, and `println!` then panics). Runs, servers and answers keep
    // handling a closed stream themselves, so their journals are always finished.
    if matches!(
        cli.command,
        Command::Check(_) | Command::Tools(_) | Command::Prompt(_) | Command::Component(_)
    ) {
        // SAFETY: called before any thread is started; restores the default disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let result = match cli.command {
        Command::Run(args) => run::execute(args),
        Command::Check(args) => inspect::check(args),
        Command::Tools(args) => inspect::tools(args),
        Command::Prompt(args) => inspect::prompt(args),
        Command::Journal(command) => journal::execute(command),
        Command::Replay(args) => journal::replay(args),
        Command::Serve(args) => serve::serve(args),
        Command::Mcp(command) => serve::execute(command),
        Command::Approvals(command) => approvals::execute(command),
        Command::Resume(args) => approvals::resume(args),
        Command::Otp(command) => approvals::otp(command),
        Command::Component(command) => components::execute(command),
        Command::Add(args) => lockfile::add(&args),
        Command::Update(args) => lockfile::update(&args),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(err) => {
            eprintln!("airlock: {err:#}");
            ExitCode::from(2)
        }
    }
}
