//! Tiny IPv4/CIDR helpers for vSwitch allocation and allowlist coverage.

/// Parses a dotted IPv4 address.
pub fn parse_ip(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut n = 0;
    for part in s.trim().split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// Formats an IPv4 address.
pub fn fmt_ip(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

/// Parses `a.b.c.d/len` or a bare address (`/32`). Returns (network, prefix length).
pub fn parse_cidr(s: &str) -> Option<(u32, u8)> {
    let (ip, len) = match s.trim().split_once('/') {
        Some((ip, len)) => (parse_ip(ip)?, len.parse::<u8>().ok()?),
        None => (parse_ip(s)?, 32),
    };
    if len > 32 {
        return None;
    }
    Some((ip & mask(len), len))
}

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

/// True when `outer` contains every address of `inner`.
pub fn covers(outer: (u32, u8), inner: (u32, u8)) -> bool {
    outer.1 <= inner.1 && (inner.0 & mask(outer.1)) == outer.0
}

/// True when `cidr` contains `ip`.
pub fn contains(cidr: (u32, u8), ip: u32) -> bool {
    covers(cidr, (ip, 32))
}

/// Number of addresses in a prefix.
pub fn size(cidr: (u32, u8)) -> u64 {
    1u64 << (32 - cidr.1 as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_maths() {
        let vsw = parse_cidr("172.16.1.0/24").unwrap();
        assert!(covers(parse_cidr("172.16.0.0/12").unwrap(), vsw));
        assert!(covers(parse_cidr("0.0.0.0/0").unwrap(), vsw));
        assert!(!covers(parse_cidr("172.16.1.10").unwrap(), vsw));
        assert!(contains(vsw, parse_ip("172.16.1.200").unwrap()));
        assert_eq!(fmt_ip(parse_ip("10.0.0.5").unwrap()), "10.0.0.5");
        assert!(parse_ip("1.2.3").is_none() && parse_ip("1.2.3.256").is_none());
        assert_eq!(size(vsw), 256);
    }
}
