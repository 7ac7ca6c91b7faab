//! A hex dump in the `hexdump -C` layout:
//!
//! ```text
//! 00000000  7b 22 61 22 3a 31 7d 0a  00 01 02 03 04 05 06 07  |{"a":1}.........|
//! 00000010  41 42                                             |AB|
//! ```

use std::fmt::Write as _;

/// Dump at most `max` bytes. Returns the text and how many bytes it shows.
pub(crate) fn dump(bytes: &[u8], max: usize) -> (String, usize) {
    let shown = &bytes[..bytes.len().min(max)];
    let mut out = String::with_capacity(shown.len().div_ceil(16) * 80);
    for (row, chunk) in shown.chunks(16).enumerate() {
        if row > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{:08x} ", row * 16);
        for i in 0..16 {
            if i == 8 {
                out.push(' ');
            }
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(chunk.iter().map(|&b| {
            if b == b' ' || b.is_ascii_graphic() {
                char::from(b)
            } else {
                '.'
            }
        }));
        out.push('|');
    }
    (out, shown.len())
}

/// Where things are in a row of [`dump`]: `OOOOOOOO  ` then eight
/// `hh` (23 columns), a space, eight more, then `  |` and the ASCII.
const FIRST: std::ops::Range<usize> = 10..33;
const SECOND: std::ops::Range<usize> = 35..58;
const ASCII: usize = 61;

/// One row of [`dump`] as two rows of eight bytes each (offset, bytes,
/// ASCII), for a pane too narrow for sixteen; `None` for a row of another
/// shape (it is then shown as it is). A row of eight or fewer bytes is one.
pub(crate) fn halves(row: &str) -> Option<Vec<String>> {
    let offset = usize::from_str_radix(row.get(..8)?, 16).ok()?;
    let ascii = row.get(ASCII..)?.strip_suffix('|')?;
    if !row.get(ASCII - 3..ASCII)?.eq("  |") || !ascii.is_ascii() {
        return None;
    }
    let first = row.get(FIRST)?;
    let second = row.get(SECOND)?;
    let (a, b) = ascii.split_at(ascii.len().min(8));
    let mut out = vec![format!("{offset:08x}  {first}  |{a}|")];
    if !b.is_empty() {
        out.push(format!("{:08x}  {second}  |{b}|", offset + 8));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_in_halves() {
        let mut bytes = b"{\"a\":1}\n".to_vec();
        bytes.extend(0u8..8);
        bytes.extend_from_slice(b"AB");
        let (text, _) = dump(&bytes, 1024);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            halves(rows[0]).unwrap(),
            [
                "00000000  7b 22 61 22 3a 31 7d 0a  |{\"a\":1}.|",
                "00000008  00 01 02 03 04 05 06 07  |........|",
            ]
        );
        assert_eq!(
            halves(rows[1]).unwrap(),
            ["00000010  41 42                    |AB|"]
        );
        assert_eq!(halves("not a dump"), None);
    }

    #[test]
    fn layout() {
        let mut bytes = b"{\"a\":1}\n".to_vec();
        bytes.extend(0u8..8);
        bytes.extend_from_slice(b"AB");
        let (text, shown) = dump(&bytes, 1024);
        assert_eq!(shown, 18);
        assert_eq!(
            text,
            "00000000  7b 22 61 22 3a 31 7d 0a  00 01 02 03 04 05 06 07  |{\"a\":1}.........|\n\
             00000010  41 42                                             |AB|"
        );
    }

    #[test]
    fn high_bytes_and_exact_rows() {
        let (text, _) = dump(
            &[
                0x7f, 0x80, 0xff, b'~', b' ', 0x1b, b'z', b'0', 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            1024,
        );
        assert_eq!(
            text,
            "00000000  7f 80 ff 7e 20 1b 7a 30  00 00 00 00 00 00 00 00  |...~ .z0........|"
        );
    }

    #[test]
    fn capped_and_empty() {
        let (text, shown) = dump(&[0u8; 100], 32);
        assert_eq!(shown, 32);
        assert_eq!(text.lines().count(), 2);
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("00000010 "))
        );
        assert_eq!(dump(&[], 10), (String::new(), 0));
    }
}
