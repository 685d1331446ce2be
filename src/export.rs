//! Taking a run away: a file the browser saves (the diagram as SVG, the charts' data as CSV,
//! the run's figures as JSON), made in the page and never sent anywhere.

use wasm_bindgen::JsCast;

/// What the Download menu offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// the diagram as it stands, a standalone SVG in the page's colours
    DiagramSvg,
    /// every simulated second the run keeps, as the charts draw them
    SecondsCsv,
    /// the run's figures, in the shape `scalelab run --json` prints
    FiguresJson,
}

impl Export {
    pub const ALL: [Export; 3] = [Export::DiagramSvg, Export::SecondsCsv, Export::FiguresJson];

    pub fn label(self) -> &'static str {
        match self {
            Export::DiagramSvg => "Diagram (SVG)",
            Export::SecondsCsv => "Chart data (CSV)",
            Export::FiguresJson => "Figures (JSON)",
        }
    }

    /// The file's name: what it is and the moment it shows.
    pub fn file_name(self, seconds: f64) -> String {
        let (what, extension) = match self {
            Export::DiagramSvg => ("diagram", "svg"),
            Export::SecondsCsv => ("seconds", "csv"),
            Export::FiguresJson => ("figures", "json"),
        };
        format!("scalelab-{what}-t{seconds:.1}s.{extension}")
    }

    pub fn mime(self) -> &'static str {
        match self {
            Export::DiagramSvg => "image/svg+xml",
            Export::SecondsCsv => "text/csv",
            Export::FiguresJson => "application/json",
        }
    }
}

/// Saves `text` as a file named `name` (the browser's download).
pub fn download(name: &str, mime: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(link) = document.create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The diagram on the page (its still layer and its moving one) as one standalone SVG: the
/// page's stylesheet goes inside, and the page's theme with it, so it looks as it does here.
pub fn diagram_svg() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let still = document.query_selector("svg.diagram").ok()??;
    let moving = document.query_selector("svg.diagram-motion").ok()??;
    let view_box = still.get_attribute("viewBox")?;
    let (width, height) = {
        let mut numbers = view_box.split_whitespace().skip(2).filter_map(|n| n.parse::<f64>().ok());
        (numbers.next()?, numbers.next()?)
    };
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
    // As XML (an HTML serialisation may write entities an SVG file cannot read), each layer's
    // contents in a group of the file's one SVG.
    let serializer = web_sys::XmlSerializer::new().ok()?;
    let layer = |svg: &web_sys::Element| {
        let children = svg.child_nodes();
        let mut out = String::from("<g>");
        for k in 0..children.length() {
            if let Some(xml) = children.get(k).and_then(|child| serializer.serialize_to_string(&child).ok()) {
                out.push_str(&xml);
            }
        }
        out + "</g>"
    };
    let (still, moving) = (layer(&still), layer(&moving));
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\" width=\"{width}\" height=\"{height}\" \
         data-theme=\"{theme}\">\n<style><![CDATA[\n{}]]></style>\n\
         <rect width=\"100%\" height=\"100%\" style=\"fill: var(--panel)\"/>\n{still}\n{moving}\n</svg>\n",
        css.replace("]]>", "]] >"),
    ))
}
