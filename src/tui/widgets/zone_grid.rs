//! The zone overlap grid: zones × TiDB / NLB / PrivateLink / RDS / vSwitch free IPs, with
//! the zones tilink picked marked and a legend for every symbol. Ids are never cut: when
//! a row does not fit, the vSwitch moves to its own row under the zone.

use super::flow::width;
use super::theme::{self, Theme};
use crate::engine::zones::{MIN_FREE_IPS, ZoneRow};
use ratatui::text::{Line, Span};

fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

/// What each symbol of the grid means.
pub const LEGEND: &str = "TiDB, NLB, PL: ✓ TiDB Cloud / NLB / PrivateLink offer the zone, \
✗ not · vSwitch: ✓ the RDS VPC's roomiest one has ≥8 free IPs, ✗ too few or none · RDS: \
pri primary, sby standby, blank no node (not needed) · Use: ◆ chosen for the NLB, eligible \
usable and spare, – cannot be used";

/// The grid as lines, fitted to `width` columns; `failed` marks every ✗ as the cause.
pub fn lines(t: &Theme, rows: &[ZoneRow], cols: u16) -> Vec<Line<'static>> {
    let zone_w = rows
        .iter()
        .map(|r| width(&r.zone))
        .max()
        .unwrap_or(4)
        .max(4)
        + 2;
    let vsw_text: Vec<String> = rows
        .iter()
        .map(|r| match &r.vswitch {
            None => format!("{} none in the RDS VPC", theme::FAIL),
            Some(v) => {
                let sym = if v.free_ips >= MIN_FREE_IPS {
                    theme::OK
                } else {
                    theme::FAIL
                };
                format!("{sym} {} ({})", v.id, v.free_ips)
            }
        })
        .collect();
    let vsw_w = vsw_text.iter().map(|s| width(s)).max().unwrap_or(0).max(18) + 1;
    // Indent, zone, TiDB, NLB, PL, RDS, vSwitch, Use.
    let fixed = 2 + zone_w + 5 + 4 + 3 + 6;
    let one_row = fixed + vsw_w + 8 <= cols as usize;
    let mut head = format!(
        "  {}{}{}{}{}",
        pad("Zone", zone_w),
        pad("TiDB", 5),
        pad("NLB", 4),
        pad("PL", 3),
        pad("RDS", 6)
    );
    if one_row {
        head.push_str(&pad("vSwitch (free IPs)", vsw_w));
    }
    head.push_str("Use");
    let mut out = vec![Line::styled(head, t.dim())];
    for (r, vsw) in rows.iter().zip(vsw_text) {
        let yn = |b: bool| t.yes_no(b);
        let (tidb, ts) = yn(r.tidb);
        let (nlb, ns) = yn(r.nlb);
        let (pl, ps) = yn(r.privatelink);
        let vs = if vsw.starts_with(theme::OK) {
            t.ok()
        } else {
            t.fail()
        };
        let (rds, rs) = match (r.rds, r.rds_primary) {
            (true, true) => ("✓ pri", t.ok()),
            (true, false) => ("✓ sby", t.ok()),
            _ => ("", t.dim()),
        };
        let (use_, us) = if r.chosen {
            ("◆ chosen", t.heading())
        } else if r.eligible {
            ("eligible", t.dim())
        } else {
            ("–", t.dim())
        };
        let zone_style = if r.chosen { t.heading() } else { t.text() };
        let mut spans = vec![
            Span::raw("  "),
            Span::styled(pad(&r.zone, zone_w), zone_style),
            Span::styled(pad(tidb, 5), ts),
            Span::styled(pad(nlb, 4), ns),
            Span::styled(pad(pl, 3), ps),
            Span::styled(pad(rds, 6), rs),
        ];
        if one_row {
            spans.push(Span::styled(pad(&vsw, vsw_w), vs));
            spans.push(Span::styled(use_, us));
            out.push(Line::from(spans));
        } else {
            spans.push(Span::styled(use_, us));
            out.push(Line::from(spans));
            out.push(Line::from(vec![
                Span::raw("    "),
                Span::styled(format!("vSwitch {vsw}"), vs),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::VSwitchInfo;

    fn row(zone: &str, ok: bool, rds: bool, primary: bool) -> ZoneRow {
        ZoneRow {
            zone: zone.into(),
            tidb: ok,
            nlb: true,
            privatelink: true,
            vswitch: Some(VSwitchInfo {
                id: "vsw-t4n0123456789abcdefgh".into(),
                zone_id: zone.into(),
                cidr: "172.16.1.0/24".into(),
                free_ips: 245,
                ..Default::default()
            }),
            rds,
            rds_primary: primary,
            eligible: ok,
            chosen: ok,
        }
    }

    #[test]
    fn ids_stay_whole_and_rds_roles_are_named() {
        let rows = [
            row("ap-southeast-1a", true, true, true),
            row("ap-southeast-1b", true, true, false),
            row("ap-southeast-1c", false, false, false),
        ];
        let t = Theme::new(true);
        for cols in [120u16, 80, 60] {
            let text: Vec<String> = lines(&t, &rows, cols)
                .iter()
                .map(|l| l.to_string())
                .collect();
            assert!(
                text.iter().all(|l| width(l) <= cols as usize),
                "{cols}: {text:#?}"
            );
            assert!(
                text.iter()
                    .any(|l| l.contains("vsw-t4n0123456789abcdefgh (245)"))
            );
            assert!(
                text.iter().any(|l| l.contains("✓ pri"))
                    && text.iter().any(|l| l.contains("✓ sby"))
            );
        }
    }
}
