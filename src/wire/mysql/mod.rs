//! The MySQL client/server protocol, the small part tilink speaks: packet framing, the
//! HandshakeV10 greeting, HandshakeResponse41, `mysql_native_password` and the fast path of
//! `caching_sha2_password`, OK/ERR packets and a text result set for `SELECT 1`.
//!
//! This module is the codec both sides share; doctor's probe asks with [`client::probe`]
//! (re-exported here), the simulator's RDS answers with `sim::mysql_server`. Layouts follow
//! the MySQL internals manual ("Connection Phase Packets", "Protocol::HandshakeV10", "Protocol::HandshakeResponse41", "COM_QUERY Response") and
//! were checked against MariaDB 10.11 (`5.5.5-` version prefix, `CLIENT_LONG_PASSWORD`
//! clear on purpose). Hand-written on purpose: the probe must report the greeting, the
//! capability flags and an auth failure's code, which the client crates do not expose.

use sha1::{Digest, Sha1};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// `CLIENT_LONG_PASSWORD`.
pub const CLIENT_LONG_PASSWORD: u32 = 0x1;
/// `CLIENT_CONNECT_WITH_DB`.
pub const CLIENT_CONNECT_WITH_DB: u32 = 0x8;
/// `CLIENT_PROTOCOL_41`.
pub const CLIENT_PROTOCOL_41: u32 = 0x200;
/// `CLIENT_SSL`: the server can switch to TLS.
pub const CLIENT_SSL: u32 = 0x800;
/// `CLIENT_TRANSACTIONS`.
pub const CLIENT_TRANSACTIONS: u32 = 0x2000;
/// `CLIENT_SECURE_CONNECTION`.
pub const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
/// `CLIENT_PLUGIN_AUTH`.
pub const CLIENT_PLUGIN_AUTH: u32 = 0x80000;

/// `ER_ACCESS_DENIED_ERROR`.
pub const ER_ACCESS_DENIED: u16 = 1045;
/// `ER_NOT_SUPPORTED_YET`: what the simulated RDS answers to anything it does not model.
pub const ER_NOT_SUPPORTED_YET: u16 = 1235;

/// Largest packet either side accepts here (the greeting and our results are tiny).
const MAX_PACKET: usize = 1 << 20;

/// A protocol failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket failed or closed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Bytes that are not the protocol.
    #[error("not the MySQL protocol: {0}")]
    Malformed(String),
}

/// A protocol step's result.
pub type R<T> = Result<T, Error>;

/// A [`Error::Malformed`] failure.
pub fn bad<T>(what: impl Into<String>) -> R<T> {
    Err(Error::Malformed(what.into()))
}

/// Reads one packet: its sequence id and payload.
pub async fn read_packet<S: AsyncRead + Unpin>(s: &mut S) -> R<(u8, Vec<u8>)> {
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
    if len > MAX_PACKET {
        return bad(format!("a {len}-byte packet"));
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await?;
    Ok((head[3], body))
}

/// Writes one packet with sequence id `seq`.
pub async fn write_packet<S: AsyncWrite + Unpin>(s: &mut S, seq: u8, payload: &[u8]) -> R<()> {
    let len = payload.len() as u32;
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&len.to_le_bytes()[..3]);
    out.push(seq);
    out.extend_from_slice(payload);
    s.write_all(&out).await?;
    s.flush().await?;
    Ok(())
}

/// A reader over a payload, failing with [`Error::Malformed`] past its end.
pub struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    /// A reader at the payload's start.
    pub fn new(b: &'a [u8]) -> Self {
        Cur { b, i: 0 }
    }
    /// One byte.
    pub fn u8(&mut self) -> R<u8> {
        let v = *self
            .b
            .get(self.i)
            .ok_or(Error::Malformed("short packet".into()))?;
        self.i += 1;
        Ok(v)
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> R<&'a [u8]> {
        if self.i + n > self.b.len() {
            return bad("short packet");
        }
        let s = &self.b[self.i..self.i + n];
        self.i += n;
        Ok(s)
    }
    /// A little-endian `u16`.
    pub fn u16(&mut self) -> R<u16> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    /// A little-endian `u32`.
    pub fn u32(&mut self) -> R<u32> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    /// A NUL-terminated string, without its NUL.
    pub fn nul_str(&mut self) -> R<&'a [u8]> {
        let rest = &self.b[self.i..];
        let n = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or(Error::Malformed("unterminated string".into()))?;
        self.i += n + 1;
        Ok(&rest[..n])
    }
    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.b[self.i..];
        self.i = self.b.len();
        s
    }
    /// A length-encoded integer.
    pub fn lenenc(&mut self) -> R<u64> {
        Ok(match self.u8()? {
            n @ 0..=0xfa => u64::from(n),
            0xfc => u64::from(self.u16()?),
            0xfd => {
                let s = self.take(3)?;
                u64::from(u32::from_le_bytes([s[0], s[1], s[2], 0]))
            }
            0xfe => {
                let s = self.take(8)?;
                u64::from_le_bytes(s.try_into().unwrap_or_default())
            }
            _ => return bad("bad length-encoded integer"),
        })
    }
}

/// Appends a length-encoded string (every string here is short).
pub fn lenenc_str(out: &mut Vec<u8>, s: &[u8]) {
    // Every string here is short (< 251 bytes).
    out.push(s.len().min(250) as u8);
    out.extend_from_slice(&s[..s.len().min(250)]);
}

/// The server's first packet (`Protocol::HandshakeV10`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// Server version as sent (MariaDB 10.x prefixes `5.5.5-`).
    pub version: String,
    /// Connection id.
    pub connection_id: u32,
    /// The 20-byte scramble.
    pub salt: Vec<u8>,
    /// Capability flags.
    pub capabilities: u32,
    /// Default collation id.
    pub charset: u8,
    /// Status flags.
    pub status: u16,
    /// Default authentication plugin.
    pub auth_plugin: String,
}

impl Greeting {
    /// The version without MariaDB's `5.5.5-` replication prefix.
    pub fn display_version(&self) -> &str {
        self.version.strip_prefix("5.5.5-").unwrap_or(&self.version)
    }

    /// Whether the server offers TLS (`CLIENT_SSL`).
    pub fn tls_offered(&self) -> bool {
        self.capabilities & CLIENT_SSL != 0
    }

    /// Parses a greeting payload.
    pub fn parse(p: &[u8]) -> R<Greeting> {
        let mut c = Cur::new(p);
        if c.u8()? != 10 {
            return bad("not a HandshakeV10 greeting");
        }
        let version = String::from_utf8_lossy(c.nul_str()?).into_owned();
        let connection_id = c.u32()?;
        let mut salt = c.take(8)?.to_vec();
        c.u8()?;
        let lo = u32::from(c.u16()?);
        let charset = c.u8()?;
        let status = c.u16()?;
        let hi = u32::from(c.u16()?);
        let capabilities = lo | (hi << 16);
        let auth_len = c.u8()? as usize;
        c.take(10)?;
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            let n = auth_len.saturating_sub(8).max(13);
            let part = c.take(n)?;
            salt.extend_from_slice(part.strip_suffix(&[0]).unwrap_or(part));
        }
        let auth_plugin = if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            let rest = c.rest();
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            String::from_utf8_lossy(&rest[..end]).into_owned()
        } else {
            "mysql_native_password".into()
        };
        Ok(Greeting {
            version,
            connection_id,
            salt,
            capabilities,
            charset,
            status,
            auth_plugin,
        })
    }

    /// The payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut o = vec![10u8];
        o.extend_from_slice(self.version.as_bytes());
        o.push(0);
        o.extend_from_slice(&self.connection_id.to_le_bytes());
        o.extend_from_slice(&self.salt[..8]);
        o.push(0);
        o.extend_from_slice(&(self.capabilities as u16).to_le_bytes());
        o.push(self.charset);
        o.extend_from_slice(&self.status.to_le_bytes());
        o.extend_from_slice(&((self.capabilities >> 16) as u16).to_le_bytes());
        o.push(21);
        o.extend_from_slice(&[0u8; 10]);
        o.extend_from_slice(&self.salt[8..20]);
        o.push(0);
        o.extend_from_slice(self.auth_plugin.as_bytes());
        o.push(0);
        o
    }
}

/// `mysql_native_password`: `SHA1(pw) XOR SHA1(salt ‖ SHA1(SHA1(pw)))`; empty for an empty
/// password.
pub fn native_token(password: &[u8], salt: &[u8]) -> Vec<u8> {
    scramble::<Sha1>(password, salt, SaltGoes::First)
}

/// `caching_sha2_password` (fast path): `SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) ‖ salt)`.
pub fn sha2_token(password: &[u8], salt: &[u8]) -> Vec<u8> {
    scramble::<Sha256>(password, salt, SaltGoes::Last)
}

/// Where the salt goes in the last hash of a [`scramble`].
enum SaltGoes {
    First,
    Last,
}

/// `H(pw) XOR H(salt ‖ H(H(pw)))` (or `H(H(H(pw)) ‖ salt)`), with the salt's first 20
/// bytes; empty for an empty password.
fn scramble<H: Digest>(password: &[u8], salt: &[u8], salt_goes: SaltGoes) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let salt = &salt[..salt.len().min(20)];
    let s1 = H::digest(password);
    let s2 = H::digest(&s1);
    let s3 = match salt_goes {
        SaltGoes::First => H::new().chain_update(salt).chain_update(&s2),
        SaltGoes::Last => H::new().chain_update(&s2).chain_update(salt),
    }
    .finalize();
    s1.iter().zip(s3.iter()).map(|(a, b)| a ^ b).collect()
}

/// An ERR packet's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// Error code (1045: access denied).
    pub code: u16,
    /// SQL state (`28000`), empty before protocol 41.
    pub state: String,
    /// The server's message.
    pub message: String,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.state.is_empty() {
            write!(f, "ERROR {}: {}", self.code, self.message)
        } else {
            write!(f, "ERROR {} ({}): {}", self.code, self.state, self.message)
        }
    }
}

/// Parses an ERR payload (`0xff …`).
pub fn parse_err(p: &[u8]) -> ServerError {
    let mut c = Cur::new(p);
    let _ = c.u8();
    let code = c.u16().unwrap_or(0);
    let rest = c.rest();
    let (state, msg) = match rest.strip_prefix(b"#") {
        Some(r) if r.len() >= 5 => (String::from_utf8_lossy(&r[..5]).into_owned(), &r[5..]),
        _ => (String::new(), rest),
    };
    ServerError {
        code,
        state,
        message: String::from_utf8_lossy(msg).into_owned(),
    }
}

/// An ERR payload.
pub fn err_packet(code: u16, state: &str, message: &str) -> Vec<u8> {
    let mut o = vec![0xff];
    o.extend_from_slice(&code.to_le_bytes());
    o.push(b'#');
    o.extend_from_slice(&state.as_bytes()[..5.min(state.len())]);
    o.extend_from_slice(message.as_bytes());
    o
}

/// An OK payload (no rows affected, autocommit).
pub fn ok_packet() -> Vec<u8> {
    vec![0x00, 0, 0, 0x02, 0, 0, 0]
}

/// A classic EOF payload (autocommit).
pub fn eof_packet() -> Vec<u8> {
    vec![0xfe, 0, 0, 0x02, 0]
}

pub mod client;

pub use client::{AuthFailure, ConnectFailure, GreetingFailure, Probe, Timeouts, probe};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_the_reference_vectors() {
        // From a login checked against MariaDB 10.11 (pw `p`, scramble `abcd…t`).
        assert_eq!(
            hex::encode(native_token(b"p", b"abcdefghijklmnopqrst")),
            "92982f1d0d47ce13bc946175aeedd35f1a514d3d"
        );
        assert_eq!(
            hex::encode(sha2_token(b"p", b"abcdefghijklmnopqrst")),
            "fa54c48511635baf90f6c9405e78dc59a90729d855c854b886ebdb665efab77b"
        );
        assert!(native_token(b"", b"abcdefghijklmnopqrst").is_empty());
    }

    #[test]
    fn a_greeting_round_trips_and_mariadb_prefix_is_dropped() {
        let g = Greeting {
            version: "5.5.5-10.11.14-MariaDB-0+deb12u2".into(),
            connection_id: 7,
            salt: b"abcdefghijklmnopqrst".to_vec(),
            capabilities: 0x81fff7fe,
            charset: 8,
            status: 2,
            auth_plugin: "mysql_native_password".into(),
        };
        let back = Greeting::parse(&g.encode()).unwrap();
        assert_eq!(back, g);
        assert_eq!(back.display_version(), "10.11.14-MariaDB-0+deb12u2");
        assert!(!back.tls_offered());
        assert!(Greeting::parse(b"\x09junk").is_err());
        assert!(Greeting::parse(b"").is_err());
    }
}
