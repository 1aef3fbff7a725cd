//! Trend charts as inline SVG, drawn on the server: a product's consumed units against its
//! purchased (enabled) units, one point per successful run. Two polylines (purchased dashed,
//! consumed solid, so the lines differ by more than colour), a y axis from 0 to a round
//! number, the first and last run's dates on the x axis, and a `<title>` that says in words
//! what the chart shows.

use super::t;
use chrono::{DateTime, Utc};
use itam_reports::history::HistoryRow;
use maud::{Markup, html};
use std::fmt::Write as _;

/// One run's counts of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// When the run ended (Unix seconds).
    pub at: i64,
    /// Assigned units.
    pub consumed: i64,
    /// Purchased units that are active (enabled); `None` when the source did not tell (the
    /// purchased line leaves such runs out).
    pub purchased: Option<i64>,
}

/// Most points drawn per line; a longer history is thinned evenly, keeping its first and
/// last point.
pub const MAX_POINTS: usize = 200;

/// The drawing's size (its `viewBox`) and the margins around the plot area.
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;

/// The points of one product's history rows (oldest first); a row without a readable end
/// time is left out.
pub fn points<'a>(rows: impl IntoIterator<Item = &'a HistoryRow>) -> Vec<Point> {
    rows.into_iter()
        .filter_map(|r| {
            let at = DateTime::parse_from_rfc3339(r.ended_at.as_deref()?).ok()?;
            Some(Point {
                at: at.timestamp(),
                consumed: r.consumed,
                purchased: r.enabled,
            })
        })
        .collect()
}

/// `points` thinned to at most `max` (at least 2) evenly spaced ones, first and last kept.
pub fn thin(points: &[Point], max: usize) -> Vec<Point> {
    let max = max.max(2);
    if points.len() <= max {
        return points.to_vec();
    }
    let last = points.len() - 1;
    (0..max).map(|i| points[i * last / (max - 1)]).collect()
}

/// A round step for about four intervals up to `top`: 1, 2 or 5 × 10ⁿ.
fn step_for(top: i64) -> i64 {
    let target = (top.max(1) - 1) / 4 + 1;
    let mut power: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            match power.checked_mul(m) {
                Some(step) if step >= target => return step,
                None => return target,
                _ => {}
            }
        }
        match power.checked_mul(10) {
            Some(p) => power = p,
            None => return target,
        }
    }
}

/// The top of the y axis for values up to `top`: the smallest multiple of a round step that
/// is at least `top` (and at least 1).
pub fn axis_top(top: i64) -> i64 {
    let top = top.max(1);
    let step = step_for(top);
    let steps = top / step + i64::from(top % step != 0);
    steps.saturating_mul(step)
}

/// Where a history lands in the drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// The consumed line's points (x, y), in drawing units.
    pub consumed: Vec<(f64, f64)>,
    /// The purchased line's points.
    pub purchased: Vec<(f64, f64)>,
    /// The value at the top of the y axis.
    pub y_max: i64,
    /// The first point's time (Unix seconds).
    pub from: i64,
    /// The last point's time.
    pub to: i64,
}

/// Scales `points` (oldest first) into the drawing; `None` when there are none. Time runs
/// left to right (one point, or points all at one time, sit in the middle); 0 is at the
/// bottom and [`Plot::y_max`] at the top; negative values are drawn at 0.
pub fn plot(points: &[Point]) -> Option<Plot> {
    let points = thin(points, MAX_POINTS);
    let from = points.iter().map(|p| p.at).min()?;
    let to = points.iter().map(|p| p.at).max()?;
    let top = points
        .iter()
        .map(|p| p.consumed.max(p.purchased.unwrap_or(0)))
        .max()
        .unwrap_or(0);
    let y_max = axis_top(top);
    let x = |at: i64| {
        if to == from {
            LEFT + PLOT_W / 2.0
        } else {
            LEFT + (at - from) as f64 / (to - from) as f64 * PLOT_W
        }
    };
    let y = |v: i64| TOP + PLOT_H - v.max(0) as f64 / y_max as f64 * PLOT_H;
    Some(Plot {
        consumed: points.iter().map(|p| (x(p.at), y(p.consumed))).collect(),
        purchased: points
            .iter()
            .filter_map(|p| Some((x(p.at), y(p.purchased?))))
            .collect(),
        y_max,
        from,
        to,
    })
}

/// `(x, y)` pairs as an SVG `points` attribute.
fn svg_points(line: &[(f64, f64)]) -> String {
    let mut out = String::new();
    for (i, (x, y)) in line.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{x:.1},{y:.1}");
    }
    out
}

/// A point's time on the x axis: the date, or also the time when the history spans less
/// than two days.
fn time_label(at: i64, short_span: bool) -> String {
    let Some(time) = DateTime::<Utc>::from_timestamp(at, 0) else {
        return String::new();
    };
    if short_span {
        time.format("%m-%d %H:%M").to_string()
    } else {
        time.format("%Y-%m-%d").to_string()
    }
}

/// The chart of `label`'s history `points` (oldest first), or a short note when there is
/// none. `label` is untrusted (a product name).
pub fn trend(label: &str, points: &[Point]) -> Markup {
    let Some(plot) = plot(points) else {
        return html! { p.muted.no-history { "No history yet." } };
    };
    let last = points.last().copied().unwrap_or(Point {
        at: 0,
        consumed: 0,
        purchased: None,
    });
    let title = format!(
        "{}: consumed against purchased licences over {} run(s); now {} consumed of {} purchased",
        t(label),
        points.len(),
        last.consumed,
        crate::render::format::count(last.purchased)
    );
    let bottom = TOP + PLOT_H;
    let mut ticks = vec![(0, bottom), (plot.y_max, TOP)];
    if plot.y_max >= 2 {
        let mid = plot.y_max / 2;
        ticks.push((mid, bottom - mid as f64 / plot.y_max as f64 * PLOT_H));
    }
    let short_span = plot.to - plot.from < 2 * 86_400;
    let end_consumed = plot.consumed.last().copied().unwrap_or_default();
    html! {
        svg.chart viewBox="0 0 320 150" role="img" data-points=(plot.consumed.len()) {
            title { (title) }
            @for (value, y) in &ticks {
                line x1=(LEFT) y1=(format!("{y:.1}")) x2=(WIDTH - RIGHT) y2=(format!("{y:.1}"))
                    stroke="#e3e6ea" stroke-width="1" {}
                text x=(LEFT - 4.0) y=(format!("{:.1}", y + 3.0)) text-anchor="end" { (compact(*value)) }
            }
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(bottom) stroke="#8a919c" stroke-width="1" {}
            line x1=(LEFT) y1=(bottom) x2=(WIDTH - RIGHT) y2=(bottom) stroke="#8a919c" stroke-width="1" {}
            text x=(LEFT) y=(HEIGHT - 8.0) text-anchor="start" { (time_label(plot.from, short_span)) }
            @if plot.to != plot.from {
                text x=(WIDTH - RIGHT) y=(HEIGHT - 8.0) text-anchor="end" { (time_label(plot.to, short_span)) }
            }
            polyline.purchased points=(svg_points(&plot.purchased)) fill="none" stroke="#1b1f24"
                stroke-width="1.5" stroke-dasharray="5 3" {}
            polyline.consumed points=(svg_points(&plot.consumed)) fill="none" stroke="#1f5fbf"
                stroke-width="2" {}
            @if let Some((x, y)) = plot.purchased.last() {
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="2.5" fill="#1b1f24" {}
            }
            circle cx=(format!("{:.1}", end_consumed.0)) cy=(format!("{:.1}", end_consumed.1))
                r="3" fill="#1f5fbf" {}
        }
    }
}

/// The key to the charts' lines, in words (for beside one or more charts).
pub fn legend() -> Markup {
    html! {
        p.legend {
            span.consumed { "━━" } " consumed (solid), "
            span.purchased { "╌╌" } " purchased, enabled units (dashed); one point per successful run."
        }
    }
}

/// `n` in at most about five characters for an axis label: `950`, `9500`, `12k`, `1.5M`.
pub fn compact(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let n = n.unsigned_abs();
    let scaled = |unit: u64, suffix: &str| {
        let whole = n / unit;
        let tenth = (n % unit) * 10 / unit;
        if whole < 10 && tenth != 0 {
            format!("{sign}{whole}.{tenth}{suffix}")
        } else {
            format!("{sign}{whole}{suffix}")
        }
    };
    match n {
        0..10_000 => format!("{sign}{n}"),
        10_000..1_000_000 => scaled(1_000, "k"),
        1_000_000..1_000_000_000 => scaled(1_000_000, "M"),
        _ => scaled(1_000_000_000, "G"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(at: i64, consumed: i64, purchased: i64) -> Point {
        Point {
            at,
            consumed,
            purchased: Some(purchased),
        }
    }

    /// The `points` attribute of the polyline with `class`.
    fn line_of(svg: &str, class: &str) -> Vec<(f64, f64)> {
        let start = svg
            .find(&format!(r#"<polyline class="{class}" points=""#))
            .unwrap_or_else(|| panic!("no {class} line in {svg}"));
        let rest = &svg[start..];
        let rest = &rest[rest.find("points=\"").unwrap() + 8..];
        let attr = &rest[..rest.find('"').unwrap()];
        attr.split(' ')
            .map(|pair| {
                let (x, y) = pair.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn every_point_is_drawn_and_scaled_into_the_plot_area() {
        let points = [p(1_000, 5, 10), p(2_000, 8, 10), p(3_000, 12, 10)];
        let svg = trend("E3", &points).into_string();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains(r#"data-points="3""#), "{svg}");
        let consumed = line_of(&svg, "consumed");
        let purchased = line_of(&svg, "purchased");
        assert_eq!(consumed.len(), 3);
        assert_eq!(purchased.len(), 3);
        // Time runs from the left edge of the plot area to its right edge.
        assert_eq!(consumed[0].0, LEFT);
        assert_eq!(consumed[1].0, LEFT + PLOT_W / 2.0);
        assert_eq!(consumed[2].0, WIDTH - RIGHT);
        // 12 at most: the axis goes to 15 (three steps of 5).
        let plot = plot(&points).unwrap();
        assert_eq!(plot.y_max, 15);
        let bottom = TOP + PLOT_H;
        assert!((consumed[2].1 - (bottom - 12.0 / 15.0 * PLOT_H)).abs() < 0.05);
        assert!((purchased[0].1 - (bottom - 10.0 / 15.0 * PLOT_H)).abs() < 0.05);
        assert!(svg.contains(r#"text-anchor="end">15</text>"#), "{svg}");
        // Higher values are higher up the drawing (smaller y).
        assert!(consumed[0].1 > consumed[1].1 && consumed[1].1 > consumed[2].1);
        assert!(svg.contains("<title>E3: consumed against purchased licences over 3 run(s); now 12 consumed of 10 purchased</title>"), "{svg}");
        // SVG elements are closed explicitly (an HTML parser does not self-close them).
        assert_eq!(svg.matches("<line").count(), svg.matches("</line>").count());
        assert_eq!(
            svg.matches("<circle").count(),
            svg.matches("</circle>").count()
        );
    }

    #[test]
    fn the_axis_top_is_a_round_number_at_least_the_largest_value() {
        assert_eq!(axis_top(0), 1);
        assert_eq!(axis_top(1), 1);
        assert_eq!(axis_top(7), 8);
        assert_eq!(axis_top(10), 10);
        assert_eq!(axis_top(12), 15);
        assert_eq!(axis_top(101), 150);
        assert_eq!(axis_top(120), 150);
        assert_eq!(axis_top(1000), 1000);
        assert_eq!(axis_top(25_001), 30_000);
        assert!(axis_top(i64::MAX) >= i64::MAX / 2);
    }

    #[test]
    fn no_history_is_a_note_and_one_point_sits_in_the_middle() {
        let none = trend("E3", &[]).into_string();
        assert!(!none.contains("<svg"), "{none}");
        assert!(none.contains("No history yet."), "{none}");
        assert!(plot(&[]).is_none());

        let one = trend("E3", &[p(1_000, 3, 4)]).into_string();
        assert!(one.contains(r#"data-points="1""#), "{one}");
        let consumed = line_of(&one, "consumed");
        assert_eq!(
            consumed,
            vec![(LEFT + PLOT_W / 2.0, TOP + PLOT_H - 3.0 / 4.0 * PLOT_H)]
        );
        // A single point is still visible: each line ends in a dot.
        assert_eq!(one.matches("<circle").count(), 2);
        // Three y labels (0, 2, 4) and one time label when every point is at one time.
        assert_eq!(one.matches("<text").count(), 4, "{one}");
    }

    #[test]
    fn axis_labels_stay_short() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(9_999), "9999");
        assert_eq!(compact(12_000), "12k");
        assert_eq!(compact(150_000), "150k");
        assert_eq!(compact(1_000_000), "1M");
        assert_eq!(compact(1_500_000), "1.5M");
        assert_eq!(compact(2_000_000_000), "2G");
        assert_eq!(compact(-1_500_000), "-1.5M");
        assert_eq!(compact(i64::MIN), "-9223372036G");
        let svg = trend("free", &[p(0, 15, 1_000_000)]).into_string();
        assert!(svg.contains(r#"text-anchor="end">1M</text>"#), "{svg}");
        assert!(svg.contains(r#"text-anchor="end">500k</text>"#), "{svg}");
    }

    #[test]
    fn zero_and_negative_values_stay_inside_the_plot() {
        let plot = plot(&[p(0, 0, 0), p(10, -5, 0)]).unwrap();
        assert_eq!(plot.y_max, 1);
        let bottom = TOP + PLOT_H;
        assert!(plot.consumed.iter().all(|(_, y)| *y == bottom));
    }

    #[test]
    fn long_histories_are_thinned_keeping_the_ends() {
        let many: Vec<Point> = (0..1_000).map(|i| p(i * 60, i, 1_000)).collect();
        let thinned = thin(&many, MAX_POINTS);
        assert_eq!(thinned.len(), MAX_POINTS);
        assert_eq!(thinned[0], many[0]);
        assert_eq!(thinned[MAX_POINTS - 1], many[999]);
        assert!(thinned.windows(2).all(|w| w[0].at < w[1].at));
        let svg = trend("many", &many).into_string();
        assert_eq!(line_of(&svg, "consumed").len(), MAX_POINTS);
        // The title speaks of the whole history.
        assert!(svg.contains("over 1000 run(s); now 999 consumed of 1000 purchased"));
        assert_eq!(thin(&many[..5], MAX_POINTS), many[..5].to_vec());
    }

    #[test]
    fn history_rows_become_points_and_unreadable_times_are_left_out() {
        let row = |ended: Option<&str>, consumed| HistoryRow {
            run_id: 1,
            ended_at: ended.map(str::to_string),
            product_id: "p".into(),
            part_number: "P".into(),
            product_name: None,
            status: "Enabled".into(),
            enabled: Some(10),
            warning: Some(0),
            suspended: Some(0),
            consumed,
            available: Some(10 - consumed),
        };
        let rows = [
            row(Some("1970-01-01T00:01:00Z"), 4),
            row(None, 5),
            row(Some("yesterday"), 6),
            row(Some("1970-01-01T00:02:00Z"), 7),
        ];
        assert_eq!(points(&rows), vec![p(60, 4, 10), p(120, 7, 10)]);
    }

    #[test]
    fn a_hostile_label_is_escaped_in_the_title() {
        let svg = trend("<script>alert(1)</script>\u{1b}[31m", &[p(0, 1, 1)]).into_string();
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[31m"),
            "{svg}"
        );
        assert!(!svg.contains("<script"));
        assert!(!svg.contains('\u{1b}'));
    }
}
