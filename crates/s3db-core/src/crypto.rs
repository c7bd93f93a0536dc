//! `secret` fields in the s3db.js format: PBKDF2-SHA256 (100 000 iterations, 16-byte salt),
//! AES-256-GCM (12-byte IV, tag appended), stored as base64(salt ‖ iv ‖ ciphertext ‖ tag).
//! Derived keys are cached so that only the first use of a (passphrase, salt) pair pays PBKDF2.

/// Why a secret could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum CryptoError {
    /// Not a well-formed s3db ciphertext (bad base64 or too short).
    Malformed,
    /// The authentication tag did not verify: wrong passphrase or tampered data.
    WrongKey,
}

/// Encrypts with the process-wide write salt for this passphrase and a fresh random IV.
/// Blocks for one PBKDF2 run the first time a passphrase is used; see [`write_key_ready`].
pub fn encrypt(passphrase: &str, plaintext: &str) -> String { let _ = (passphrase, plaintext); todo!("helper A") }
/// Deterministic variant for tests and vectors.
pub fn encrypt_with(passphrase: &str, plaintext: &str, salt: [u8; 16], iv: [u8; 12]) -> String { let _ = (passphrase, plaintext, salt, iv); todo!("helper A") }
/// Decrypts a stored value; blocks for PBKDF2 when the salt is not cached yet (see [`read_key_ready`]).
pub fn decrypt(passphrase: &str, stored: &str) -> Result<String, CryptoError> { let _ = (passphrase, stored); todo!("helper A") }
/// True when [`encrypt`] will not need a PBKDF2 run.
pub fn write_key_ready(passphrase: &str) -> bool { let _ = passphrase; todo!("helper A") }
/// True when [`decrypt`] of `stored` will not need a PBKDF2 run (also true for malformed input).
pub fn read_key_ready(passphrase: &str, stored: &str) -> bool { let _ = (passphrase, stored); todo!("helper A") }
