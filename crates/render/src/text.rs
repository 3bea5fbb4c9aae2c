//! Every text a report's PDF carries, read from the laid-out document the
//! PDF is written from: what a reader sees, the labels inside the charts,
//! the alternative texts and link targets a screen reader announces, and the
//! document's metadata. The leak guard checks this text; reading it back
//! out of the finished PDF cost a third of the render time and missed the
//! alternative texts and metadata.

use typst::foundations::Value;
use typst::introspection::Tag;
use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::model::Destination;
use typst::model::Document;
use typst::visualize::{ImageElem, ImageKind};
use typst_layout::PagedDocument;

/// The text of `document`: one line per line of print, text runs on one
/// line joined as the eye reads them (touching runs without a space, so a
/// name set in two runs stays one word), then one line per chart label,
/// alternative text, link target and metadata field.
pub(crate) fn document_text(document: &PagedDocument) -> String {
    let mut text = Text::default();
    let info = document.info();
    for field in info
        .title
        .iter()
        .chain(&info.author)
        .chain(&info.description)
        .chain(&info.keywords)
    {
        text.line(field);
    }
    for page in document.pages() {
        text.frame(&page.frame, Transform::identity());
        text.break_line();
    }
    text.out
}

#[derive(Default)]
struct Text {
    out: String,
    /// Where the last run on the current line ended: baseline and right edge.
    last: Option<Point>,
}

impl Text {
    fn frame(&mut self, frame: &Frame, ts: Transform) {
        for (pos, item) in frame.items() {
            let at = ts.pre_concat(Transform::translate(pos.x, pos.y));
            match item {
                FrameItem::Group(group) => self.frame(&group.frame, at.pre_concat(group.transform)),
                FrameItem::Text(run) => {
                    let start = Point::zero().transform(at);
                    let end = Point::with_x(run.width()).transform(at);
                    // A touching run continues the word; a gap on the same
                    // baseline is a space; another baseline is a new line.
                    let tolerance = run.size * 0.15;
                    match self.last {
                        Some(last) if (last.y - start.y).abs() >= tolerance => {
                            self.out.push('\n');
                        }
                        Some(last) if (start.x - last.x).abs() >= tolerance => {
                            self.out.push(' ');
                        }
                        _ => {}
                    }
                    self.out.push_str(&run.text);
                    self.last = Some(end);
                }
                FrameItem::Image(image, _, _) => {
                    if let Some(alt) = image.alt() {
                        self.line(alt);
                    }
                    if let ImageKind::Svg(svg) = image.kind() {
                        self.svg(svg.data());
                    }
                }
                FrameItem::Link(Destination::Url(url), _) => self.line(url.as_str()),
                // Alternative texts and summaries that tagged PDF writes
                // for figures, equations, links and tables (an image's is
                // read above, with the image).
                FrameItem::Tag(Tag::Start(content, _)) if !content.is::<ImageElem>() => {
                    for field in ["alt", "summary"] {
                        if let Ok(Value::Str(s)) = content.get_by_name(field) {
                            self.line(&s);
                        }
                    }
                }
                FrameItem::Link(..) | FrameItem::Shape(..) | FrameItem::Tag(_) => {}
            }
        }
    }

    /// The text nodes of an SVG, one line each; all of it, should it not
    /// parse (Typst would have refused to draw it).
    fn svg(&mut self, data: &[u8]) {
        let source = String::from_utf8_lossy(data);
        match roxmltree::Document::parse(&source) {
            Ok(svg) => {
                for node in svg.descendants().filter(|n| n.is_text()) {
                    self.line(node.text().unwrap_or_default());
                }
            }
            Err(_) => self.line(&source),
        }
    }

    /// `s` on a line of its own.
    fn line(&mut self, s: &str) {
        self.break_line();
        self.out.push_str(s);
        self.break_line();
    }

    fn break_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.last = None;
    }
}
