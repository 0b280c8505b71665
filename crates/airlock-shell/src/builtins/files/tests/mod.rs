//! Tests of the file utilities, on an in-memory filesystem with a clock the test moves.
//! Expected outputs were checked against GNU coreutils 9 and findutils 4.9.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use airlock_vfs::{Vfs, VfsLimits};

use crate::system::MemSystem;
pub(super) use crate::system::System;
pub(super) use crate::testing::{Ran, run_on};

mod copy;
mod find;
mod ls;
mod misc;
mod remove;

/// 2025-01-01T00:00:00Z.
pub(super) const NOW: u64 = 1_735_689_600_000;

/// A filesystem whose clock (for both file times and `now_ms`) the test sets.
pub(super) struct Fs {
    pub sys: MemSystem,
    clock: Arc<AtomicU64>,
}

impl Fs {
    pub(super) fn new() -> Self {
        let clock = Arc::new(AtomicU64::new(NOW));
        let reading = Arc::clone(&clock);
        let vfs = Vfs::new(VfsLimits::default())
            .with_clock(Arc::new(move || reading.load(Ordering::Relaxed)));
        let sys = MemSystem::new(vfs);
        sys.set_now_ms(NOW);
        Self { sys, clock }
    }

    /// A filesystem holding `entries` under /workspace: a name ending in `/` is a directory.
    pub(super) fn with(entries: &[(&str, &str)]) -> Self {
        let fs = Self::new();
        for (name, data) in entries {
            fs.add(name, data);
        }
        fs
    }

    pub(super) fn add(&self, name: &str, data: &str) {
        let path = format!("/workspace/{}", name.trim_end_matches('/'));
        if name.ends_with('/') {
            self.sys.mkdir(&path, true).unwrap();
        } else {
            let parent = crate::path::dir_name(&path);
            self.sys.mkdir(parent, true).unwrap();
            self.sys.write_file(&path, data.as_bytes(), false).unwrap();
        }
    }

    /// Moves the clock to `ms`.
    pub(super) fn at(&self, ms: u64) {
        self.clock.store(ms, Ordering::Relaxed);
        self.sys.set_now_ms(ms);
    }

    pub(super) fn run(&self, name: &str, args: &[&str]) -> Ran {
        run_on(&self.sys, name, args, "")
    }

    pub(super) fn exists(&self, name: &str) -> bool {
        self.sys.stat(&format!("/workspace/{name}")).is_ok()
    }

    pub(super) fn read(&self, name: &str) -> String {
        String::from_utf8(self.sys.read_file(&format!("/workspace/{name}")).unwrap()).unwrap()
    }
}

/// Asserts stdout, stderr and status at once, so a failure shows all three.
#[track_caller]
pub(super) fn check(ran: Ran, stdout: &str, stderr: &str, status: i32) {
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.as_str(), ran.status),
        (stdout, stderr, status)
    );
}

/// Runs `name args` with its stdout going to a pipe nobody reads.
pub(super) fn run_into_closed_pipe(fs: &Fs, name: &str, args: &[&str]) -> i32 {
    use crate::cmd::Spawn;
    use crate::io::{Input, Output, pipe};
    let (mut out, reader) = pipe();
    drop(reader);
    let mut err = Output::null();
    let spawn = crate::testing::UtilitySpawn {
        sys: &fs.sys,
        cwd: "/workspace",
    };
    let argv = std::iter::once(name)
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    crate::exec::block_on(spawn.spawn(argv, Input::empty(), &mut out, &mut err))
}

#[test]
fn output_to_a_closed_pipe_stops_with_sigpipe_status() {
    let fs = Fs::new();
    for i in 0..3000 {
        fs.add(&format!("many/file{i:05}"), "x");
    }
    assert_eq!(run_into_closed_pipe(&fs, "find", &["many"]), 141);
    assert_eq!(run_into_closed_pipe(&fs, "ls", &["-l", "many"]), 141);
    assert_eq!(run_into_closed_pipe(&fs, "du", &["-a", "many"]), 141);
}
