//! The system-prompt section for agent builders.

use std::time::Duration;

use airlock_tools::ToolSpec;
use airlock_tools::prompt::{PromptEnv, system_prompt};
use serde_json::json;

fn env() -> PromptEnv {
    PromptEnv {
        languages: vec!["javascript".to_owned()],
        timeout: Some(Duration::from_secs(10)),
        memory_bytes: 256 << 20,
        stdout_bytes: 1 << 20,
        vfs_bytes: 64 << 20,
        vfs_files: 1000,
        mounts: vec![("/data".to_owned(), true), ("/out".to_owned(), false)],
        policy_summary: Some("Reads are allowed; refunds need approval.".to_owned()),
    }
}

fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new("weather/forecast", "Forecast for a city.")
            .with_input_schema(json!({
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name."},
                    "days": {"type": "integer", "minimum": 1},
                    "units": {"enum": ["metric", "imperial"]}
                },
                "required": ["city", "days"]
            }))
            .with_output_schema(json!({"type": "object", "properties": {"temps": {"type": "array", "items": {"type": "number"}}}})),
        ToolSpec::new("stripe/charges/create", "Creates a charge."),
        ToolSpec::new("search", "Searches the web.")
            .with_input_schema(json!({"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]})),
    ]
}

#[test]
fn describes_the_environment() {
    let p = system_prompt(&env(), &tools());
    for needle in [
        "QuickJS (ES2023)",
        "ONE script",
        "top-level `await`",
        "`return`",
        "console.log",
        "`/workspace`",
        "persist across runs",
        "`/tmp`",
        "no `fetch`",
        "npm",
        "`fs` works as in Node",
        "`Intl` and `toLocaleString` format as en-US, dates in UTC",
    ] {
        assert!(p.contains(needle), "missing {needle:?} in:\n{p}");
    }
}

#[test]
fn the_network_is_described_only_when_the_fetch_tool_is_there() {
    let mut with = tools();
    with.push(ToolSpec::new(
        "http/fetch",
        "Makes an HTTP request from the host. Allowed hosts: api.github.com.",
    ));
    let p = system_prompt(&env(), &with);
    assert!(
        p.contains("- Network: `fetch(url, init)` works as in Node"),
        "{p}"
    );
    assert!(!p.contains("no `fetch`"), "{p}");
    assert!(p.contains("Allowed hosts: api.github.com"), "{p}");
    let p = system_prompt(&env(), &tools());
    assert!(!p.contains("- Network:"), "{p}");
}

#[test]
fn limits_are_in_human_units() {
    let p = system_prompt(&env(), &tools());
    assert!(
        p.contains(
            "- Limits per run: 10 s of wall-clock time, 256 MiB of memory, 1 MiB of output."
        ),
        "{p}"
    );
    assert!(
        p.contains("- Storage for files: 64 MiB in at most 1000 files."),
        "{p}"
    );
    assert!(p.contains("`/data` (read-only), `/out` (writable)"), "{p}");
    assert!(
        p.contains("Reads are allowed; refunds need approval."),
        "{p}"
    );

    let odd = PromptEnv {
        timeout: Some(Duration::from_millis(1500)),
        memory_bytes: 3 << 29, // 1.5 GiB
        stdout_bytes: 512,
        ..PromptEnv::default()
    };
    let p = system_prompt(&odd, &[]);
    assert!(
        p.contains("1.5 s of wall-clock time, 1.5 GiB of memory, 512 bytes of output"),
        "{p}"
    );
    let minutes = PromptEnv {
        timeout: Some(Duration::from_secs(120)),
        ..PromptEnv::default()
    };
    assert!(system_prompt(&minutes, &[]).contains("2 min of wall-clock time"));
}

#[test]
fn unset_limits_are_left_out() {
    let p = system_prompt(&PromptEnv::default(), &tools());
    assert!(!p.contains("Limits per run"), "{p}");
    assert!(!p.contains("Storage for files"), "{p}");
    assert!(!p.contains("Mounted"), "{p}");
    assert!(!p.contains("### Policy"), "{p}");
}

#[test]
fn lists_tools_as_typescript() {
    let p = system_prompt(&env(), &tools());
    assert!(p.contains("```ts\n"), "{p}");
    assert!(
        p.contains("/** Forecast for a city. */\ndeclare function weather_forecast(args: {\n"),
        "{p}"
    );
    assert!(p.contains("  /** City name. */\n  city: string;\n"), "{p}");
    assert!(p.contains("  /** @minimum 1 */\n  days: number;\n"), "{p}");
    assert!(p.contains("  units?: \"metric\" | \"imperial\";\n"), "{p}");
    assert!(
        p.contains("}): Promise<{\n  temps?: number[];\n}>;\n"),
        "{p}"
    );
    assert!(
        p.contains("declare function stripe_charges_create(args: Record<string, unknown>): Promise<unknown>;"),
        "{p}"
    );
    assert!(
        p.contains("declare function search(args: {\n  q: string;\n}): Promise<unknown>;"),
        "{p}"
    );
    assert!(
        p.contains("`weather.forecast(...)` is `weather_forecast(...)`"),
        "{p}"
    );
    // How calls behave.
    for needle in [
        "Promise.all",
        "`EPOLICY`",
        "do not retry",
        "`EINVAL`",
        "`ETIMEDOUT`",
    ] {
        assert!(p.contains(needle), "missing {needle:?}");
    }
    // Not the whole fixed API.
    assert!(!p.contains("interface AirlockFs"), "{p}");
}

#[test]
fn example_calls_the_first_tool() {
    let p = system_prompt(&env(), &tools());
    assert!(
        p.contains("```js\nconst result = await weather_forecast({ city: \"...\", days: 1 });\n"),
        "{p}"
    );
    assert!(p.contains("return result;"), "{p}");
}

#[test]
fn refs_are_declared_before_use() {
    let t = ToolSpec::new("crm/contact", "Adds a contact.").with_input_schema(json!({
        "type": "object",
        "properties": {"address": {"$ref": "#/$defs/Address"}},
        "$defs": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}}}
    }));
    let p = system_prompt(&env(), &[t]);
    let alias = p.find("type CrmContactAddress = {").expect("alias");
    let use_ = p.find("address?: CrmContactAddress;").expect("use");
    assert!(alias < use_, "{p}");
}

#[test]
fn zero_tools_says_so() {
    let p = system_prompt(&env(), &[]);
    assert!(p.contains("No tools are available"), "{p}");
    assert!(!p.contains("```ts"), "{p}");
    assert!(!p.contains("### Calling tools"), "{p}");
    assert!(p.contains("```js\n"), "{p}");
}

#[test]
fn other_languages_are_mentioned() {
    let env = PromptEnv {
        languages: vec!["javascript".to_owned(), "shell".to_owned()],
        ..env()
    };
    assert!(system_prompt(&env, &[]).contains("Other languages accepted: shell."));
    assert!(!system_prompt(&PromptEnv::default(), &[]).contains("Other languages"));
    let with_ts = PromptEnv {
        languages: vec!["javascript".to_owned(), "typescript".to_owned()],
        ..PromptEnv::default()
    };
    let p = system_prompt(&with_ts, &[]);
    assert!(p.contains("TypeScript is welcome"), "{p}");
    assert!(!p.contains("Other languages"), "{p}");
}

#[test]
fn short_and_deterministic() {
    let p = system_prompt(&env(), &tools());
    assert_eq!(p, system_prompt(&env(), &tools()));
    assert!(p.lines().count() <= 80, "{} lines:\n{p}", p.lines().count());
}

#[test]
fn the_prompt_offers_the_shell_on_the_same_files() {
    let p = system_prompt(&env(), &[]);
    assert!(
        p.contains("`await shell(\"sort data.csv | uniq -c\")`"),
        "{p}"
    );
    assert!(p.contains("`{ stdout, stderr, exitCode }`"), "{p}");
}
