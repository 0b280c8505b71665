//! `curl`: the common subset, as a call of the host's `http/fetch` tool (the shell has no
//! sockets; the host checks every request against the policy and `[network]`).

use base64::Engine as _;
use serde_json::{Map, Value};

use super::state::State;
use super::{Interp, Io};

const HELP: &str = "Usage: curl [OPTIONS] URL\n\
Makes an HTTP request through the host (the hosts allowed are in [network] in airlock.toml).\n\
  -X, --request METHOD     the method (default GET, or POST with data)\n\
  -H, --header 'N: V'      a request header (repeatable)\n\
  -d, --data DATA          a body (repeatable, joined by &; @FILE reads a file, @- stdin)\n\
      --data-raw DATA      as -d, without @FILE\n\
      --data-binary DATA   as -d, keeping newlines of @FILE\n\
      --data-urlencode D   NAME=VALUE with VALUE percent-encoded\n\
      --json DATA          a JSON body, with JSON Content-Type and Accept\n\
  -G, --get                put the data in the URL's query instead of the body\n\
  -u, --user USER:PASS     basic authentication\n\
  -A, --user-agent UA      the User-Agent header\n\
  -L, --location           follow redirects\n\
  -I, --head               a HEAD request; print the headers\n\
  -i, --include            print the status line and headers before the body\n\
  -o, --output FILE        write the body to FILE\n\
  -w, --write-out FMT      print FMT after: %{http_code} %{url_effective} %{content_type}\n\
                           %{size_download} %{redirect_url}\n\
  -f, --fail               exit 22 on an HTTP status of 400 or more, printing no body\n\
  -s, --silent / -S, --show-error   no error messages / error messages even with -s\n\
  -m, --max-time SECONDS   give up after SECONDS\n\
Exit status: 0 done, 2 bad usage, 6/7 could not resolve/connect, 22 HTTP error with -f,\n\
28 timed out, 47 too many redirects, 63 response too large, 126 denied, 127 no network.\n";

/// Exit statuses, as curl's.
const USAGE: i32 = 2;
const CONNECT: i32 = 7;
const HTTP_ERROR: i32 = 22;
const WRITE_ERROR: i32 = 23;
const TIMEOUT: i32 = 28;
const TOO_MANY_REDIRECTS: i32 = 47;
const TOO_LARGE: i32 = 63;
const RESOLVE: i32 = 6;

#[derive(Default)]
struct Options {
    url: Option<String>,
    method: Option<String>,
    headers: Vec<(String, String)>,
    data: Vec<String>,
    json: bool,
    get: bool,
    head: bool,
    include: bool,
    location: bool,
    fail: bool,
    silent: bool,
    show_error: bool,
    output: Option<String>,
    write_out: Option<String>,
    max_time_ms: Option<u64>,
}

impl Interp {
    pub(crate) async fn curl(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let opts = match self.curl_options(st, args, io).await {
            Ok(Some(o)) => o,
            Ok(None) => {
                let _ = io.stdout.write(HELP.as_bytes()).await;
                return 0;
            }
            Err(message) => {
                let _ = io
                    .stderr
                    .write(format!("curl: {message}\ncurl: try 'curl --help'\n").as_bytes())
                    .await;
                return USAGE;
            }
        };
        let complain = !opts.silent || opts.show_error;
        let Some(mut url) = opts.url.clone() else {
            return curl_fail(io, complain, USAGE, "no URL specified".into()).await;
        };
        let mut body = None;
        if !opts.data.is_empty() {
            let joined = opts.data.join("&");
            if opts.get {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&joined);
            } else {
                body = Some(joined);
            }
        }
        let method = opts.method.clone().unwrap_or_else(|| {
            if opts.head {
                "HEAD".into()
            } else if body.is_some() {
                "POST".into()
            } else {
                "GET".into()
            }
        });
        let mut headers = Map::new();
        if body.is_some() && !opts.json {
            headers.insert(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            );
        }
        if opts.json {
            headers.insert("content-type".into(), "application/json".into());
            headers.insert("accept".into(), "application/json".into());
        }
        for (name, value) in &opts.headers {
            // `-H 'Name:'` removes a header curl would send.
            let key = name.to_ascii_lowercase();
            if value.is_empty() {
                headers.remove(&key);
            } else {
                headers.insert(key, Value::String(value.clone()));
            }
        }
        let mut call = Map::new();
        call.insert("url".into(), url.clone().into());
        call.insert("method".into(), method.into());
        if !headers.is_empty() {
            call.insert("headers".into(), Value::Object(headers));
        }
        if let Some(b) = body {
            call.insert("body".into(), b.into());
        }
        if !opts.location {
            call.insert("redirect".into(), "manual".into());
        }
        if let Some(ms) = opts.max_time_ms {
            call.insert("timeoutMs".into(), ms.into());
        }
        let result = match self
            .sys
            .call_tool("http/fetch", &Value::Object(call).to_string())
        {
            Ok(text) => text,
            Err((code, message)) => {
                let status = match code.as_str() {
                    "EPOLICY" | "EAPPROVAL" | "EDENIED" => super::tool::STATUS_DENIED,
                    "ENOENT" => {
                        return curl_fail(io, complain,
                            super::tool::STATUS_UNKNOWN,
                            "this sandbox has no network: the operator turns it on with a [network] section in airlock.toml".into(),
                        )
                        .await;
                    }
                    "ETIMEDOUT" => TIMEOUT,
                    _ if message.contains("redirects") => TOO_MANY_REDIRECTS,
                    _ if message.contains("larger than") => TOO_LARGE,
                    _ if message.contains("resolve") || message.contains("has no address") => {
                        RESOLVE
                    }
                    _ => CONNECT,
                };
                return curl_fail(io, complain, status, message).await;
            }
        };
        let response: Value = serde_json::from_str(&result).unwrap_or(Value::Null);
        let status = response["status"].as_u64().unwrap_or(0);
        let body = match response["bodyEncoding"].as_str() {
            Some("base64") => base64::engine::general_purpose::STANDARD
                .decode(response["body"].as_str().unwrap_or(""))
                .unwrap_or_default(),
            _ => response["body"].as_str().unwrap_or("").as_bytes().to_vec(),
        };
        if opts.fail && status >= 400 {
            return curl_fail(
                io,
                complain,
                HTTP_ERROR,
                format!("The requested URL returned error: {status}"),
            )
            .await;
        }
        let mut out = Vec::new();
        if opts.include || opts.head {
            out.extend_from_slice(head_of(&response).as_bytes());
        }
        if let Some(file) = &opts.output {
            let path = crate::path::absolute(&st.cwd, file);
            if let Err(e) = self.sys.write_file(&path, &body, false) {
                return curl_fail(
                    io,
                    complain,
                    WRITE_ERROR,
                    format!("{file}: {}", e.describe()),
                )
                .await;
            }
        } else {
            out.extend_from_slice(&body);
        }
        if let Some(fmt) = &opts.write_out {
            out.extend_from_slice(write_out(fmt, &response, body.len()).as_bytes());
        }
        if io.stdout.write(&out).await.is_err() {
            return crate::cmd::STATUS_BROKEN_PIPE;
        }
        0
    }

    /// The options; `Ok(None)` for `--help`.
    async fn curl_options(
        &self,
        st: &State,
        args: &[String],
        io: &mut Io<'_>,
    ) -> Result<Option<Options>, String> {
        let mut o = Options::default();
        let mut i = 0;
        let mut stdin_used = false;
        while i < args.len() {
            let arg = args[i].clone();
            i += 1;
            if !arg.starts_with('-') || arg == "-" {
                if o.url.replace(arg).is_some() {
                    return Err("one URL per call".into());
                }
                continue;
            }
            // `-sSL`: short flags together; `-XPOST`: a short option with its value attached.
            let (flag, attached) = match arg.strip_prefix("--") {
                Some(long) => match long.split_once('=') {
                    Some((k, v)) => (format!("--{k}"), Some(v.to_string())),
                    None => (arg.clone(), None),
                },
                None => {
                    let chars: Vec<char> = arg[1..].chars().collect();
                    let mut k = 0;
                    let mut attached = None;
                    let mut last = None;
                    while k < chars.len() {
                        let c = chars[k];
                        k += 1;
                        if "XHdouwAm".contains(c) {
                            let rest: String = chars[k..].iter().collect();
                            if !rest.is_empty() {
                                attached = Some(rest);
                            }
                            last = Some(c);
                            break;
                        }
                        if k < chars.len() {
                            set_flag(&mut o, &format!("-{c}"))?;
                        } else {
                            last = Some(c);
                        }
                    }
                    match last {
                        Some(c) => (format!("-{c}"), attached),
                        None => continue,
                    }
                }
            };
            if set_flag(&mut o, &flag).is_ok() {
                continue;
            }
            let mut value = || -> Result<String, String> {
                if let Some(v) = attached.clone() {
                    return Ok(v);
                }
                i += 1;
                args.get(i - 1)
                    .cloned()
                    .ok_or_else(|| format!("option {flag}: requires a value"))
            };
            match flag.as_str() {
                "--help" | "-h" => return Ok(None),
                "-X" | "--request" => o.method = Some(value()?),
                "-H" | "--header" => {
                    let h = value()?;
                    let (name, v) = h
                        .split_once(':')
                        .ok_or_else(|| format!("header '{h}' is not 'Name: value'"))?;
                    o.headers
                        .push((name.trim().to_string(), v.trim().to_string()));
                }
                "-A" | "--user-agent" => o.headers.push(("User-Agent".into(), value()?)),
                "-u" | "--user" => {
                    let creds = value()?;
                    let token = base64::engine::general_purpose::STANDARD.encode(creds);
                    o.headers
                        .push(("Authorization".into(), format!("Basic {token}")));
                }
                "-d" | "--data" | "--data-ascii" | "--data-binary" | "--data-raw" | "--json"
                | "--data-urlencode" => {
                    let v = value()?;
                    let data = match v.strip_prefix('@') {
                        Some(file) if flag != "--data-raw" && flag != "--data-urlencode" => {
                            let bytes = if file == "-" {
                                if stdin_used {
                                    return Err("stdin (@-) can be read once".into());
                                }
                                stdin_used = true;
                                io.stdin.read_all().await
                            } else {
                                let path = crate::path::absolute(&st.cwd, file);
                                self.sys
                                    .read_file(&path)
                                    .map_err(|e| format!("{file}: {}", e.describe()))?
                            };
                            let text = String::from_utf8(bytes).map_err(|_| {
                                format!(
                                    "{file}: not UTF-8 text; the shell's curl sends text bodies"
                                )
                            })?;
                            if flag == "--data-binary" || flag == "--json" {
                                text
                            } else {
                                text.replace(['\r', '\n'], "")
                            }
                        }
                        _ if flag == "--data-urlencode" => urlencode_pair(&v),
                        _ => v,
                    };
                    if flag == "--json" {
                        o.json = true;
                    }
                    o.data.push(data);
                }
                "-o" | "--output" => o.output = Some(value()?),
                "-w" | "--write-out" => o.write_out = Some(value()?),
                "-m" | "--max-time" => {
                    let v = value()?;
                    let secs: f64 = v
                        .parse()
                        .ok()
                        .filter(|s: &f64| *s > 0.0 && s.is_finite())
                        .ok_or_else(|| format!("--max-time '{v}' is not a number of seconds"))?;
                    o.max_time_ms = Some((secs * 1000.0).ceil() as u64);
                }
                "-k" | "--insecure" => {
                    return Err(
                        "option -k: the host always verifies certificates; it cannot be turned off"
                            .into(),
                    );
                }
                other => {
                    return Err(format!(
                        "option {other}: is unknown (see 'curl --help' for the options this curl has)"
                    ));
                }
            }
        }
        Ok(Some(o))
    }
}

/// Reports a failure (unless silenced) and gives its exit status.
async fn curl_fail(io: &mut Io<'_>, complain: bool, status: i32, message: String) -> i32 {
    if complain {
        let _ = io
            .stderr
            .write(format!("curl: ({status}) {message}\n").as_bytes())
            .await;
    }
    status
}

/// A flag without a value; `Err` when `flag` is not one.
fn set_flag(o: &mut Options, flag: &str) -> Result<(), String> {
    match flag {
        "-s" | "--silent" => o.silent = true,
        "-S" | "--show-error" => o.show_error = true,
        "-f" | "--fail" => o.fail = true,
        "-L" | "--location" => o.location = true,
        "-i" | "--include" => o.include = true,
        "-I" | "--head" => o.head = true,
        "-G" | "--get" => o.get = true,
        // Accepted as curl does; the host's client decides these.
        "--compressed" | "--no-progress-meter" | "-#" | "--progress-bar" => {}
        other => return Err(format!("option {other}: is unknown")),
    }
    Ok(())
}

/// `name=value` with the value percent-encoded (`--data-urlencode`).
fn urlencode_pair(text: &str) -> String {
    let (name, value) = match text.split_once('=') {
        Some((n, v)) => (Some(n), v),
        None => (None, text),
    };
    let mut out = String::new();
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        out.push_str(n);
        out.push('=');
    }
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The status line and headers, as `curl -i` prints them.
fn head_of(response: &Value) -> String {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        response["status"].as_u64().unwrap_or(0),
        response["statusText"].as_str().unwrap_or("")
    );
    for pair in response["headers"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}: {}\r\n",
            pair[0].as_str().unwrap_or(""),
            pair[1].as_str().unwrap_or("")
        ));
    }
    out.push_str("\r\n");
    out
}

fn header<'a>(response: &'a Value, name: &str) -> &'a str {
    response["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p[0].as_str() == Some(name))
        .and_then(|p| p[1].as_str())
        .unwrap_or("")
}

/// `-w`: the variables and the `\n`, `\t` escapes curl knows.
fn write_out(fmt: &str, response: &Value, size: usize) -> String {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("%{")
            && let Some(end) = after.find('}')
        {
            let var = &after[..end];
            let value = match var {
                "http_code" | "response_code" => {
                    format!("{:03}", response["status"].as_u64().unwrap_or(0))
                }
                "url_effective" | "url" => response["url"].as_str().unwrap_or("").to_string(),
                "content_type" => header(response, "content-type").to_string(),
                "size_download" => size.to_string(),
                "redirect_url" => header(response, "location").to_string(),
                _ => String::new(),
            };
            out.push_str(&value);
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('\\')
            && let Some(e) = after.chars().next()
        {
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '\\' => out.push('\\'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            rest = &after[e.len_utf8()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_out_knows_the_common_variables() {
        let r = json!({"status": 201, "url": "https://a.com/x", "headers": [["content-type", "text/plain"]]});
        assert_eq!(
            write_out(
                "%{http_code} %{content_type}\\n%{size_download} %{url_effective}",
                &r,
                5
            ),
            "201 text/plain\n5 https://a.com/x"
        );
        assert_eq!(
            head_of(&json!({"status": 200, "statusText": "OK", "headers": [["a", "1"]]})),
            "HTTP/1.1 200 OK\r\na: 1\r\n\r\n"
        );
        assert_eq!(urlencode_pair("q=a b&c"), "q=a%20b%26c");
    }
}
