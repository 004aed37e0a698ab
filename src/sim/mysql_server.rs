//! The simulated RDS's MySQL server: a greeting, a `mysql_native_password` login and the
//! few queries a client sends on connect, on the codec of [`crate::wire::mysql`].

use crate::wire::mysql::{
    CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41,
    CLIENT_SECURE_CONNECTION, CLIENT_TRANSACTIONS, Cur, ER_ACCESS_DENIED, ER_NOT_SUPPORTED_YET,
    Greeting, R, eof_packet, err_packet, lenenc_str, native_token, ok_packet, read_packet,
    write_packet,
};
use tokio::io::{AsyncRead, AsyncWrite};

/// The account and identity of a simulated MySQL server.
#[derive(Debug, Clone)]
pub struct Account {
    /// User name.
    pub user: String,
    /// Plain-text password the client's `mysql_native_password` token must prove.
    pub password: String,
    /// What `SELECT VERSION()` and the greeting say.
    pub version: String,
}

/// Serves one connection: greeting, `mysql_native_password` login (1045 for a wrong user
/// or password), then `SELECT 1`, `SELECT VERSION()` and `@@version_comment`; anything
/// else gets 1064. Returns when the client quits or the connection ends.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    account: &Account,
    connection_id: u32,
    peer: &str,
) -> R<()> {
    let salt: Vec<u8> = (0..20)
        .map(|_| {
            let b = fastrand::u8(33..=126);
            if b == b'$' { b'%' } else { b }
        })
        .collect();
    let g = Greeting {
        version: account.version.clone(),
        connection_id,
        salt: salt.clone(),
        capabilities: CLIENT_LONG_PASSWORD
            | CLIENT_CONNECT_WITH_DB
            | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_PLUGIN_AUTH,
        charset: 45,
        status: 0x0002,
        auth_plugin: "mysql_native_password".into(),
    };
    write_packet(&mut s, 0, &g.encode()).await?;
    let (seq, p) = read_packet(&mut s).await?;
    let mut c = Cur::new(&p);
    let caps = c.u32()?;
    if caps & CLIENT_PROTOCOL_41 == 0 {
        write_packet(&mut s, seq + 1, &err_packet(1251, "08004", "Client does not support authentication protocol requested by server; consider upgrading MySQL client")).await?;
        return Ok(());
    }
    c.take(4 + 1 + 23)?;
    let user = String::from_utf8_lossy(c.nul_str()?).into_owned();
    let token = if caps & CLIENT_SECURE_CONNECTION != 0 {
        let n = c.u8()? as usize;
        c.take(n)?.to_vec()
    } else {
        c.nul_str()?.to_vec()
    };
    let expected = native_token(account.password.as_bytes(), &salt);
    let mut seq = seq.wrapping_add(1);
    if user != account.user || token != expected {
        let using = if token.is_empty() { "NO" } else { "YES" };
        let msg = format!("Access denied for user '{user}'@'{peer}' (using password: {using})");
        write_packet(&mut s, seq, &err_packet(ER_ACCESS_DENIED, "28000", &msg)).await?;
        return Ok(());
    }
    write_packet(&mut s, seq, &ok_packet()).await?;
    loop {
        let (_, p) = match read_packet(&mut s).await {
            Ok(x) => x,
            Err(_) => return Ok(()),
        };
        seq = 1;
        match p.first() {
            Some(0x01) => return Ok(()),
            // COM_PING, COM_INIT_DB (`USE db`): nothing to switch to, and no error either.
            Some(0x0e) | Some(0x02) => write_packet(&mut s, seq, &ok_packet()).await?,
            Some(0x03) => {
                let q = String::from_utf8_lossy(&p[1..])
                    .trim()
                    .trim_end_matches(';')
                    .trim()
                    .to_ascii_lowercase();
                let answer = match q.as_str() {
                    "select 1" => Some(("1", "1".to_string())),
                    "select version()" => Some(("VERSION()", account.version.clone())),
                    "select @@version_comment limit 1" => Some((
                        "@@version_comment",
                        "tilink simulator (ApsaraDB RDS for MySQL)".to_string(),
                    )),
                    _ => None,
                };
                match answer {
                    Some((col, val)) => result_set(&mut s, col, &val).await?,
                    None => {
                        write_packet(
                            &mut s,
                            seq,
                            &err_packet(
                                ER_NOT_SUPPORTED_YET,
                                "42000",
                                "This version of MySQL doesn't yet support it: the simulated RDS answers only SELECT 1, SELECT VERSION() and @@version_comment",
                            ),
                        )
                        .await?
                    }
                }
            }
            _ => {
                write_packet(&mut s, seq, &err_packet(1047, "08S01", "Unknown command")).await?;
            }
        }
    }
}

/// One column, one row, text protocol, classic EOF packets.
async fn result_set<S: AsyncWrite + Unpin>(s: &mut S, col: &str, val: &str) -> R<()> {
    let mut seq = 1u8;
    write_packet(s, seq, &[1]).await?;
    let mut def = Vec::new();
    for part in ["def", "", "", "", col, ""] {
        lenenc_str(&mut def, part.as_bytes());
    }
    def.push(0x0c);
    def.extend_from_slice(&45u16.to_le_bytes());
    def.extend_from_slice(&256u32.to_le_bytes());
    def.push(0xfd); // VAR_STRING
    def.extend_from_slice(&0u16.to_le_bytes());
    def.push(0x1f);
    def.extend_from_slice(&[0, 0]);
    seq += 1;
    write_packet(s, seq, &def).await?;
    seq += 1;
    write_packet(s, seq, &eof_packet()).await?;
    let mut row = Vec::new();
    lenenc_str(&mut row, val.as_bytes());
    seq += 1;
    write_packet(s, seq, &row).await?;
    seq += 1;
    write_packet(s, seq, &eof_packet()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mysql::{AuthFailure, Timeouts, probe};
    use std::time::Duration;

    #[tokio::test]
    async fn the_probe_and_the_server_agree_and_a_wrong_password_is_1045() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let account = Account {
            user: "dba".into(),
            password: "s3cret".into(),
            version: "8.0.36-tilink-sim".into(),
        };
        tokio::spawn(async move {
            let mut id = 0;
            while let Ok((s, _)) = l.accept().await {
                id += 1;
                let a = account.clone();
                tokio::spawn(async move { serve(s, &a, id, "127.0.0.1").await });
            }
        });
        let t = Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(2),
        };
        let ok = probe(addr, "dba", b"s3cret", t).await;
        assert!(ok.connect.is_ok());
        assert_eq!(
            ok.greeting.as_ref().unwrap().as_ref().unwrap().version,
            "8.0.36-tilink-sim"
        );
        assert_eq!(ok.auth, Some(Ok(())));
        assert!(matches!(ok.select1, Some(Ok(_))), "{ok:?}");
        let no = probe(addr, "dba", b"wrong", t).await;
        match no.auth {
            Some(Err(AuthFailure::Server(e))) => {
                assert_eq!(e.code, ER_ACCESS_DENIED);
                assert_eq!(e.state, "28000");
            }
            other => panic!("{other:?}"),
        }
        assert!(no.select1.is_none());
    }
}
