//! Components on OCI registries, in the wasm OCI artifact layout that `wkg` and other component
//! hosts use: one `application/wasm` layer (the component's bytes) and an
//! `application/vnd.wasm.config.v0+json` config listing the component's imports and exports.

use std::str::FromStr;

use oci_client::Client;
pub use oci_client::Reference;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::OciImageManifest;
use oci_client::secrets::RegistryAuth;
use serde_json::{Value, json};

use crate::error::Error;
use crate::store::Digest;

/// The media type of the one layer: the component's bytes.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The media type of the config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The layer type of older wasm artifacts, accepted when pulling.
const LEGACY_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";

/// What the config says of a component: the interfaces it imports and exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentMeta {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// What the publisher declares the component needs (hosts, environment, files), kept in
    /// the config under `dev.airlock.permissions` for whoever adds it to review.
    pub permissions: Option<Value>,
}

/// A published component.
#[derive(Debug, Clone)]
pub struct Published {
    /// The manifest's digest: `REF@<this>` pins exactly what was published.
    pub manifest: String,
    /// The component's own digest (its layer).
    pub layer: Digest,
}

/// A pulled component, its digests checked.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub bytes: Vec<u8>,
    pub layer: Digest,
    pub manifest: String,
    /// The artifact's config (imports, exports, and what else its publisher wrote).
    pub config: Value,
}

/// Parses an OCI reference: `registry/repository:tag` or `registry/repository@sha256:...`.
///
/// # Errors
/// Text that is not a reference.
pub fn parse_reference(text: &str) -> Result<Reference, Error> {
    Reference::from_str(text).map_err(|e| {
        Error::Invalid(format!(
            "{text:?} is not an OCI reference ({e}); references look like ghcr.io/acme/weather:1.2.0 or 127.0.0.1:5000/acme/weather@sha256:..."
        ))
    })
}

/// Whether `registry` (`host` or `host:port`) is this machine.
pub fn is_loopback(registry: &str) -> bool {
    let host = registry
        .strip_prefix('[')
        .and_then(|r| r.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| registry.rsplit_once(':').map_or(registry, |(h, _)| h));
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A client for one reference's registry: plain HTTP only for a registry on this machine or
/// when `insecure` says so.
pub(crate) fn client(reference: &Reference, insecure: bool) -> Client {
    let registry = reference.resolve_registry().to_string();
    let protocol = if insecure || is_loopback(&registry) {
        ClientProtocol::HttpsExcept(vec![registry])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..ClientConfig::default()
    })
}

pub(crate) fn registry_error(
    reference: &Reference,
    e: &oci_client::errors::OciDistributionError,
) -> Error {
    let registry = reference.resolve_registry().to_string();
    let message = format!("{e}");
    let hint = match Trouble::of(e) {
        Trouble::Unreachable => "is the registry running and reachable from here? A run whose components are pinned and in the local store does not need it".to_string(),
        Trouble::Credentials => "set AIRLOCK_REGISTRY_USERNAME and AIRLOCK_REGISTRY_PASSWORD, or log in with `docker login`"
            .to_string(),
        Trouble::Missing => format!("check the repository and tag of {reference}"),
        Trouble::Other => "see the registry's answer above".to_string(),
    };
    Error::Registry {
        registry,
        message,
        hint,
    }
}

/// What went wrong with a registry, from the error's kind and the registry's error codes (never
/// from its text, which holds the URL and so a port that may read like a status code).
enum Trouble {
    Unreachable,
    Credentials,
    Missing,
    Other,
}

impl Trouble {
    fn of(e: &oci_client::errors::OciDistributionError) -> Self {
        use oci_client::errors::{OciDistributionError as E, OciErrorCode as C};
        match e {
            E::RequestError(r) if r.is_connect() || r.is_timeout() || r.is_request() => {
                Self::Unreachable
            }
            E::AuthenticationFailure(_) | E::UnauthorizedError { .. } => Self::Credentials,
            E::ServerError {
                code: 401 | 403, ..
            } => Self::Credentials,
            E::ImageManifestNotFoundError(_) | E::ServerError { code: 404, .. } => Self::Missing,
            E::RegistryError { envelope, .. } => {
                let codes = || envelope.errors.iter().map(|err| &err.code);
                if codes().any(|c| matches!(c, C::Unauthorized | C::Denied)) {
                    Self::Credentials
                } else if codes().any(|c| {
                    matches!(
                        c,
                        C::ManifestUnknown | C::NameUnknown | C::BlobUnknown | C::NotFound
                    )
                }) {
                    Self::Missing
                } else {
                    Self::Other
                }
            }
            _ => Self::Other,
        }
    }
}

/// Publishes `bytes` (a component) at `reference`.
///
/// # Errors
/// The registry cannot be reached, refuses the credentials or the push.
pub async fn publish(
    bytes: &[u8],
    reference: &Reference,
    meta: &ComponentMeta,
    auth: &RegistryAuth,
    insecure: bool,
) -> Result<Published, Error> {
    let client = client(reference, insecure);
    let layer = ImageLayer::new(bytes.to_vec(), LAYER_MEDIA_TYPE.to_string(), None);
    let layer_digest = Digest::of(bytes);
    let mut config = json!({
        "created": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [layer_digest.as_str()],
        "component": {
            "imports": meta.imports,
            "exports": meta.exports,
        },
    });
    if let Some(permissions) = &meta.permissions {
        config["dev.airlock.permissions"] = permissions.clone();
    }
    let config = Config::new(
        serde_json::to_vec(&config).unwrap_or_default(),
        CONFIG_MEDIA_TYPE.to_string(),
        None,
    );
    let manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, None);
    client
        .push(reference, &[layer], config, auth, Some(manifest))
        .await
        .map_err(|e| registry_error(reference, &e))?;
    let manifest = client
        .fetch_manifest_digest(reference, auth)
        .await
        .map_err(|e| registry_error(reference, &e))?;
    Ok(Published {
        manifest,
        layer: layer_digest,
    })
}

/// Pulls the component at `reference`, checking every digest on the way.
///
/// # Errors
/// The registry cannot be reached or refuses; the artifact is not a single-layer wasm
/// component; a blob does not match its digest.
pub async fn pull(
    reference: &Reference,
    auth: &RegistryAuth,
    insecure: bool,
) -> Result<Pulled, Error> {
    let client = client(reference, insecure);
    let image = client
        .pull(
            reference,
            auth,
            vec![LAYER_MEDIA_TYPE, LEGACY_LAYER_MEDIA_TYPE],
        )
        .await
        .map_err(|e| match e {
            oci_client::errors::OciDistributionError::IncompatibleLayerMediaTypeError(t) => {
                Error::NotAComponent(format!(
                    "{reference} is not a WebAssembly component artifact: it has a layer of type {t}"
                ))
            }
            oci_client::errors::OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => Error::Mismatch {
                what: format!("a blob of {reference}"),
                expected,
                found: actual,
            },
            other => registry_error(reference, &other),
        })?;
    let [layer] = image.layers.as_slice() else {
        return Err(Error::NotAComponent(format!(
            "{reference} has {} layers; a component artifact has one",
            image.layers.len()
        )));
    };
    let manifest = image.manifest.as_ref();
    let declared = manifest
        .and_then(|m| m.layers.first())
        .map(|l| l.digest.clone())
        .unwrap_or_default();
    let layer_digest = Digest::of(&layer.data);
    if layer_digest.as_str() != declared {
        return Err(Error::Mismatch {
            what: format!("the component of {reference}"),
            expected: declared,
            found: layer_digest.to_string(),
        });
    }
    let manifest_digest = image.digest.clone().unwrap_or_default();
    if let Some(pinned) = reference.digest()
        && pinned != manifest_digest
    {
        return Err(Error::Mismatch {
            what: format!("the manifest of {reference}"),
            expected: pinned.to_string(),
            found: manifest_digest,
        });
    }
    let config = serde_json::from_slice(&image.config.data).unwrap_or(Value::Null);
    Ok(Pulled {
        bytes: layer.data.to_vec(),
        layer: layer_digest,
        manifest: manifest_digest,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_recognised() {
        for yes in [
            "127.0.0.1:5000",
            "localhost:5000",
            "localhost",
            "[::1]:5000",
            "127.0.0.2",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "ghcr.io",
            "10.0.0.1:5000",
            "localhost.evil.example:5000",
            "[fe80::1]:5000",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }

    #[test]
    fn references_parse_with_a_hint_when_they_do_not() {
        let r = parse_reference("127.0.0.1:5000/acme/weather:1.2.0").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "acme/weather");
        assert_eq!(r.tag(), Some("1.2.0"));
        let e = parse_reference("Not A Ref!").unwrap_err().to_string();
        assert!(e.contains("references look like"), "{e}");
    }
}
