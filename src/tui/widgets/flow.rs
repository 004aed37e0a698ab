//! Text that never loses information: lines wrap at word boundaries with their indentation
//! kept (continuation rows start under the first word after the line's lead), and a region
//! too short for its lines scrolls to keep the focused line in view, with `↑ n more` /
//! `↓ n more` markers instead of silently cut rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

/// Where continuation rows of a wrapped line start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
    /// Under the first non-blank character after the line's leading blanks and mark
    /// (`" ✓ text…"` continues under `text`).
    Auto,
    /// At this column.
    At(usize),
}

/// Display width of `s`.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// One cell: a character with its style.
type Cell = (char, Style);

fn cells(line: &Line) -> Vec<Cell> {
    line.spans
        .iter()
        .flat_map(|s| {
            let st = line.style.patch(s.style);
            s.content.chars().map(move |c| (c, st))
        })
        .collect()
}

fn to_line(cs: &[Cell]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut st: Option<Style> = None;
    for &(c, s) in cs {
        if st != Some(s) {
            if let Some(prev) = st {
                spans.push(Span::styled(std::mem::take(&mut cur), prev));
            }
            st = Some(s);
        }
        cur.push(c);
    }
    if let Some(prev) = st {
        spans.push(Span::styled(cur, prev));
    }
    Line::from(spans)
}

/// The automatic hang: leading blanks, then a one-column mark and its blank if there is one
/// (`✓ `, `▶ `, `• `), so wrapped text lines up with the text; in a `label   value` row
/// (a gap of two or more blanks in the first half), under the value.
fn auto_hang(cs: &[Cell], w: usize) -> usize {
    let lead = cs.iter().take_while(|(c, _)| *c == ' ').count();
    let rest: Vec<char> = cs[lead..].iter().take(3).map(|(c, _)| *c).collect();
    let mark = match rest.as_slice() {
        [m, ' ', n, ..] if !m.is_alphanumeric() && *n != ' ' => 2,
        _ => 0,
    };
    let start = lead + mark;
    let mut col = start;
    let mut gap = 0;
    for (c, _) in &cs[start..] {
        if col > w / 2 {
            break;
        }
        if *c == ' ' {
            gap += 1;
        } else if gap >= 2 {
            return col;
        } else {
            gap = 0;
        }
        col += c.width().unwrap_or(0);
    }
    start
}

/// Wraps one line to `w` columns. Breaks at blanks; a word longer than a row is split
/// (ids never are unless the window is narrower than the id). Nothing is dropped.
pub fn wrap(line: &Line, w: usize, hang: Hang) -> Vec<Line<'static>> {
    let cs = cells(line);
    let w = w.max(8);
    let total: usize = cs.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
    if total <= w {
        return vec![to_line(&cs)];
    }
    let hang = match hang {
        Hang::Auto => auto_hang(&cs, w),
        Hang::At(n) => n,
    }
    .min(w / 2);
    let mut out = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut row_w = 0usize;
    let mut i = 0usize;
    let mut first = true;
    while i < cs.len() {
        // The next token: a run of blanks or a run of non-blanks; a comma also ends a word
        // (`a,b,c` lists and compact JSON may break after it, never inside a value).
        let blank = cs[i].0 == ' ';
        let mut j = i;
        while j < cs.len() && (cs[j].0 == ' ') == blank {
            j += 1;
            if !blank && cs[j - 1].0 == ',' {
                break;
            }
        }
        let tok = &cs[i..j];
        let tok_w: usize = tok.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
        if row_w + tok_w <= w {
            row.extend_from_slice(tok);
            row_w += tok_w;
            i = j;
            continue;
        }
        if blank {
            // Blanks at a break vanish.
            out.push(to_line(&row));
            first = false;
            row = vec![(' ', Style::default()); hang];
            row_w = hang;
            i = j;
            continue;
        }
        let fresh = if first { 0 } else { hang };
        // The word moves whole to the next row: under the hang, or further left for a
        // long id that fits only there.
        let at = if tok_w <= w - hang {
            Some(hang)
        } else if tok_w <= w.saturating_sub(2) {
            Some(2)
        } else {
            None
        };
        if let (true, Some(at)) = (row_w > fresh, at) {
            trim_end(&mut row);
            out.push(to_line(&row));
            first = false;
            row = vec![(' ', Style::default()); at];
            row_w = at;
            continue;
        }
        // A word longer than a row: split it where the row ends, or after the last dot
        // that fits (a service name breaks between its parts, the epsrv id stays whole).
        let mut tok_from = row.len();
        for &(c, s) in tok {
            let cw = c.width().unwrap_or(0);
            if row_w + cw > w {
                let dot = row[tok_from..]
                    .iter()
                    .rposition(|(c, _)| *c == '.')
                    .map(|p| tok_from + p + 1)
                    .filter(|&p| p < row.len());
                let carry = match dot {
                    Some(p) => row.split_off(p),
                    None => Vec::new(),
                };
                out.push(to_line(&row));
                first = false;
                row = vec![(' ', Style::default()); hang];
                tok_from = row.len();
                row.extend(carry);
                row_w = row.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
            }
            row.push((c, s));
            row_w += cw;
        }
        i = j;
    }
    trim_end(&mut row);
    if row.len() > hang || out.is_empty() {
        out.push(to_line(&row));
    }
    out
}

fn trim_end(row: &mut Vec<Cell>) {
    while row.last().is_some_and(|(c, _)| *c == ' ') {
        row.pop();
    }
}

/// A screen body as lines with their hangs and the range the user is looking at.
#[derive(Default)]
pub struct Doc {
    lines: Vec<(Line<'static>, Hang)>,
    focus: Option<(usize, usize)>,
    shift: isize,
}

impl Doc {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line whose wrapped rows hang automatically.
    pub fn push(&mut self, l: impl Into<Line<'static>>) {
        self.lines.push((l.into(), Hang::Auto));
    }

    /// Adds a line whose wrapped rows start at column `hang`.
    pub fn push_at(&mut self, l: impl Into<Line<'static>>, hang: usize) {
        self.lines.push((l.into(), Hang::At(hang)));
    }

    /// Adds every line.
    pub fn extend(&mut self, ls: impl IntoIterator<Item = Line<'static>>) {
        for l in ls {
            self.push(l);
        }
    }

    /// Marks the lines added from now until [`Doc::focus_end`] as what must stay in view.
    pub fn focus_start(&mut self) {
        self.focus = Some((self.lines.len(), self.lines.len() + 1));
    }

    /// Ends the focused range at the last line added.
    pub fn focus_end(&mut self) {
        if let Some((s, _)) = self.focus {
            self.focus = Some((s, self.lines.len().max(s + 1)));
        }
    }

    /// Marks lines `start..end` (indices of lines added) as what must stay in view.
    pub fn set_focus(&mut self, start: usize, end: usize) {
        self.focus = Some((start, end.max(start + 1)));
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Rows the body takes at `w` columns.
    pub fn height(&self, w: u16) -> u16 {
        self.rows(w as usize).0.len() as u16
    }

    fn rows(&self, w: usize) -> (Vec<Line<'static>>, Vec<usize>) {
        let mut rows = Vec::new();
        let mut starts = Vec::with_capacity(self.lines.len() + 1);
        for (l, h) in &self.lines {
            starts.push(rows.len());
            rows.extend(wrap(l, w, *h));
        }
        starts.push(rows.len());
        (rows, starts)
    }

    /// Draws the body wrapped into `area`, scrolled so the focused lines are in view, with
    /// `↑ n more` / `↓ n more` markers where rows are out of view. Returns the hidden rows.
    pub fn render(&self, f: &mut Frame, area: Rect, dim: Style) -> usize {
        let (rows, starts) = self.rows(area.width as usize);
        let focus = self.focus.map(|(s, e)| {
            (
                starts[s.min(self.lines.len())],
                starts[e.min(self.lines.len())],
            )
        });
        show(f, area, rows, focus, self.shift, dim)
    }

    /// The lines added so far.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Which lines would be wholly below the window if drawn into `w`×`h` scrolled `shift`
    /// rows (their indexes, in order): what a reader has not seen yet.
    pub fn lines_below(&self, w: u16, h: u16, shift: isize) -> Vec<usize> {
        let (rows, starts) = self.rows(w as usize);
        let focus = self.focus.map(|(s, e)| {
            (
                starts[s.min(self.lines.len())],
                starts[e.min(self.lines.len())],
            )
        });
        let Some((top, body)) = window(rows.len(), h as usize, focus, shift) else {
            return Vec::new();
        };
        (0..self.lines.len())
            .filter(|&i| starts[i] >= top + body)
            .collect()
    }

    /// Scrolls the window `rows` down (negative: up) from where the focus puts it.
    pub fn shift(mut self, rows: isize) -> Self {
        self.shift = rows;
        self
    }
}

/// Draws `lines` wrapped (indentation kept) into `area`, scrolled `shift` rows from the
/// top, with markers.
pub fn lines(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>, shift: isize, dim: Style) {
    let mut d = Doc::new();
    d.extend(lines);
    d.shift(shift).render(f, area, dim);
}

/// The rows shown of `n` in a window `h` rows tall: `(first row, rows of body)`, or `None`
/// when everything fits (no markers). The window is the first that shows the focused rows,
/// moved by the user's own scrolling (`shift`) within the first and the last window; a
/// marker row takes the place of a body row at each end with rows beyond it.
fn window(
    n: usize,
    h: usize,
    focus: Option<(usize, usize)>,
    shift: isize,
) -> Option<(usize, usize)> {
    if n <= h || h < 3 {
        return None;
    }
    let body_at = |top: usize| {
        let up = usize::from(top > 0);
        let down = usize::from(top + (h - up) < n);
        h - up - down
    };
    let (fs, fe) = focus.unwrap_or((0, 1));
    let mut top = 0usize;
    while !(fe <= top + body_at(top) || top >= fs) {
        top += 1;
    }
    let last = n - (h - 1);
    let top = (top as isize + shift).clamp(0, last as isize) as usize;
    Some((top, body_at(top)))
}

fn show(
    f: &mut Frame,
    area: Rect,
    rows: Vec<Line<'static>>,
    focus: Option<(usize, usize)>,
    shift: isize,
    dim: Style,
) -> usize {
    let h = area.height as usize;
    let n = rows.len();
    let Some((top, body)) = window(n, h, focus, shift) else {
        f.render_widget(Paragraph::new(rows), area);
        return 0;
    };
    let hidden_below = n.saturating_sub(top + body);
    let mut out: Vec<Line> = Vec::with_capacity(h);
    if top > 0 {
        out.push(Line::styled(format!(" ↑ {top} more"), dim));
    }
    out.extend(rows[top..top + body].iter().cloned());
    if hidden_below > 0 {
        out.push(Line::styled(format!(" ↓ {hidden_below} more"), dim));
    }
    f.render_widget(Paragraph::new(out), area);
    top + hidden_below
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ls: &[Line]) -> Vec<String> {
        ls.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wrapped_rows_keep_the_indent_and_never_cut_a_word() {
        let l = Line::raw(
            " ✓ Endpoint service: the RAM user lacks privatelink:CreateVpcEndpointService",
        );
        let got = text(&wrap(&l, 40, Hang::Auto));
        assert_eq!(
            got,
            vec![
                " ✓ Endpoint service: the RAM user lacks",
                "   privatelink:CreateVpcEndpointService",
            ]
        );
    }

    #[test]
    fn an_id_moves_to_the_next_row_whole() {
        let l = Line::raw(" ✓ Internal NLB     Active   21.0s nlb-t4nabcdefghij0123456789");
        let got = text(&wrap(&l, 50, Hang::At(5)));
        assert_eq!(got[1].trim(), "nlb-t4nabcdefghij0123456789");
        assert!(got[1].starts_with("     nlb-"));
    }

    #[test]
    fn a_name_wider_than_the_row_breaks_after_a_dot_and_keeps_its_id_whole() {
        let l = Line::raw("  com.aliyuncs.privatelink.ap-southeast-1.epsrv-t4nfixture0123456789");
        let rows = text(&wrap(&l, 56, Hang::At(2)));
        assert!(rows.len() >= 2, "{rows:?}");
        assert!(
            rows.iter()
                .any(|r| r.contains("epsrv-t4nfixture0123456789")),
            "{rows:?}"
        );
        assert_eq!(
            rows.concat().replace(' ', ""),
            "com.aliyuncs.privatelink.ap-southeast-1.epsrv-t4nfixture0123456789"
        );
    }

    #[test]
    fn only_a_word_wider_than_the_row_is_split_and_nothing_is_lost() {
        let l = Line::raw("x abcdefghijklmnopqrstuvwxyz");
        let got = wrap(&l, 10, Hang::At(0));
        let joined: String = text(&got).join("");
        assert_eq!(joined.replace(' ', ""), "xabcdefghijklmnopqrstuvwxyz");
    }

    #[test]
    fn lists_and_json_break_after_commas_not_inside_values() {
        let l = Line::raw(r#"evidence: {"call":"CreateLoadBalancer","error":"Forbidden.RAM"}"#);
        let got = text(&wrap(&l, 40, Hang::At(10)));
        assert_eq!(
            got[0], r#"evidence: {"call":"CreateLoadBalancer","#,
            "{got:?}"
        );
        assert!(
            got[1]
                .trim_start()
                .starts_with(r#""error":"Forbidden.RAM"}"#),
            "{got:?}"
        );
    }

    #[test]
    fn styles_survive_wrapping() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let l = Line::from(vec![
            Span::raw("aaaa bbbb "),
            Span::styled("cccc dddd", bold),
        ]);
        let got = wrap(&l, 10, Hang::At(0));
        assert_eq!(got.len(), 2);
        assert!(got[1].spans.iter().any(|s| s.style == bold));
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("集群"), 4);
        let l = Line::raw("集群集群集群 ab");
        assert_eq!(wrap(&l, 12, Hang::At(0)).len(), 2);
    }
}
