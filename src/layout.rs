//! Pure geometry: where each node of a snapshot sits in the diagram, and where a request is along
//! its link. No DOM here, so it is tested natively.

use sim::snapshot::{LinkView, Snapshot, Tier};

const MARGIN: f64 = 16.0;
const GAP: f64 = 6.0;
/// Below this width [CSS px] the diagram is drawn top to bottom instead of left to right.
pub const TALL_BELOW_PX: f64 = 700.0;

/// Left to right on wide screens; top to bottom on phones, where a wide drawing would be tiny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    Wide,
    Tall,
}

impl Orientation {
    pub fn for_width(px: f64) -> Self {
        if px < TALL_BELOW_PX {
            Orientation::Tall
        } else {
            Orientation::Wide
        }
    }

    /// The diagram's coordinate space (the SVG viewBox); the SVG scales it to any size.
    pub fn size(self) -> (f64, f64) {
        match self {
            Orientation::Wide => (1000.0, 560.0),
            // As wide as a phone's column, so that the diagram's text is drawn at about its
            // own size there (13 px type stays above 11 px at 390 px wide).
            Orientation::Tall => (380.0, 640.0),
        }
    }
}
/// Below this height a server box shows colour only, not its gauges.
const FULL_DETAIL_MIN_HEIGHT: f64 = 44.0;
const FULL_DETAIL_MIN_WIDTH: f64 = 120.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl NodeBox {
    /// Where links leave this box.
    fn exit(&self, o: Orientation) -> (f64, f64) {
        match o {
            Orientation::Wide => (self.x + self.w, self.y + self.h / 2.0),
            Orientation::Tall => (self.x + self.w / 2.0, self.y + self.h),
        }
    }
    /// Where links enter this box.
    fn entry(&self, o: Orientation) -> (f64, f64) {
        match o {
            Orientation::Wide => (self.x, self.y + self.h / 2.0),
            Orientation::Tall => (self.x + self.w / 2.0, self.y),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// gauges drawn on each server
    Full,
    /// many servers: each is a coloured tile
    Compact,
}

/// What a drawing's nodes say besides their names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labels {
    /// names, state and load (answered, in flight, the balancer's algorithm)
    Full,
    /// a drawing smaller than `FITTED_MIN` (an embed in a 320×240 frame), drawn at its own size
    /// so that its text keeps its own size: the clients, the balancer, the router and the
    /// machines say their names only, each left out where it does not fit; servers show what
    /// their boxes have room for, as at any size. A node's state stays in its tooltip, its
    /// accessible name and the inspector.
    NamesOnly,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub orientation: Orientation,
    pub labels: Labels,
    pub width: f64,
    pub height: f64,
    /// one box per snapshot node, same order
    pub boxes: Vec<NodeBox>,
    pub server_detail: Detail,
    /// where each box sits in a grid of several lines (columns when wide, rows when tall), so
    /// that links to and from it can keep to the gaps; `None` for a box alone in its line
    pub spots: Vec<Option<GridSpot>>,
}

/// A box's place in a grid that wraps onto several lines, along the diagram's main axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridSpot {
    /// where the grid's first line starts, and its last line ends
    pub first: f64,
    pub end: f64,
    /// lines before this box's, and after it
    pub lines_before: bool,
    pub lines_after: bool,
}

/// How a tier sits along the diagram's main axis (x when wide, y when tall): a band of `size`
/// (the web tier takes whatever the others leave), and a lone node's box in it, `offset` into
/// the band, `len` along the axis and `breadth` across it (centred).
struct Band {
    size: f64,
    offset: f64,
    len: f64,
    breadth: f64,
}

/// The band of each tier but the web's. Tiers before the web tier stack from the start of the
/// axis, tiers after it from its far end, so any number of tiers fit with the web servers
/// taking the room between.
fn band(tier: Tier, o: Orientation, labels: Labels) -> Band {
    let b = |size, offset, len, breadth| Band { size, offset, len, breadth };
    if labels == Labels::NamesOnly {
        // Room for a name at the small drawing's 12 px ("Load balancer" is about 90 px).
        return match tier {
            Tier::Clients => b(72.0, 2.0, 62.0, 40.0),
            Tier::Edge => b(122.0, 4.0, 108.0, 40.0),
            Tier::Router => b(74.0, 6.0, 62.0, 40.0),
            Tier::Web | Tier::Cache | Tier::Data => b(84.0, 8.0, 72.0, 40.0),
        };
    }
    match (tier, o) {
        (Tier::Clients, Orientation::Wide) => b(300.0, 40.0, 140.0, 80.0),
        (Tier::Clients, Orientation::Tall) => b(150.0, MARGIN, 80.0, 180.0),
        (Tier::Edge, Orientation::Wide) => b(340.0, 40.0, 200.0, 90.0),
        (Tier::Edge, Orientation::Tall) => b(150.0, 0.0, 90.0, 220.0),
        (Tier::Router, Orientation::Wide) => b(110.0, 15.0, 90.0, 80.0),
        (Tier::Router, Orientation::Tall) => b(100.0, 20.0, 70.0, 200.0),
        (Tier::Web | Tier::Cache | Tier::Data, Orientation::Wide) => b(140.0, 20.0, 120.0, 90.0),
        (Tier::Web | Tier::Cache | Tier::Data, Orientation::Tall) => b(140.0, 40.0, 100.0, 220.0),
    }
}

pub fn layout(snapshot: &Snapshot, orientation: Orientation) -> Layout {
    layout_in(snapshot, orientation, orientation.size(), Labels::Full)
}

/// The smallest drawing `fitted` makes, wide: below it the tiers before the web servers no
/// longer fit (they shrink to half at most), and a server tile no longer holds its text.
pub const FITTED_MIN: (f64, f64) = (600.0, 180.0);

/// The smallest drawing with names only (`Labels::NamesOnly`): four servers' names still fit
/// one above another.
pub const SMALL_MIN: (f64, f64) = (240.0, 84.0);

/// A wide drawing the size of the box it is shown in [CSS px], so that its text is drawn at its
/// own size rather than scaled down (an embed in course notes). A box smaller than
/// `FITTED_MIN` gets a drawing with names only, never under `SMALL_MIN`.
pub fn fitted(snapshot: &Snapshot, (width, height): (f64, f64)) -> Layout {
    if width >= FITTED_MIN.0 && height >= FITTED_MIN.1 {
        return layout_in(snapshot, Orientation::Wide, (width, height), Labels::Full);
    }
    let size = (width.max(SMALL_MIN.0), height.max(SMALL_MIN.1));
    layout_in(snapshot, Orientation::Wide, size, Labels::NamesOnly)
}

fn layout_in(snapshot: &Snapshot, orientation: Orientation, (width, height): (f64, f64), labels: Labels) -> Layout {
    let band = |tier| band(tier, orientation, labels);
    // A small drawing keeps its height for the servers' names.
    let (margin, gap) = match labels {
        Labels::NamesOnly => (4.0, 3.0),
        Labels::Full => (MARGIN, GAP),
    };
    let (axis_len, across_len) = match orientation {
        Orientation::Wide => (width, height),
        Orientation::Tall => (height, width),
    };
    // The tiers present, in order, each with its nodes (indices into the snapshot), in order.
    let tiers: Vec<(Tier, Vec<usize>)> = Tier::ALL
        .iter()
        .map(|&tier| (tier, (0..snapshot.nodes.len()).filter(|&i| snapshot.nodes[i].tier == tier).collect::<Vec<_>>()))
        .filter(|(_, nodes)| !nodes.is_empty())
        .collect();
    let after_web: f64 = tiers.iter().filter(|(t, _)| *t > Tier::Web).map(|(t, _)| band(*t).size).sum();
    // With several tiers behind the web servers (a router and its shards), the tiers in front
    // of them shrink so that the web servers keep room for their gauges.
    let before_web: f64 = tiers.iter().filter(|(t, _)| *t < Tier::Web).map(|(t, _)| band(*t).size).sum();
    let web_room = axis_len - margin - after_web - before_web;
    let min_web = match (orientation, labels) {
        // (the front tiers keep their names before the servers keep theirs: a server keeps its number)
        (_, Labels::NamesOnly) => 50.0,
        (Orientation::Wide, Labels::Full) => 260.0,
        (Orientation::Tall, Labels::Full) => 150.0,
    };
    let front_scale = if web_room < min_web && before_web > 0.0 {
        ((axis_len - margin - after_web - min_web) / before_web).clamp(0.5, 1.0)
    } else {
        1.0
    };
    // A rectangle from a span along the axis and one across it.
    let rect = |(along, along_len): (f64, f64), (across, across_len): (f64, f64)| match orientation {
        Orientation::Wide => NodeBox { x: along, y: across, w: along_len, h: across_len },
        Orientation::Tall => NodeBox { x: across, y: along, w: across_len, h: along_len },
    };
    let mut boxes = vec![NodeBox { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; snapshot.nodes.len()];
    let mut spots = vec![None; snapshot.nodes.len()];
    let mut server_detail = Detail::Full;
    let mut at = 0.0;
    for (tier, nodes) in &tiers {
        let mut b = band(*tier);
        if *tier < Tier::Web {
            // The band shrinks: the room before the node goes first, so that the node keeps
            // its length (and its text) as long as it can.
            b.size *= front_scale;
            b.offset = b.offset.min(b.size - b.len - GAP).max(0.0);
            b.len = b.len.min(b.size - b.offset - GAP);
        }
        if *tier == Tier::Web {
            // The web servers take the room the other tiers leave.
            let size = axis_len - margin - after_web - at;
            let area = rect((at, size), (margin, across_len - 2.0 * margin));
            let grid = ServerGrid::for_count(nodes.len(), (area.x, area.y, area.w, area.h), orientation, gap);
            for (k, &i) in nodes.iter().enumerate() {
                boxes[i] = grid.cell(k);
                spots[i] = grid.spot(k);
            }
            server_detail = grid.detail();
            at = axis_len - margin - after_web;
            continue;
        }
        if let [only] = nodes[..] {
            boxes[only] = rect((at + b.offset, b.len), (across_len / 2.0 - b.breadth / 2.0, b.breadth));
        } else {
            // Several nodes in a tier other than the web's (shards, replicas): a grid in its band.
            let area = rect((at + b.offset, b.size - b.offset), (margin, across_len - 2.0 * margin));
            let grid = ServerGrid::for_count(nodes.len(), (area.x, area.y, area.w, area.h), orientation, gap);
            for (k, &i) in nodes.iter().enumerate() {
                boxes[i] = grid.cell(k);
                spots[i] = grid.spot(k);
            }
        }
        at += b.size;
    }
    Layout { orientation, labels, width, height, boxes, server_detail, spots }
}

/// Servers fill columns top to bottom (wide) or rows left to right (tall), in as few columns or
/// rows as keep each tile roughly square, centred in their area.
struct ServerGrid {
    orientation: Orientation,
    /// cells along the direction servers fill first (rows of a column, or columns of a row)
    per_line: usize,
    lines: usize,
    cell_w: f64,
    cell_h: f64,
    /// the gaps between cells: the drawing's gap, or half a cell's pitch when cells are smaller
    /// than two gaps (a thousand servers in a small drawing)
    gap_w: f64,
    gap_h: f64,
    left: f64,
    top: f64,
}

impl ServerGrid {
    fn for_count(n: usize, (x, y, area_w, area_h): (f64, f64, f64, f64), orientation: Orientation, gap: f64) -> Self {
        let n = n.max(1);
        // A few servers get one line with room for their gauges; more share a near-square grid.
        let (few, across_over_along) = match orientation {
            Orientation::Wide => (8, area_w / area_h),
            // (two to a row on a phone's width keeps each server's gauges)
            Orientation::Tall => (2, area_h / area_w),
        };
        let lines = if n <= few { 1 } else { ((n as f64 * across_over_along).sqrt().ceil() as usize).max(2) };
        let per_line = n.div_ceil(lines);
        let (columns, rows) = match orientation {
            Orientation::Wide => (lines, per_line),
            Orientation::Tall => (per_line, lines),
        };
        let (pitch_w, pitch_h) = (area_w / columns as f64, area_h / rows as f64);
        let (gap_w, gap_h) = (gap.min(pitch_w / 2.0), gap.min(pitch_h / 2.0));
        let cell_w = pitch_w - gap_w;
        let cell_h = (pitch_h - gap_h).min(88.0);
        let used_w = columns as f64 * (cell_w + gap_w) - gap_w;
        let used_h = rows as f64 * (cell_h + gap_h) - gap_h;
        ServerGrid {
            orientation,
            per_line,
            lines,
            cell_w,
            cell_h,
            gap_w,
            gap_h,
            left: x + (area_w - used_w) / 2.0,
            top: y + (area_h - used_h) / 2.0,
        }
    }

    /// Whether a cell has room for a server's gauges.
    fn detail(&self) -> Detail {
        if self.cell_h >= FULL_DETAIL_MIN_HEIGHT && self.cell_w >= FULL_DETAIL_MIN_WIDTH {
            Detail::Full
        } else {
            Detail::Compact
        }
    }

    /// Where a cell sits among the grid's lines, when there are several.
    fn spot(&self, index: usize) -> Option<GridSpot> {
        let line = index / self.per_line;
        let (first, step, gap) = match self.orientation {
            Orientation::Wide => (self.left, self.cell_w + self.gap_w, self.gap_w),
            Orientation::Tall => (self.top, self.cell_h + self.gap_h, self.gap_h),
        };
        (self.lines > 1).then(|| GridSpot {
            first,
            end: first + self.lines as f64 * step - gap,
            lines_before: line > 0,
            lines_after: line + 1 < self.lines,
        })
    }

    fn cell(&self, index: usize) -> NodeBox {
        let (along, across) = (index % self.per_line, index / self.per_line);
        let (column, row) = match self.orientation {
            Orientation::Wide => (across, along),
            Orientation::Tall => (along, across),
        };
        NodeBox {
            x: self.left + column as f64 * (self.cell_w + self.gap_w),
            y: self.top + row as f64 * (self.cell_h + self.gap_h),
            w: self.cell_w,
            h: self.cell_h,
        }
    }
}

/// The link's ends: from where it leaves its `from` node to where it enters its `to` node.
pub fn link_ends(layout: &Layout, link: LinkView) -> ((f64, f64), (f64, f64)) {
    let o = layout.orientation;
    (layout.boxes[link.from].exit(o), layout.boxes[link.to].entry(o))
}

/// The most points a link's path has: its two ends and three turns at each.
const MAX_PATH_POINTS: usize = 8;

/// A link's path. Straight, except at a box in a grid of several lines: there the path turns
/// into the gap before the box's row (or column) and runs along it to the first line (or from
/// the last), so that neither the line nor the dots on it cross another box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkPath {
    points: [(f64, f64); MAX_PATH_POINTS],
    len: usize,
}

impl LinkPath {
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points[..self.len]
    }

    fn push(&mut self, point: (f64, f64)) {
        self.points[self.len] = point;
        self.len += 1;
    }

    /// The point `position` (0 to 1) of the way along the path, by length.
    pub fn point_at(&self, position: f64) -> (f64, f64) {
        let points = self.points();
        let segment = |w: &[(f64, f64)]| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        let total: f64 = points.windows(2).map(segment).sum();
        let mut left = position.clamp(0.0, 1.0) * total;
        for w in points.windows(2) {
            let len = segment(w);
            if left <= len && len > 0.0 {
                let t = left / len;
                return (w[0].0 + (w[1].0 - w[0].0) * t, w[0].1 + (w[1].1 - w[0].1) * t);
            }
            left -= len;
        }
        points[points.len() - 1]
    }
}

pub fn link_path(layout: &Layout, link: LinkView) -> LinkPath {
    let o = layout.orientation;
    let half_gap = GAP / 2.0;
    // Points written along the main axis and across it, whatever the orientation.
    let xy = |along: f64, across: f64| match o {
        Orientation::Wide => (along, across),
        Orientation::Tall => (across, along),
    };
    // A box's start and end along the axis, and its start and middle across it.
    let spans = |b: &NodeBox| match o {
        Orientation::Wide => (b.x, b.x + b.w, b.y, b.y + b.h / 2.0),
        Orientation::Tall => (b.y, b.y + b.h, b.x, b.x + b.w / 2.0),
    };
    let (from, to) = (&layout.boxes[link.from], &layout.boxes[link.to]);
    let mut path = LinkPath { points: [(0.0, 0.0); MAX_PATH_POINTS], len: 0 };
    path.push(from.exit(o));
    if let Some(spot) = layout.spots.get(link.from).copied().flatten().filter(|s| s.lines_after) {
        let (_, end, start, middle) = spans(from);
        path.push(xy(end + half_gap, middle));
        path.push(xy(end + half_gap, start - half_gap));
        path.push(xy(spot.end + half_gap, start - half_gap));
    }
    if let Some(spot) = layout.spots.get(link.to).copied().flatten().filter(|s| s.lines_before) {
        let (begin, _, start, middle) = spans(to);
        path.push(xy(spot.first - half_gap, start - half_gap));
        path.push(xy(begin - half_gap, start - half_gap));
        path.push(xy(begin - half_gap, middle));
    }
    path.push(to.entry(o));
    path
}

/// A point `position` (0 to 1) of the way along `link`.
pub fn point_on_link(layout: &Layout, link: LinkView, position: f64) -> (f64, f64) {
    link_path(layout, link).point_at(position)
}

/// The replication logs' curves, by link, when every node they join stands in one column (one
/// row on a phone), whose far side is free for them; none when the nodes wrap onto several
/// lines, where a curve would cross the boxes of the next (the captions and lag bars still say
/// it, and the space-time view draws each entry).
pub fn log_curves(layout: &Layout, links: &[LinkView]) -> Vec<[(f64, f64); 3]> {
    let line = |node: usize| match layout.orientation {
        Orientation::Wide => layout.boxes[node].x,
        Orientation::Tall => layout.boxes[node].y,
    };
    let Some(first) = links.first() else { return Vec::new() };
    if links.iter().any(|l| l.from.max(l.to) >= layout.boxes.len()) {
        return Vec::new();
    }
    let one_line = links.iter().all(|l| line(l.from) == line(first.from) && line(l.to) == line(first.from));
    if !one_line {
        return Vec::new();
    }
    links.iter().map(|&link| log_curve(layout, link)).collect()
}

/// A replication log's curve from a primary to its replica in the same column (or row): out of
/// their far sides and round, so that it passes beside the boxes between them rather than
/// through them. Its start, control point and end (a quadratic Bézier).
fn log_curve(layout: &Layout, link: LinkView) -> [(f64, f64); 3] {
    let (from, to) = (&layout.boxes[link.from], &layout.boxes[link.to]);
    match layout.orientation {
        Orientation::Wide => {
            let (x0, y0, x1, y1) = (from.x + from.w, from.y + from.h / 2.0, to.x + to.w, to.y + to.h / 2.0);
            let bulge = (12.0 + 0.1 * (y1 - y0).abs()).min(28.0);
            [(x0, y0), (x0.max(x1) + bulge, (y0 + y1) / 2.0), (x1, y1)]
        }
        Orientation::Tall => {
            let (x0, y0, x1, y1) = (from.x + from.w / 2.0, from.y + from.h, to.x + to.w / 2.0, to.y + to.h);
            let bulge = (12.0 + 0.1 * (x1 - x0).abs()).min(28.0);
            [(x0, y0), ((x0 + x1) / 2.0, y0.max(y1) + bulge), (x1, y1)]
        }
    }
}

/// A point `t` (0 to 1) of the way along a quadratic Bézier.
pub fn point_on_curve([(x0, y0), (cx, cy), (x1, y1)]: [(f64, f64); 3], t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (u * u * x0 + 2.0 * u * t * cx + t * t * x1, u * u * y0 + 2.0 * u * t * cy + t * t * y1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::snapshot::NodeKind;
    use sim::{Scenario, Sim, SimTime};

    fn snapshot_with(servers: u32) -> Snapshot {
        snapshot_of(servers, sim::scenario::SessionMode::None)
    }

    fn snapshot_of(servers: u32, sessions: sim::scenario::SessionMode) -> Snapshot {
        let mut s = Scenario::default();
        s.servers.count = servers;
        s.sessions.mode = sessions;
        let mut sim = Sim::new(s.validate().unwrap());
        sim.run_until(SimTime::from_millis(500));
        sim.snapshot(100)
    }

    fn inside(b: &NodeBox, (width, height): (f64, f64)) -> bool {
        b.x >= 0.0 && b.y >= 0.0 && b.x + b.w <= width && b.y + b.h <= height && b.w > 0.0 && b.h > 0.0
    }

    fn overlap(a: &NodeBox, b: &NodeBox) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn in_a_narrow_drawing_the_balancer_keeps_room_for_its_algorithm() {
        // "Round robin (weighted)" at 13 px is about 155 units wide.
        let l = fitted(&snapshot_with(4), (626.0, 285.0));
        assert!(l.boxes[1].w >= 160.0, "{:?}", l.boxes[1]);
    }

    #[test]
    fn a_fitted_drawing_keeps_every_node_inside_and_apart_at_its_smallest_and_beyond() {
        let small = [(100.0, 50.0), SMALL_MIN, (306.0, 97.0), (306.0, 330.0), (466.0, 202.0), (640.0, 150.0)];
        for size in [FITTED_MIN, (640.0, 320.0), (788.0, 300.0), (1_400.0, 700.0)].into_iter().chain(small) {
            for servers in [1, 4, 8, 9, 30, 100, 1_000] {
                let l = fitted(&snapshot_with(servers), size);
                let drawn = (l.width, l.height);
                if small.contains(&size) {
                    assert_eq!(
                        (drawn, l.labels),
                        ((size.0.max(SMALL_MIN.0), size.1.max(SMALL_MIN.1)), Labels::NamesOnly)
                    );
                } else {
                    assert_eq!((drawn, l.labels), (size, Labels::Full));
                }
                for (i, a) in l.boxes.iter().enumerate() {
                    assert!(inside(a, drawn), "{size:?} {servers} servers: box {i} {a:?}");
                    for b in &l.boxes[i + 1..] {
                        assert!(!overlap(a, b), "{size:?} {servers} servers: {a:?} overlaps {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_node_fits_and_none_overlap_from_one_to_a_thousand_servers() {
        for orientation in [Orientation::Wide, Orientation::Tall] {
            for servers in [1, 2, 4, 8, 9, 30, 100, 1_000] {
                let l = layout(&snapshot_with(servers), orientation);
                assert_eq!(l.boxes.len(), servers as usize + 2);
                for (i, a) in l.boxes.iter().enumerate() {
                    assert!(inside(a, orientation.size()), "{orientation:?} {servers} servers: box {i} {a:?}");
                    for b in &l.boxes[i + 1..] {
                        assert!(!overlap(a, b), "{orientation:?} {servers} servers: {a:?} overlaps {b:?}");
                    }
                }
                if servers <= 4 || (servers <= 8 && orientation == Orientation::Wide) {
                    assert_eq!(l.server_detail, Detail::Full, "{orientation:?} {servers}");
                }
                if servers >= 30 {
                    assert_eq!(l.server_detail, Detail::Compact, "{orientation:?} {servers}");
                }
            }
        }
    }

    #[test]
    fn a_session_store_sits_beyond_the_servers_without_overlap() {
        for orientation in [Orientation::Wide, Orientation::Tall] {
            for servers in [1, 4, 8, 30, 300] {
                let snap = snapshot_of(servers, sim::scenario::SessionMode::Database);
                let l = layout(&snap, orientation);
                assert_eq!(l.boxes.len(), servers as usize + 3);
                let store = l.boxes.last().unwrap();
                assert!(inside(store, orientation.size()), "{orientation:?} {servers}: {store:?}");
                for b in &l.boxes[..l.boxes.len() - 1] {
                    assert!(!overlap(store, b), "{orientation:?} {servers}: store {store:?} overlaps {b:?}");
                }
                // One link from each server to the store, leaving the server towards it.
                let store_links: Vec<_> = snap.links.iter().filter(|k| k.to == snap.nodes.len() - 1).collect();
                assert_eq!(store_links.len(), servers as usize);
                for &&k in &store_links {
                    let ((x0, y0), (x1, y1)) = link_ends(&l, k);
                    assert!(if orientation == Orientation::Wide { x1 > x0 } else { y1 > y0 });
                }
            }
        }
    }

    /// A data tier of eight shards behind a router, and a cache tier between them and the
    /// servers: each tier gets a
    /// band of its own, in order along the axis, and nothing overlaps.
    #[test]
    fn any_number_of_tiers_fit_in_order() {
        use sim::snapshot::{Gauges, MachineGauges, NodeView};
        let machine = MachineGauges {
            busy_so_far: None,
            busy_slots: 0,
            slots: 4,
            queue_len: 0,
            queue_limit: 10,
            utilisation: None,
            served: 0,
            fault: sim::snapshot::Fault::None,
        };
        let node = |tier, label: String| NodeView {
            kind: NodeKind::SessionStore,
            tier,
            label,
            caption: String::new(),
            gauges: Gauges::Store(machine),
        };
        for orientation in [Orientation::Wide, Orientation::Tall] {
            for servers in [1, 8, 100] {
                let mut snap = snapshot_with(servers);
                snap.nodes.push(node(Tier::Cache, "Cache".into()));
                snap.nodes.push(node(Tier::Router, "Router".into()));
                for shard in 0..8 {
                    snap.nodes.push(node(Tier::Data, format!("Shard {shard}")));
                }
                let l = layout(&snap, orientation);
                let along =
                    |b: &NodeBox| if orientation == Orientation::Wide { (b.x, b.x + b.w) } else { (b.y, b.y + b.h) };
                for (i, a) in l.boxes.iter().enumerate() {
                    assert!(inside(a, orientation.size()), "{orientation:?} {servers}: box {i} {a:?}");
                    for b in &l.boxes[i + 1..] {
                        assert!(!overlap(a, b), "{orientation:?} {servers}: {a:?} overlaps {b:?}");
                    }
                }
                // Every node of a later tier lies wholly beyond every node of an earlier one.
                for (i, a) in snap.nodes.iter().enumerate() {
                    for (j, b) in snap.nodes.iter().enumerate() {
                        if a.tier < b.tier {
                            assert!(along(&l.boxes[i]).1 <= along(&l.boxes[j]).0, "{orientation:?} {servers}: {i} {j}");
                        }
                    }
                }
            }
        }
    }

    /// A grid of several lines: no link, nor a dot on it, crosses a box other than its two ends
    /// (links keep to the gaps between boxes), whether it enters the grid or leaves it.
    #[test]
    fn links_keep_to_the_gaps_of_a_grid() {
        for orientation in [Orientation::Wide, Orientation::Tall] {
            for servers in [12, 30, 100] {
                let snap = snapshot_of(servers, sim::scenario::SessionMode::Database);
                let l = layout(&snap, orientation);
                assert!(
                    l.spots.iter().any(|s| s.is_some_and(|s| s.lines_before)),
                    "{orientation:?} {servers}: one line"
                );
                let strictly_inside = |b: &NodeBox, (x, y): (f64, f64)| {
                    x > b.x + 0.5 && x < b.x + b.w - 0.5 && y > b.y + 0.5 && y < b.y + b.h - 0.5
                };
                for link in &snap.links {
                    let path = link_path(&l, *link);
                    for step in 0..=400 {
                        let point = path.point_at(f64::from(step) / 400.0);
                        for (i, b) in l.boxes.iter().enumerate() {
                            if i != link.from && i != link.to {
                                assert!(
                                    !strictly_inside(b, point),
                                    "{orientation:?} {servers}: link {link:?} crosses box {i} at {point:?}"
                                );
                            }
                        }
                    }
                    let near = |(ax, ay): (f64, f64), (bx, by): (f64, f64)| (ax - bx).hypot(ay - by) < 1e-9;
                    assert!(near(path.point_at(0.0), l.boxes[link.from].exit(orientation)));
                    assert!(near(path.point_at(1.0), l.boxes[link.to].entry(orientation)));
                }
            }
        }
    }

    #[test]
    fn requests_sit_on_their_links() {
        let snap = snapshot_with(4);
        let l = layout(&snap, Orientation::Wide);
        assert!(!snap.requests.is_empty());
        for r in &snap.requests {
            let link = snap.links[r.link];
            let ((x0, _), (x1, _)) = link_ends(&l, link);
            let (x, _) = point_on_link(&l, link, r.position);
            assert!(x >= x0.min(x1) && x <= x0.max(x1));
        }
        assert_eq!(Orientation::for_width(390.0), Orientation::Tall);
        assert_eq!(Orientation::for_width(1400.0), Orientation::Wide);
    }

    #[test]
    fn replication_logs_curve_beside_their_column_and_give_way_when_it_wraps() {
        let preset = sim::presets::find("data-replication-sharded").expect("a preset");
        let mut sim = Sim::new((preset.build)().validate().unwrap());
        sim.run_until(SimTime::from_secs(2));
        let snap = sim.snapshot(100);
        assert_eq!(snap.log.links.len(), 4, "two shards, two replicas each");
        let wide = layout(&snap, Orientation::Wide);
        let curves = log_curves(&wide, &snap.log.links);
        assert_eq!(curves.len(), 4);
        for (curve, link) in curves.iter().zip(&snap.log.links) {
            let (from, to) = (&wide.boxes[link.from], &wide.boxes[link.to]);
            // out of the primary's right side, round beside the column, into the replica's
            assert_eq!(curve[0], (from.x + from.w, from.y + from.h / 2.0));
            assert_eq!(curve[2], (to.x + to.w, to.y + to.h / 2.0));
            assert!(curve[1].0 > from.x + from.w && point_on_curve(*curve, 0.5).0 <= wide.width);
        }
        // Six boxes wrap onto two rows on a phone: no curve would miss the second row's boxes.
        assert!(log_curves(&layout(&snap, Orientation::Tall), &snap.log.links).is_empty());
        assert!(snap.log.lag.iter().all(|&(node, lag)| lag >= 0.0 && node < snap.nodes.len()));
    }
}
