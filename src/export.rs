//! Taking a run away: a file the browser saves (the diagram as SVG or PNG, the charts' data as
//! CSV, the run's figures as JSON), made in the page and never sent anywhere.

use wasm_bindgen::JsCast;

/// What the Download menu offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// the diagram as it stands, a standalone SVG in the page's colours
    DiagramSvg,
    /// the same drawing as a picture, at twice its size, for slides and documents
    DiagramPng,
    /// every simulated second the run keeps, as the charts draw them
    SecondsCsv,
    /// the run's figures, in the shape `scalelab run --json` prints
    FiguresJson,
}

impl Export {
    pub const ALL: [Export; 4] = [Export::DiagramSvg, Export::DiagramPng, Export::SecondsCsv, Export::FiguresJson];

    pub fn label(self) -> &'static str {
        match self {
            Export::DiagramSvg => "Diagram (SVG)",
            Export::DiagramPng => "Diagram (PNG)",
            Export::SecondsCsv => "Chart data (CSV)",
            Export::FiguresJson => "Figures (JSON)",
        }
    }

    /// The file's name: what it is and the moment it shows.
    pub fn file_name(self, seconds: f64) -> String {
        let (what, extension) = match self {
            Export::DiagramSvg => ("diagram", "svg"),
            Export::DiagramPng => ("diagram", "png"),
            Export::SecondsCsv => ("seconds", "csv"),
            Export::FiguresJson => ("figures", "json"),
        };
        format!("scalelab-{what}-t{seconds:.1}s.{extension}")
    }

    pub fn mime(self) -> &'static str {
        match self {
            Export::DiagramSvg => "image/svg+xml",
            Export::DiagramPng => "image/png",
            Export::SecondsCsv => "text/csv",
            Export::FiguresJson => "application/json",
        }
    }
}

/// Saves `text` as a file named `name` (the browser's download).
pub fn download(name: &str, mime: &str, text: &str) {
    let Some(url) = object_url(mime, text) else { return };
    save_from(&url, name);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A `blob:` address for `text`, typed `mime`.
fn object_url(mime: &str, text: &str) -> Option<String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Has the browser save what `url` holds, as `name`.
fn save_from(url: &str, name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(link) = document.create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        link.set_href(url);
        link.set_download(name);
        link.click();
    }
}

/// Saves the diagram as a PNG at twice its size: the SVG drawn onto a canvas once the browser has
/// read it (which is why this one returns before the file is saved).
pub fn download_diagram_png(name: String) {
    let Some(svg) = diagram_svg() else { return };
    let Some((width, height)) = svg_size(&svg) else { return };
    let (Some(url), Ok(image)) = (object_url("image/svg+xml", &svg), web_sys::HtmlImageElement::new()) else { return };
    let drawn = image.clone();
    let source = url.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let scale = 2.0;
        let canvas = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok());
        if let Some(canvas) = canvas {
            canvas.set_width((width * scale).round() as u32);
            canvas.set_height((height * scale).round() as u32);
            let context = canvas
                .get_context("2d")
                .ok()
                .flatten()
                .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
            if let Some(context) = context {
                let _ = context.draw_image_with_html_image_element_and_dw_and_dh(
                    &drawn,
                    0.0,
                    0.0,
                    width * scale,
                    height * scale,
                );
                if let Ok(png) = canvas.to_data_url_with_type("image/png") {
                    save_from(&png, &name);
                }
            }
        }
        let _ = web_sys::Url::revoke_object_url(&source);
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&url);
}

/// The drawing size of an SVG that `diagram_svg` made (its root's viewBox).
fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("viewBox=\"")? + "viewBox=\"".len();
    view_box_size(&svg[start..start + svg[start..].find('"')?])
}

/// The diagram on the page (its still layer and its moving one) as one standalone SVG: the
/// page's stylesheet goes inside, and the page's theme with it, so it looks as it does here. The
/// split view's two runs go side by side, each under its caption ("A: …", "B: …").
pub fn diagram_svg() -> Option<String> {
    let document = web_sys::window()?.document()?;
    // (the caching lab draws one SVG of its own, with no moving layer)
    let boxes = document.query_selector_all(".diagram-box, .cache-lab").ok()?;
    let serializer = web_sys::XmlSerializer::new().ok()?;
    // As XML (an HTML serialisation may write entities an SVG file cannot read), each layer's
    // contents in a group of the layer's classes, which the stylesheet's rules name
    // (`.lab-diagram .node text`).
    let layer = |svg: &web_sys::Element| {
        let children = svg.child_nodes();
        let mut out = format!("<g class=\"{}\">", escape(&svg.get_attribute("class").unwrap_or_default()));
        for k in 0..children.length() {
            if let Some(xml) = children.get(k).and_then(|child| serializer.serialize_to_string(&child).ok()) {
                out.push_str(&xml);
            }
        }
        out + "</g>"
    };
    const GAP: f64 = 24.0;
    let (mut runs, mut width, mut height) = (String::new(), 0.0_f64, 0.0_f64);
    for i in 0..boxes.length() {
        let Some(one) = boxes.get(i).and_then(|b| b.dyn_into::<web_sys::Element>().ok()) else { continue };
        let Some(still) = one.query_selector("svg.diagram").ok().flatten() else { continue };
        let moving = one.query_selector("svg.diagram-motion").ok().flatten();
        let Some((w, h)) = still.get_attribute("viewBox").as_deref().and_then(view_box_size) else { continue };
        // The split view's caption sits just above its diagram, in the run's figure.
        let caption = one
            .parent_element()
            .filter(|parent| parent.tag_name().eq_ignore_ascii_case("figure"))
            .and_then(|figure| figure.query_selector(":scope > figcaption").ok().flatten())
            .and_then(|c| c.text_content())
            .map(|text| format!("<text x=\"8\" y=\"18\" class=\"run-caption\">{}</text>", escape(&text)));
        let top = if caption.is_some() { 28.0 } else { 0.0 };
        let x = if width > 0.0 { width + GAP } else { 0.0 };
        runs.push_str(&format!(
            "<g transform=\"translate({x} 0)\">{}<g transform=\"translate(0 {top})\">{}\n{}</g></g>\n",
            caption.unwrap_or_default(),
            layer(&still),
            moving.as_ref().map(layer).unwrap_or_default()
        ));
        width = x + w;
        height = height.max(h + top);
    }
    if width == 0.0 {
        return None;
    }
    let theme = document.document_element()?.get_attribute("data-theme").unwrap_or_else(|| "light".into());
    let mut css = String::new();
    let sheets = document.style_sheets();
    for i in 0..sheets.length() {
        let Some(sheet) = sheets.get(i).and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok()) else { continue };
        let Ok(rules) = sheet.css_rules() else { continue };
        for j in 0..rules.length() {
            if let Some(rule) = rules.get(j) {
                css.push_str(&rule.css_text());
                css.push('\n');
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         data-theme=\"{theme}\">\n<style><![CDATA[\n{}\n.run-caption {{ font: 600 14px sans-serif; fill: var(--ink); }}\n]]></style>\n\
         <rect width=\"100%\" height=\"100%\" style=\"fill: var(--panel)\"/>\n{runs}</svg>\n",
        css.replace("]]>", "]] >"),
    ))
}

/// A viewBox's width and height.
fn view_box_size(view_box: &str) -> Option<(f64, f64)> {
    let mut numbers = view_box.split_whitespace().skip(2).filter_map(|n| n.parse::<f64>().ok());
    Some((numbers.next()?, numbers.next()?))
}

/// Text made safe inside an XML element or a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
