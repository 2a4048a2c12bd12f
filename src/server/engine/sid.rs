//! Session and socket ids.

/// A random 20-character id (120 bits, URL-safe base64), as Node's `base64id` makes them: the
/// Engine.IO session id, and each Socket.IO socket's own id. The session id is what lets a
/// polling request speak for a session, so its bits come from the operating system's CSPRNG.
pub fn new_sid() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 15];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness (never seen on Linux): randomly keyed SipHash of a counter, still
        // unpredictable to a peer, rather than no session at all.
        use std::hash::BuildHasher;
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let state = std::collections::hash_map::RandomState::new();
        let bits = [state.hash_one((n, 0u8)), state.hash_one((n, 1u8))];
        for (byte, source) in bytes
            .iter_mut()
            .zip(bits.iter().flat_map(|b| b.to_le_bytes()))
        {
            *byte = source;
        }
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_differ() {
        let (a, b) = (new_sid(), new_sid());
        assert_eq!(a.len(), 20);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
