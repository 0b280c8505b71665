//! Signatures: a publisher signs the digest of a component's manifest with minisign (the format
//! of the `minisign` command, so operators sign and verify with the tools they have), and the
//! signature travels beside the artifact in the registry, at the tag `sha256-<hex>.minisig` of
//! the same repository (the fallback of the OCI referrers scheme, which every registry serves).
//!
//! What is signed is the text `sha256:<hex>` of the manifest digest: the manifest names the
//! component's own digest, so the signature covers the component's bytes and its config.

use std::io::Cursor;
use std::str::FromStr;

use minisign::{PublicKey, SecretKeyBox, SignatureBox};
use oci_client::Reference;
use oci_client::client::{Config, ImageLayer};
use oci_client::manifest::OciImageManifest;
use oci_client::secrets::RegistryAuth;

use crate::error::Error;
use crate::oci::client;
use crate::store::Digest;

/// The media type of a signature's one layer: a minisign signature file.
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.airlock.minisign.signature.v1";
const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";

/// The tag the signature of `manifest` is kept at.
pub fn signature_tag(manifest: &Digest) -> String {
    format!("sha256-{}.minisig", manifest.hex())
}

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

fn signature_reference(reference: &Reference, manifest: &Digest) -> Reference {
    Reference::with_tag(
        reference.registry().to_string(),
        reference.repository().to_string(),
        signature_tag(manifest),
    )
}

/// Keeps `signature` of `manifest` beside the artifact `reference` in its registry.
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
    let target = signature_reference(reference, manifest);
    let client = client(&target, insecure);
    let layer = ImageLayer::new(
        signature.as_bytes().to_vec(),
        SIGNATURE_MEDIA_TYPE.to_string(),
        None,
    );
    let config = Config::new(b"{}".to_vec(), EMPTY_CONFIG_MEDIA_TYPE.to_string(), None);
    let image = OciImageManifest::build(std::slice::from_ref(&layer), &config, None);
    client
        .push(&target, &[layer], config, auth, Some(image))
        .await
        .map_err(|e| crate::oci::registry_error(&target, &e))?;
    Ok(())
}

/// The signature of `manifest` kept beside `reference`, if there is one.
///
/// # Errors
/// The registry cannot be reached, or what is at the signature's tag is not a signature.
pub async fn pull_signature(
    reference: &Reference,
    manifest: &Digest,
    auth: &RegistryAuth,
    insecure: bool,
) -> Result<Option<String>, Error> {
    let target = signature_reference(reference, manifest);
    let client = client(&target, insecure);
    match client.pull(&target, auth, vec![SIGNATURE_MEDIA_TYPE]).await {
        Ok(image) => {
            let [layer] = image.layers.as_slice() else {
                return Err(Error::BadSignature(format!(
                    "{} holds {} layers, not one signature",
                    target.whole(),
                    image.layers.len()
                )));
            };
            String::from_utf8(layer.data.to_vec())
                .map(Some)
                .map_err(|_| Error::BadSignature(format!("{} is not text", target.whole())))
        }
        Err(e)
            if e.to_string().contains("manifest unknown")
                || e.to_string().contains("not found") =>
        {
            Ok(None)
        }
        Err(e) => Err(crate::oci::registry_error(&target, &e)),
    }
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
