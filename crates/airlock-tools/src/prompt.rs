//! A system-prompt section that tells a model how to use an airlock sandbox and its tools.
//!
//! [`system_prompt`] writes Markdown meant to be pasted into an agent's system prompt as is: what
//! the environment is, its limits, how tool calls behave, the tools as TypeScript signatures and a
//! short example. It is deterministic, so the same sandbox gives the same prompt (and prompt
//! caches keep working).

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::ToolSpec;
use crate::dts::{
    Layout, Renderer, description_lines, doc_comment, reserved_type_names, type_stem,
};

/// What the prompt says about the sandbox; zero or empty fields are left out.
#[derive(Debug, Clone, Default)]
pub struct PromptEnv {
    /// Languages a script may be written in, e.g. `["javascript"]`; empty means JavaScript.
    pub languages: Vec<String>,
    /// Wall-clock limit of one run.
    pub timeout: Option<Duration>,
    /// Memory limit of one run, in bytes.
    pub memory_bytes: u64,
    /// Limit on what one run may print, in bytes.
    pub stdout_bytes: u64,
    /// Limit on the session's stored files, in bytes.
    pub vfs_bytes: u64,
    /// Limit on the number of the session's files.
    pub vfs_files: u64,
    /// Mounted directories: the path in the sandbox and whether it is read-only.
    pub mounts: Vec<(String, bool)>,
    /// What the policy allows and denies, in words, when the caller has a summary.
    pub policy_summary: Option<String>,
}

/// The Markdown section for a sandbox with `env` offering `tools`.
pub fn system_prompt(env: &PromptEnv, tools: &[ToolSpec]) -> String {
    let mut out = String::from("## Code sandbox\n\n");
    out.push_str(
        "You can run JavaScript in a sandbox: a QuickJS (ES2023) runtime inside WebAssembly. \
         Instead of calling tools one at a time, write ONE script that does the whole task and \
         calls the tools directly from code.\n\n",
    );
    let network = tools.iter().any(|t| t.name == "http/fetch");
    environment(&mut out, env, !tools.is_empty(), network);
    if let Some(policy) = env.policy_summary.as_deref().map(str::trim)
        && !policy.is_empty()
    {
        let _ = write!(out, "\n### Policy\n\n{policy}\n");
    }
    if tools.is_empty() {
        out.push_str(
            "\n### Tools\n\nNo tools are available: the script can only compute and use files.\n",
        );
    } else {
        calling(&mut out);
        tool_list(&mut out, tools);
    }
    example(&mut out, tools.first());
    out
}

fn environment(out: &mut String, env: &PromptEnv, has_tools: bool, network: bool) {
    out.push_str(
        "- The script runs as the body of an async function: use top-level `await`, and `return` \
         a value to hand it back. What `console.log` prints and the returned value come back to you.\n",
    );
    out.push_str(
        "- Files: `fs` works as in Node (`await fs.readFile(path, \"utf8\")`, \
         `await fs.writeFile(path, data)`, `fs.readdirSync(dir)`, ...). The working directory is \
         `/workspace`; files there persist across runs in this session. `/tmp` is scratch space.\n",
    );
    out.push_str(
        "- Shell: `await shell(\"sort data.csv | uniq -c\")` runs a POSIX shell on the same files, \
         with grep, sed, awk, jq, sort, find and the other usual text tools, and gives \
         `{ stdout, stderr, exitCode }`; `await shell.run(cmd)` gives stdout or throws.\n",
    );
    if !env.mounts.is_empty() {
        let mounts: Vec<String> = env
            .mounts
            .iter()
            .map(|(path, read_only)| {
                let mode = if *read_only { "read-only" } else { "writable" };
                format!("`{path}` ({mode})")
            })
            .collect();
        let _ = writeln!(out, "- Mounted directories: {}.", mounts.join(", "));
    }
    if network {
        out.push_str(
            "- Network: `fetch(url, init)` works as in Node (`Request`, `Response`, `Headers`, \
             `AbortSignal.timeout`), and `curl` in the shell. The host makes each request, only \
             to the hosts and with the methods the `http/fetch` tool below lists; credentials \
             those hosts need are added by the host, so do not look for API keys.\n",
        );
    }
    let _ = write!(
        out,
        "- Modules: `import` (or `require`) Node's `fs`, `path`, `buffer` (`Buffer` is global), `crypto` (`createHash`, `createHmac`), `events`, `util`, `url`, `process` and `timers/promises`; the npm packages {}; and the session's own files by path (`import {{ f }} from \"./lib.ts\"`). Nothing else can be imported or installed. `Intl` and `toLocaleString` format as en-US, dates in UTC. Not available: {}child processes.",
        crate::packages::package_list(),
        if network {
            ""
        } else {
            "network access (no `fetch`), "
        }
    );
    out.push_str(if has_tools {
        " Only the tools below reach the outside world.\n"
    } else {
        "\n"
    });
    if env
        .languages
        .iter()
        .any(|l| matches!(l.to_ascii_lowercase().as_str(), "typescript" | "ts"))
    {
        out.push_str(
            "- TypeScript is welcome (run it as typescript, or name the file .ts): types are \
             stripped, not checked, and errors keep the script's line numbers. Enums work; \
             parameter properties (`constructor(private x: T)`) and namespaces do not.\n",
        );
    }
    let others: Vec<&str> = env
        .languages
        .iter()
        .map(String::as_str)
        .filter(|l| {
            !matches!(
                l.to_ascii_lowercase().as_str(),
                "javascript" | "js" | "typescript" | "ts"
            )
        })
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "- Other languages accepted: {}.", others.join(", "));
    }
    let mut limits = Vec::new();
    if let Some(t) = env.timeout {
        limits.push(format!("{} of wall-clock time", human_duration(t)));
    }
    if env.memory_bytes > 0 {
        limits.push(format!("{} of memory", human_bytes(env.memory_bytes)));
    }
    if env.stdout_bytes > 0 {
        limits.push(format!("{} of output", human_bytes(env.stdout_bytes)));
    }
    if !limits.is_empty() {
        let _ = writeln!(out, "- Limits per run: {}.", limits.join(", "));
    }
    let storage = match (env.vfs_bytes, env.vfs_files) {
        (0, 0) => None,
        (bytes, 0) => Some(human_bytes(bytes)),
        (0, files) => Some(format!("{files} files")),
        (bytes, files) => Some(format!("{} in at most {files} files", human_bytes(bytes))),
    };
    if let Some(storage) = storage {
        let _ = writeln!(out, "- Storage for files: {storage}.");
    }
}

fn calling(out: &mut String) {
    out.push_str(
        "\n### Calling tools\n\n\
         Each tool is an async function taking one object. Run independent calls in parallel \
         with `Promise.all`. A failed call rejects with an `Error` whose `code` says why: \
         `EPOLICY` (denied by policy: do not retry it with the same arguments), `EINVAL` (the \
         arguments do not match the schema), `ETOOL` (the tool failed), `ETIMEDOUT`, `ENOENT` \
         (no such tool), `E2BIG` (too large). `tools.list()` and `tools.describe(name)` give \
         the schemas at run time.\n",
    );
}

fn tool_list(out: &mut String, tools: &[ToolSpec]) {
    out.push_str("\n### Tools\n\n```ts\n");
    let mut renderer = Renderer::new(&reserved_type_names());
    let mut signatures = String::new();
    for tool in tools {
        let stem = type_stem(tool);
        let input = render(&mut renderer, &stem, &tool.input_schema);
        let output = match &tool.output_schema {
            Some(schema) => render(&mut renderer, &stem, schema),
            None => "unknown".to_owned(),
        };
        signatures.push_str(&doc_comment(&description_lines(tool), 0));
        let _ = writeln!(
            signatures,
            "declare function {}(args: {input}): Promise<{output}>;",
            tool.flat_name()
        );
    }
    // Aliases for `$ref`s come first, so each signature reads top to bottom.
    for alias in renderer.take_aliases() {
        out.push_str(&alias);
    }
    out.push_str(&signatures);
    out.push_str("```\n");
    if let Some(tool) = tools.iter().find(|t| t.segments().count() > 1) {
        let path: Vec<String> = tool.segments().map(|s| s.replace('-', "_")).collect();
        let _ = writeln!(
            out,
            "\nA tool is also reachable by its path: `{}(...)` is `{}(...)`.",
            path.join("."),
            tool.flat_name()
        );
    }
}

fn render<'a>(renderer: &mut Renderer<'a>, stem: &str, schema: &'a Value) -> String {
    let root = renderer.add_root(schema, stem, None);
    renderer.render(root, schema, Layout::Block(0)).text
}

fn example(out: &mut String, tool: Option<&ToolSpec>) {
    out.push_str("\n### Example\n\n```js\n");
    match tool {
        Some(tool) => {
            let _ = writeln!(
                out,
                "const result = await {}({});",
                tool.flat_name(),
                example_args(&tool.input_schema)
            );
            out.push_str(
                "await fs.writeFile(\"result.json\", JSON.stringify(result)); // kept for later runs\n\
                 return result;\n",
            );
        }
        None => out.push_str(
            "const names = await fs.readdir(\".\");\n\
             console.log(`${names.length} files`);\n\
             return names;\n",
        ),
    }
    out.push_str("```\n");
}

/// An argument object with a placeholder for each required property (schema examples,
/// defaults and enums first).
fn example_args(schema: &Value) -> String {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return "{}".to_owned();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields: Vec<String> = props
        .iter()
        .filter(|(name, _)| required.contains(&name.as_str()))
        .map(|(name, prop)| {
            let key = if crate::dts::is_identifier(name) {
                name.clone()
            } else {
                Value::String(name.clone()).to_string()
            };
            format!("{key}: {}", placeholder(prop))
        })
        .collect();
    if fields.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{ {} }}", fields.join(", "))
    }
}

fn placeholder(schema: &Value) -> String {
    let given = schema
        .get("examples")
        .and_then(|e| e.as_array()?.first())
        .or_else(|| schema.get("example"))
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("const"))
        .or_else(|| schema.get("enum").and_then(|e| e.as_array()?.first()));
    if let Some(value) = given {
        return value.to_string();
    }
    let ty = match schema.get("type") {
        Some(Value::Array(types)) => types.first().and_then(Value::as_str),
        Some(other) => other.as_str(),
        None => None,
    };
    match ty {
        Some("number" | "integer") => schema
            .get("minimum")
            .filter(|m| m.is_number())
            .map_or_else(|| "1".to_owned(), Value::to_string),
        Some("boolean") => "true".to_owned(),
        Some("array") => "[]".to_owned(),
        Some("object") => "{}".to_owned(),
        Some("null") => "null".to_owned(),
        _ => "\"...\"".to_owned(),
    }
}

/// `10 s`, `500 ms`, `2 min`, `1.5 s`.
fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `256 MiB`, `1.5 GiB`, `512 bytes`.
fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}
