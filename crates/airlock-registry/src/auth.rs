//! Credentials for a registry, from where users already keep them, never from the sandbox:
//! `AIRLOCK_REGISTRY_USERNAME` / `AIRLOCK_REGISTRY_PASSWORD`, else the `auths` of the Docker
//! config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), else anonymous.

use std::path::PathBuf;

use base64::Engine as _;
pub use oci_client::secrets::RegistryAuth;

use crate::error::Error;

/// The credentials for `registry` (`host` or `host:port`).
///
/// # Errors
/// The Docker config file exists but cannot be read or parsed, or its entry is malformed.
pub fn credentials(registry: &str) -> Result<RegistryAuth, Error> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(user), Some(password)) = (
        var("AIRLOCK_REGISTRY_USERNAME"),
        var("AIRLOCK_REGISTRY_PASSWORD"),
    ) {
        return Ok(RegistryAuth::Basic(user, password));
    }
    let Some(path) = docker_config() else {
        return Ok(RegistryAuth::Anonymous);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RegistryAuth::Anonymous),
        Err(e) => return Err(Error::io(&path, e)),
    };
    from_docker_config(&text, registry)
        .map_err(|why| Error::Invalid(format!("{}: {why}", path.display())))
}

fn docker_config() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The entry for `registry` in a Docker config file's `auths`: `auth` (base64 of
/// `user:password`) or `username` and `password`. Keys may be bare hosts or URLs.
pub fn from_docker_config(text: &str, registry: &str) -> Result<RegistryAuth, String> {
    let config: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let Some(auths) = config.get("auths").and_then(serde_json::Value::as_object) else {
        return Ok(RegistryAuth::Anonymous);
    };
    let entry = auths.iter().find(|(key, _)| {
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let host = host.split('/').next().unwrap_or(host);
        host == registry || (registry == "docker.io" && host == "index.docker.io")
    });
    let Some((_, entry)) = entry else {
        return Ok(RegistryAuth::Anonymous);
    };
    if let Some(encoded) = entry.get("auth").and_then(serde_json::Value::as_str) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| format!("auths.{registry}.auth is not base64"))?;
        let decoded =
            String::from_utf8(decoded).map_err(|_| format!("auths.{registry}.auth is not text"))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| format!("auths.{registry}.auth is not user:password"))?;
        return Ok(RegistryAuth::Basic(user.to_string(), password.to_string()));
    }
    match (
        entry.get("username").and_then(serde_json::Value::as_str),
        entry.get("password").and_then(serde_json::Value::as_str),
    ) {
        (Some(user), Some(password)) => Ok(RegistryAuth::Basic(user.into(), password.into())),
        _ => Ok(RegistryAuth::Anonymous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_entries_are_found_by_host() {
        let auth = base64::engine::general_purpose::STANDARD.encode("ada:s3cret");
        let text = format!(
            r#"{{"auths":{{"https://127.0.0.1:5000/v2/":{{"auth":"{auth}"}},"ghcr.io":{{"username":"bob","password":"pw"}}}}}}"#
        );
        assert_eq!(
            from_docker_config(&text, "127.0.0.1:5000").unwrap(),
            RegistryAuth::Basic("ada".into(), "s3cret".into())
        );
        assert_eq!(
            from_docker_config(&text, "ghcr.io").unwrap(),
            RegistryAuth::Basic("bob".into(), "pw".into())
        );
        assert_eq!(
            from_docker_config(&text, "quay.io").unwrap(),
            RegistryAuth::Anonymous
        );
        assert!(from_docker_config(r#"{"auths":{"x":{"auth":"%%"}}}"#, "x").is_err());
        assert!(from_docker_config("{", "x").is_err());
    }
}
