//! Pulling a 1 MiB component from a registry on loopback (Debian's `docker-registry`, started
//! here): the manifest, the config and the blob, with every digest checked.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use airlock_registry::{ComponentMeta, auth, parse_reference, publish, pull};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const REGISTRY: &str = "/usr/bin/docker-registry";

pub fn run() -> Result<()> {
    if !Path::new(REGISTRY).exists() {
        return Err(format!("{REGISTRY} is missing: scripts/peers.sh installs it").into());
    }
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )?;
    let mut child = Command::new(REGISTRY)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            return Err("the registry did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = measure(port);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn measure(port: u16) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The registry stores bytes; what is measured is moving and checking 1 MiB of them.
    let bytes: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let reference = parse_reference(&format!("127.0.0.1:{port}/bench/component:1.0.0"))?;
    let credentials = auth::RegistryAuth::Anonymous;
    rt.block_on(publish(
        &bytes,
        &reference,
        &ComponentMeta::default(),
        &credentials,
        false,
    ))?;
    let mut times = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let pulled = rt.block_on(pull(&reference, &credentials, false))?;
        times.push(t.elapsed());
        assert_eq!(pulled.bytes.len(), bytes.len());
    }
    times.sort();
    println!(
        "{:<60} {:>10.1} ms   ({:.1}..{:.1}; target <= 100 ms)",
        "pull a 1 MiB component from a loopback registry",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    Ok(())
}
