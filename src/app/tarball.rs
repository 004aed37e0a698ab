//! A `.tar.gz` written by hand: POSIX ustar entries (regular files, mode 0600) in a gzip
//! member of stored (uncompressed) deflate blocks, so a support bundle needs no compression
//! crate and every byte stays readable (`tar -xzf`, `gzip -d`, `zcat`).

/// Files for a tarball: (name, bytes).
pub type Entries = Vec<(String, Vec<u8>)>;

/// Why an entry cannot be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TarError {
    /// ustar names are at most 100 bytes here (no prefix field used).
    #[error("name {0:?} is empty, absolute, too long (over 100 bytes) or not plain ASCII")]
    Name(String),
    /// ustar sizes are 11 octal digits.
    #[error("{0} is too large for a tar entry")]
    Size(String),
}

/// The tar archive of `entries` (ustar), mtime `mtime` (seconds since the epoch).
pub fn tar(entries: &[(String, Vec<u8>)], mtime: u64) -> Result<Vec<u8>, TarError> {
    let mut out = Vec::new();
    for (name, data) in entries {
        let ok = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('/')
            && !name.split('/').any(|p| p == "..")
            && name.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(TarError::Name(name.clone()));
        }
        if data.len() as u64 >= 0o77777777777 {
            return Err(TarError::Size(name.clone()));
        }
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut h[100..108], 0o600);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], data.len() as u64);
        octal(&mut h[136..148], mtime);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        octal(&mut h[148..155], u64::from(sum));
        h[155] = b' ';
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    Ok(out)
}

/// `v` in octal, zero-padded, NUL-terminated, filling `field`.
fn octal(field: &mut [u8], v: u64) {
    let digits = field.len() - 1;
    let s = format!("{v:0digits$o}");
    let s = &s.as_bytes()[s.len().saturating_sub(digits)..];
    field[..digits].copy_from_slice(s);
    field[digits] = 0;
}

/// One gzip member (RFC 1952) holding `data` in stored deflate blocks (RFC 1951 §3.2.4).
pub fn gzip(data: &[u8], mtime: u32) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0];
    out.extend_from_slice(&mtime.to_le_bytes());
    out.extend_from_slice(&[0, 0xff]);
    let mut chunks = data.chunks(0xffff).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(c) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected), as gzip's trailer wants it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_vector() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn bad_names_are_refused() {
        for n in ["", "/etc/passwd", "a/../b", &"x".repeat(101), "a b", "é"] {
            assert!(tar(&[(n.to_string(), vec![])], 0).is_err(), "{n}");
        }
    }

    /// The system's `tar` reads what we wrote, byte for byte (skipped without one).
    #[test]
    fn system_tar_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let entries = vec![
            ("README.txt".to_string(), b"hello\n".to_vec()),
            ("journals/tl-1.json".to_string(), b"{}".to_vec()),
            ("empty".to_string(), vec![]),
            ("big.bin".to_string(), big.clone()),
        ];
        let gz = gzip(&tar(&entries, 1_700_000_000).unwrap(), 1_700_000_000);
        let file = dir.path().join("b.tar.gz");
        std::fs::write(&file, gz).unwrap();
        let Ok(st) = std::process::Command::new("tar")
            .arg("-xzf")
            .arg(&file)
            .arg("-C")
            .arg(dir.path())
            .status()
        else {
            eprintln!("SKIPPED: no tar");
            return;
        };
        assert!(st.success());
        assert_eq!(
            std::fs::read(dir.path().join("README.txt")).unwrap(),
            b"hello\n"
        );
        assert_eq!(
            std::fs::read(dir.path().join("journals/tl-1.json")).unwrap(),
            b"{}"
        );
        assert_eq!(std::fs::read(dir.path().join("big.bin")).unwrap(), big);
        assert!(std::fs::read(dir.path().join("empty")).unwrap().is_empty());
    }
}
