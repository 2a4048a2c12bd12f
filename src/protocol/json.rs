//! JSON strings written exactly as serde_json writes them, for the payloads the server sends on
//! every answer (`ai-message-response`, `ai-message-chunk`). serde_json escapes byte by byte
//! through a table; these payloads are mostly text that needs no escape at all, so this scans
//! eight bytes at a time and copies whole runs. The output is byte for byte serde_json's
//! (compact formatter): `"` and `\` escaped, `\b \t \n \f \r` in their short form, every other
//! byte below 0x20 as `\u00XX` (lowercase hex), everything else (DEL, non-ASCII) as it is.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether a zero byte is in `x`: exact as to whether one exists.
fn has_zero(x: u64) -> bool {
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// Whether any of the eight bytes needs an escape: below 0x20, `"` or `\`. The "has a byte less
/// than" and "has a zero byte" tests are exact as to existence (a borrow can only flag a byte
/// above a true hit), which is all that is asked here: a flagged word is then read byte by byte.
fn needs_escape(x: u64) -> bool {
    let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
    below || has_zero(x ^ (ONES * u64::from(b'"'))) || has_zero(x ^ (ONES * u64::from(b'\\')))
}

/// The escape of one byte, or `None` when it goes out as it is.
fn escape(byte: u8, hex: &mut [u8; 6]) -> Option<&[u8]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Some(match byte {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        0x08 => b"\\b",
        b'\t' => b"\\t",
        b'\n' => b"\\n",
        0x0c => b"\\f",
        b'\r' => b"\\r",
        0..0x20 => {
            *hex = *b"\\u0000";
            hex[4] = HEX[usize::from(byte >> 4)];
            hex[5] = HEX[usize::from(byte & 0xf)];
            &hex[..]
        }
        _ => return None,
    })
}

/// Where a JSON string goes: a packet's `String`, or the log queue's bytes. Everything written
/// is whole UTF-8 (`text` cut at ASCII bytes only, escapes ASCII).
pub trait Out {
    fn reserve(&mut self, additional: usize);
    fn put(&mut self, text: &str);
    fn put_ascii(&mut self, byte: u8);
}

impl Out for String {
    fn reserve(&mut self, additional: usize) {
        String::reserve(self, additional);
    }
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
    fn put_ascii(&mut self, byte: u8) {
        self.push(char::from(byte));
    }
}

impl Out for Vec<u8> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
    fn put(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }
    fn put_ascii(&mut self, byte: u8) {
        self.push(byte);
    }
}

/// `text` as a JSON string (quotes included), appended to `out`.
pub fn write_str(out: &mut impl Out, text: &str) {
    out.reserve(text.len() + 2);
    out.put_ascii(b'"');
    if is_plain(text.as_bytes()) {
        out.put(text);
    } else {
        write_escaped(out, text);
    }
    out.put_ascii(b'"');
}

/// Whether no byte needs an escape, eight at a time; the tail is padded with a plain byte.
fn is_plain(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if needs_escape(u64::from_le_bytes(word)) {
            return false;
        }
    }
    let mut word = [b'a'; 8];
    for (slot, &byte) in word.iter_mut().zip(chunks.remainder()) {
        *slot = byte;
    }
    !needs_escape(u64::from_le_bytes(word))
}

/// The slow path, for a text with something to escape: runs copied whole between escapes.
fn write_escaped(out: &mut impl Out, text: &str) {
    // Every cut is at an escaped (ASCII) byte or an end: each slice is at a character boundary.
    let mut run = 0;
    let mut hex = [0; 6];
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        if let Some(escaped) = escape(byte, &mut hex) {
            out.put(&text[run..i]);
            for &ascii in escaped {
                out.put_ascii(ascii);
            }
            run = i + 1;
        }
    }
    out.put(&text[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `write_str` gives, into a `String` and into bytes (the two must agree).
    fn ours(text: &str) -> String {
        let mut out = String::new();
        write_str(&mut out, text);
        let mut bytes = Vec::new();
        write_str(&mut bytes, text);
        assert_eq!(bytes, out.as_bytes(), "{text:?}");
        out
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let samples = [
            "",
            "echo: hello",
            "say \"hi\"",
            "back\\slash",
            "line\nbreak\r\ttab\u{8}\u{c}",
            "\u{0}\u{1}\u{1f}\u{7f} control and DEL",
            "ünïcödé — 日本語 🚀 mixed with \"quotes\"",
            "exactly8",
            "sixteen bytes ok",
            "a long run of plain text, longer than one word, then a quote at the end\"",
            "\"\"\"\"\"\"\"\"\"",
        ];
        for text in samples {
            assert_eq!(ours(text), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn every_byte_in_every_position_matches_serde_json() {
        // Each ASCII byte (and a multi-byte character) at every offset of a 20-byte string, so
        // both the word scan and the tail see it.
        let mut specials: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        specials.push("é".to_owned());
        for special in &specials {
            for offset in 0..20 {
                let text = format!("{}{special}{}", "x".repeat(offset), "y".repeat(19 - offset));
                assert_eq!(
                    ours(&text),
                    serde_json::to_string(&text).unwrap(),
                    "{text:?}"
                );
            }
        }
    }
}
