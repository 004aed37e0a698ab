//! The zone overlap grid: zones × TiDB / NLB / PrivateLink / vSwitch free IPs / RDS, with
//! the zones tilink picked marked.

use super::theme::{self, Theme};
use super::{cell, truncate};
use crate::engine::zones::{MIN_FREE_IPS, ZoneAnalysis};
use ratatui::text::{Line, Span};

/// The grid as lines, fitted to `width` columns.
pub fn lines<'a>(t: &Theme, z: &ZoneAnalysis, width: u16) -> Vec<Line<'a>> {
    // zone | TiDB | NLB | PL | vSwitch (free IPs) | RDS | use
    let vsw_w = (width as usize)
        .saturating_sub(18 + 6 + 5 + 6 + 5 + 12)
        .clamp(12, 34);
    let mut out = vec![Line::styled(
        format!(
            "  {}{}{}{}{}{}{}",
            cell("Zone", 18),
            cell("TiDB", 6),
            cell("NLB", 5),
            cell("PL", 4),
            cell("vSwitch (free IPs)", vsw_w + 2),
            cell("RDS", 5),
            "Use"
        ),
        t.dim(),
    )];
    for r in &z.rows {
        let yn = |b: bool| t.yes_no(b);
        let (tidb, ts) = yn(r.tidb);
        let (nlb, ns) = yn(r.nlb);
        let (pl, ps) = yn(r.privatelink);
        let (vsw, vs) = match &r.vswitch {
            None => (format!("{} none in the RDS VPC", theme::FAIL), t.fail()),
            Some(v) => {
                let room = v.free_ips >= MIN_FREE_IPS;
                let sym = if room { theme::OK } else { theme::FAIL };
                let id = truncate(&v.id, vsw_w.saturating_sub(9));
                (
                    format!("{sym} {id} ({})", v.free_ips),
                    if room { t.ok() } else { t.fail() },
                )
            }
        };
        let (rds, rs) = if r.rds {
            (theme::OK, t.ok())
        } else {
            ("·", t.dim())
        };
        let (use_, us) = if r.chosen {
            ("◆ chosen".to_string(), t.heading())
        } else if r.eligible {
            ("eligible".to_string(), t.dim())
        } else {
            ("–".to_string(), t.dim())
        };
        let zone_style = if r.chosen { t.heading() } else { t.text() };
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(cell(&r.zone, 18), zone_style),
            Span::styled(cell(tidb, 6), ts),
            Span::styled(cell(nlb, 5), ns),
            Span::styled(cell(pl, 4), ps),
            Span::styled(cell(&vsw, vsw_w + 2), vs),
            Span::styled(cell(rds, 5), rs),
            Span::styled(use_, us),
        ]));
    }
    out
}
