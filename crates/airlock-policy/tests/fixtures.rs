//! Runs every policy scenario in `tests/fixtures/*.toml`.
//!
//! A fixture holds a `policy` (the text of an airlock.toml holding only
//! `[[allow]]`/`[[deny]]`) and `[[case]]` calls replayed in order against one
//! session, or `[[invalid]]` policies that must fail to compile:
//!
//! ```toml
//! policy = """
//! [[allow]]
//! tools = "transfer"
//! """
//!
//! [[case]]
//! tool = "transfer"
//! args = { amount = 5 }        # or args_json = '{"amount": null}'; default {}
//! run = true                   # call begin_run first (optional)
//! at_ms = 1500                 # the clock for this and later cases (optional)
//! repeat = 3                   # make the same call this many times (optional)
//! expect = "allow"             # or "deny"
//! rule = "allow[0]"            # optional: the granting or denying rule
//! argument = "amount"          # optional: the denial's argument
//! message = "PolicyDenied: ..." # optional: the exact denial message
//! message_contains = "..."     # optional
//!
//! [[invalid]]
//! policy = "..."
//! line = 3                     # the line the error names
//! kind = "Pattern"             # the ErrorKind, as its Debug name
//! contains = "..."             # optional: part of the rendered error
//! ```

use std::path::Path;
use std::time::Duration;

use airlock_policy::{Policy, PolicyState};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    policy: Option<String>,
    #[serde(default)]
    case: Vec<Case>,
    #[serde(default)]
    invalid: Vec<Invalid>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    tool: String,
    args: Option<serde_json::Value>,
    args_json: Option<String>,
    #[serde(default)]
    run: bool,
    at_ms: Option<u64>,
    repeat: Option<usize>,
    expect: Expect,
    rule: Option<String>,
    argument: Option<String>,
    message: Option<String>,
    message_contains: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Allow,
    Deny,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invalid {
    policy: String,
    line: usize,
    kind: String,
    contains: Option<String>,
}

fn run_fixture(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let fixture: Fixture = toml::from_str(&text).map_err(|e| format!("bad fixture: {e}"))?;
    let mut checked = 0;
    for (i, bad) in fixture.invalid.iter().enumerate() {
        let err = match Policy::from_toml(&bad.policy, "airlock.toml") {
            Ok(_) => return Err(format!("invalid[{i}] compiled:\n{}", bad.policy)),
            Err(e) => e,
        };
        let shown = err.to_string();
        if err.line() != Some(bad.line) || format!("{:?}", err.kind()) != bad.kind {
            return Err(format!(
                "invalid[{i}]: want line {} kind {}, got {:?} {:?}: {shown}",
                bad.line,
                bad.kind,
                err.line(),
                err.kind()
            ));
        }
        if !shown.starts_with(&format!("airlock.toml:{}: ", bad.line))
            || !shown.contains("\nhint: ")
        {
            return Err(format!(
                "invalid[{i}]: error lacks line prefix or hint: {shown}"
            ));
        }
        if let Some(want) = &bad.contains
            && !shown.contains(want.as_str())
        {
            return Err(format!("invalid[{i}]: {shown:?} lacks {want:?}"));
        }
        checked += 1;
    }
    let Some(policy_text) = &fixture.policy else {
        return Ok(checked);
    };
    let policy =
        Policy::from_toml(policy_text, "airlock.toml").map_err(|e| format!("policy: {e}"))?;
    let mut state = PolicyState::new(&policy);
    let mut now = Duration::ZERO;
    for (i, case) in fixture.case.iter().enumerate() {
        let args = match (&case.args, &case.args_json) {
            (_, Some(json)) => {
                serde_json::from_str(json).map_err(|e| format!("case[{i}] args_json: {e}"))?
            }
            (Some(args), None) => args.clone(),
            (None, None) => serde_json::json!({}),
        };
        if case.run {
            state.begin_run();
        }
        if let Some(ms) = case.at_ms {
            now = Duration::from_millis(ms);
        }
        for n in 0..case.repeat.unwrap_or(1) {
            let at = format!("case[{i}] ({}) call {n}", case.tool);
            let outcome = policy.decide(&mut state, &case.tool, &args, now);
            let (got, rule) = match &outcome {
                Ok(g) => (Expect::Allow, g.rule.clone()),
                Err(d) => (Expect::Deny, d.rule.clone()),
            };
            if got != case.expect {
                return Err(format!("{at}: want {:?}, got {outcome:?}", case.expect));
            }
            if case.rule.is_some() && rule != case.rule {
                return Err(format!("{at}: want rule {:?}, got {rule:?}", case.rule));
            }
            if let Err(denial) = &outcome {
                if case.argument.is_some() && denial.argument != case.argument {
                    return Err(format!(
                        "{at}: want argument {:?}, got {:?}",
                        case.argument, denial.argument
                    ));
                }
                if let Some(want) = &case.message
                    && denial.message != *want
                {
                    return Err(format!(
                        "{at}: message\n  want {want}\n   got {}",
                        denial.message
                    ));
                }
                if let Some(want) = &case.message_contains
                    && !denial.message.contains(want.as_str())
                {
                    return Err(format!("{at}: message {:?} lacks {want:?}", denial.message));
                }
            }
            checked += 1;
        }
    }
    Ok(checked)
}

#[test]
fn fixtures() {
    let dir = Path::new(&manifest_dir()).join("tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 20,
        "expected at least 20 fixtures, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        match run_fixture(path) {
            Ok(0) => failures.push(format!("{}: checks nothing", path.display())),
            Ok(_) => {}
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
