//! The printable per-compound report (生活圈体检报告): one self-contained HTML page with a
//! print stylesheet, the kind-by-kind table and a small inline SVG map of the compound, its
//! buildings and the nearest facility of each kind. No external resources: it prints and
//! saves as PDF offline. Every text from the data is escaped.

use std::fmt::Write;

use geo::{BoundingRect, Coord, CoordsIter, Geometry, Rect};

use super::{Check, KindCheck};
use crate::index::Snapshot;
use crate::model::Layer;

/// The map's size in CSS pixels.
const MAP_W: f64 = 560.0;
const MAP_H: f64 = 380.0;
const MAP_PAD: f64 = 16.0;

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #555; margin: 0.2em 0 1em; }
.score { font-size: 1.3em; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: 0.95em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; }
th { background: #eee; }
td.num { text-align: right; }
tr.fail td.verdict { color: #b00; font-weight: bold; }
tr.pass td.verdict { color: #070; }
tr.optional { color: #777; }
svg { border: 1px solid #ccc; background: #fafafa; }
.legend { font-size: 0.85em; color: #555; }
button { font-size: 1em; padding: 0.3em 1.2em; }
@media print {
  body { margin: 0; max-width: none; }
  .no-print { display: none; }
  table { page-break-inside: auto; }
  tr { page-break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4; margin: 15mm; }
}
"#;

/// The report of one compound's check (`check.area.level` is `compound`) under the rules'
/// `pass_share`.
pub fn render(snapshot: &Snapshot, check: &Check, pass_share: f64) -> String {
    let name = escape(&check.area.name);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{name} 生活圈体检报告</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = write!(
        html,
        "<p class=\"no-print\"><button type=\"button\" onclick=\"window.print()\">打印</button></p>\n<h1>{name} 生活圈体检报告</h1>\n"
    );
    let community = snapshot
        .find(Layer::Compounds, &check.area.id)
        .and_then(|c| snapshot.compound_community(c))
        .map(|c| snapshot.data.communities[c as usize].name.as_str())
        .unwrap_or("—");
    let _ = writeln!(
        html,
        "<p class=\"meta\">小区编号 {} · 所属社区 {} · 依据 GB 50180-2018《城市居住区规划设计标准》附录B · 测距方式 {}</p>",
        escape(&check.area.id),
        escape(community),
        if check.method == crate::network::Method::Network { "步行路网" } else { "直线距离" },
    );
    if let Some(note) = check.method_note {
        let _ = writeln!(html, "<p class=\"meta\">注：{}</p>", escape(note));
    }
    let _ = writeln!(
        html,
        "<p class=\"score\">综合得分 {:.0} 分（达标 {} / {} 项必备设施）</p>",
        check.score * 100.0,
        check.met,
        check.required
    );
    if !check.missing.is_empty() {
        let missing: Vec<String> = check.missing.iter().map(|k| escape(k.label_zh())).collect();
        let _ = writeln!(html, "<p>缺项：{}</p>", missing.join("、"));
    }
    html.push_str("<h2>逐项检查</h2>\n<table>\n<thead><tr><th>设施</th><th>生活圈</th><th>要求步行</th><th>最近设施</th><th>步行距离</th><th>最远楼栋步行</th><th>是否达标</th><th>影响人数</th></tr></thead>\n<tbody>\n");
    for (i, kind) in check.kinds.iter().enumerate() {
        row(&mut html, i + 1, kind);
    }
    let share = format!("{}%", round_percent(pass_share));
    let _ = writeln!(
        html,
        "</tbody>\n</table>\n<p class=\"legend\">步行距离：小区内该设施服务人群（户数、常住人口、60岁以上老人或6岁以下儿童）的 {share} 所在楼栋到其最近设施的步行距离均不超过此值（按人数加权）；不超过要求步行即为达标。最远楼栋步行：离设施最远的楼栋的步行距离。影响人数为超出要求步行距离的楼栋中该服务人群之和。非必备设施以灰色显示，不计入得分。</p>"
    );
    html.push_str("<h2>位置示意</h2>\n");
    html.push_str(&map(snapshot, check));
    html.push_str("<p class=\"legend\">灰色：小区范围；蓝色：楼栋；绿色圆点：达标设施；红色圆点：未达标的最近设施（数字为上表序号）。</p>\n</body>\n</html>\n");
    html
}

fn row(html: &mut String, number: usize, kind: &KindCheck) {
    let class = if !kind.required {
        "optional"
    } else if kind.pass {
        "pass"
    } else {
        "fail"
    };
    let nearest = kind.nearest.as_ref().map_or_else(|| "—（搜索范围内无）".to_owned(), |f| escape(&f.name));
    let beyond = || format!("&gt; {:.0} 米", kind.limit_m * super::check::SEARCH_FACTOR);
    let walk = kind.walk_m.map_or_else(beyond, |m| format!("{m:.0} 米"));
    let farthest = kind.farthest_m.map_or_else(beyond, |m| format!("{m:.0} 米"));
    let verdict = match (kind.required, kind.pass) {
        (_, true) => "达标",
        (true, false) => "未达标",
        (false, false) => "未达标（非必备）",
    };
    let _ = writeln!(
        html,
        "<tr class=\"{class}\"><td>{number}. {}</td><td>{}</td><td class=\"num\">{:.0} 米</td><td>{nearest}</td><td class=\"num\">{walk}</td><td class=\"num\">{farthest}</td><td class=\"verdict\">{verdict}</td><td class=\"num\">{} {}</td></tr>",
        escape(kind.kind_label),
        escape(kind.circle_label),
        kind.limit_m,
        people(kind.affected),
        escape(kind.group.label_zh()),
    );
}

/// A share as a percentage, with a decimal only where it needs one (90, 87.5).
fn round_percent(share: f64) -> String {
    people((share * 1000.0).round() / 10.0)
}

fn people(n: f64) -> String {
    if n.fract() == 0.0 { format!("{n:.0}") } else { format!("{n:.1}") }
}

/// The compound's outline, its buildings and the nearest facilities, scaled to fit.
fn map(snapshot: &Snapshot, check: &Check) -> String {
    let Some(compound) = snapshot.find(Layer::Compounds, &check.area.id) else { return String::new() };
    let outline = &snapshot.data.compounds[compound as usize].geometry;
    let buildings: Vec<&Geometry> = (0..snapshot.data.buildings.len() as u32)
        .filter(|&b| snapshot.building_links(b).compound == Some(compound))
        .map(|b| &snapshot.data.buildings[b as usize].geometry)
        .collect();
    let facilities: Vec<(usize, &KindCheck, Coord)> = check
        .kinds
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            k.nearest.as_ref().filter(|f| f.lon.is_finite() && f.lat.is_finite()).map(|f| (i + 1, k, Coord { x: f.lon, y: f.lat }))
        })
        .collect();
    let mut extent: Option<Rect> = outline.bounding_rect();
    for c in facilities.iter().map(|(_, _, c)| *c) {
        extent = Some(match extent {
            None => Rect::new(c, c),
            Some(r) => {
                Rect::new(Coord { x: r.min().x.min(c.x), y: r.min().y.min(c.y) }, Coord { x: r.max().x.max(c.x), y: r.max().y.max(c.y) })
            }
        });
    }
    let Some(extent) = extent else { return String::new() };
    // Metres east and north are alike on the page: longitude shrinks by cos(latitude).
    let squeeze = extent.center().y.to_radians().cos().max(0.01);
    let width = ((extent.max().x - extent.min().x) * squeeze).max(1e-6);
    let height = (extent.max().y - extent.min().y).max(1e-6);
    let scale = ((MAP_W - 2.0 * MAP_PAD) / width).min((MAP_H - 2.0 * MAP_PAD) / height);
    let (used_w, used_h) = (width * scale, height * scale);
    let (left, top) = ((MAP_W - used_w) / 2.0, (MAP_H - used_h) / 2.0);
    let project = |c: Coord| -> (f64, f64) { (left + (c.x - extent.min().x) * squeeze * scale, top + (extent.max().y - c.y) * scale) };
    let path = |g: &Geometry| -> String {
        let mut d = String::new();
        let mut ring = |coords: &mut dyn Iterator<Item = Coord>| {
            for (i, c) in coords.enumerate() {
                let (x, y) = project(c);
                let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
            }
            d.push_str("Z ");
        };
        match g {
            Geometry::Polygon(p) => {
                ring(&mut p.exterior().coords().copied());
                for hole in p.interiors() {
                    ring(&mut hole.coords().copied());
                }
            }
            Geometry::MultiPolygon(m) => {
                for p in &m.0 {
                    ring(&mut p.exterior().coords().copied());
                    for hole in p.interiors() {
                        ring(&mut hole.coords().copied());
                    }
                }
            }
            other => ring(&mut other.coords_iter()),
        }
        d
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{MAP_W}\" height=\"{MAP_H}\" viewBox=\"0 0 {MAP_W} {MAP_H}\" role=\"img\" aria-label=\"{} 位置示意\">\n",
        escape(&check.area.name)
    );
    let _ = writeln!(svg, "<path d=\"{}\" fill=\"#ddd\" stroke=\"#666\" stroke-width=\"1.5\" fill-rule=\"evenodd\"/>", path(outline));
    for b in buildings {
        let _ = writeln!(svg, "<path d=\"{}\" fill=\"#6a8fc7\" stroke=\"#345\" stroke-width=\"0.5\"/>", path(b));
    }
    for (number, kind, at) in facilities {
        let (x, y) = project(at);
        let colour = if kind.pass { "#2a8a2a" } else { "#c33" };
        let name = kind.nearest.as_ref().map_or("", |f| f.name.as_str());
        let _ = writeln!(
            svg,
            "<g><title>{number}. {}：{}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{colour}\" stroke=\"#fff\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#222\">{number}</text></g>",
            escape(kind.kind_label),
            escape(name),
            x + 7.0,
            y + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}
