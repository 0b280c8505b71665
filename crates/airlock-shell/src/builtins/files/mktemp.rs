//! `mktemp`: creates a file or directory with a fresh random name and prints it.

use super::common::{self, quote};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const MKTEMP: Utility = Utility {
    name: "mktemp",
    help: "Usage: mktemp [OPTION]... [TEMPLATE]
Create a temporary file or directory, safely, and print its name. TEMPLATE must end in at
least 3 consecutive 'X's; they are replaced by random letters and digits. Without TEMPLATE,
use tmp.XXXXXXXXXX in $TMPDIR (or /tmp).

  -d, --directory     create a directory, not a file
  -u, --dry-run       do not create anything; merely print a name
  -q, --quiet         suppress diagnostics about file/dir-creation failure
  -p DIR, --tmpdir[=DIR]  interpret TEMPLATE relative to DIR ($TMPDIR, else /tmp, if not given)
  -t                  interpret TEMPLATE as a single file name component relative to the
                      temporary directory
      --suffix=SUFF   append SUFF to TEMPLATE
",
    run: mktemp,
};

/// The characters a name is made of, as in GNU.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Names tried before giving up (each collision is one chance in 62^X's).
const ATTEMPTS: usize = 100;

fn mktemp<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        // `--tmpdir` takes an optional value, which the shared parser cannot express.
        let mut tmpdir_flag: Option<Option<String>> = None;
        cx.args.retain(|a| {
            if a == "--tmpdir" {
                tmpdir_flag = Some(None);
                false
            } else if let Some(dir) = a.strip_prefix("--tmpdir=") {
                tmpdir_flag = Some(Some(dir.to_string()));
                false
            } else {
                true
            }
        });
        let spec = Spec {
            short: "duqp:t",
            long: &[
                ("directory", 'd', false),
                ("dry-run", 'u', false),
                ("quiet", 'q', false),
                ("suffix", 's', true),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let (mut directory, mut dry_run, mut quiet, mut in_tmp) = (false, false, false, false);
        let mut suffix = String::new();
        let mut dir = tmpdir_flag.clone().flatten();
        in_tmp |= tmpdir_flag.is_some();
        for opt in opts {
            match opt.flag {
                'd' => directory = true,
                'u' => dry_run = true,
                'q' => quiet = true,
                't' => in_tmp = true,
                'p' => {
                    dir = opt.value;
                    in_tmp = true;
                }
                's' => suffix = opt.value.unwrap_or_default(),
                _ => {}
            }
        }
        if operands.len() > 1 {
            return cx.usage("too many templates").await;
        }
        let template = match operands.first() {
            Some(t) => t.clone(),
            None => {
                in_tmp = true;
                "tmp.XXXXXXXXXX".to_string()
            }
        };
        let x_count = template.bytes().rev().take_while(|&b| b == b'X').count();
        if x_count < 3 {
            if quiet {
                return 1;
            }
            return cx
                .fail(1, format!("too few X's in template {}", quote(&template)))
                .await;
        }
        let template = if in_tmp {
            if template.contains('/') {
                let message = format!(
                    "invalid template, {}, contains directory separator",
                    quote(&template)
                );
                return cx.fail(1, message).await;
            }
            let env_dir = cx
                .env
                .iter()
                .find(|(k, _)| k == "TMPDIR")
                .map(|(_, v)| v.clone());
            let dir = dir
                .filter(|d| !d.is_empty())
                .or(env_dir)
                .unwrap_or_else(|| "/tmp".to_string());
            common::join(&dir, &template)
        } else {
            template
        };
        let stem = &template[..template.len() - x_count];
        for _ in 0..ATTEMPTS {
            let mut name = stem.to_string();
            for _ in 0..x_count {
                let pick = cx.sys.random_u64() % ALPHABET.len() as u64;
                name.push(char::from(ALPHABET[pick as usize]));
            }
            name.push_str(&suffix);
            let path = cx.path(&name);
            if cx.sys.stat(&path).is_ok() {
                continue;
            }
            if !dry_run {
                let created = if directory {
                    cx.sys.mkdir(&path, false)
                } else {
                    cx.sys.write_file(&path, b"", false)
                };
                if let Err(e) = created {
                    if quiet {
                        return 1;
                    }
                    let what = if directory { "directory" } else { "file" };
                    let message = format!(
                        "failed to create {what} via template {}: {}",
                        quote(&format!("{template}{suffix}")),
                        e.describe()
                    );
                    return cx.fail(1, message).await;
                }
            }
            emit!(cx, format!("{name}\n").as_bytes());
            return 0;
        }
        if quiet {
            return 1;
        }
        let message = format!(
            "failed to create file via template {}: File exists",
            quote(&template)
        );
        cx.fail(1, message).await
    })
}
