// SPDX-License-Identifier: LGPL-2.1-or-later
//! A small typed writer for libvirt domain XML on quick-xml: elements are
//! opened and closed in pairs by closures, attribute values and text are
//! escaped by quick-xml, never by string concatenation.

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// Builds one XML document.
pub struct XmlWriter {
    writer: Writer<Vec<u8>>,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    pub fn new() -> Self {
        Self {
            writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        }
    }

    fn start(name: &str, attrs: &[(&str, &str)]) -> BytesStart<'static> {
        let mut start = BytesStart::new(name.to_owned());
        for (k, v) in attrs {
            start.push_attribute((*k, *v));
        }
        start
    }

    fn write(&mut self, event: Event<'_>) {
        // Writing into a Vec<u8> cannot fail.
        self.writer
            .write_event(event)
            .expect("writing XML into memory cannot fail");
    }

    /// `<name attrs>` + children written by `body` + `</name>`.
    pub fn element(&mut self, name: &str, attrs: &[(&str, &str)], body: impl FnOnce(&mut Self)) {
        self.write(Event::Start(Self::start(name, attrs)));
        body(self);
        self.write(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.write(Event::Empty(Self::start(name, attrs)));
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.write(Event::Start(Self::start(name, attrs)));
        self.write(Event::Text(BytesText::new(text)));
        self.write(Event::End(BytesEnd::new(name)));
    }

    /// The document, newline-terminated.
    pub fn finish(self) -> String {
        let mut out = String::from_utf8(self.writer.into_inner()).expect("quick-xml writes UTF-8");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_attributes_and_text() {
        let mut w = XmlWriter::new();
        w.element("a", &[("x", "1 & 'two' <3>")], |w| {
            w.text("b", &[], "fish & <chips>");
            w.empty("c", &[("d", "\"q\"")]);
        });
        let xml = w.finish();
        assert!(
            xml.contains("x=\"1 &amp; &apos;two&apos; &lt;3&gt;\""),
            "{xml}"
        );
        assert!(xml.contains("<b>fish &amp; &lt;chips&gt;</b>"), "{xml}");
        assert!(xml.contains("<c d=\"&quot;q&quot;\"/>"), "{xml}");
    }
}
