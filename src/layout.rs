//! Pure geometry: where each node of a snapshot sits in the diagram, and where a request is along
//! its link. No DOM here, so it is tested natively.

use sim::snapshot::{LinkView, NodeKind, Snapshot};

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
            Orientation::Tall => (600.0, 620.0),
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

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub orientation: Orientation,
    pub width: f64,
    pub height: f64,
    /// one box per snapshot node, same order
    pub boxes: Vec<NodeBox>,
    pub server_detail: Detail,
}

/// Room kept beyond the servers for a session store (right of them, or below them).
const STORE_BAND: f64 = 140.0;

/// The rectangle servers are laid out in: x, y, width, height. With a session store they
/// leave it a band on the far side.
fn server_area(o: Orientation, with_store: bool) -> (f64, f64, f64, f64) {
    let (w, h) = o.size();
    let band = if with_store { STORE_BAND } else { 0.0 };
    match o {
        Orientation::Wide => (640.0, MARGIN, w - MARGIN - 640.0 - band, h - 2.0 * MARGIN),
        Orientation::Tall => (MARGIN, 300.0, w - 2.0 * MARGIN, h - MARGIN - 300.0 - band),
    }
}

/// The session store's box, in the band `server_area` leaves for it.
fn store_box(o: Orientation) -> NodeBox {
    let (w, h) = o.size();
    match o {
        Orientation::Wide => {
            NodeBox { x: w - MARGIN - STORE_BAND + 20.0, y: h / 2.0 - 45.0, w: STORE_BAND - 20.0, h: 90.0 }
        }
        Orientation::Tall => {
            NodeBox { x: w / 2.0 - 110.0, y: h - MARGIN - STORE_BAND + 40.0, w: 220.0, h: STORE_BAND - 40.0 }
        }
    }
}

pub fn layout(snapshot: &Snapshot, orientation: Orientation) -> Layout {
    let (width, height) = orientation.size();
    let servers = snapshot.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Server { .. })).count();
    let with_store = snapshot.nodes.iter().any(|n| n.kind == NodeKind::SessionStore);
    let grid = ServerGrid::for_count(servers, server_area(orientation, with_store), orientation);
    let (clients, balancer) = match orientation {
        Orientation::Wide => (
            NodeBox { x: 40.0, y: height / 2.0 - 40.0, w: 140.0, h: 80.0 },
            NodeBox { x: 340.0, y: height / 2.0 - 45.0, w: 200.0, h: 90.0 },
        ),
        Orientation::Tall => (
            NodeBox { x: width / 2.0 - 90.0, y: MARGIN, w: 180.0, h: 80.0 },
            NodeBox { x: width / 2.0 - 110.0, y: 150.0, w: 220.0, h: 90.0 },
        ),
    };
    let mut next_server = 0;
    let boxes = snapshot
        .nodes
        .iter()
        .map(|node| match node.kind {
            NodeKind::Clients => clients,
            NodeKind::Balancer => balancer,
            NodeKind::Server { .. } => {
                let b = grid.cell(next_server);
                next_server += 1;
                b
            }
            NodeKind::SessionStore => store_box(orientation),
        })
        .collect();
    let server_detail = if grid.cell_h >= FULL_DETAIL_MIN_HEIGHT && grid.cell_w >= FULL_DETAIL_MIN_WIDTH {
        Detail::Full
    } else {
        Detail::Compact
    };
    Layout { orientation, width, height, boxes, server_detail }
}

/// Servers fill columns top to bottom (wide) or rows left to right (tall), in as few columns or
/// rows as keep each tile roughly square, centred in their area.
struct ServerGrid {
    orientation: Orientation,
    /// cells along the direction servers fill first (rows of a column, or columns of a row)
    per_line: usize,
    cell_w: f64,
    cell_h: f64,
    left: f64,
    top: f64,
}

impl ServerGrid {
    fn for_count(n: usize, (x, y, area_w, area_h): (f64, f64, f64, f64), orientation: Orientation) -> Self {
        let n = n.max(1);
        // A few servers get one line with room for their gauges; more share a near-square grid.
        let (few, across_over_along) = match orientation {
            Orientation::Wide => (8, area_w / area_h),
            Orientation::Tall => (4, area_h / area_w),
        };
        let lines = if n <= few { 1 } else { ((n as f64 * across_over_along).sqrt().ceil() as usize).max(2) };
        let per_line = n.div_ceil(lines);
        let (columns, rows) = match orientation {
            Orientation::Wide => (lines, per_line),
            Orientation::Tall => (per_line, lines),
        };
        let cell_w = area_w / columns as f64 - GAP;
        let cell_h = (area_h / rows as f64 - GAP).min(88.0);
        let used_w = columns as f64 * (cell_w + GAP) - GAP;
        let used_h = rows as f64 * (cell_h + GAP) - GAP;
        ServerGrid {
            orientation,
            per_line,
            cell_w,
            cell_h,
            left: x + (area_w - used_w) / 2.0,
            top: y + (area_h - used_h) / 2.0,
        }
    }

    fn cell(&self, index: usize) -> NodeBox {
        let (along, across) = (index % self.per_line, index / self.per_line);
        let (column, row) = match self.orientation {
            Orientation::Wide => (across, along),
            Orientation::Tall => (along, across),
        };
        NodeBox {
            x: self.left + column as f64 * (self.cell_w + GAP),
            y: self.top + row as f64 * (self.cell_h + GAP),
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

/// A point `position` (0 to 1) of the way along `link`.
pub fn point_on_link(layout: &Layout, link: LinkView, position: f64) -> (f64, f64) {
    let ((x0, y0), (x1, y1)) = link_ends(layout, link);
    (x0 + (x1 - x0) * position, y0 + (y1 - y0) * position)
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
