//! The `fs` module over the session's virtual filesystem: operations, Node-style errors,
//! permissions, hostile paths, quotas and persistence.

mod common;

use common::*;
use serde_json::json;

#[test]
fn write_then_read_returns_a_utf8_string_by_default() {
    let value = value_of(
        "await fs.writeFile('notes.txt', 'héllo');
         const text = await fs.readFile('notes.txt');
         return [typeof text, text]",
    );
    assert_eq!(value, json!(["string", "héllo"]));
}

#[test]
fn read_with_null_encoding_returns_bytes() {
    let value = value_of(
        "await fs.writeFile('bin', new Uint8Array([0, 1, 255]));
         const bytes = await fs.readFile('bin', { encoding: null });
         return [bytes instanceof Uint8Array, Array.from(bytes)]",
    );
    assert_eq!(value, json!([true, [0, 1, 255]]));
}

#[test]
fn sync_variants_and_require_fs_share_one_filesystem() {
    let value = value_of(
        "const nodeFs = require('fs');
         nodeFs.writeFileSync('a.txt', 'sync');
         const viaPromise = await fs.readFile('a.txt');
         await fs.promises.writeFile('b.txt', 'async');
         return [viaPromise, fs.readFileSync('b.txt'), require('node:fs/promises') === fs.promises,
                 fs.existsSync('a.txt')]",
    );
    assert_eq!(value, json!(["sync", "async", true, true]));
}

#[test]
fn callback_style_reports_errors_node_style() {
    let out = run(
        "fs.readFile('missing.txt', 'utf8', (err, data) => console.log(err.code, data === undefined));
         fs.writeFile('x.txt', 'y', (err) => console.log('written', err));",
    );
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "ENOENT true\nwritten null\n");
}

#[test]
fn append_file_creates_then_appends() {
    let value = value_of(
        "await fs.appendFile('log.txt', 'one\\n');
         fs.appendFileSync('log.txt', 'two\\n');
         return await fs.readFile('log.txt')",
    );
    assert_eq!(value, json!("one\ntwo\n"));
}

#[test]
fn exists_reports_files_and_directories() {
    let value = value_of(
        "await fs.writeFile('here.txt', '');
         return [await fs.exists('here.txt'), await fs.exists('/workspace'), await fs.exists('nope'),
                 fs.existsSync('/tmp'), fs.existsSync('bad\\0path')]",
    );
    assert_eq!(value, json!([true, true, false, true, false]));
}

#[test]
fn stat_reports_kind_and_size() {
    let value = value_of(
        "await fs.writeFile('f.txt', 'twelve bytes');
         await fs.mkdir('dir');
         const f = await fs.stat('f.txt'), d = fs.statSync('dir');
         return [f.isFile(), f.isDirectory(), f.size, d.isFile(), d.isDirectory()]",
    );
    assert_eq!(value, json!([true, false, 12, false, true]));
}

#[test]
fn readdir_lists_sorted_names_and_file_types() {
    let value = value_of(
        "for (const n of ['zeta', 'alpha', 'Mid']) await fs.writeFile(n, n);
         await fs.mkdir('beta');
         const names = await fs.readdir('.');
         const typed = (await fs.readdir('/workspace', { withFileTypes: true }))
           .map(d => [d.name, d.isFile(), d.isDirectory()]);
         return { names, typed, root: fs.readdirSync('/') }",
    );
    assert_eq!(
        value,
        json!({
            "names": ["Mid", "alpha", "beta", "zeta"],
            "typed": [["Mid", true, false], ["alpha", true, false], ["beta", false, true], ["zeta", true, false]],
            "root": ["dev", "tmp", "workspace"],
        })
    );
}

#[test]
fn mkdir_recursive_creates_parents_and_plain_mkdir_of_existing_is_eexist() {
    let value = value_of(
        "await fs.mkdir('a/b/c', { recursive: true });
         await fs.mkdir('a/b/c', { recursive: true }); // idempotent
         let code;
         try { await fs.mkdir('a'); } catch (e) { code = e.code; }
         let missingParent;
         try { await fs.mkdir('x/y'); } catch (e) { missingParent = e.code; }
         return [(await fs.stat('a/b/c')).isDirectory(), code, missingParent]",
    );
    assert_eq!(value, json!([true, "EEXIST", "ENOENT"]));
}

#[test]
fn rm_needs_recursive_for_directories_and_force_ignores_missing() {
    let value = value_of(
        "await fs.mkdir('d/e', { recursive: true });
         await fs.writeFile('d/e/f.txt', 'x');
         const codes = [];
         try { await fs.rm('d'); } catch (e) { codes.push(e.code); }
         try { await fs.rmdir('d'); } catch (e) { codes.push(e.code); }
         try { await fs.rm('ghost'); } catch (e) { codes.push(e.code); }
         await fs.rm('ghost', { force: true });
         await fs.rm('d', { recursive: true });
         return [codes, await fs.exists('d')]",
    );
    assert_eq!(value, json!([["EISDIR", "ENOTEMPTY", "ENOENT"], false]));
}

#[test]
fn rename_moves_and_copy_file_duplicates() {
    let value = value_of(
        "await fs.writeFile('src.txt', 'payload');
         await fs.copyFile('src.txt', 'copy.txt');
         await fs.mkdir('moved');
         await fs.rename('src.txt', 'moved/dst.txt');
         await fs.writeFile('copy.txt', 'changed');
         return [await fs.exists('src.txt'), await fs.readFile('moved/dst.txt'), await fs.readFile('copy.txt')]",
    );
    assert_eq!(value, json!([false, "payload", "changed"]));
}

#[test]
fn missing_file_error_is_an_error_object_with_node_code_and_message() {
    let value = value_of(
        "try { await fs.readFile('x') } catch (e) {
           return [e instanceof Error, e.code, e.message, e.syscall, e.path]
         }",
    );
    assert_eq!(
        value,
        json!([
            true,
            "ENOENT",
            "ENOENT: no such file or directory, open '/workspace/x'",
            "open",
            "/workspace/x"
        ])
    );
}

#[test]
fn uncaught_fs_error_fails_the_run_with_its_message() {
    let out = run("await fs.readFile('/workspace/missing.json')");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr_text()
            .contains("ENOENT: no such file or directory, open '/workspace/missing.json'"),
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn error_codes_match_node_for_common_mistakes() {
    let value = value_of(
        "const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code; } };
         await fs.writeFile('file', 'x');
         await fs.mkdir('dir/sub', { recursive: true });
         return {
           readDir: await code(() => fs.readFile('dir')),
           underFile: await code(() => fs.readFile('file/child')),
           mkdirOverFile: await code(() => fs.mkdir('file')),
           readdirOfFile: await code(() => fs.readdir('file')),
           rmdirNonEmpty: await code(() => fs.rmdir('dir')),
           writeToDir: await code(() => fs.writeFile('dir', 'x')),
         }",
    );
    assert_eq!(
        value,
        json!({
            "readDir": "EISDIR", "underFile": "ENOTDIR", "mkdirOverFile": "EEXIST",
            "readdirOfFile": "ENOTDIR", "rmdirNonEmpty": "ENOTEMPTY", "writeToDir": "EISDIR",
        })
    );
}

#[test]
fn only_workspace_and_tmp_are_writable() {
    let value = value_of(
        "const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code; } };
         return {
           workspace: await code(() => fs.writeFile('/workspace/w.txt', 'x')),
           tmp: await code(() => fs.writeFile('/tmp/t.txt', 'x')),
           root: await code(() => fs.writeFile('/root.txt', 'x')),
           etc: await code(() => fs.mkdir('/etc')),
           etcRecursive: await code(() => fs.mkdir('/etc/deep', { recursive: true })),
           dev: await code(() => fs.writeFile('/dev/new', 'x')),
           rmWorkspace: await code(() => fs.rm('/workspace', { recursive: true, force: true })),
           renameTmp: await code(() => fs.rename('/tmp', '/workspace/tmp2')),
         }",
    );
    assert_eq!(value["workspace"], json!("ok"));
    assert_eq!(value["tmp"], json!("ok"));
    for key in ["root", "etc", "etcRecursive", "dev"] {
        assert_eq!(value[key], json!("EACCES"), "{key}: {value}");
    }
    assert_ne!(
        value["rmWorkspace"],
        json!("ok"),
        "/workspace itself must not be removable: {value}"
    );
    assert_ne!(
        value["renameTmp"],
        json!("ok"),
        "/tmp itself must not be renamable: {value}"
    );
}

#[test]
fn dev_null_swallows_writes_and_reads_empty() {
    let value = value_of(
        "await fs.writeFile('/dev/null', 'discarded');
         await fs.appendFile('/dev/null', 'more');
         return [await fs.exists('/dev/null'), await fs.readFile('/dev/null')]",
    );
    assert_eq!(value, json!([true, ""]));
}

#[test]
fn relative_paths_resolve_against_workspace() {
    let mut session = sandbox().session();
    let out = js(
        &mut session,
        "await fs.mkdir('sub'); await fs.writeFile('sub/./../rel.txt', 'r'); await fs.writeFile('sub/f', 's')",
    );
    assert_ok(&out);
    let vfs = session.vfs();
    assert_eq!(
        vfs.read("/workspace/rel.txt").expect("rel.txt").as_slice(),
        b"r"
    );
    assert_eq!(
        vfs.read("/workspace/sub/f").expect("sub/f").as_slice(),
        b"s"
    );
}

#[test]
fn path_escapes_never_leave_the_virtual_filesystem() {
    let out = run("const attempt = async (f) => {
           try { const r = await f(); return ['ok', typeof r === 'string' ? r.slice(0, 40) : r]; }
           catch (e) { return [e instanceof Error, e.code]; }
         };
         return {
           dotdot: await attempt(() => fs.readFile('../../etc/passwd')),
           absDotdot: await attempt(() => fs.readFile('/workspace/../../etc/passwd')),
           etcPasswd: await attempt(() => fs.readFile('/etc/passwd')),
           procSelf: await attempt(() => fs.readFile('/proc/self/environ')),
           writeEscape: await attempt(() => fs.writeFile('../../tmp/../etc/owned', 'x')),
           nulByte: await attempt(() => fs.readFile('a\\0b')),
           nulWrite: await attempt(() => fs.writeFile('/workspace/ok\\0/../../../etc/x', 'x')),
           long: await attempt(() => fs.readFile('a'.repeat(5000))),
           longWrite: await attempt(() => fs.writeFile('a'.repeat(5000), 'x')),
           longDir: await attempt(() => fs.mkdir(('d/'.repeat(2500)), { recursive: true })),
           rootParent: await attempt(() => fs.readdir('/..')),
         }");
    assert_ok(&out);
    let value = out.value.expect("value");
    assert_eq!(value["dotdot"], json!([true, "ENOENT"]), "{value}");
    assert_eq!(value["absDotdot"], json!([true, "ENOENT"]), "{value}");
    assert_eq!(value["etcPasswd"], json!([true, "ENOENT"]), "{value}");
    assert_eq!(value["procSelf"], json!([true, "ENOENT"]), "{value}");
    assert_eq!(value["writeEscape"], json!([true, "EACCES"]), "{value}");
    assert_eq!(value["nulByte"][0], json!(true), "{value}");
    assert_eq!(value["nulWrite"][0], json!(true), "{value}");
    assert_eq!(value["long"][0], json!(true), "{value}");
    assert_eq!(value["longWrite"][0], json!(true), "{value}");
    assert_eq!(value["longDir"][0], json!(true), "{value}");
    // `/..` is `/`: listing it shows only the sandbox's own directories.
    assert_eq!(
        value["rootParent"],
        json!(["ok", ["dev", "tmp", "workspace"]]),
        "{value}"
    );
}

#[test]
fn huge_path_is_an_error_not_a_crash() {
    let out = run(
        "try { await fs.readFile('a'.repeat(2 * 1024 * 1024)); return 'read' } catch (e) { return e.code }",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!("ENAMETOOLONG")));
}

#[test]
fn byte_quota_gives_enospc_and_earlier_content_survives() {
    let sandbox = sandbox_with_vfs(64 * 1024, 1000);
    let mut session = sandbox.session();
    let out = js(
        &mut session,
        "await fs.writeFile('first.txt', 'a'.repeat(40 * 1024));
         try { await fs.writeFile('second.txt', 'b'.repeat(40 * 1024)); return 'written'; }
         catch (e) { return [e instanceof Error, e.code, e.message]; }",
    );
    assert_ok(&out);
    let value = out.value.expect("value");
    assert_eq!(value[0], json!(true), "{value}");
    assert_eq!(value[1], json!("ENOSPC"), "{value}");
    let message = value[2].as_str().expect("message");
    assert!(
        message.starts_with("ENOSPC: no space left on device"),
        "{message}"
    );
    let out = js(
        &mut session,
        "return [(await fs.readFile('first.txt')).length, await fs.exists('second.txt')]",
    );
    assert_eq!(out.value, Some(json!([40 * 1024, false])));

    // Appending past the quota fails too and leaves the file as it was.
    let out = js(
        &mut session,
        "try { await fs.appendFile('first.txt', 'c'.repeat(30 * 1024)); } catch (e) { console.log(e.code); }
         return (await fs.stat('first.txt')).size",
    );
    assert_eq!(out.stdout_text(), format!("ENOSPC\n{}\n", 40 * 1024));
}

#[test]
fn file_count_quota_gives_enospc() {
    let sandbox = sandbox_with_vfs(1024 * 1024, 5);
    let mut session = sandbox.session();
    let out = js(
        &mut session,
        "let made = 0;
         try { for (let i = 0; i < 20; i++) { await fs.writeFile('f' + i, 'x'); made++; } }
         catch (e) { return [made, e.code]; }
         return [made, 'no error']",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!([5, "ENOSPC"])));
    assert!(session.vfs().exists("/workspace/f4"));
}

#[test]
fn single_write_larger_than_the_quota_is_enospc_not_a_crash() {
    let sandbox = sandbox_with_vfs(1024, 100);
    let mut session = sandbox.session();
    let out = js(
        &mut session,
        "await fs.writeFile('small.txt', 'ok');
         try { await fs.writeFile('big.txt', 'x'.repeat(2000)); return 'written'; }
         catch (e) { return e.code; }",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!("ENOSPC")));
    assert_eq!(
        session
            .vfs()
            .read("/workspace/small.txt")
            .expect("small")
            .as_slice(),
        b"ok"
    );
}

#[test]
fn files_persist_across_runs_and_a_new_session_starts_empty() {
    let mut session = sandbox().session();
    assert_ok(&js(
        &mut session,
        "await fs.writeFile('keep.txt', 'v1'); await fs.writeFile('/tmp/t', 'tmp')",
    ));
    let out = js(
        &mut session,
        "await fs.appendFile('keep.txt', '+v2'); return await fs.readFile('keep.txt')",
    );
    assert_eq!(out.value, Some(json!("v1+v2")));
    let out = js(
        &mut session,
        "return [await fs.readFile('keep.txt'), await fs.readFile('/tmp/t')]",
    );
    assert_eq!(out.value, Some(json!(["v1+v2", "tmp"])));

    let mut fresh = sandbox().session();
    let out = js(
        &mut fresh,
        "return [await fs.exists('keep.txt'), await fs.readdir('/workspace'), await fs.readdir('/tmp')]",
    );
    assert_eq!(out.value, Some(json!([false, [], []])));
}

#[test]
fn files_written_before_an_uncaught_error_are_kept() {
    let mut session = sandbox().session();
    let out = js(
        &mut session,
        "await fs.writeFile('partial.txt', 'saved'); throw new Error('later failure')",
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        session
            .vfs()
            .read("partial.txt")
            .expect("partial")
            .as_slice(),
        b"saved"
    );
}

#[test]
fn host_can_seed_and_read_back_the_session_filesystem() {
    let mut session = sandbox().session();
    session
        .vfs_mut()
        .mkdir("/workspace/input", true)
        .expect("mkdir");
    session
        .vfs_mut()
        .write("/workspace/input/data.csv", b"a,b\n1,2\n")
        .expect("write");
    let out = js(
        &mut session,
        "const rows = (await fs.readFile('input/data.csv')).trim().split('\\n');
         await fs.writeFile('/workspace/result.json', JSON.stringify({ rows: rows.length }));
         return rows.length",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!(2)));
    let result = session
        .vfs()
        .read("/workspace/result.json")
        .expect("result");
    assert_eq!(result.as_slice(), br#"{"rows":2}"#);
    let meta = session.vfs().stat("/workspace/result.json").expect("stat");
    assert_eq!(meta.size, 10);
    let names: Vec<String> = session
        .vfs()
        .read_dir("/workspace")
        .expect("read_dir")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["input", "result.json"]);
}

#[test]
fn binary_content_round_trips_exactly() {
    let mut session = sandbox().session();
    let bytes: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0x00, 0xc3]).collect();
    session.vfs_mut().write("blob.bin", &bytes).expect("write");
    let out = js(
        &mut session,
        "const b = await fs.readFile('blob.bin', { encoding: null });
         await fs.writeFile('copy.bin', b);
         return b.length",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!(bytes.len())));
    assert_eq!(
        session.vfs().read("copy.bin").expect("copy").as_slice(),
        &bytes[..]
    );
}
