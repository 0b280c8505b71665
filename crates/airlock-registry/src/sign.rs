//! Signatures: a publisher signs the digest of a component's manifest with minisign (the format
//! of the `minisign` command, so operators sign and verify with the tools they have), and the
//! signature travels beside the artifact in the registry as an OCI artifact that refers to the
//! component's manifest (its `subject`): listed by the referrers API where the registry has one,
//! else in the index at the tag `sha256-<hex>` (the OCI referrers tag schema, which every
//! registry serves). Several signers' signatures live side by side.
//!
//! What is signed is the text `sha256:<hex>` of the manifest digest: the manifest names the
//! component's own digest, so the signature covers the component's bytes and its config.

use std::io::Cursor;
use std::str::FromStr;

use http::HeaderValue;
use minisign::{PublicKey, SecretKeyBox, SignatureBox};
use oci_client::Reference;
use oci_client::manifest::{
    ImageIndexEntry, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, OciDescriptor,
    OciImageIndex, OciImageManifest,
};
use oci_client::secrets::RegistryAuth;

use crate::error::Error;
use crate::oci::client;
use crate::store::Digest;

/// The media type of a signature's one layer: a minisign signature file.
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.airlock.minisign.signature.v1";
const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";

/// Signs `manifest` with the minisign secret key in `key_text` (unencrypted, or with
/// `password`); returns the signature file's text.
///
/// # Errors
/// The key cannot be read or decrypted.
pub fn sign(manifest: &Digest, key_text: &str, password: Option<String>) -> Result<String, Error> {
    let key_box = SecretKeyBox::from_string(key_text)
        .map_err(|e| Error::Invalid(format!("not a minisign secret key ({e})")))?;
    let key = match password {
        Some(p) => key_box.into_secret_key(Some(p)),
        None => key_box
            .into_unencrypted_secret_key()
            .or_else(|e| match with_checksum(key_text) {
                Some(fixed) => SecretKeyBox::from_string(&fixed)?.into_unencrypted_secret_key(),
                None => Err(e),
            }),
    }
    .map_err(|e| {
        Error::Invalid(format!(
            "cannot use the minisign secret key ({e}); an encrypted key needs AIRLOCK_SIGN_PASSWORD"
        ))
    })?;
    let comment = format!("airlock component manifest {manifest}");
    let signature = minisign::sign(
        None,
        &key,
        Cursor::new(manifest.as_str().as_bytes()),
        Some(&comment),
        None,
    )
    .map_err(|e| Error::Invalid(format!("cannot sign ({e})")))?;
    Ok(signature.to_string())
}

/// `minisign -G -W` leaves the checksum of an unencrypted secret key all zero, where the
/// minisign crate expects BLAKE2b-256 of the algorithm, key number and key: the key's text with
/// the checksum filled in, or `None` if it is not such a key.
fn with_checksum(key_text: &str) -> Option<String> {
    use base64::Engine as _;
    use blake2::digest::{Update, VariableOutput};

    let mut lines = key_text.lines();
    let comment = lines.next()?;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(lines.next()?.trim()).ok()?;
    // sig_alg 2, kdf_alg 2, chk_alg 2, salt 32, opslimit 8, memlimit 8, keynum 8, sk 64, chk 32.
    if bytes.len() != 158 || bytes[2..4] != [0, 0] || bytes[126..].iter().any(|b| *b != 0) {
        return None;
    }
    let mut hash = blake2::Blake2bVar::new(32).ok()?;
    hash.update(&bytes[0..2]);
    hash.update(&bytes[54..126]);
    hash.finalize_variable(&mut bytes[126..]).ok()?;
    Some(format!("{comment}\n{}\n", engine.encode(&bytes)))
}

/// A public key from its base64 form (the second line of a `.pub` file) or a whole `.pub` file.
///
/// # Errors
/// Text that is neither.
pub fn public_key(text: &str) -> Result<PublicKey, Error> {
    let text = text.trim();
    PublicKey::from_base64(text)
        .or_else(|_| minisign::PublicKeyBox::from_string(text).and_then(|b| b.into_public_key()))
        .map_err(|e| {
            Error::Invalid(format!(
                "{text:?} is not a minisign public key ({e}); give the base64 line of the .pub file, like RWQ..."
            ))
        })
}

/// Checks that `signature` is a signature of `manifest` by one of `keys`.
///
/// # Errors
/// The signature is malformed, made by a key not in `keys` ([`Error::Untrusted`]), or does not
/// verify ([`Error::BadSignature`]).
pub fn verify(manifest: &Digest, signature: &str, keys: &[PublicKey]) -> Result<(), Error> {
    let signature = SignatureBox::from_string(signature)
        .map_err(|e| Error::BadSignature(format!("the signature is malformed ({e})")))?;
    let Some(key) = keys.iter().find(|k| k.keynum() == signature.keynum()) else {
        return Err(Error::Untrusted(format!(
            "the signature of {manifest} was made by key {}, which no [[trust]] entry for it lists",
            hex(signature.keynum())
        )));
    };
    minisign::verify(
        key,
        &signature,
        Cursor::new(manifest.as_str().as_bytes()),
        true,
        false,
        false,
    )
    .map_err(|e| {
        Error::BadSignature(format!(
            "the signature of {manifest} by key {} does not verify ({e})",
            hex(signature.keynum())
        ))
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// At most this many referrers of one manifest are looked at for a signature.
const MAX_REFERRERS: usize = 32;
/// A signature file is a few hundred bytes; a layer larger than this is not one.
const MAX_SIGNATURE_BYTES: i64 = 16 * 1024;

/// `reference`'s repository, pinned at `digest`.
fn at_digest(reference: &Reference, digest: &str) -> Reference {
    Reference::with_digest(
        reference.registry().to_string(),
        reference.repository().to_string(),
        digest.to_string(),
    )
}

/// The component's manifest as the subject of its signatures, and a client of its registry
/// holding the credentials.
async fn subject(
    reference: &Reference,
    manifest: &Digest,
    auth: &RegistryAuth,
    insecure: bool,
) -> (Reference, oci_client::Client) {
    let subject_ref = at_digest(reference, manifest.as_str());
    let client = client(&subject_ref, insecure);
    client
        .store_auth_if_needed(subject_ref.resolve_registry(), auth)
        .await;
    (subject_ref, client)
}

/// The tag of the OCI referrers tag schema for `manifest`: where a registry without the
/// referrers API keeps the index of what refers to it.
pub fn referrers_tag(manifest: &Digest) -> String {
    format!("sha256-{}", manifest.hex())
}

/// Keeps `signature` of `manifest` beside the artifact `reference` in its registry: an OCI
/// artifact (type [`SIGNATURE_MEDIA_TYPE`]) whose `subject` is the component's manifest, so a
/// registry with the referrers API lists it; on a registry without it, the artifact is added to
/// the index at the referrers tag schema's tag. Signatures by several keys live side by side.
///
/// # Errors
/// The registry cannot be reached or refuses the push.
pub async fn push_signature(
    reference: &Reference,
    manifest: &Digest,
    signature: &str,
    auth: &RegistryAuth,
    insecure: bool,
) -> Result<(), Error> {
    let (subject_ref, client) = subject(reference, manifest, auth, insecure).await;
    let fail =
        |e: oci_client::errors::OciDistributionError| crate::oci::registry_error(&subject_ref, &e);
    let (subject_bytes, _) = client
        .pull_manifest_raw(&subject_ref, auth, &[OCI_IMAGE_MEDIA_TYPE])
        .await
        .map_err(fail)?;
    let subject_type = serde_json::from_slice::<serde_json::Value>(&subject_bytes)
        .ok()
        .and_then(|m| m["mediaType"].as_str().map(str::to_string))
        .unwrap_or_else(|| OCI_IMAGE_MEDIA_TYPE.to_string());

    let config = b"{}".to_vec();
    let config_digest = Digest::of(&config);
    let layer = signature.as_bytes().to_vec();
    let layer_digest = Digest::of(&layer);
    client
        .push_blob(&subject_ref, config.clone(), config_digest.as_str())
        .await
        .map_err(fail)?;
    client
        .push_blob(&subject_ref, layer.clone(), layer_digest.as_str())
        .await
        .map_err(fail)?;
    let artifact = OciImageManifest {
        media_type: Some(OCI_IMAGE_MEDIA_TYPE.to_string()),
        artifact_type: Some(SIGNATURE_MEDIA_TYPE.to_string()),
        config: descriptor(EMPTY_CONFIG_MEDIA_TYPE, &config_digest, config.len()),
        layers: vec![descriptor(SIGNATURE_MEDIA_TYPE, &layer_digest, layer.len())],
        subject: Some(descriptor(&subject_type, manifest, subject_bytes.len())),
        ..OciImageManifest::default()
    };
    let body = serde_json::to_vec(&artifact).unwrap_or_default();
    let artifact_digest = Digest::of(&body);
    client
        .push_manifest_raw(
            &at_digest(reference, artifact_digest.as_str()),
            body.clone(),
            HeaderValue::from_static(OCI_IMAGE_MEDIA_TYPE),
        )
        .await
        .map_err(fail)?;

    // A registry with the referrers API now lists the artifact; one without it (a 404 there)
    // is answered from the tag schema's index, which lists it only once it is added below.
    let listed = client
        .pull_referrers(&subject_ref, Some(SIGNATURE_MEDIA_TYPE))
        .await
        .map_err(fail)?;
    if listed
        .manifests
        .iter()
        .any(|m| m.digest == artifact_digest.as_str())
    {
        return Ok(());
    }
    let index_ref = Reference::with_tag(
        reference.registry().to_string(),
        reference.repository().to_string(),
        referrers_tag(manifest),
    );
    let mut index = match client
        .pull_manifest_raw(&index_ref, auth, &[OCI_IMAGE_INDEX_MEDIA_TYPE])
        .await
    {
        Ok((bytes, _)) => serde_json::from_slice::<OciImageIndex>(&bytes).map_err(|e| {
            Error::BadSignature(format!(
                "{} is not an OCI image index ({e}), so the signature cannot be listed there",
                index_ref.whole()
            ))
        })?,
        Err(e) if not_found(&e) => OciImageIndex {
            schema_version: 2,
            media_type: Some(OCI_IMAGE_INDEX_MEDIA_TYPE.to_string()),
            manifests: Vec::new(),
            artifact_type: None,
            annotations: None,
        },
        Err(e) => return Err(crate::oci::registry_error(&index_ref, &e)),
    };
    index.manifests.push(ImageIndexEntry {
        media_type: OCI_IMAGE_MEDIA_TYPE.to_string(),
        digest: artifact_digest.to_string(),
        size: i64::try_from(body.len()).unwrap_or(i64::MAX),
        platform: None,
        annotations: None,
        artifact_type: Some(SIGNATURE_MEDIA_TYPE.to_string()),
    });
    client
        .push_manifest_raw(
            &index_ref,
            serde_json::to_vec(&index).unwrap_or_default(),
            HeaderValue::from_static(OCI_IMAGE_INDEX_MEDIA_TYPE),
        )
        .await
        .map_err(|e| crate::oci::registry_error(&index_ref, &e))?;
    Ok(())
}

fn descriptor(media_type: &str, digest: &Digest, size: usize) -> OciDescriptor {
    OciDescriptor {
        media_type: media_type.to_string(),
        digest: digest.to_string(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        ..OciDescriptor::default()
    }
}

fn not_found(e: &oci_client::errors::OciDistributionError) -> bool {
    let text = e.to_string();
    matches!(
        e,
        oci_client::errors::OciDistributionError::ImageManifestNotFoundError(_)
            | oci_client::errors::OciDistributionError::ServerError { code: 404, .. }
    ) || text.contains("manifest unknown")
        || text.contains("not found")
}

/// The signatures of `manifest` kept beside `reference`: the referrers of type
/// [`SIGNATURE_MEDIA_TYPE`], from the registry's referrers API or, where it has none, the
/// referrers tag schema. Empty when it has none.
///
/// # Errors
/// The registry cannot be reached, or what is listed as a signature is not one.
pub async fn pull_signatures(
    reference: &Reference,
    manifest: &Digest,
    auth: &RegistryAuth,
    insecure: bool,
) -> Result<Vec<String>, Error> {
    let (subject_ref, client) = subject(reference, manifest, auth, insecure).await;
    let fail =
        |e: oci_client::errors::OciDistributionError| crate::oci::registry_error(&subject_ref, &e);
    let index = client
        .pull_referrers(&subject_ref, Some(SIGNATURE_MEDIA_TYPE))
        .await
        .map_err(fail)?;
    let mut signatures = Vec::new();
    for entry in index
        .manifests
        .iter()
        .filter(|m| m.artifact_type.as_deref() == Some(SIGNATURE_MEDIA_TYPE))
        .take(MAX_REFERRERS)
    {
        let artifact_ref = at_digest(reference, &entry.digest);
        let (artifact, _) = client
            .pull_image_manifest(&artifact_ref, auth)
            .await
            .map_err(|e| crate::oci::registry_error(&artifact_ref, &e))?;
        let Some(layer) = artifact
            .layers
            .iter()
            .find(|l| l.media_type == SIGNATURE_MEDIA_TYPE)
        else {
            continue;
        };
        if layer.size > MAX_SIGNATURE_BYTES {
            return Err(Error::BadSignature(format!(
                "{} lists a signature of {} bytes; a minisign signature is a few hundred",
                artifact_ref.whole(),
                layer.size
            )));
        }
        let mut bytes = Vec::new();
        client
            .pull_blob(&artifact_ref, layer, &mut bytes)
            .await
            .map_err(|e| crate::oci::registry_error(&artifact_ref, &e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::BadSignature(format!("{} is not text", artifact_ref.whole())))?;
        signatures.push(text);
    }
    Ok(signatures)
}

/// `REGISTRY/REPOSITORY` of a reference: what `[[trust]] refs` patterns match.
pub fn repository_of(reference: &Reference) -> String {
    format!("{}/{}", reference.registry(), reference.repository())
}

/// Parses a reference (re-exported for callers that also need [`repository_of`]).
///
/// # Errors
/// As [`crate::parse_reference`].
pub fn reference(text: &str) -> Result<Reference, Error> {
    Reference::from_str(text).map_err(|e| Error::Invalid(format!("{text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only_and_only_for_its_digest() {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let secret = pair.sk.to_box(None).unwrap().to_string();
        let manifest = Digest::of(b"manifest");
        let signature = sign(&manifest, &secret, None).unwrap();
        verify(&manifest, &signature, std::slice::from_ref(&pair.pk)).unwrap();

        let other = Digest::of(b"another manifest");
        assert!(matches!(
            verify(&other, &signature, std::slice::from_ref(&pair.pk)),
            Err(Error::BadSignature(_))
        ));
        let stranger = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        assert!(matches!(
            verify(&manifest, &signature, &[stranger.pk]),
            Err(Error::Untrusted(_))
        ));
        assert!(matches!(
            verify(&manifest, "garbage", std::slice::from_ref(&pair.pk)),
            Err(Error::BadSignature(_))
        ));
        let base64 = pair.pk.to_base64();
        assert_eq!(public_key(&base64).unwrap().keynum(), pair.pk.keynum());
        assert!(public_key("RWQnot-a-key").is_err());
    }
}
