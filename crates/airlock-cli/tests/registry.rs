//! Components on a real OCI registry (CNCF distribution, Debian's `docker-registry`, started on
//! loopback by each test): publish, pull by tag and by digest, a pinned run that needs no
//! network, a tampered blob refused, a registry that is down, and signatures made and checked
//! together with the `minisign` command.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const REGISTRY: &str = "/usr/bin/docker-registry";

fn components() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("inventory.wasm").exists(),
        "the example components are not built in {}\nhint: `bash scripts/components.sh` builds them",
        dir.display()
    );
    dir
}

/// A registry on loopback with its storage in a folder of its own; stopped on drop.
struct Registry {
    child: Child,
    port: u16,
    storage: PathBuf,
    _dir: TempDir,
}

impl Registry {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// A registry that asks for `user`'s `password` (basic auth, bcrypt htpasswd).
    fn start_with_auth(user: &str, password: &str) -> Self {
        let made = Command::new("htpasswd")
            .args(["-Bbn", user, password])
            .output()
            .expect("htpasswd runs (scripts/peers.sh installs apache2-utils)");
        assert!(made.status.success(), "{}", text(&made.stderr));
        Self::start_with(Some(text(&made.stdout)))
    }

    fn start_with(htpasswd: Option<String>) -> Self {
        assert!(
            Path::new(REGISTRY).exists(),
            "{REGISTRY} is missing\nhint: scripts/peers.sh installs Debian's docker-registry"
        );
        let dir = TempDir::new().unwrap();
        let storage = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        let auth = match htpasswd {
            None => String::new(),
            Some(lines) => {
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, lines).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: airlock-tests\n    path: {}\n",
                    file.display()
                )
            }
        };
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n{auth}http:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            ),
        )
        .unwrap();
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Self {
            child,
            port,
            storage,
            _dir: dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the registry did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        registry
    }

    fn at(&self, repository: &str) -> String {
        format!("127.0.0.1:{}/{repository}", self.port)
    }

    /// The registry's answer to `GET /v2/{path}` asking for `accept`, as JSON.
    fn get(&self, path: &str, accept: &str) -> serde_json::Value {
        let out = Command::new("curl")
            .args(["-sSf", "-H"])
            .arg(format!("Accept: {accept}"))
            .arg(format!("http://127.0.0.1:{}/v2/{path}", self.port))
            .output()
            .expect("curl runs");
        assert!(out.status.success(), "GET {path}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The registry's own file of the blob `digest` (`sha256:...`).
    fn blob(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs airlock in `dir` with its component store in `store`.
fn airlock(dir: &Path, store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .current_dir(dir)
        .env("AIRLOCK_STORE", store)
        .env_remove("AIRLOCK_REGISTRY_USERNAME")
        .env_remove("AIRLOCK_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", dir.join("no-docker-config"))
        .stdin(Stdio::null())
        .output()
        .expect("airlock runs")
}

/// A key pair made by the `minisign` command (no password): (secret key file, public key line).
fn minisign_keys(dir: &Path, name: &str) -> (PathBuf, String) {
    let secret = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    let made = Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(&public)
        .arg("-s")
        .arg(&secret)
        .output()
        .expect("the minisign command runs (scripts/peers.sh installs it)");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let line = std::fs::read_to_string(&public)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    (secret, line)
}

/// Signs `message` with the `minisign` command and `secret`, and attaches the signature to
/// `pinned` with `airlock component sign --signature`.
fn attach_minisign_signature(dir: &Path, secret: &Path, message: &str, pinned: &str) {
    let file = dir.join("message.txt");
    std::fs::write(&file, message).unwrap();
    let made = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(secret)
        .arg("-m")
        .arg(&file)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let attached = airlock(
        dir,
        &dir.join("p"),
        &[
            "component",
            "sign",
            pinned,
            "--signature",
            &format!("{}.minisig", file.display()),
        ],
    );
    assert!(attached.status.success(), "{}", text(&attached.stderr));
}

/// A config trusting `key` (or allowing unsigned components) for the registry's `acme/` repositories.
fn trust(dir: &Path, registry: &Registry, keys: &[&str], allow_unsigned: bool, extra: &str) {
    let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    std::fs::write(
        dir.join("airlock.toml"),
        format!(
            "{extra}\n[[trust]]\nrefs = \"{}/**\"\nkeys = [{}]\nallow_unsigned = {allow_unsigned}\n",
            registry.at("acme"),
            keys.join(", ")
        ),
    )
    .unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    airlock_registry::Digest::of(bytes).to_string()
}

#[test]
fn a_signed_component_is_pulled_by_tag_and_digest_and_runs_pinned_without_the_registry() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let store = dir.join("store");
    let file = components().join("inventory.wasm");
    let tagged = registry.at("acme/inventory:1.0.0");
    // The key pair is the minisign command's; airlock signs with its secret key.
    let (secret, public) = minisign_keys(dir, "acme");

    let published = airlock(
        dir,
        &store,
        &[
            "component",
            "publish",
            file.to_str().unwrap(),
            &tagged,
            "--sign",
            secret.to_str().unwrap(),
        ],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let pinned = text(&published.stdout).trim().to_string();
    assert!(
        pinned.starts_with(&format!("{}@sha256:", registry.at("acme/inventory"))),
        "{pinned}"
    );
    let manifest = pinned.rsplit_once('@').unwrap().1.to_string();

    // The signature is an OCI artifact whose subject is the component's manifest. This registry
    // has no referrers API, so the artifact is listed in the index at the referrers tag schema's
    // tag, where any OCI 1.1 client finds it.
    let index = registry.get(
        &format!("acme/inventory/manifests/{}", manifest.replace(':', "-")),
        "application/vnd.oci.image.index.v1+json",
    );
    let listed = index["manifests"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{index}");
    assert_eq!(
        listed[0]["artifactType"],
        "application/vnd.airlock.minisign.signature.v1"
    );
    let artifact = registry.get(
        &format!(
            "acme/inventory/manifests/{}",
            listed[0]["digest"].as_str().unwrap()
        ),
        "application/vnd.oci.image.manifest.v1+json",
    );
    assert_eq!(
        artifact["subject"]["digest"],
        manifest.as_str(),
        "{artifact}"
    );
    assert_eq!(
        artifact["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );

    // Another machine: an empty store and a config trusting the key; by tag and by digest.
    let other = dir.join("other-store");
    let original = std::fs::read(&file).unwrap();
    let config = format!(
        "[[component]]\nname = \"inventory\"\nref = \"{pinned}\"\n\n[[allow]]\ntools = \"inventory/echo\"\n"
    );
    trust(dir, &registry, &[&public], false, &config);
    for reference in [&tagged, &pinned] {
        let pulled = airlock(dir, &other, &["component", "pull", reference]);
        assert!(pulled.status.success(), "{}", text(&pulled.stderr));
        let path = PathBuf::from(text(&pulled.stdout).trim());
        assert_eq!(std::fs::read(&path).unwrap(), original);
        assert!(path.ends_with(sha256(&original).strip_prefix("sha256:").unwrap()));
    }

    // The minisign command verifies the signature airlock made, over the digest's text.
    let message = dir.join("digest.txt");
    std::fs::write(&message, &manifest).unwrap();
    let kept = other.join("signatures/sha256").join(format!(
        "{}.minisig",
        manifest.strip_prefix("sha256:").unwrap()
    ));
    let checked = Command::new("minisign")
        .args(["-V", "-P", &public, "-m"])
        .arg(&message)
        .arg("-x")
        .arg(&kept)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", text(&checked.stderr));

    // A config pinned to the digest runs from the store alone: the registry is gone.
    drop(registry);
    let run = airlock(
        dir,
        &other,
        &[
            "run",
            "--config",
            "airlock.toml",
            "-e",
            "console.log(await inventory.echo({ n: 7 }))",
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout), "7\n");

    // A machine without it in its store, with the registry down: a clear error.
    let empty = dir.join("empty-store");
    let run = airlock(dir, &empty, &["run", "--config", "airlock.toml", "-e", "1"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is the registry running"), "{stderr}");
}

#[test]
fn unsigned_untrusted_and_bad_signatures_are_refused_and_a_minisign_signature_is_accepted() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let file = components().join("inventory.wasm");
    let tagged = registry.at("acme/inventory:1.0.0");
    let (secret, public) = minisign_keys(dir, "acme");
    let (stranger, _) = minisign_keys(dir, "stranger");
    let published = airlock(
        dir,
        &dir.join("p"),
        &["component", "publish", file.to_str().unwrap(), &tagged],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let pinned = text(&published.stdout).trim().to_string();
    let manifest = pinned.rsplit_once('@').unwrap().1.to_string();
    let mut fresh = 0;
    let mut pull = |expect: Option<&str>| {
        fresh += 1;
        let out = airlock(
            dir,
            &dir.join(format!("s{fresh}")),
            &["component", "pull", &tagged],
        );
        let stderr = text(&out.stderr);
        match expect {
            None => assert!(out.status.success(), "{stderr}"),
            Some(why) => {
                assert_eq!(out.status.code(), Some(2), "{stderr}");
                assert!(stderr.contains(why), "expected {why:?}: {stderr}");
            }
        }
    };

    // No config covering it, then a trusted key but no signature.
    std::fs::write(dir.join("airlock.toml"), "").unwrap();
    pull(Some("no [[trust]] entry covers"));
    trust(dir, &registry, &[&public], false, "");
    pull(Some("has no signature"));

    // Signed by a key nobody trusts.
    let signed = airlock(
        dir,
        &dir.join("p"),
        &[
            "component",
            "sign",
            &pinned,
            "--key",
            stranger.to_str().unwrap(),
        ],
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    pull(Some("which no [[trust]] entry for it lists"));

    // Signed by the trusted key, but over another digest: it does not verify.
    attach_minisign_signature(
        dir,
        &secret,
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        &pinned,
    );
    pull(Some("does not verify"));

    // Signed with the minisign command over the digest's text: accepted.
    attach_minisign_signature(dir, &secret, &manifest, &pinned);
    pull(None);

    // What the config explicitly allows runs unsigned.
    trust(dir, &registry, &[], true, "");
    pull(None);
}

#[test]
fn a_tampered_blob_is_refused_and_not_stored() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let file = components().join("inventory.wasm");
    let tagged = registry.at("acme/inventory:1.0.0");
    let published = airlock(
        dir,
        &dir.join("a"),
        &["component", "publish", file.to_str().unwrap(), &tagged],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));

    let original = std::fs::read(&file).unwrap();
    let blob = registry.blob(&sha256(&original));
    let mut tampered = std::fs::read(&blob).unwrap();
    tampered[100] ^= 0xff;
    std::fs::write(&blob, tampered).unwrap();

    let store = dir.join("b");
    let pulled = airlock(
        dir,
        &store,
        &["component", "pull", &tagged, "--allow-unsigned"],
    );
    let stderr = text(&pulled.stderr);
    assert_eq!(pulled.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not match its digest"), "{stderr}");
    assert!(!store.join("blobs").exists(), "nothing was stored");
}

#[test]
fn refs_must_be_pinned_and_missing_ones_say_so() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("airlock.toml"),
        format!(
            "[[component]]\nname = \"inventory\"\nref = \"{}\"\n",
            registry.at("acme/inventory:1.0.0")
        ),
    )
    .unwrap();
    let run = airlock(dir, &dir.join("s"), &["check", "airlock.toml"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not pinned to a digest"), "{stderr}");

    let missing = airlock(
        dir,
        &dir.join("s"),
        &["component", "pull", &registry.at("acme/nothing:1.0.0")],
    );
    let stderr = text(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("manifest unknown"), "{stderr}");
    assert!(stderr.contains("check the repository and tag"), "{stderr}");
}

#[test]
fn add_pins_a_component_and_update_refuses_wider_permissions_until_accepted() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let store = dir.join("store");
    let file = components().join("inventory.wasm");
    let tagged = registry.at("acme/inventory:1");
    let publish = |hosts: &str| {
        let permissions = dir.join("permissions.toml");
        std::fs::write(&permissions, format!("network = [{hosts}]\n")).unwrap();
        let out = airlock(
            dir,
            &dir.join("publisher"),
            &[
                "component",
                "publish",
                file.to_str().unwrap(),
                &tagged,
                "--permissions",
                permissions.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .trim()
            .rsplit_once('@')
            .unwrap()
            .1
            .to_string()
    };
    let first = publish("\"a.example\"");
    // Added by its package name, which [registry] maps to the tag, as wkg maps it.
    let extra = format!(
        "[[allow]]\ntools = \"inventory/echo\"\n\n[registry.namespaces]\nacme = \"{}\"\n",
        registry.at("acme")
    );
    trust(dir, &registry, &[], true, &extra);

    let added = airlock(dir, &store, &["add", "acme:inventory@1"]);
    let stdout = text(&added.stdout);
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        stdout.contains(&format!(
            "added inventory: {}@{first}",
            registry.at("acme/inventory")
        )),
        "{stdout}"
    );
    assert!(stdout.contains("network a.example"), "{stdout}");
    assert!(
        stdout.contains("imports able to use network"),
        "the imports' grants are shown: {stdout}"
    );
    let config = || std::fs::read_to_string(dir.join("airlock.toml")).unwrap();
    assert!(config().contains(&first));
    let lock = std::fs::read_to_string(dir.join("airlock.lock")).unwrap();
    assert!(
        lock.contains(&first) && lock.contains("a.example"),
        "{lock}"
    );
    let run = airlock(
        dir,
        &store,
        &["run", "-e", "console.log(await inventory.echo({ n: 3 }))"],
    );
    assert_eq!(text(&run.stdout), "3\n", "{}", text(&run.stderr));

    // The tag moves to a build that wants another host: refused until accepted.
    let second = publish("\"a.example\", \"b.example\"");
    let refused = airlock(dir, &store, &["update"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stdout).contains("+ network b.example"),
        "{}",
        text(&refused.stdout)
    );
    assert!(config().contains(&first) && !config().contains(&second));
    let accepted = airlock(dir, &store, &["update", "--accept-permissions"]);
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    assert!(config().contains(&second) && !config().contains(&first));
    let lock = std::fs::read_to_string(dir.join("airlock.lock")).unwrap();
    assert!(lock.contains("b.example"), "{lock}");

    // One that asks for less moves without asking.
    let third = publish("\"b.example\"");
    let narrower = airlock(dir, &store, &["update", "inventory"]);
    assert!(narrower.status.success(), "{}", text(&narrower.stdout));
    assert!(config().contains(&third));
    let run = airlock(
        dir,
        &store,
        &["run", "-e", "console.log(await inventory.echo({ n: 4 }))"],
    );
    assert_eq!(text(&run.stdout), "4\n", "{}", text(&run.stderr));
}

#[test]
fn a_layer_component_comes_from_a_registry_too() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let store = dir.join("store");
    let probe = components().join("probe-layer.wasm");
    let published = airlock(
        dir,
        &dir.join("publisher"),
        &[
            "component",
            "publish",
            probe.to_str().unwrap(),
            &registry.at("acme/probe-layer:0.1.0"),
        ],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let pinned = text(&published.stdout).trim().to_string();
    let config = format!(
        r#"
[[tool]]
name = "echo"
description = "Echoes its arguments."
command = ["python3", "-c", "import sys; sys.stdout.write(sys.stdin.read())"]

[[allow]]
tools = "echo"

[[layer]]
ref = "{pinned}"
[layer.grants]
env = {{ PROBE = "deny" }}
"#
    );
    trust(dir, &registry, &[], true, &config);
    let script = "try { await echo({}) } catch (e) { console.log(e.message) }";
    // Pulled on the first run, from the store on the next: the registry is gone by then.
    for _ in 0..2 {
        let run = airlock(dir, &store, &["run", "-e", script]);
        let stdout = text(&run.stdout);
        assert!(
            stdout.starts_with("echo: denied by layer probe-layer: probe says no"),
            "{stdout}\n{}",
            text(&run.stderr)
        );
    }
    // `airlock add` recognises a layer and adds it as one.
    let adder = dir.join("adder");
    std::fs::create_dir_all(&adder).unwrap();
    trust(&adder, &registry, &[], true, "");
    let added = airlock(
        &adder,
        &store,
        &["add", &registry.at("acme/probe-layer:0.1.0")],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout).contains("(a layer)"),
        "{}",
        text(&added.stdout)
    );
    let written = std::fs::read_to_string(adder.join("airlock.toml")).unwrap();
    assert!(
        written.contains(&format!(
            "[[layer]]\nname = \"probe-layer\"\nref = \"{pinned}\""
        )),
        "{written}"
    );
    let checked = airlock(&adder, &store, &["check", "airlock.toml"]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(
        text(&checked.stdout).contains("probe-layer"),
        "{}",
        text(&checked.stdout)
    );

    // Another component in the store, which the config does not pin: gc removes it alone.
    let inventory = components().join("inventory.wasm");
    let other = registry.at("acme/inventory:1");
    let published = airlock(
        dir,
        &dir.join("publisher"),
        &["component", "publish", inventory.to_str().unwrap(), &other],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let pulled = airlock(
        dir,
        &store,
        &["component", "pull", &other, "--allow-unsigned"],
    );
    assert!(pulled.status.success(), "{}", text(&pulled.stderr));
    let inventory_blob = PathBuf::from(text(&pulled.stdout).trim());
    let gc = airlock(dir, &store, &["component", "gc"]);
    assert!(gc.status.success(), "{}", text(&gc.stderr));
    assert!(
        text(&gc.stdout).contains("kept 1 pinned component"),
        "{}",
        text(&gc.stdout)
    );
    assert!(
        !inventory_blob.exists(),
        "the unpinned component left the store"
    );
    drop(registry);
    let run = airlock(dir, &store, &["run", "-e", script]);
    assert!(
        text(&run.stdout).starts_with("echo: denied by layer probe-layer"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn credentials_come_from_the_environment_or_the_docker_config() {
    use base64::Engine as _;

    let registry = Registry::start_with_auth("ada", "s3cret");
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let file = components().join("inventory.wasm");
    let tagged = registry.at("acme/inventory:1");
    let (secret, public) = minisign_keys(dir, "ada");
    let publish = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
        command
            .args(["component", "publish", file.to_str().unwrap(), &tagged])
            .arg("--sign")
            .arg(&secret)
            .current_dir(dir)
            .env("AIRLOCK_STORE", dir.join("store"))
            .env_remove("AIRLOCK_REGISTRY_USERNAME")
            .env_remove("AIRLOCK_REGISTRY_PASSWORD")
            .env("DOCKER_CONFIG", dir.join("no-docker-config"));
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let anonymous = publish(&[]);
    assert_eq!(anonymous.status.code(), Some(2));
    let stderr = text(&anonymous.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("AIRLOCK_REGISTRY_USERNAME"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"));
    let wrong = publish(&[
        ("AIRLOCK_REGISTRY_USERNAME", "ada"),
        ("AIRLOCK_REGISTRY_PASSWORD", "guess"),
    ]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stderr));
    let right = publish(&[
        ("AIRLOCK_REGISTRY_USERNAME", "ada"),
        ("AIRLOCK_REGISTRY_PASSWORD", "s3cret"),
    ]);
    assert!(right.status.success(), "{}", text(&right.stderr));

    // The Docker config file's `auths`, as `docker login` writes it.
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("ada:s3cret");
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"{auth}"}}}}}}"#,
            registry.port
        ),
    )
    .unwrap();
    // The signature was kept beside it with the same credentials, and is found with them.
    trust(dir, &registry, &[&public], false, "");
    let pulled = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["component", "pull", &tagged])
        .current_dir(dir)
        .env("AIRLOCK_STORE", dir.join("other"))
        .env_remove("AIRLOCK_REGISTRY_USERNAME")
        .env_remove("AIRLOCK_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", &docker)
        .output()
        .unwrap();
    assert!(pulled.status.success(), "{}", text(&pulled.stderr));
}

/// `wkg` (the Bytecode Alliance's package tool), installed by scripts/peers.sh.
fn wkg() -> PathBuf {
    let path = std::env::var_os("AIRLOCK_WKG").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/wkg/bin/wkg")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "wkg is missing at {}\nhint: scripts/peers.sh installs it (cargo install wkg)",
        path.display()
    );
    path
}

#[test]
fn components_travel_between_airlock_and_wkg_both_ways() {
    let registry = Registry::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let original = std::fs::read(components().join("textkit.wasm")).unwrap();
    let wkg = |args: &[&str]| {
        let out = Command::new(wkg())
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env("DOCKER_CONFIG", dir.join("no-docker-config"))
            .env("WKG_OCI_INSECURE", format!("127.0.0.1:{}", registry.port))
            .output()
            .expect("wkg runs");
        assert!(out.status.success(), "wkg {args:?}: {}", text(&out.stderr));
    };
    trust(dir, &registry, &[], true, "");

    // Published by wkg, pulled by airlock: the same bytes, and airlock loads its tools.
    let by_wkg = registry.at("acme/textkit:1.0.0");
    let file = components().join("textkit.wasm");
    wkg(&["oci", "push", &by_wkg, file.to_str().unwrap()]);
    let pulled = airlock(dir, &dir.join("store"), &["component", "pull", &by_wkg]);
    assert!(pulled.status.success(), "{}", text(&pulled.stderr));
    let path = PathBuf::from(text(&pulled.stdout).trim());
    assert_eq!(std::fs::read(&path).unwrap(), original);
    let inspected = airlock(
        dir,
        &dir.join("store"),
        &["component", "inspect", path.to_str().unwrap()],
    );
    assert!(inspected.status.success(), "{}", text(&inspected.stderr));

    // Published by airlock, pulled by wkg: the same bytes.
    let by_airlock = registry.at("acme/textkit:2.0.0");
    let published = airlock(
        dir,
        &dir.join("store"),
        &["component", "publish", file.to_str().unwrap(), &by_airlock],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let out = dir.join("from-wkg.wasm");
    wkg(&["oci", "pull", &by_airlock, "-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), original);
    // Both tools describe the artifact alike: the wasm config and layer types.
    let manifest = registry.get(
        "acme/textkit/manifests/2.0.0",
        "application/vnd.oci.image.manifest.v1+json",
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    let theirs = registry.get(
        "acme/textkit/manifests/1.0.0",
        "application/vnd.oci.image.manifest.v1+json",
    );
    assert_eq!(
        theirs["config"]["mediaType"],
        manifest["config"]["mediaType"]
    );
    assert_eq!(
        theirs["layers"][0]["mediaType"],
        manifest["layers"][0]["mediaType"]
    );
}
