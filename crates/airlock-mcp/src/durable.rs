//! Runs waiting for a person that outlive their server (`serve --http --journal DIR` with an
//! approvals endpoint).
//!
//! While a run waits for an approval, the server keeps `DIR/<session>.waiting.json` (mode
//! 0600) beside the session's journal: the script, the session as it stood when the run began
//! (files, budgets, seed), the client it belongs to and the approvals it waits for. The
//! journal holds every call the run finished, each written as it ended. The file goes when
//! the run ends, however it ends.
//!
//! A server started again over DIR finds the file and resumes the run as `airlock resume`
//! does: it closes the interrupted run in the journal (exit 75, like a run stopped at a
//! pending approval), runs the script again from the session as it stood, serves the calls
//! the journal holds from it, and the call that waited asks for its approval again, listed at
//! `GET /approvals`. Once answered, the run goes on live, appending to the same hash chain,
//! and the session is the client's again under its handle.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use airlock::pipeline::ApprovalRequest;
use airlock::{SessionImage, vfs};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

/// The format of the files; a server refuses (and leaves alone) any other.
const FORMAT: u32 = 1;

/// What ends the names of the files.
const SUFFIX: &str = ".waiting.json";

/// A run waiting for a person, as written to its file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitingRun {
    pub format: u32,
    /// The session's id (its journal is `<session>.jsonl`).
    pub session: String,
    /// The handle the client names the session by (stateless clients).
    #[serde(default)]
    pub handle: Option<String>,
    /// The identity of the token that made the session.
    #[serde(default)]
    pub owner: Option<String>,
    /// The profile whose tools and limits the session has.
    #[serde(default)]
    pub profile: Option<String>,
    pub language: String,
    pub code: String,
    #[serde(default)]
    pub traceparent: Option<String>,
    /// The session when the run began.
    pub image: ImageRecord,
    /// What the run waits for (for the log; the resumed run asks again).
    pub waiting: Vec<ApprovalRequest>,
}

/// A [`SessionImage`] as JSON, file contents in base64.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImageRecord {
    pub runs: u64,
    #[serde(default)]
    pub seed: Option<u64>,
    pub cwd: String,
    pub budgets: airlock::policy::BudgetImage,
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRecord {
    pub path: String,
    /// A file's contents, in base64; absent for a folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub mtime_ms: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readonly: bool,
}

impl ImageRecord {
    fn of(image: &SessionImage) -> Self {
        Self {
            runs: image.runs,
            seed: image.seed,
            cwd: image.cwd.clone(),
            budgets: image.budgets.clone(),
            files: image
                .files
                .iter()
                .map(|f| FileRecord {
                    path: f.path.clone(),
                    data: f.data.as_ref().map(|d| BASE64.encode(d.as_slice())),
                    mtime_ms: f.mtime_ms,
                    readonly: f.readonly,
                })
                .collect(),
        }
    }

    pub(crate) fn image(&self) -> Result<SessionImage, String> {
        let mut files = Vec::with_capacity(self.files.len());
        for f in &self.files {
            files.push(match &f.data {
                None => vfs::ImageEntry::dir(f.path.clone(), f.mtime_ms, f.readonly),
                Some(data) => {
                    let bytes = BASE64
                        .decode(data)
                        .map_err(|e| format!("the contents of {}: {e}", f.path))?;
                    vfs::ImageEntry::file(f.path.clone(), bytes.into(), f.mtime_ms, f.readonly)
                }
            });
        }
        let mut image = SessionImage::default();
        image.runs = self.runs;
        image.seed = self.seed;
        image.cwd = self.cwd.clone();
        image.budgets = self.budgets.clone();
        image.files = files;
        Ok(image)
    }
}

/// The run in progress in one session, written down once it waits for a person.
#[derive(Debug)]
struct Current {
    run: WaitingRun,
    /// The session when the run began, until the run first waits and it is encoded.
    image: Option<SessionImage>,
    /// The file is there (written by this run, or by the run a restart resumed).
    written: bool,
}

/// One session's waiting-run file: filled in when a run begins, written when it waits,
/// removed when it ends.
#[derive(Debug)]
pub(crate) struct Durable {
    path: PathBuf,
    current: Mutex<Option<Current>>,
}

/// Who a run belongs to and what it runs, for its file.
pub(crate) struct RunInfo<'a> {
    pub session: &'a str,
    pub handle: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub language: &'a str,
    pub code: &'a str,
    pub traceparent: Option<&'a str>,
}

impl Durable {
    pub(crate) fn new(dir: &Path, session: &str) -> Self {
        Self {
            path: path_of(dir, session),
            current: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A run begins in the session, which stands as `image`.
    pub(crate) fn begin(&self, info: &RunInfo<'_>, image: SessionImage) {
        let run = WaitingRun {
            format: FORMAT,
            session: info.session.to_string(),
            handle: info.handle.map(str::to_string),
            owner: info.owner.map(str::to_string),
            profile: info.profile.map(str::to_string),
            language: info.language.to_string(),
            code: info.code.to_string(),
            traceparent: info.traceparent.map(str::to_string),
            // Encoded from `image` below once the run first waits.
            image: ImageRecord::default(),
            waiting: Vec::new(),
        };
        *self.lock() = Some(Current {
            run,
            image: Some(image),
            written: self.path.exists(),
        });
    }

    /// The run waits for `request`: writes (or rewrites) the file. A failure is logged, never
    /// a reason to refuse the call: the run itself goes on waiting.
    pub(crate) fn waiting(&self, request: &ApprovalRequest) {
        let mut current = self.lock();
        let Some(current) = current.as_mut() else {
            return;
        };
        current.run.waiting.retain(|r| r.id != request.id);
        current.run.waiting.push(request.clone());
        if let Some(image) = current.image.take() {
            current.run.image = ImageRecord::of(&image);
        }
        match write_atomically(&self.path, &current.run) {
            Ok(()) => current.written = true,
            Err(e) => crate::server::log_line(&serde_json::json!({
                "event": "waiting-run-not-saved",
                "session": current.run.session,
                "path": self.path.display().to_string(),
                "error": e.to_string(),
            })),
        }
    }

    /// Whether the session's run is written down: a server may stop under it, and the next
    /// one resumes it.
    pub(crate) fn written(&self) -> bool {
        self.lock().as_ref().is_some_and(|c| c.written)
    }

    /// The run ended: it waits for nobody any more.
    pub(crate) fn end(&self) {
        if let Some(current) = self.lock().take()
            && current.written
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn path_of(dir: &Path, session: &str) -> PathBuf {
    dir.join(format!("{session}{SUFFIX}"))
}

/// Writes `run` to a temporary file beside `path` (mode 0600: it holds the session's files)
/// and renames it over `path`, so a reader never sees half of it.
fn write_atomically(path: &Path, run: &WaitingRun) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(&serde_json::to_vec(run).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The waiting runs left in `dir`, each with its file (or why it cannot be read).
pub(crate) fn scan(dir: &Path) -> Vec<(PathBuf, Result<WaitingRun, String>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, Result<WaitingRun, String>)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(SUFFIX))
        })
        .map(|path| {
            let parsed = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    serde_json::from_slice::<WaitingRun>(&bytes).map_err(|e| e.to_string())
                })
                .and_then(|run| {
                    if run.format != FORMAT {
                        return Err(format!(
                            "format {} (this server reads {FORMAT})",
                            run.format
                        ));
                    }
                    // The name is the session's; a file renamed by hand would resume the wrong
                    // journal.
                    if path_of(dir, &run.session) != path {
                        return Err(format!("it names session {:?}", run.session));
                    }
                    Ok(run)
                });
            (path, parsed)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Makes the session's journal whole again after its server died in a run: cuts a line half
/// written, and closes the interrupted run with exit 75. Returns the journal's bytes, or
/// `None` if its last run had ended (the run finished before its file could go).
pub(crate) fn close_journal(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let name = path.display();
    let mut bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot append to {name}: {e}"))?;
    if whole < bytes.len() {
        // The entry being written when the server died: never part of the chain.
        file.set_len(whole as u64)
            .map_err(|e| format!("cannot cut the partial last line of {name}: {e}"))?;
        bytes.truncate(whole);
    }
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (_, closed) =
        airlock::journal::close_interrupted(&bytes, file, airlock::exit_code::PENDING, time)
            .map_err(|e| format!("{name}: {e}"))?;
    if closed.is_none() {
        return Ok(None);
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|e| format!("cannot read {name}: {e}"))
}

/// Removes a waiting run's file once it was taken up (or cannot ever be).
pub(crate) fn forget(path: &Path) {
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_survives_its_file() {
        let mut image = SessionImage::default();
        image.runs = 3;
        image.seed = Some(7);
        image.cwd = "/workspace/out".into();
        image.files = vec![
            vfs::ImageEntry::dir("/workspace/out", 5, false),
            vfs::ImageEntry::file("/workspace/out/a.bin", vec![0, 255, 10].into(), 6, true),
        ];
        let record = ImageRecord::of(&image);
        let text = serde_json::to_string(&record).unwrap();
        let back: ImageRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back.image().unwrap(), image);
    }

    #[test]
    fn a_file_is_written_while_the_run_waits_and_goes_when_it_ends() {
        let dir = tempfile::TempDir::new().unwrap();
        let durable = Durable::new(dir.path(), "s1");
        let info = RunInfo {
            session: "s1",
            handle: Some("h"),
            owner: Some("team-a"),
            profile: None,
            language: "javascript",
            code: "return 1",
            traceparent: None,
        };
        durable.begin(&info, SessionImage::default());
        assert!(
            scan(dir.path()).is_empty(),
            "nothing is written before a wait"
        );
        let request: ApprovalRequest = serde_json::from_value(serde_json::json!({
            "id": "r0c0.1", "layer": "approve", "tool": "bank/transfer", "prompt": "Send?",
            "method": "confirm", "args": {"amount": 5}, "args_sha256": "00", "asked_at_ms": 1
        }))
        .unwrap();
        durable.waiting(&request);
        let found = scan(dir.path());
        assert_eq!(found.len(), 1);
        let run = found[0].1.as_ref().unwrap();
        assert_eq!((run.handle.as_deref(), run.waiting.len()), (Some("h"), 1));
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&found[0].0).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        durable.end();
        assert!(scan(dir.path()).is_empty());

        // A file that does not parse, or names another session, is reported.
        std::fs::write(path_of(dir.path(), "bad"), "{").unwrap();
        let mut other = run.clone();
        other.session = "elsewhere".into();
        std::fs::write(
            path_of(dir.path(), "moved"),
            serde_json::to_vec(&other).unwrap(),
        )
        .unwrap();
        let found = scan(dir.path());
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|(_, r)| r.is_err()), "{found:?}");
    }
}
