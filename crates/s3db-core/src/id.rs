//! Record IDs: nanoid over the URL alphabet, 22 characters by default (s3db.js `idGenerator`).

/// nanoid's URL alphabet in the order s3db.js (nanoid 5) uses.
const URL_ALPHABET: [char; 64] = [
    'u', 's', 'e', 'a', 'n', 'd', 'o', 'm', '-', '2', '6', 'T', '1', '9', '8', '3', '4', '0', 'P', 'X', '7', '5', 'p',
    'x', 'J', 'A', 'C', 'K', 'V', 'E', 'R', 'Y', 'M', 'I', 'N', 'D', 'B', 'U', 'S', 'H', 'W', 'O', 'L', 'F', '_', 'G',
    'Q', 'Z', 'b', 'f', 'g', 'h', 'j', 'k', 'l', 'q', 'v', 'w', 'y', 'z', 'r', 'i', 'c', 't',
];

pub const DEFAULT_ID_SIZE: usize = 22;

/// From this size on (16 characters, 96 random bits) a fresh id is taken as unused without
/// looking: a collision is less likely than a hardware fault.
pub const UNGUESSABLE_ID_SIZE: usize = 16;

/// A fresh random ID of `size` characters.
pub fn generate(size: usize) -> String {
    nanoid::nanoid!(size, &URL_ALPHABET)
}

/// Readable passwords: letters and digits without the look-alikes 0, O, 1, l and I.
pub const PASSWORD_ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random string of `size` characters drawn from `alphabet` (a non-empty character set).
pub fn generate_from(alphabet: &str, size: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    nanoid::nanoid!(size, &chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_requested_length_and_url_safe_characters() {
        for size in [1, 8, 22, 64] {
            let id = generate(size);
            assert_eq!(id.chars().count(), size);
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
        assert_ne!(generate(22), generate(22));
    }
}
