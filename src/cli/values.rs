//! The value parsers of the command line: each flag's value is checked (and refused with a
//! short message) before anything is built from it.

use std::net::SocketAddr;

/// `HOST:PORT` resolved once, at start (a name such as `localhost:3306` or an address).
pub(super) fn parse_host_port(s: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("{s:?} is not a HOST:PORT that resolves: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("{s:?} resolves to no address"))
}

/// A TiDB Cloud cluster id: a 19–20 digit decimal string (`tidbcloud-api.md` §1). Anything
/// else is refused with a short message (a 100 000-character id stays out of the answer).
pub(super) fn parse_cluster_id(s: &str) -> Result<String, String> {
    let t = s.trim();
    if (19..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(t.to_string());
    }
    let shown: String = t.chars().take(24).collect();
    let more = if t.chars().count() > 24 { "…" } else { "" };
    Err(format!(
        "`{shown}{more}` is not a TiDB Cloud cluster id: it is 19 or 20 digits (e.g. 1379661944646413143); `ticloud serverless list` shows yours, or run `tilink` to pick one"
    ))
}

/// A PLC display name as TiDB Cloud takes it (1–64 characters, no control characters),
/// checked before the first write: a bad one used to be refused only at the PLC step, after
/// the NLB and the rest existed.
pub(super) fn parse_plc_name(s: &str) -> Result<String, String> {
    let n = s.chars().count();
    if s.trim().is_empty() {
        return Err("the private link connection name must not be blank".into());
    }
    if n > 64 {
        return Err(format!(
            "the private link connection name must be 1 to 64 characters (this one has {n})"
        ));
    }
    if s.chars().any(char::is_control) {
        return Err("the private link connection name must not contain control characters".into());
    }
    Ok(s.to_string())
}

/// An ApsaraDB RDS instance id: `rm-`, `pgm-` … followed by lowercase letters and digits.
pub(super) fn parse_rds_instance(s: &str) -> Result<String, String> {
    let ok = s.len() <= 64
        && s.split_once('-').is_some_and(|(p, rest)| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_lowercase())
                && !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    accept_if(
        ok,
        s,
        "is not an ApsaraDB RDS instance id (such as rm-t4nnxp5ov7eqpx7w4); `aliyun rds DescribeDBInstances` lists yours, or run `tilink` to pick one",
    )
}

/// An Alibaba Cloud account UID (digits only, as the console's account center shows it).
pub(super) fn parse_account_id(s: &str) -> Result<String, String> {
    accept_if(
        !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()),
        s,
        "is not an Alibaba Cloud account id: use the digits of your account UID (console: Account Center)",
    )
}

/// An Alibaba Cloud region id (`ap-southeast-1`), checked before anything is built from it.
pub(super) fn parse_region(s: &str) -> Result<String, String> {
    accept_if(
        crate::wire::region::is_region_id(s),
        s,
        "is not an Alibaba Cloud region id: use one such as ap-southeast-1",
    )
}

/// `s` when `ok`; else why not, after `s` cut to 64 characters without its control
/// characters (a pasted escape sequence never reaches the terminal).
fn accept_if(ok: bool, s: &str, why: &str) -> Result<String, String> {
    if ok {
        return Ok(s.to_string());
    }
    let shown: String = s.chars().take(64).filter(|c| !c.is_control()).collect();
    Err(format!("`{shown}` {why}"))
}

/// `s` as a number; else says to give one such as `example`.
fn number(s: &str, example: &str) -> Result<f64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number; give {example}"))
}

/// A share of calls: a number from 0 to 1.
pub(super) fn parse_share(s: &str) -> Result<f64, String> {
    let v = number(s, "a share such as 0.2")?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "{} is out of range: a share of calls is between 0 and 1",
            s.trim()
        ));
    }
    Ok(v)
}

/// A time scale: a finite number above 0 and at most 100 (1.0 = real magnitudes).
pub(super) fn parse_time_scale(s: &str) -> Result<f64, String> {
    let v = number(s, "a scale such as 0.05")?;
    if !(v.is_finite() && v > 0.0 && v <= 100.0) {
        return Err(format!(
            "{} is out of range: use a scale above 0 and at most 100 (1.0 = real magnitudes)",
            s.trim()
        ));
    }
    Ok(v)
}

/// A log-normal σ: a finite number from 0 to 2.
pub(super) fn parse_sigma(s: &str) -> Result<f64, String> {
    let v = number(s, "a σ such as 0.5")?;
    if !(0.0..=2.0).contains(&v) {
        return Err(format!(
            "σ {v} is out of range: use 0 (fixed delays) to 2 (delays vary about 7× either way)"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region typed with an escape sequence is not echoed with it (the other ids never were).
    #[test]
    fn refused_values_are_shown_without_control_characters() {
        let e = parse_region("\u{1b}[31mred").expect_err("not a region");
        assert_eq!(
            e,
            "`[31mred` is not an Alibaba Cloud region id: use one such as ap-southeast-1"
        );
        let e = parse_account_id("12\n34").expect_err("not digits");
        assert!(e.starts_with("`1234` is not"), "{e}");
        assert_eq!(
            parse_share("x").expect_err("nan"),
            "`x` is not a number; give a share such as 0.2"
        );
    }
}
