//! Region ids, checked before anything is built from one.

/// True for a region id of Alibaba Cloud's form: 2–4 dash-separated parts of lowercase letters
/// and digits, the first two letters (`ap-southeast-1`, `cn-hangzhou`,
/// `cn-shanghai-finance-1`), at most 32 characters. Checked before any host is built, so no
/// source of a region (flag, env, profile, a cloud's answer) can send signed requests to
/// another host (`nlb.{region}.aliyuncs.com` with `x@evil:1/#` would).
pub fn is_region_id(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    r.len() <= 32
        && (2..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..].iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
