//! The MySQL client side: doctor's probe, a login and `SELECT 1` that tells each way it
//! can fail apart (refused, silent, closed, 1045, an unsupported plugin).

use super::{
    CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION,
    CLIENT_TRANSACTIONS, Cur, Error, Greeting, R, ServerError, bad, native_token, parse_err,
    read_packet, sha2_token, write_packet,
};
use std::time::{Duration, Instant};

/// Timeouts of one probe.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Each read after that (a silent server is an answer too).
    pub read: Duration,
}

/// How one probe went, step by step; each step is `None` when it was not reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// TCP connect time, or why it failed.
    pub connect: Result<Duration, ConnectFailure>,
    /// The greeting, or why none came.
    pub greeting: Option<Result<Greeting, GreetingFailure>>,
    /// Authentication: `Ok` or the server's error (1045…) or a local reason.
    pub auth: Option<Result<(), AuthFailure>>,
    /// `SELECT 1` round trip.
    pub select1: Option<Result<Duration, String>>,
}

/// Why the TCP connection did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// RST: nothing listens, or it refused.
    Refused,
    /// No answer within the connect timeout.
    Timeout,
    /// Anything else (unreachable network, …).
    Other(String),
}

/// Why no greeting arrived after the connection opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GreetingFailure {
    /// Silence until the read timeout: what a dropped packet looks like (an allowlist).
    Silence,
    /// The connection was closed or reset without a greeting (no backend behind it).
    Closed,
    /// The server sent an error first (1130 host not allowed, 1040 too many connections).
    Refused(ServerError),
    /// Not the MySQL protocol.
    Garbage(String),
}

/// Why authentication did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// The server said no (1045 and friends).
    Server(ServerError),
    /// A plugin tilink does not speak (`client_ed25519`, …) or full `caching_sha2` auth
    /// over plain TCP (which would send the password in clear or need RSA).
    Unsupported(String),
    /// The connection failed during authentication.
    Io(String),
}

/// The scrambled token for `plugin`; `None` for a plugin tilink does not speak.
fn token_for(plugin: &str, password: &[u8], salt: &[u8]) -> Option<Vec<u8>> {
    match plugin {
        "mysql_native_password" => Some(native_token(password, salt)),
        "caching_sha2_password" => Some(sha2_token(password, salt)),
        _ => None,
    }
}

async fn timed<T>(d: Duration, f: impl Future<Output = R<T>>) -> Result<R<T>, ()> {
    tokio::time::timeout(d, f).await.map_err(|_| ())
}

/// Connects to `addr`, reads the greeting, authenticates as `user` and runs `SELECT 1`.
/// Never panics and never sends the password in clear: only scrambled tokens.
pub async fn probe(addr: std::net::SocketAddr, user: &str, password: &[u8], t: Timeouts) -> Probe {
    let mut out = Probe {
        connect: Err(ConnectFailure::Timeout),
        greeting: None,
        auth: None,
        select1: None,
    };
    let start = Instant::now();
    let mut s = match tokio::time::timeout(t.connect, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => return out,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            out.connect = Err(ConnectFailure::Refused);
            return out;
        }
        Ok(Err(e)) => {
            out.connect = Err(ConnectFailure::Other(e.to_string()));
            return out;
        }
        Ok(Ok(s)) => s,
    };
    out.connect = Ok(start.elapsed());
    let _ = s.set_nodelay(true);
    let (seq, p) = match timed(t.read, read_packet(&mut s)).await {
        Err(()) => {
            out.greeting = Some(Err(GreetingFailure::Silence));
            return out;
        }
        Ok(Err(Error::Io(_))) => {
            out.greeting = Some(Err(GreetingFailure::Closed));
            return out;
        }
        Ok(Err(e)) => {
            out.greeting = Some(Err(GreetingFailure::Garbage(e.to_string())));
            return out;
        }
        Ok(Ok(x)) => x,
    };
    if p.first() == Some(&0xff) {
        out.greeting = Some(Err(GreetingFailure::Refused(parse_err(&p))));
        return out;
    }
    let g = match Greeting::parse(&p) {
        Ok(g) => g,
        Err(e) => {
            out.greeting = Some(Err(GreetingFailure::Garbage(e.to_string())));
            return out;
        }
    };
    out.greeting = Some(Ok(g.clone()));
    out.auth = Some(authenticate(&mut s, &g, seq, user, password, t).await);
    if !matches!(out.auth, Some(Ok(()))) {
        return out;
    }
    let began = Instant::now();
    out.select1 = Some(match timed(t.read, select_one(&mut s)).await {
        Err(()) => Err("no answer to SELECT 1 within the timeout".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Ok(Ok(()))) => Ok(began.elapsed()),
    });
    // COM_QUIT; the answer does not matter.
    let _ = write_packet(&mut s, 0, &[0x01]).await;
    out
}

async fn authenticate(
    s: &mut tokio::net::TcpStream,
    g: &Greeting,
    seq: u8,
    user: &str,
    password: &[u8],
    t: Timeouts,
) -> Result<(), AuthFailure> {
    let io = |e: Error| AuthFailure::Io(e.to_string());
    let Some(token) = token_for(&g.auth_plugin, password, &g.salt) else {
        return Err(AuthFailure::Unsupported(format!(
            "the server asks for the {} plugin",
            g.auth_plugin
        )));
    };
    let caps = CLIENT_LONG_PASSWORD
        | CLIENT_PROTOCOL_41
        | CLIENT_SECURE_CONNECTION
        | CLIENT_PLUGIN_AUTH
        | CLIENT_TRANSACTIONS;
    let mut r = Vec::new();
    r.extend_from_slice(&caps.to_le_bytes());
    r.extend_from_slice(&(16u32 << 20).to_le_bytes());
    r.push(45); // utf8mb4_general_ci
    r.extend_from_slice(&[0u8; 23]);
    r.extend_from_slice(user.as_bytes());
    r.push(0);
    r.push(token.len() as u8);
    r.extend_from_slice(&token);
    r.extend_from_slice(g.auth_plugin.as_bytes());
    r.push(0);
    let mut seq = seq.wrapping_add(1);
    write_packet(s, seq, &r).await.map_err(io)?;
    let mut plugin = g.auth_plugin.clone();
    for _ in 0..4 {
        let (sq, p) = match timed(t.read, read_packet(s)).await {
            Err(()) => {
                return Err(AuthFailure::Io(
                    "no answer to the login within the timeout".into(),
                ));
            }
            Ok(r) => r.map_err(io)?,
        };
        seq = sq;
        match p.first() {
            Some(0x00) => return Ok(()),
            Some(0xff) => return Err(AuthFailure::Server(parse_err(&p))),
            Some(0xfe) => {
                // AuthSwitchRequest: another plugin, a fresh scramble.
                let mut c = Cur::new(&p[1..]);
                plugin = String::from_utf8_lossy(c.nul_str().map_err(io)?).into_owned();
                let salt = c.rest();
                let salt = salt.strip_suffix(&[0]).unwrap_or(salt).to_vec();
                let Some(tok) = token_for(&plugin, password, &salt) else {
                    return Err(AuthFailure::Unsupported(format!(
                        "the account uses the {plugin} plugin"
                    )));
                };
                seq = seq.wrapping_add(1);
                write_packet(s, seq, &tok).await.map_err(io)?;
            }
            Some(0x01) if plugin == "caching_sha2_password" => match p.get(1) {
                Some(3) => continue, // fast auth succeeded; OK follows
                _ => {
                    return Err(AuthFailure::Unsupported(
                        "caching_sha2_password asks for full authentication, which needs TLS or RSA; tilink never sends the password in clear".into(),
                    ));
                }
            },
            _ => {
                return Err(AuthFailure::Io(
                    "an answer the login does not expect".into(),
                ));
            }
        }
    }
    Err(AuthFailure::Io("the login did not finish".into()))
}

async fn select_one(s: &mut tokio::net::TcpStream) -> R<Result<(), ServerError>> {
    write_packet(s, 0, b"\x03SELECT 1").await?;
    let (_, p) = read_packet(s).await?;
    if p.first() == Some(&0xff) {
        return Ok(Err(parse_err(&p)));
    }
    let cols = Cur::new(&p).lenenc()?;
    for _ in 0..cols {
        read_packet(s).await?;
    }
    // EOF, rows, EOF (or an ERR instead of the rows).
    let mut eofs = 0;
    let mut rows = Vec::new();
    while eofs < 2 {
        let (_, p) = read_packet(s).await?;
        match p.first() {
            Some(0xfe) if p.len() < 9 => eofs += 1,
            Some(0xff) => return Ok(Err(parse_err(&p))),
            _ => rows.push(p),
        }
    }
    let first = rows.first().map(|r| {
        let mut c = Cur::new(r);
        let n = c.lenenc().unwrap_or(0) as usize;
        c.take(n).map(|v| v.to_vec()).unwrap_or_default()
    });
    if first.as_deref() == Some(b"1") {
        Ok(Ok(()))
    } else {
        bad("SELECT 1 did not return 1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn silence_closed_and_refused_are_told_apart() {
        let t = Timeouts {
            connect: Duration::from_millis(500),
            read: Duration::from_millis(300),
        };
        // Accepts and says nothing.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent = l.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                held.push(s);
            }
        });
        let p = probe(silent, "u", b"p", t).await;
        assert_eq!(p.greeting, Some(Err(GreetingFailure::Silence)));
        // Accepts and closes.
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closing = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                drop(s);
            }
        });
        let p = probe(closing, "u", b"p", t).await;
        assert_eq!(p.greeting, Some(Err(GreetingFailure::Closed)));
        // Nothing listens.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let gone = l.local_addr().unwrap();
        drop(l);
        let p = probe(gone, "u", b"p", t).await;
        assert_eq!(p.connect, Err(ConnectFailure::Refused));
    }
}
