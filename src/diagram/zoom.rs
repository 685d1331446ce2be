//! Zooming into the diagram and moving about it (pinch and drag on a phone, the wheel with Ctrl
//! or a trackpad's pinch on a computer, and the zoom buttons): the part of the drawing shown, as
//! a viewBox, kept inside the drawing and between the whole of it and an eighth of its width.
//! Pure geometry, tested natively.

/// The most the diagram zooms in: an eighth of its width fills the frame.
const MAX_ZOOM: f64 = 8.0;

/// A rectangle in the drawing's coordinates (its viewBox).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Where an element sits on screen [CSS px].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenRect {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl ViewBox {
    /// The whole drawing.
    pub fn whole(width: f64, height: f64) -> ViewBox {
        ViewBox { x: 0.0, y: 0.0, w: width, h: height }
    }

    pub fn attribute(&self) -> String {
        format!(
            "{} {} {} {}",
            crate::svg::number(self.x),
            crate::svg::number(self.y),
            crate::svg::number(self.w),
            crate::svg::number(self.h)
        )
    }

    /// How many times the whole drawing this shows (1 for the whole).
    pub fn zoom(&self, whole: &ViewBox) -> f64 {
        whole.w / self.w
    }

    /// The point of the drawing under a point of the screen, for an element on `rect` showing
    /// this box as `preserveAspectRatio="xMidYMid meet"` does (scaled to fit, centred).
    pub fn at(&self, rect: &ScreenRect, (sx, sy): (f64, f64)) -> (f64, f64) {
        let scale = (rect.width / self.w).min(rect.height / self.h);
        if !(scale.is_finite() && scale > 0.0) {
            return (self.x + self.w / 2.0, self.y + self.h / 2.0);
        }
        let left = rect.left + (rect.width - self.w * scale) / 2.0;
        let top = rect.top + (rect.height - self.h * scale) / 2.0;
        (self.x + (sx - left) / scale, self.y + (sy - top) / scale)
    }

    /// Zoomed by `factor` (above 1 in, below 1 out) keeping the point `about` where it is, and
    /// kept within the whole drawing.
    pub fn zoomed(&self, factor: f64, about: (f64, f64), whole: &ViewBox) -> ViewBox {
        let zoom = (self.zoom(whole) * factor).clamp(1.0, MAX_ZOOM);
        let (w, h) = (whole.w / zoom, whole.h / zoom);
        let (fx, fy) = ((about.0 - self.x) / self.w, (about.1 - self.y) / self.h);
        ViewBox { x: about.0 - fx * w, y: about.1 - fy * h, w, h }.kept_in(whole)
    }

    /// Moved by (dx, dy) in the drawing's units, kept within the whole drawing.
    pub fn moved(&self, dx: f64, dy: f64, whole: &ViewBox) -> ViewBox {
        ViewBox { x: self.x + dx, y: self.y + dy, ..*self }.kept_in(whole)
    }

    fn kept_in(self, whole: &ViewBox) -> ViewBox {
        let x = self.x.clamp(whole.x, whole.x + whole.w - self.w);
        let y = self.y.clamp(whole.y, whole.y + whole.h - self.h);
        ViewBox { x, y, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHOLE: ViewBox = ViewBox { x: 0.0, y: 0.0, w: 1000.0, h: 560.0 };

    #[test]
    fn zooming_keeps_the_point_under_the_fingers_and_stays_inside_the_drawing() {
        let twice = WHOLE.zoomed(2.0, (250.0, 140.0), &WHOLE);
        assert_eq!(twice, ViewBox { x: 125.0, y: 70.0, w: 500.0, h: 280.0 });
        assert_eq!(twice.zoom(&WHOLE), 2.0);
        // Zooming out near an edge keeps the box inside rather than showing past the edge.
        let corner = ViewBox { x: 500.0, y: 280.0, w: 500.0, h: 280.0 };
        let out = corner.zoomed(1.0 / 1.5, (750.0, 420.0), &WHOLE);
        assert_eq!((out.x + out.w, out.y + out.h), (1000.0, 560.0));
        assert!((out.zoom(&WHOLE) - 2.0 / 1.5).abs() < 1e-9);
        // Never further out than the whole, never further in than an eighth of it.
        assert_eq!(twice.zoomed(0.1, (500.0, 280.0), &WHOLE), WHOLE);
        assert_eq!(WHOLE.zoomed(100.0, (500.0, 280.0), &WHOLE).w, 125.0);
    }

    #[test]
    fn moving_stops_at_the_edges() {
        let twice = WHOLE.zoomed(2.0, (500.0, 280.0), &WHOLE);
        assert_eq!(twice.moved(-1_000.0, 0.0, &WHOLE).x, 0.0);
        assert_eq!(twice.moved(1_000.0, 1_000.0, &WHOLE), ViewBox { x: 500.0, y: 280.0, w: 500.0, h: 280.0 });
        assert_eq!(WHOLE.moved(50.0, 50.0, &WHOLE), WHOLE, "the whole drawing has nowhere to move");
    }

    #[test]
    fn a_screen_point_maps_into_the_drawing_as_meet_scales_it() {
        // 1000×560 shown in 500×500 px: scaled by 0.5, centred with 110 px above and below.
        let rect = ScreenRect { left: 10.0, top: 20.0, width: 500.0, height: 500.0 };
        assert_eq!(WHOLE.at(&rect, (10.0, 130.0)), (0.0, 0.0));
        assert_eq!(WHOLE.at(&rect, (260.0, 270.0)), (500.0, 280.0));
        let zoomed = ViewBox { x: 100.0, y: 100.0, w: 500.0, h: 280.0 };
        assert_eq!(zoomed.at(&rect, (260.0, 270.0)), (350.0, 240.0));
    }
}
