//! Approvals from a hostile script's point of view: it cannot approve its own call, cannot
//! reach the secret behind a gate, cannot flood a person with approvals, and cannot make a
//! run outlast its limits by waiting on one. Each session here gets its own tools on the one
//! shared sandbox (`Session::set_toolset`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use airlock::pipeline::{
    ApprovalAsk, ApprovalMethod, Before, Layer, LayerCall, LayerFuture, LayerResult,
    MAX_APPROVALS_PER_RUN, ready,
};
use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{
    Answer, Approvals, LayerStack, Session, Termination, Toolset, Unattended, approver_fn,
    exit_code,
};
use common::{js, sandbox};
use serde_json::json;

/// Asks a person before every call it covers.
struct Gate;

impl Layer for Gate {
    fn name(&self) -> &str {
        "gate"
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        ready(Ok(Before::Approve(ApprovalAsk {
            prompt: format!("Pay {}?", call.args["amount"]),
            method: ApprovalMethod::Confirm,
        })))
    }
}

/// A session whose `bank/pay` is gated, with `approvals`; counts the payments made.
fn gated(approvals: Approvals) -> (Session, Arc<AtomicUsize>) {
    let paid = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&paid);
    let mut toolbox = Toolbox::new();
    toolbox
        .add(tool_fn(ToolSpec::new("bank/pay", "Pays"), move |args| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(json!({ "paid": args["amount"] }))
            }
        }))
        .expect("tool registers");
    let layers = LayerStack::new().with(None, Arc::new(Gate));
    let mut session = sandbox().session();
    session.set_toolset(Toolset::with_layers(toolbox, Policy::allow_all(), layers));
    session.set_approvals(approvals);
    (session, paid)
}

#[test]
fn a_script_cannot_approve_its_own_call_or_read_what_is_behind_the_gate() {
    let (mut session, paid) = gated(
        Approvals::new()
            .with_unattended(Unattended::Wait)
            .with_timeout(Duration::from_millis(300)),
    );
    let out = js(
        &mut session,
        r#"
        const pay = bank.pay({ amount: 5 }).then(() => "paid", (e) => e.code);
        // Everything the script can reach: the tool list, other tool names, the files.
        const names = tools.list().map((t) => t.name);
        const tries = [];
        for (const name of ["approvals", "approve", "airlock/approvals", "bank/pay/approve"]) {
          try { await tools.call(name, { id: "r0c0.0", approve: true }); tries.push("called"); }
          catch (e) { tries.push(e.code); }
        }
        for (const path of ["/root/.config/airlock/otp/bank", "/etc/passwd", "run.jsonl.approvals"]) {
          try { fs.readFileSync(path); tries.push("read"); } catch (e) { tries.push(e.code); }
        }
        return { names, tries, outcome: await pay };
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    let value = out.value.expect("a value");
    assert_eq!(value["names"], json!(["bank/pay"]));
    assert!(
        value["tries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t != "called" && t != "read"),
        "{value}"
    );
    assert_eq!(value["outcome"], "EAPPROVAL", "{value}");
    assert_eq!(paid.load(Ordering::SeqCst), 0);
    assert!(session.approvals().pending().is_empty());
}

#[test]
fn a_script_looping_over_a_gated_tool_asks_a_bounded_number_of_approvals() {
    let asked = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&asked);
    let approver = approver_fn(move |_| {
        count.fetch_add(1, Ordering::SeqCst);
        Some(Answer::approve())
    });
    let (mut session, paid) = gated(Approvals::new().with_approver(approver));
    let n = MAX_APPROVALS_PER_RUN + 10;
    let out = js(
        &mut session,
        &format!(
            r#"
            const codes = [];
            for (let i = 0; i < {n}; i++) {{
              try {{ await bank.pay({{ amount: i }}); codes.push("ok"); }}
              catch (e) {{ codes.push(e.code); }}
            }}
            return codes;
            "#
        ),
    );
    let codes = out.value.expect("a value");
    let codes: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let limit = MAX_APPROVALS_PER_RUN as usize;
    assert!(codes[..limit].iter().all(|c| *c == "ok"), "{codes:?}");
    assert!(
        codes[limit..].iter().all(|c| *c == "EAPPROVAL"),
        "{codes:?}"
    );
    assert_eq!(
        asked.load(Ordering::SeqCst),
        limit,
        "the person was asked no more"
    );
    assert_eq!(paid.load(Ordering::SeqCst), limit);
    // The bound is per run: the next run asks again.
    let out = js(&mut session, "return await bank.pay({ amount: 1 })");
    assert_eq!(out.value, Some(json!({ "paid": 1 })));
}

#[test]
fn a_wait_for_a_person_pauses_the_run_deadline_but_a_hung_script_is_still_stopped() {
    let approver = approver_fn(|_| {
        std::thread::sleep(Duration::from_millis(600));
        Some(Answer::approve())
    });
    let (mut session, paid) = gated(Approvals::new().with_approver(approver));
    let mut limits = session.limits().clone();
    limits.timeout = Some(Duration::from_millis(400));
    session.set_limits(limits).expect("limits");
    // The person takes longer than the whole run may: the call still goes through.
    let out = js(&mut session, "return await bank.pay({ amount: 5 })");
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    assert_eq!(out.value, Some(json!({ "paid": 5 })));
    assert_eq!(paid.load(Ordering::SeqCst), 1);
    // After the approval, the script's own time is still bounded.
    let out = js(
        &mut session,
        "await bank.pay({ amount: 5 }); while (true) {}",
    );
    assert_eq!(out.termination, Termination::Timeout);
}

#[test]
fn a_journaled_session_with_nobody_to_ask_stops_with_the_approval_pending() {
    let (mut session, paid) = gated(Approvals::new().with_unattended(Unattended::Stop));
    session.set_journal(Vec::new(), airlock::JOURNAL_RESULT_THRESHOLD);
    let out = js(
        &mut session,
        "console.log('before'); await bank.pay({ amount: 7 }); console.log('after')",
    );
    assert_eq!(out.exit_code, exit_code::PENDING);
    let Termination::Pending(why) = &out.termination else {
        panic!("{:?}", out.termination);
    };
    assert!(why.contains("r0c0.0") && why.contains("bank/pay"), "{why}");
    assert_eq!(out.stdout_text(), "before\n");
    assert!(
        out.stderr_text().contains("airlock resume"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(paid.load(Ordering::SeqCst), 0);
}
