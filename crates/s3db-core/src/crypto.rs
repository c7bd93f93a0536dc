//! `secret` fields in the s3db.js format: PBKDF2-SHA256 (100 000 iterations, 16-byte salt),
//! AES-256-GCM (12-byte IV, tag appended), stored as base64(salt ‖ iv ‖ ciphertext ‖ tag).
//! Derived keys are cached so that only the first use of a (passphrase, salt) pair pays PBKDF2.
//!
//! Unlike s3db.js, which draws a fresh salt (and so runs PBKDF2) for every value, writes reuse
//! one random salt per passphrase for the life of the process; the IV stays fresh and random
//! for every value. The stored layout is unchanged, so s3db.js reads these values as usual.
//! With 96-bit random IVs one key stays safe for far more values than a process writes
//! (NIST bounds random-IV use of one GCM key at 2^32 messages).

use std::collections::HashMap;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use once_cell::sync::{Lazy, OnceCell};
use parking_lot::Mutex;
use sha2::Sha256;

/// Why a secret could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum CryptoError {
    /// Not a well-formed s3db ciphertext (bad base64 or too short).
    Malformed,
    /// The authentication tag did not verify: wrong passphrase or tampered data.
    WrongKey,
}

const PBKDF2_ITERATIONS: u32 = 100_000;
const SALT_LEN: usize = 16;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// salt + IV + tag: the size of an encrypted empty string.
const MIN_SEALED_LEN: usize = SALT_LEN + IV_LEN + TAG_LEN;
const READ_CACHE_CAPACITY: usize = 4096;

type Salt = [u8; SALT_LEN];
type DerivedKey = [u8; 32];

/// A key derived once: callers that need it while it is being derived wait for that derivation
/// instead of running PBKDF2 again (a burst of first writes or reads would otherwise each pay it).
type Slot<T> = Arc<OnceCell<T>>;

/// Per passphrase: the salt used for every write and its derived key.
static WRITE_KEYS: Lazy<Mutex<HashMap<String, Slot<(Salt, DerivedKey)>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

/// Keys derived for reading, by (passphrase, salt); bounded, evicting an arbitrary entry when full.
static READ_KEYS: Lazy<Mutex<HashMap<(String, Salt), Slot<DerivedKey>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

/// Runs `work` on the blocking pool when it may run PBKDF2 (first use of a key), inline otherwise.
/// Outside a tokio runtime (plain executors, tests) the work runs inline.
pub async fn maybe_blocking<T: Send + 'static>(blocking: bool, work: impl FnOnce() -> T + Send + 'static) -> crate::error::Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if blocking => runtime
            .spawn_blocking(work)
            .await
            .map_err(|e| crate::error::Error::internal(format!("key derivation task failed: {e}"))),
        _ => Ok(work()),
    }
}

/// `encrypt(content, passphrase)` as s3db.js exports it; PBKDF2 runs off the calling thread.
pub async fn encrypt_text(passphrase: String, plaintext: String) -> crate::error::Result<String> {
    let blocking = !write_key_ready(&passphrase);
    maybe_blocking(blocking, move || encrypt(&passphrase, &plaintext)).await
}

/// `decrypt(stored, passphrase)`; a malformed value or a wrong passphrase is a `CryptoError`.
pub async fn decrypt_text(passphrase: String, stored: String) -> crate::error::Result<String> {
    use crate::error::{Error, ErrorKind};
    let blocking = !read_key_ready(&passphrase, &stored);
    maybe_blocking(blocking, move || decrypt(&passphrase, &stored)).await?.map_err(|e| {
        let why = match e {
            CryptoError::Malformed => "the value is not an s3db ciphertext",
            CryptoError::WrongKey => "wrong passphrase or corrupted value",
        };
        Error::new(ErrorKind::Crypto, format!("Decryption failed: {why}"))
    })
}

/// Lower-case hex SHA-256 of `data` (the `sha256` helper).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&Sha256::digest(data))
}

/// Lower-case hex MD5 of `data` (S3 ETags).
pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex(&md5::Md5::digest(data))
}

/// Base64 MD5 of `data` (the `md5` helper, as `Content-MD5` carries it).
pub fn md5_base64(data: &[u8]) -> String {
    use md5::Digest;
    STANDARD.encode(md5::Md5::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// Encrypts with the process-wide write salt for this passphrase and a fresh random IV.
/// Blocks for one PBKDF2 run the first time a passphrase is used; see [`write_key_ready`].
pub fn encrypt(passphrase: &str, plaintext: &str) -> String {
    let (salt, key) = write_key(passphrase);
    seal(&key, plaintext, salt, random_bytes())
}

/// Deterministic variant for tests and vectors.
pub fn encrypt_with(passphrase: &str, plaintext: &str, salt: [u8; 16], iv: [u8; 12]) -> String {
    let key = read_key(passphrase, &salt);
    seal(&key, plaintext, salt, iv)
}

/// Decrypts a stored value; blocks for PBKDF2 when the salt is not cached yet (see [`read_key_ready`]).
/// Invalid UTF-8 in the plaintext is replaced by U+FFFD, as WebCrypto + `TextDecoder` do.
pub fn decrypt(passphrase: &str, stored: &str) -> Result<String, CryptoError> {
    let sealed = parse_sealed(stored)?;
    let key = read_key(passphrase, &sealed.salt());
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    let plaintext = cipher
        .decrypt(Nonce::from_slice(sealed.iv()), sealed.ciphertext_and_tag())
        .map_err(|_| CryptoError::WrongKey)?;
    Ok(String::from_utf8_lossy(&plaintext).into_owned())
}

/// True when [`encrypt`] will not need a PBKDF2 run.
pub fn write_key_ready(passphrase: &str) -> bool {
    WRITE_KEYS.lock().get(passphrase).is_some_and(|slot| slot.get().is_some())
}

/// True when [`decrypt`] of `stored` will not need a PBKDF2 run (also true for malformed input).
pub fn read_key_ready(passphrase: &str, stored: &str) -> bool {
    match parse_sealed(stored) {
        Ok(sealed) => cached_read_key(passphrase, &sealed.salt()).is_some(),
        Err(_) => true,
    }
}

/// A decoded stored value: salt ‖ iv ‖ ciphertext ‖ tag, at least [`MIN_SEALED_LEN`] bytes.
struct Sealed(Vec<u8>);

impl Sealed {
    fn salt(&self) -> Salt {
        self.0[..SALT_LEN]
            .try_into()
            .expect("length checked on parse")
    }

    fn iv(&self) -> &[u8] {
        &self.0[SALT_LEN..SALT_LEN + IV_LEN]
    }

    fn ciphertext_and_tag(&self) -> &[u8] {
        &self.0[SALT_LEN + IV_LEN..]
    }
}

fn parse_sealed(stored: &str) -> Result<Sealed, CryptoError> {
    let bytes = STANDARD
        .decode(stored)
        .map_err(|_| CryptoError::Malformed)?;
    if bytes.len() < MIN_SEALED_LEN {
        return Err(CryptoError::Malformed);
    }
    Ok(Sealed(bytes))
}

fn seal(key: &DerivedKey, plaintext: &str, salt: Salt, iv: [u8; IV_LEN]) -> String {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let ciphertext_and_tag = cipher
        .encrypt(Nonce::from_slice(&iv), plaintext.as_bytes())
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    let mut sealed = Vec::with_capacity(MIN_SEALED_LEN + plaintext.len());
    sealed.extend_from_slice(&salt);
    sealed.extend_from_slice(&iv);
    sealed.extend_from_slice(&ciphertext_and_tag);
    STANDARD.encode(sealed)
}

#[cfg(test)]
static DERIVATIONS: Lazy<Mutex<HashMap<String, usize>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn derive_key(passphrase: &str, salt: &Salt) -> DerivedKey {
    #[cfg(test)]
    {
        *DERIVATIONS.lock().entry(passphrase.to_string()).or_default() += 1;
    }
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase.as_bytes(), salt, PBKDF2_ITERATIONS, &mut key);
    key
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the OS random number generator is available");
    bytes
}

fn write_key(passphrase: &str) -> (Salt, DerivedKey) {
    let slot = WRITE_KEYS.lock().entry(passphrase.to_string()).or_default().clone();
    *slot.get_or_init(|| {
        let salt: Salt = random_bytes();
        (salt, derive_key(passphrase, &salt))
    })
}

fn cached_read_key(passphrase: &str, salt: &Salt) -> Option<DerivedKey> {
    if let Some((write_salt, key)) = WRITE_KEYS.lock().get(passphrase).and_then(|slot| slot.get().copied()) {
        if write_salt == *salt {
            return Some(key);
        }
    }
    READ_KEYS
        .lock()
        .get(&(passphrase.to_string(), *salt))
        .and_then(|slot| slot.get().copied())
}

fn read_key(passphrase: &str, salt: &Salt) -> DerivedKey {
    if let Some(key) = cached_read_key(passphrase, salt) {
        return key;
    }
    let slot = {
        let mut cache = READ_KEYS.lock();
        let entry = (passphrase.to_string(), *salt);
        if !cache.contains_key(&entry) && cache.len() >= READ_CACHE_CAPACITY {
            if let Some(victim) = cache.keys().next().cloned() {
                cache.remove(&victim);
            }
        }
        cache.entry(entry).or_default().clone()
    };
    *slot.get_or_init(|| derive_key(passphrase, salt))
}

#[cfg(test)]
mod tests {
    //! PBKDF2 with 100 000 iterations takes ~10 ms per derivation with optimised
    //! dependencies (the workspace builds them at opt-level 2 even in debug).

    use super::*;
    use serde_json::Value;

    #[test]
    fn a_burst_of_first_uses_derives_each_key_once() {
        let threads: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(|| encrypt("burst-passphrase", "x")))
            .collect();
        let sealed: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(DERIVATIONS.lock()["burst-passphrase"], 1);
        let stored = encrypt_with("burst-read", "y", [3; 16], [4; 12]);
        DERIVATIONS.lock().remove("burst-read");
        READ_KEYS.lock().remove(&("burst-read".to_string(), [3; 16]));
        let readers: Vec<_> = (0..8)
            .map(|_| {
                let stored = stored.clone();
                std::thread::spawn(move || decrypt("burst-read", &stored))
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.join().unwrap().as_deref(), Ok("y"));
        }
        assert_eq!(DERIVATIONS.lock()["burst-read"], 1);
        assert!(sealed.iter().all(|s| decrypt("burst-passphrase", s).as_deref() == Ok("x")));
    }

    fn secrets() -> Value {
        crate::test_vectors("secrets.json")
    }

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap()
    }

    #[test]
    fn spec_vector() {
        let salt = hex::<16>("000102030405060708090a0b0c0d0e0f");
        let iv = hex::<12>("101112131415161718191a1b");
        assert_eq!(
            encrypt_with("secret", "my-password", salt, iv),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG/1lDhp6jOw6dOhgUr1FrdR/kL/iIZrPPl0UHg=="
        );
    }

    #[test]
    fn deterministic_vectors() {
        let v = secrets();
        let entries = v["deterministic"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        for e in entries {
            let (passphrase, plaintext) = (s(&e["passphrase"]), s(&e["plaintext"]));
            let stored = encrypt_with(
                passphrase,
                plaintext,
                hex(s(&e["saltHex"])),
                hex(s(&e["ivHex"])),
            );
            assert_eq!(stored, s(&e["ciphertext"]));
            assert_eq!(
                decrypt(passphrase, &stored).as_deref(),
                Ok(s(&e["libraryDecrypt"]))
            );
        }
    }

    #[test]
    fn library_ciphertexts_decrypt() {
        let v = secrets();
        let mut checked = 0;
        for (_version, entries) in v["randomFromLibrary"].as_object().unwrap() {
            for e in entries.as_array().unwrap() {
                let plain = decrypt(s(&e["passphrase"]), s(&e["ciphertext"]));
                assert_eq!(plain.as_deref(), Ok(s(&e["plaintext"])));
                assert_eq!(s(&e["plaintext"]), s(&e["libraryDecrypt"]));
                checked += 1;
            }
        }
        assert_eq!(checked, 9);
    }

    #[test]
    fn npm_19_double_encrypted_values_decrypt_twice() {
        let v = secrets();
        let stored_by_19 = &v["storedByNpm19"];
        let passphrase = s(&stored_by_19["passphrase"]);
        let expected = [
            ("a1", "password", "my-password", 2),
            ("a1", "apiKey", "Olá 🌍", 2),
            ("a1", "creds.token", "tok-123", 1),
            ("a2", "password", "", 2),
            ("a2", "apiKey", "undefined", 2),
        ];
        let values = stored_by_19["values"].as_array().unwrap();
        assert_eq!(values.len(), expected.len());
        for (value, (record, attribute, plaintext, layers)) in values.iter().zip(expected) {
            assert_eq!(
                (s(&value["record"]), s(&value["attribute"])),
                (record, attribute)
            );
            let mut text = s(&value["stored"]).to_string();
            for _ in 0..layers {
                text = decrypt(passphrase, &text).expect("decrypts");
            }
            assert_eq!(text, plaintext, "{record}.{attribute}");
            // The plaintext itself is not another ciphertext.
            assert!(decrypt(passphrase, &text).is_err());
        }
    }

    #[test]
    fn round_trip_with_cached_write_key() {
        let passphrase = "round-trip-test-passphrase";
        assert!(!write_key_ready(passphrase));
        let first = encrypt(passphrase, "Olá, mundo 🌍");
        assert!(write_key_ready(passphrase));
        assert!(read_key_ready(passphrase, &first));
        let second = encrypt(passphrase, "Olá, mundo 🌍");
        assert_ne!(first, second, "fresh IV per value");
        assert_eq!(first[..20], second[..20], "same salt per passphrase");
        assert_eq!(decrypt(passphrase, &first).as_deref(), Ok("Olá, mundo 🌍"));
        assert_eq!(decrypt(passphrase, &second).as_deref(), Ok("Olá, mundo 🌍"));
        assert_eq!(encrypt(passphrase, "").len(), 60);
    }

    #[test]
    fn read_cache_reports_readiness() {
        let stored = encrypt_with("cache-test", "x", [7; 16], [9; 12]);
        let other_salt = encrypt_with("cache-test", "x", [8; 16], [9; 12]);
        assert!(read_key_ready("cache-test", &stored));
        assert!(!read_key_ready("another-passphrase", &stored));
        READ_KEYS.lock().clear();
        assert!(!read_key_ready("cache-test", &other_salt));
        assert_eq!(decrypt("cache-test", &other_salt).as_deref(), Ok("x"));
        assert!(read_key_ready("cache-test", &other_salt));
    }

    #[test]
    fn failures() {
        let stored = encrypt_with("secret", "my-password", [1; 16], [2; 12]);
        assert_eq!(decrypt("wrong", &stored), Err(CryptoError::WrongKey));
        let mut tampered = STANDARD.decode(&stored).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(
            decrypt("secret", &STANDARD.encode(tampered)),
            Err(CryptoError::WrongKey)
        );
        for malformed in [
            "",
            "my-password",
            "not base64!",
            "AAAA",
            &STANDARD.encode([0u8; 43]),
        ] {
            assert_eq!(
                decrypt("secret", malformed),
                Err(CryptoError::Malformed),
                "{malformed:?}"
            );
            assert!(read_key_ready("secret", malformed));
        }
    }
}
