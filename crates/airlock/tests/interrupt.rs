#![allow(clippy::unwrap_used)]
//! `Session::interrupter`: another thread stops a run at once, whatever the script is doing
//! (computing, sleeping on a timer, waiting for a tool), and the session goes on.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Language, Session, Termination, Toolset, exit_code};
use common::sandbox;
use serde_json::json;

/// Runs `code` while another thread fires the session's interrupt after 200 ms; returns the
/// run's termination and how long the run took.
fn interrupted(session: &mut Session, code: &str) -> (Termination, Duration) {
    let interrupt = session.interrupter();
    let firing = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        interrupt.interrupt();
    });
    let started = Instant::now();
    let out = session.run(Language::JavaScript, code).unwrap();
    let took = started.elapsed();
    firing.join().unwrap();
    assert_eq!(out.exit_code, exit_code::INTERRUPTED);
    assert!(
        out.stderr_text().contains("interrupted"),
        "stderr: {}",
        out.stderr_text()
    );
    (out.termination, took)
}

#[test]
fn an_interrupt_stops_a_busy_loop_and_the_session_goes_on() {
    let mut session = sandbox().session();
    session
        .vfs_mut()
        .write("/workspace/kept.txt", b"kept")
        .unwrap();
    let (termination, took) = interrupted(&mut session, "while (true) {}");
    assert_eq!(termination, Termination::Interrupted);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let out = session
        .run(Language::JavaScript, "return await fs.readFile('kept.txt')")
        .unwrap();
    assert_eq!(out.value, Some(json!("kept")));
}

#[test]
fn an_interrupt_ends_a_timer_wait_at_once() {
    let mut session = sandbox().session();
    let (termination, took) =
        interrupted(&mut session, "await new Promise(r => setTimeout(r, 8000))");
    assert_eq!(termination, Termination::Interrupted);
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn an_interrupt_abandons_a_tool_the_script_waits_for() {
    let mut toolbox = Toolbox::new();
    toolbox
        .add(tool_fn(ToolSpec::new("slow", "Answers late"), |_| async {
            tokio::time::sleep(Duration::from_secs(8)).await;
            Ok(json!("late"))
        }))
        .unwrap();
    let mut session = sandbox().session();
    session.set_toolset(Toolset::new(toolbox, Policy::allow_all()));
    let (termination, took) = interrupted(&mut session, "await slow({})");
    assert_eq!(termination, Termination::Interrupted);
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[test]
fn an_interrupt_fired_between_runs_stops_only_the_next_one() {
    let mut session = sandbox().session();
    session.interrupter().interrupt();
    let out = session
        .run(Language::JavaScript, "while (true) {}")
        .unwrap();
    assert_eq!(out.termination, Termination::Interrupted);
    let out = session.run(Language::JavaScript, "return 1").unwrap();
    assert_eq!(out.value, Some(json!(1)));
}
