//! Identifiers shaped like Google's: numeric user and client IDs, group IDs, customer IDs and
//! etags, drawn from the tenant's seeded generator.

use base64::Engine as _;
use rand::Rng;

/// `len` decimal digits, the first non-zero (user IDs are 21 digits starting with 1).
pub(crate) fn numeric(rng: &mut impl Rng, len: usize, first: u8) -> String {
    let mut id = String::with_capacity(len);
    id.push(char::from(b'0' + first));
    for _ in 1..len {
        id.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    id
}

/// `len` characters of `[0-9a-z]`.
pub(crate) fn alnum(rng: &mut impl Rng, len: usize) -> String {
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// A group ID such as `03ep43zb1tasf2y`.
pub(crate) fn group(rng: &mut impl Rng) -> String {
    format!("0{}", alnum(rng, 14))
}

/// A customer ID such as `C03az79cb`.
pub(crate) fn customer(rng: &mut impl Rng) -> String {
    format!("C0{}", alnum(rng, 7))
}

/// An etag as the Directory API quotes them: `"<43 chars>/<27 chars>"`.
pub(crate) fn etag(rng: &mut impl Rng) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let a: [u8; 32] = rng.random();
    let b: [u8; 20] = rng.random();
    format!("\"{}/{}\"", b64.encode(a), b64.encode(b))
}
