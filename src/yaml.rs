//! `yaml`: compose a YAML document, with tags, anchors and positions, from
//! `saphyr-parser` events. Shared by `config` and the policy loader.
//!
//! [`Document::parse`] collects the event stream of the first document into an arena in
//! which an alias is a reference to its (complete) anchored node: aliases share what
//! they name, nothing is copied. The arena holds about 36 bytes per node plus its scalar
//! text, and [`DocNode`] walks it as if every alias were expanded. [`compose`] expands
//! that view into an owned [`YNode`] tree (the policy loader's input).
//!
//! The document is bounded *as if aliases were expanded*, while it is collected, in time
//! linear in its text: at most [`MAX_NODES`] nodes, [`MAX_SCALAR_BYTES`] bytes of scalar
//! text and [`MAX_DEPTH`] levels of nesting (each anchored node records its expanded
//! size, so an alias costs what it names without being expanded). A document that
//! crosses a bound is refused at the node, often an alias, that crosses it. Consumers
//! may therefore recurse over the expanded view and copy it.

use std::collections::HashMap;

use saphyr_parser::input::SkipTabs;
use saphyr_parser::{Event, Input, Marker, Parser, ScalarStyle, ScanError, StrInput};

/// A position in a YAML source (a config or a policy): 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// The expanded handle of `!!` tags (the YAML core schema namespace).
pub const YAML_HANDLE: &str = "tag:yaml.org,2002:";

/// The cloudabi-run tag namespace (`%TAG ! tag:nuxi.nl,2015:cloudabi/`).
pub const CLOUDABI_HANDLE: &str = "tag:nuxi.nl,2015:cloudabi/";

/// Most nodes a document may have once aliases are expanded.
pub const MAX_NODES: usize = 200_000;

/// Most bytes of scalar text a document may have once aliases are expanded (8 MiB).
pub const MAX_SCALAR_BYTES: usize = 8 << 20;

/// Most bytes a YAML source (a config, a policy) may have (16 MiB, twice
/// [`MAX_SCALAR_BYTES`]): checked before it is read whole (see [`read_source`]). With it,
/// and with every bound above checked while the document is scanned (a scalar is refused
/// as soon as it grows past [`MAX_SCALAR_BYTES`]), parsing takes memory in proportion to
/// the source, whatever it holds.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Read a YAML source whole, refusing one larger than [`MAX_SOURCE_BYTES`]: a size known
/// ahead (`known_len`, a regular file's) is checked before anything is read; otherwise
/// reading stops one byte past the limit. The error is `FileTooLarge`, saying the limit.
pub fn read_source(r: impl std::io::Read, known_len: Option<u64>) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |len: &dyn std::fmt::Display| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "{len} bytes, more than the {} MiB a config or policy may have",
                MAX_SOURCE_BYTES >> 20
            ),
        )
    };
    if let Some(len) = known_len.filter(|&l| l > MAX_SOURCE_BYTES) {
        return Err(too_large(&len));
    }
    let mut bytes = Vec::with_capacity(known_len.map_or(0, |l| l as usize + 1));
    r.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large(&format_args!("more than {MAX_SOURCE_BYTES}")));
    }
    Ok(bytes)
}

/// Deepest nesting of collections a composed document may have (aliases included).
pub const MAX_DEPTH: usize = 256;

/// A tag as written, resolved through `%TAG` directives: `handle` + `suffix`.
/// Local `!fd` has handle `"!"`, suffix `"fd"`; under `%TAG ! tag:nuxi.nl,2015:cloudabi/`
/// the handle is `"tag:nuxi.nl,2015:cloudabi/"`; `!!binary` has handle `"tag:yaml.org,2002:"`.
///
/// The non-specific tag `!` (as in `! 12`, "not resolved by the schema") has handle `"!"`
/// and an empty suffix. A verbatim tag `!<tag:yaml.org,2002:str>` is split like its
/// shorthand when it lies in the YAML or cloudabi namespace, `!<!fd>` like `!fd`; any
/// other verbatim tag has an empty handle and the whole tag as suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The handle (prefix), after `%TAG` resolution.
    pub handle: String,
    /// The suffix.
    pub suffix: String,
}

impl Tag {
    /// The tag the way a user would most likely have written it: `!fd` for local and
    /// cloudabi tags, `!!str` for core schema tags, `!<…>` for anything else.
    pub fn written(&self) -> String {
        if self.handle == "!" || self.handle == CLOUDABI_HANDLE {
            format!("!{}", self.suffix)
        } else if self.handle == YAML_HANDLE {
            format!("!!{}", self.suffix)
        } else {
            format!("!<{}{}>", self.handle, self.suffix)
        }
    }

    /// Normalise saphyr's representation (see the type's documentation).
    fn from_saphyr(tag: &saphyr_parser::Tag) -> Tag {
        let (handle, suffix) = (tag.handle.as_str(), tag.suffix.as_str());
        let split = |h: &str, s: &str| Tag {
            handle: h.to_owned(),
            suffix: s.to_owned(),
        };
        match handle {
            // The non-specific tag `!`.
            "" if suffix == "!" => split("!", ""),
            // Verbatim tags `!<…>`.
            "" => {
                if let Some(rest) = suffix.strip_prefix(YAML_HANDLE) {
                    split(YAML_HANDLE, rest)
                } else if let Some(rest) = suffix.strip_prefix(CLOUDABI_HANDLE) {
                    split(CLOUDABI_HANDLE, rest)
                } else if let Some(rest) = suffix.strip_prefix('!') {
                    split("!", rest)
                } else {
                    split("", suffix)
                }
            }
            // saphyr resolves `!!` itself; keep the contract if that ever changes.
            "!!" => split(YAML_HANDLE, suffix),
            _ => split(handle, suffix),
        }
    }
}

/// How a scalar was written (plain scalars are subject to core-schema resolution; quoted ones are strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// Quoted or block scalar.
    Quoted,
}

/// A composed YAML node (an owned copy of a [`DocNode`], see [`compose`]).
///
/// An alias (`*name`) is composed into a copy of the anchored subtree: every node of the
/// copy has `is_alias = true`, the copy's root has the alias's position and the same
/// `anchor` id as the original, and the nodes inside the copy keep the positions (and
/// anchors) of the original nodes they copy.
#[derive(Debug, Clone, PartialEq)]
pub struct YNode {
    /// Start of the node (its tag or anchor if present).
    pub pos: Pos,
    /// Explicit tag, if any.
    pub tag: Option<Tag>,
    /// `Some(id)` when the node was anchored; aliases of it carry the same id (the subtree is shared by value).
    pub anchor: Option<usize>,
    /// True when this node was produced by an alias (`*name`).
    pub is_alias: bool,
    /// The content.
    pub value: YValue,
}

/// Content of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum YValue {
    /// A scalar's raw text and style.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<YNode>),
    /// A mapping in document order (no duplicate detection here).
    Map(Vec<(YNode, YNode)>),
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{}: {message}", pos.line, pos.col)]
pub struct YamlError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// Compose the first document of `text` into an owned tree (empty input → `None`).
///
/// Later documents are not looked at. Errors: those of [`Document::parse`].
pub fn compose(text: &str) -> Result<Option<YNode>, YamlError> {
    let doc = Document::parse(text)?;
    Ok(doc.root().map(|root| root.to_owned_node()))
}

/// Convert a saphyr marker (1-based line, 0-based column) to a [`Pos`].
fn pos_of(m: &Marker) -> Pos {
    Pos {
        line: m.line().max(1),
        col: m.col() + 1,
    }
}

/// The anchor or alias name starting at character `index` of `text` (after its `&`/`*`).
fn name_at(text: &str, index: usize) -> String {
    text.chars()
        .skip(index)
        .skip_while(|&c| c == '*' || c == '&')
        .take_while(|&c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .take(64)
        .collect()
}

fn scan_error(text: &str, e: &ScanError) -> YamlError {
    let m = e.marker();
    let message = if e.info() == "while parsing node, found unknown anchor" {
        format!(
            "alias *{} refers to an unknown anchor",
            name_at(text, m.index())
        )
    } else {
        e.info().to_owned()
    };
    YamlError {
        pos: clamp(text, pos_of(m)),
        message,
    }
}

/// Whether `c` ends a line for YAML (and so for positions): LF, or CR (a CR LF pair is
/// one break).
fn is_break(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// The lines of `text` as YAML counts them: broken at LF, CR LF or a lone CR. A final
/// break does not start another line; empty text has one empty line.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.find(is_break) {
            None => {
                rest = None;
                Some(r)
            }
            Some(i) => {
                let skip = if r[i..].starts_with("\r\n") { 2 } else { 1 };
                let next = &r[i + skip..];
                rest = (!next.is_empty()).then_some(next);
                Some(&r[..i])
            }
        }
    })
}

/// `pos` moved onto the text when it lies past its last line (an error at the end of
/// the input): just after the last character of the last line.
pub fn clamp(text: &str, pos: Pos) -> Pos {
    let mut count = 0;
    let mut last = "";
    for line in lines(text) {
        count += 1;
        last = line;
        if count == pos.line {
            return pos;
        }
    }
    if pos.line <= count {
        return pos;
    }
    Pos {
        line: count.max(1),
        col: last.chars().count() + 1,
    }
}

/// A decoding error at byte `valid` of `bytes` (whose first `valid` bytes are text):
/// its position counted in characters as the parser counts.
fn decode_error(prefix: &str, message: String) -> YamlError {
    let mut pos = Pos { line: 1, col: 1 };
    let mut chars = prefix.chars().peekable();
    while let Some(c) = chars.next() {
        if is_break(c) {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            pos = Pos {
                line: pos.line + 1,
                col: 1,
            };
        } else {
            pos.col += 1;
        }
    }
    YamlError { pos, message }
}

/// A YAML source's bytes as text: UTF-8 (a byte order mark is dropped), or UTF-16 with
/// a byte order mark, as YAML 1.2 asks of a processor (and as libyaml, cloudabi-run's
/// parser, reads it). The first invalid byte or code unit is an error at its line and
/// column. UTF-32 is refused.
pub fn decode(bytes: &[u8]) -> Result<String, YamlError> {
    let at_start = |message: &str| YamlError {
        pos: Pos { line: 1, col: 1 },
        message: message.to_owned(),
    };
    if bytes.starts_with(&[0, 0, 0xfe, 0xff]) || bytes.starts_with(&[0xff, 0xfe, 0, 0]) {
        return Err(at_start(
            "the text is UTF-32, which caprun does not read: convert it to UTF-8",
        ));
    }
    let utf16 = match bytes {
        [0xff, 0xfe, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xfe, 0xff, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, unit)) = utf16 {
        let mut text = String::with_capacity(rest.len() / 2);
        let units = rest.chunks_exact(2).map(|p| unit([p[0], p[1]]));
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => text.push(c),
                Err(e) => {
                    return Err(decode_error(
                        &text,
                        format!(
                            "invalid UTF-16: unpaired surrogate 0x{:04x}",
                            e.unpaired_surrogate()
                        ),
                    ))
                }
            }
        }
        if rest.len() % 2 != 0 {
            return Err(decode_error(
                &text,
                "invalid UTF-16: the text ends in half a code unit".into(),
            ));
        }
        return Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text));
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let valid = e.valid_up_to();
            // Valid by definition of `valid_up_to`.
            let prefix = std::str::from_utf8(&body[..valid]).unwrap_or_default();
            Err(decode_error(
                prefix,
                format!("invalid UTF-8 (byte 0x{:02x})", body[valid]),
            ))
        }
    }
}

/// [`decode`] for bytes the caller gives up: UTF-8 becomes the text in place, without a
/// copy (a config's memory stays that of its bytes).
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<String, YamlError> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => decode(e.as_bytes()),
    }
}

/// saphyr's string input, except that a tab after a `:` value indicator separates it
/// from the value like a space.
///
/// YAML allows tabs as separation within a line (`a:<TAB>1` is `{a: 1}` for libyaml and
/// yaml-cpp); saphyr-parser 0.3 (and its main branch as of 2026-08) refuses a value
/// starting with a letter, a digit or `-` after a tab alone ("':' must be followed by a
/// valid YAML whitespace"). That check is the only one reading whether a space was
/// skipped, so reporting a skipped tab as one accepts the tab there and changes nothing
/// else: what would be refused after a space (`a:<TAB>- x`, `a:<TAB>b: c`) still is.
struct TabSeparated<'a>(StrInput<'a>);

impl Input for TabSeparated<'_> {
    fn lookahead(&mut self, count: usize) {
        self.0.lookahead(count)
    }
    fn buflen(&self) -> usize {
        self.0.buflen()
    }
    fn bufmaxlen(&self) -> usize {
        self.0.bufmaxlen()
    }
    fn buf_is_empty(&self) -> bool {
        self.0.buf_is_empty()
    }
    fn raw_read_ch(&mut self) -> char {
        self.0.raw_read_ch()
    }
    fn raw_read_non_breakz_ch(&mut self) -> Option<char> {
        self.0.raw_read_non_breakz_ch()
    }
    fn skip(&mut self) {
        self.0.skip()
    }
    fn skip_n(&mut self, count: usize) {
        self.0.skip_n(count)
    }
    fn peek(&self) -> char {
        self.0.peek()
    }
    fn peek_nth(&self, n: usize) -> char {
        self.0.peek_nth(n)
    }
    fn peek_opt(&self) -> Option<char> {
        self.0.peek_opt()
    }
    fn look_ch(&mut self) -> char {
        self.0.look_ch()
    }
    fn next_char_is(&self, c: char) -> bool {
        self.0.next_char_is(c)
    }
    fn nth_char_is(&self, n: usize, c: char) -> bool {
        self.0.nth_char_is(n, c)
    }
    fn next_2_are(&self, c1: char, c2: char) -> bool {
        self.0.next_2_are(c1, c2)
    }
    fn next_3_are(&self, c1: char, c2: char, c3: char) -> bool {
        self.0.next_3_are(c1, c2, c3)
    }
    fn next_is_document_indicator(&self) -> bool {
        self.0.next_is_document_indicator()
    }
    fn next_is_document_start(&self) -> bool {
        self.0.next_is_document_start()
    }
    fn next_is_document_end(&self) -> bool {
        self.0.next_is_document_end()
    }
    fn skip_ws_to_eol(&mut self, skip_tabs: SkipTabs) -> (usize, Result<SkipTabs, &'static str>) {
        match self.0.skip_ws_to_eol(skip_tabs) {
            (n, Ok(SkipTabs::Result(true, _))) => (n, Ok(SkipTabs::Result(true, true))),
            other => other,
        }
    }
    fn next_can_be_plain_scalar(&self, in_flow: bool) -> bool {
        self.0.next_can_be_plain_scalar(in_flow)
    }
    fn next_is_blank_or_break(&self) -> bool {
        self.0.next_is_blank_or_break()
    }
    fn next_is_blank_or_breakz(&self) -> bool {
        self.0.next_is_blank_or_breakz()
    }
    fn next_is_blank(&self) -> bool {
        self.0.next_is_blank()
    }
    fn next_is_break(&self) -> bool {
        self.0.next_is_break()
    }
    fn next_is_breakz(&self) -> bool {
        self.0.next_is_breakz()
    }
    fn next_is_z(&self) -> bool {
        self.0.next_is_z()
    }
    fn next_is_flow(&self) -> bool {
        self.0.next_is_flow()
    }
    fn next_is_digit(&self) -> bool {
        self.0.next_is_digit()
    }
    fn next_is_alpha(&self) -> bool {
        self.0.next_is_alpha()
    }
    fn skip_while_non_breakz(&mut self) -> usize {
        self.0.skip_while_non_breakz()
    }
    fn skip_while_blank(&mut self) -> usize {
        self.0.skip_while_blank()
    }
    fn fetch_while_is_alpha(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_alpha(out)
    }
    fn fetch_while_is_yaml_non_space(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_yaml_non_space(out)
    }
}

/// A compact position (the arena stores two per node).
#[derive(Debug, Clone, Copy)]
struct P32 {
    line: u32,
    col: u32,
}

impl P32 {
    fn of(p: Pos) -> P32 {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        P32 {
            line: n(p.line),
            col: n(p.col),
        }
    }
    fn pos(self) -> Pos {
        Pos {
            line: self.line as usize,
            col: self.col as usize,
        }
    }
}

/// Content of an arena node. Offsets and lengths are `u32`: the bounds keep them small.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// `Document::strings[start..start + len]`.
    Scalar { start: u32, len: u32, style: Style },
    /// `Document::children[first..first + len]`.
    Seq { first: u32, len: u32 },
    /// `Document::children[first..first + len]`: key, value, key, value…
    Map { first: u32, len: u32 },
    /// An alias: the arena index of the anchored node.
    Alias(u32),
}

#[derive(Debug, Clone, Copy)]
struct ANode {
    pos: P32,
    /// Where the tag is (`pos` unless an anchor comes first: `&a !file`).
    tag_pos: P32,
    /// 0: none; else an index + 1 into `Document::tags`.
    tag: u32,
    /// saphyr's anchor id (0: none).
    anchor: u32,
    slot: Slot,
}

/// The expanded size of a node (aliases counted as what they name).
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: u64,
    bytes: u64,
    /// Levels of collections (a scalar: 0).
    height: u32,
}

/// An open collection while collecting events.
struct Open {
    idx: u32,
    is_seq: bool,
    anchor: usize,
    /// Where its children start in `pending`.
    start: usize,
    /// Totals when it opened (its own node excluded).
    nodes_before: u64,
    bytes_before: u64,
    /// Highest child so far.
    height: u32,
}

/// Character index → byte offset into a text, for markers (which count characters),
/// moving a cursor: markers arrive in nearly increasing order, so the walks add up to
/// about the length of the text. `steps` counts the characters walked over.
struct Cursor<'t> {
    text: &'t str,
    ascii: bool,
    chars: usize,
    bytes: usize,
    steps: u64,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Cursor<'t> {
        Cursor {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
            steps: 0,
        }
    }

    fn byte_of(&mut self, index: usize) -> usize {
        if self.ascii {
            return index.min(self.text.len());
        }
        while self.chars < index {
            let Some(c) = self.text[self.bytes..].chars().next() else {
                break;
            };
            self.bytes += c.len_utf8();
            self.chars += 1;
            self.steps += 1;
        }
        while self.chars > index {
            let Some(c) = self.text[..self.bytes].chars().next_back() else {
                break;
            };
            self.bytes -= c.len_utf8();
            self.chars -= 1;
            self.steps += 1;
        }
        self.bytes
    }
}

/// The first document of a YAML text as an arena in which aliases refer to their
/// anchored node (see the module documentation).
#[derive(Debug, Default)]
pub struct Document {
    nodes: Vec<ANode>,
    children: Vec<u32>,
    strings: String,
    tags: Vec<Tag>,
    root: Option<u32>,
    /// Characters scanned beyond the parser's own work (to locate tags, see [`Document::scanned`]).
    scanned: u64,
}

/// While collecting: the document, the open collections and the running totals.
struct Collector<'t> {
    doc: Document,
    text: &'t str,
    cursor: Cursor<'t>,
    stack: Vec<Open>,
    pending: Vec<u32>,
    tag_ids: HashMap<Tag, u32>,
    /// saphyr anchor id → the complete anchored node and its expanded size.
    anchors: HashMap<usize, (u32, Size)>,
    nodes: u64,
    bytes: u64,
}

impl Document {
    /// Collect the first document of `text` (empty input: no root).
    ///
    /// Later documents are not looked at. Errors: YAML syntax errors (with saphyr's
    /// message), an alias to an unknown anchor or to its own enclosing node, and a
    /// document that once aliases are expanded nests deeper than [`MAX_DEPTH`] or has
    /// more than [`MAX_NODES`] nodes or [`MAX_SCALAR_BYTES`] bytes of scalars.
    pub fn parse(text: &str) -> Result<Document, YamlError> {
        let mut c = Collector {
            doc: Document::default(),
            text,
            cursor: Cursor::new(text),
            stack: Vec::new(),
            pending: Vec::new(),
            tag_ids: HashMap::new(),
            anchors: HashMap::new(),
            nodes: 0,
            bytes: 0,
        };
        let mut parser = Parser::new(TabSeparated(StrInput::new(text)));
        // A scalar is refused while it grows past the bound (saphyr-parser patched:
        // vendor/saphyr-parser/PATCHES.md), not once the scanner holds all of it.
        parser.set_max_scalar_len(MAX_SCALAR_BYTES);
        while let Some(item) = parser.next_event() {
            let (event, span) = item.map_err(|e| scan_error(text, &e))?;
            if !c.event(event, &span.start)? {
                break;
            }
        }
        c.doc.scanned = c.cursor.steps;
        c.doc.nodes.shrink_to_fit();
        c.doc.children.shrink_to_fit();
        c.doc.strings.shrink_to_fit();
        Ok(c.doc)
    }

    /// The root node, if the document is not empty.
    pub fn root(&self) -> Option<DocNode<'_>> {
        self.root.map(|idx| DocNode::child(self, idx, false))
    }

    /// How many characters were scanned to locate tags and convert positions, beyond
    /// the parser's own work: linear in the text (a regression test checks it).
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// Bytes the arena holds on the heap (its nodes, child lists, scalar text and tags).
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<ANode>()
            + self.children.capacity() * std::mem::size_of::<u32>()
            + self.strings.capacity()
            + self
                .tags
                .iter()
                .map(|t| std::mem::size_of::<Tag>() + t.handle.capacity() + t.suffix.capacity())
                .sum::<usize>()
    }

    /// Nodes in the arena (each alias is one).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena is empty (an empty document).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl Collector<'_> {
    /// Take one event; false at the end of the first document.
    fn event(&mut self, event: Event<'_>, start: &Marker) -> Result<bool, YamlError> {
        let pos = pos_of(start);
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            Event::StreamEnd | Event::DocumentEnd => return Ok(false),
            Event::Alias(id) => {
                let Some(&(target, size)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        message: format!(
                            "alias *{} refers to its own enclosing node",
                            name_at(self.text, start.index())
                        ),
                    });
                };
                if self.stack.len() + size.height as usize > MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                self.count(size, pos, true)?;
                let idx = self.push(ANode {
                    pos: P32::of(pos),
                    tag_pos: P32::of(pos),
                    tag: 0,
                    anchor: id as u32,
                    slot: Slot::Alias(target),
                });
                self.attach(idx, size.height);
            }
            Event::Scalar(value, style, id, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                let size = Size {
                    nodes: 1,
                    bytes: value.len() as u64,
                    height: 0,
                };
                self.count(size, pos, false)?;
                let start_offset = self.doc.strings.len() as u32;
                self.doc.strings.push_str(&value);
                let (tag, tag_pos) = self.tag(tag.as_deref(), id, start, pos);
                let idx = self.push(ANode {
                    pos: P32::of(pos),
                    tag_pos,
                    tag,
                    anchor: id as u32,
                    slot: Slot::Scalar {
                        start: start_offset,
                        len: value.len() as u32,
                        style,
                    },
                });
                self.attach(idx, 0);
                if id > 0 {
                    self.anchors.insert(id, (idx, size));
                }
            }
            Event::SequenceStart(id, tag) | Event::MappingStart(id, tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                let (nodes_before, bytes_before) = (self.nodes, self.bytes);
                self.count(
                    Size {
                        nodes: 1,
                        bytes: 0,
                        height: 0,
                    },
                    pos,
                    false,
                )?;
                let (tag, tag_pos) = self.tag(tag.as_deref(), id, start, pos);
                let idx = self.push(ANode {
                    pos: P32::of(pos),
                    tag_pos,
                    tag,
                    anchor: id as u32,
                    // Filled in when the collection closes.
                    slot: Slot::Seq { first: 0, len: 0 },
                });
                self.stack.push(Open {
                    idx,
                    is_seq,
                    anchor: id,
                    start: self.pending.len(),
                    nodes_before,
                    bytes_before,
                    height: 0,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.stack.pop() else {
                    return Ok(true);
                };
                let first = self.doc.children.len() as u32;
                let len = (self.pending.len() - open.start) as u32;
                self.doc.children.extend(self.pending.drain(open.start..));
                self.doc.nodes[open.idx as usize].slot = if open.is_seq {
                    Slot::Seq { first, len }
                } else {
                    Slot::Map { first, len }
                };
                let height = open.height + 1;
                if open.anchor > 0 {
                    let size = Size {
                        nodes: self.nodes - open.nodes_before,
                        bytes: self.bytes - open.bytes_before,
                        height,
                    };
                    self.anchors.insert(open.anchor, (open.idx, size));
                }
                self.attach(open.idx, height);
            }
        }
        Ok(true)
    }

    /// Add `size` to the running totals: an error at `pos` past a bound.
    fn count(&mut self, size: Size, pos: Pos, alias: bool) -> Result<(), YamlError> {
        self.nodes += size.nodes;
        self.bytes += size.bytes;
        let expanded = if alias {
            " once aliases are expanded"
        } else {
            ""
        };
        if self.nodes > MAX_NODES as u64 {
            return Err(YamlError {
                pos,
                message: format!("document has more than {MAX_NODES} nodes{expanded}"),
            });
        }
        if self.bytes > MAX_SCALAR_BYTES as u64 {
            return Err(YamlError {
                pos,
                message: format!(
                    "document is larger than {MAX_SCALAR_BYTES} bytes of scalars{expanded}"
                ),
            });
        }
        Ok(())
    }

    fn push(&mut self, node: ANode) -> u32 {
        self.doc.nodes.push(node);
        (self.doc.nodes.len() - 1) as u32
    }

    /// Make `idx` (of expanded height `height`) the next child of the innermost open
    /// collection, or the root.
    fn attach(&mut self, idx: u32, height: u32) {
        match self.stack.last_mut() {
            Some(open) => {
                open.height = open.height.max(height);
                self.pending.push(idx);
            }
            None => {
                if self.doc.root.is_none() {
                    self.doc.root = Some(idx);
                }
            }
        }
    }

    /// The tag's id in the table and its position: the node's start, unless an anchor
    /// comes first (`&a !file`), then after the anchor's name and the blanks that follow.
    fn tag(
        &mut self,
        tag: Option<&saphyr_parser::Tag>,
        anchor: usize,
        start: &Marker,
        pos: Pos,
    ) -> (u32, P32) {
        let Some(tag) = tag else {
            return (0, P32::of(pos));
        };
        let tag = Tag::from_saphyr(tag);
        let next = self.doc.tags.len() as u32 + 1;
        let id = *self.tag_ids.entry(tag.clone()).or_insert_with(|| {
            self.doc.tags.push(tag);
            next
        });
        if anchor == 0 {
            return (id, P32::of(pos));
        }
        let at = self.cursor.byte_of(start.index());
        let rest = &self.text[at..];
        if !rest.starts_with('&') {
            return (id, P32::of(pos));
        }
        let mut p = pos;
        let mut in_name = true;
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            self.cursor.steps += 1;
            match c {
                '!' if !in_name => return (id, P32::of(p)),
                ' ' | '\t' => {
                    in_name = false;
                    p.col += 1;
                }
                '\r' | '\n' => {
                    in_name = false;
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    p = Pos {
                        line: p.line + 1,
                        col: 1,
                    };
                }
                ',' | '[' | ']' | '{' | '}' if in_name => break,
                _ if in_name => p.col += 1,
                _ => break,
            }
        }
        (id, P32::of(pos))
    }
}

fn too_deep(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: format!("document nests deeper than {MAX_DEPTH} levels"),
    }
}

/// A node of a [`Document`] seen as if aliases were expanded: an alias is its anchored
/// node, at the alias's position, and everything beneath it is [`is_alias`](DocNode::is_alias).
#[derive(Debug, Clone, Copy)]
pub struct DocNode<'d> {
    doc: &'d Document,
    idx: u32,
    /// The alias's position, when this is the root of an alias's copy.
    alias_pos: Option<Pos>,
    in_alias: bool,
}

/// Content of a [`DocNode`].
#[derive(Debug, Clone, Copy)]
pub enum DocValue<'d> {
    /// A scalar's text and style.
    Scalar(&'d str, Style),
    /// A sequence.
    Seq(Items<'d>),
    /// A mapping in document order (no duplicate detection here).
    Map(Entries<'d>),
}

/// The items of a sequence.
#[derive(Debug, Clone, Copy)]
pub struct Items<'d> {
    doc: &'d Document,
    ids: &'d [u32],
    in_alias: bool,
}

/// The entries of a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'d> {
    doc: &'d Document,
    ids: &'d [u32],
    in_alias: bool,
}

impl<'d> Items<'d> {
    /// The items in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = DocNode<'d>> + 'd {
        let (doc, in_alias) = (self.doc, self.in_alias);
        self.ids
            .iter()
            .map(move |&i| DocNode::child(doc, i, in_alias))
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl<'d> Entries<'d> {
    /// The (key, value) pairs in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (DocNode<'d>, DocNode<'d>)> + 'd {
        let (doc, in_alias) = (self.doc, self.in_alias);
        self.ids.chunks_exact(2).map(move |kv| {
            (
                DocNode::child(doc, kv[0], in_alias),
                DocNode::child(doc, kv[1], in_alias),
            )
        })
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.ids.len() / 2
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.len() < 2
    }
}

impl<'d> DocNode<'d> {
    /// Arena node `idx` seen from its parent: an alias becomes its target.
    fn child(doc: &'d Document, idx: u32, in_alias: bool) -> DocNode<'d> {
        let node = &doc.nodes[idx as usize];
        match node.slot {
            Slot::Alias(target) => DocNode {
                doc,
                idx: target,
                alias_pos: Some(node.pos.pos()),
                in_alias: true,
            },
            _ => DocNode {
                doc,
                idx,
                alias_pos: None,
                in_alias,
            },
        }
    }

    fn node(&self) -> &'d ANode {
        &self.doc.nodes[self.idx as usize]
    }

    /// Start of the node (its tag or anchor if present; an alias's own position).
    pub fn pos(&self) -> Pos {
        self.alias_pos.unwrap_or_else(|| self.node().pos.pos())
    }

    /// Position of the tag: the start, unless an anchor comes first (`&a !file`).
    pub fn tag_pos(&self) -> Pos {
        self.alias_pos.unwrap_or_else(|| self.node().tag_pos.pos())
    }

    /// Explicit tag, if any.
    pub fn tag(&self) -> Option<&'d Tag> {
        match self.node().tag {
            0 => None,
            t => Some(&self.doc.tags[t as usize - 1]),
        }
    }

    /// `Some(id)` when the node was anchored; aliases of it carry the same id.
    pub fn anchor(&self) -> Option<usize> {
        match self.node().anchor {
            0 => None,
            a => Some(a as usize),
        }
    }

    /// True when this node was reached through an alias (`*name`).
    pub fn is_alias(&self) -> bool {
        self.in_alias
    }

    /// The content.
    pub fn value(&self) -> DocValue<'d> {
        let doc = self.doc;
        let span = |first: u32, len: u32| &doc.children[first as usize..(first + len) as usize];
        match self.node().slot {
            Slot::Scalar { start, len, style } => {
                DocValue::Scalar(&doc.strings[start as usize..(start + len) as usize], style)
            }
            Slot::Seq { first, len } => DocValue::Seq(Items {
                doc,
                ids: span(first, len),
                in_alias: self.in_alias,
            }),
            Slot::Map { first, len } => DocValue::Map(Entries {
                doc,
                ids: span(first, len),
                in_alias: self.in_alias,
            }),
            Slot::Alias(_) => unreachable!("DocNode::child resolves aliases"),
        }
    }

    /// An owned copy of the expanded subtree (bounded: see [`Document::parse`]).
    pub fn to_owned_node(&self) -> YNode {
        let value = match self.value() {
            DocValue::Scalar(s, style) => YValue::Scalar(s.to_owned(), style),
            DocValue::Seq(items) => YValue::Seq(items.iter().map(|i| i.to_owned_node()).collect()),
            DocValue::Map(entries) => YValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_owned_node(), v.to_owned_node()))
                    .collect(),
            ),
        };
        YNode {
            pos: self.pos(),
            tag: self.tag().cloned(),
            anchor: self.anchor(),
            is_alias: self.in_alias,
            value,
        }
    }
}

/// A YAML double-quoted scalar (always valid, whatever the text).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_always_gives_a_valid_double_quoted_scalar() {
        assert_eq!(quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\x01\"");
    }

    fn p(line: usize, col: usize) -> Pos {
        Pos { line, col }
    }

    fn doc(text: &str) -> YNode {
        compose(text).unwrap().expect("a document")
    }

    fn err(text: &str) -> YamlError {
        compose(text).unwrap_err()
    }

    fn scalar(n: &YNode) -> (&str, Style) {
        match &n.value {
            YValue::Scalar(s, st) => (s, *st),
            other => panic!("not a scalar: {other:?}"),
        }
    }

    fn map(n: &YNode) -> &[(YNode, YNode)] {
        match &n.value {
            YValue::Map(e) => e,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn seq(n: &YNode) -> &[YNode] {
        match &n.value {
            YValue::Seq(e) => e,
            other => panic!("not a seq: {other:?}"),
        }
    }

    fn tag(h: &str, s: &str) -> Option<Tag> {
        Some(Tag {
            handle: h.into(),
            suffix: s.into(),
        })
    }

    #[test]
    fn empty_inputs_have_no_document() {
        assert_eq!(compose("").unwrap(), None);
        assert_eq!(compose("# only a comment\n").unwrap(), None);
        assert_eq!(compose("\n\n   \n").unwrap(), None);
    }

    #[test]
    fn explicit_empty_document_is_an_empty_scalar() {
        let n = doc("---\n");
        assert_eq!(scalar(&n), ("", Style::Plain));
        assert_eq!(n.tag, None);
    }

    #[test]
    fn only_the_first_document_is_composed() {
        let n = doc("a: 1\n---\nb: [\n");
        assert_eq!(map(&n).len(), 1);
        let n = doc("a: 1\n...\n%%%garbage\n");
        assert_eq!(map(&n).len(), 1);
        let n = doc("--- first\n--- second\n");
        assert_eq!(scalar(&n).0, "first");
    }

    #[test]
    fn syntax_error_in_first_document() {
        let e = err("a: [1\nb: 2\n");
        assert_eq!(e.pos, p(2, 2));
        assert_eq!(e.message, "illegal placement of ':' indicator");
        assert!(!e.message.contains("byte"));
        assert_eq!(e.to_string(), "2:2: illegal placement of ':' indicator");
    }

    #[test]
    fn syntax_error_at_end_of_input_is_on_the_last_line() {
        // saphyr reports line 2, which does not exist: the position moves to the end of
        // the last line.
        let e = err("a: [\n");
        assert_eq!(e.pos, p(1, 5));
        assert!(e.message.contains("did not find expected node content"));
    }

    #[test]
    fn positions_are_one_based() {
        let n = doc("key: value\nlist:\n  - a\n  - 'b'\n");
        assert_eq!(n.pos, p(1, 1));
        let e = map(&n);
        assert_eq!(e[0].0.pos, p(1, 1));
        assert_eq!(e[0].1.pos, p(1, 6));
        assert_eq!(e[1].0.pos, p(2, 1));
        assert_eq!(e[1].1.pos, p(3, 3));
        let items = seq(&e[1].1);
        assert_eq!(items[0].pos, p(3, 5));
        assert_eq!(items[1].pos, p(4, 5));
        assert_eq!(scalar(&items[1]), ("b", Style::Quoted));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let n = doc("éé: x\n");
        assert_eq!(map(&n)[0].1.pos, p(1, 5));
    }

    #[test]
    fn position_of_tagged_or_anchored_node_is_its_tag_or_anchor() {
        let n = doc("a: !fd 1\nb: &x !file\n  path: /a\nc: !file &y\n  path: /b\n");
        let e = map(&n);
        assert_eq!(e[0].1.pos, p(1, 4));
        assert_eq!(e[1].1.pos, p(2, 4));
        assert_eq!(e[2].1.pos, p(4, 4));
        assert_eq!(map(&e[1].1)[0].0.pos, p(3, 3));
    }

    #[test]
    fn flow_collections() {
        let n = doc("{a: [1, 2], b: {c: d}}");
        let e = map(&n);
        assert_eq!(n.pos, p(1, 1));
        assert_eq!(e[0].1.pos, p(1, 5));
        assert_eq!(seq(&e[0].1)[1].pos, p(1, 9));
        assert_eq!(scalar(&map(&e[1].1)[0].1), ("d", Style::Plain));
    }

    #[test]
    fn scalar_styles() {
        let n =
            doc("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  lit\ne: >-\n  folded\n  text\nf:\n");
        let e = map(&n);
        assert_eq!(scalar(&e[0].1), ("plain", Style::Plain));
        assert_eq!(scalar(&e[1].1), ("single", Style::Quoted));
        assert_eq!(scalar(&e[2].1), ("double", Style::Quoted));
        assert_eq!(scalar(&e[3].1), ("lit\n", Style::Quoted));
        assert_eq!(scalar(&e[4].1), ("folded text", Style::Quoted));
        assert_eq!(scalar(&e[5].1), ("", Style::Plain));
        // The empty value points at the ':' after its key.
        assert_eq!(e[5].1.pos, p(9, 2));
    }

    #[test]
    fn local_tags() {
        let n = doc("- !fd stdin\n- !file {path: /x}\n- !executable\n");
        let items = seq(&n);
        assert_eq!(items[0].tag, tag("!", "fd"));
        assert_eq!(items[1].tag, tag("!", "file"));
        assert!(matches!(items[1].value, YValue::Map(_)));
        assert_eq!(items[2].tag, tag("!", "executable"));
        assert_eq!(scalar(&items[2]), ("", Style::Plain));
        assert_eq!(items[0].tag.as_ref().unwrap().written(), "!fd");
    }

    #[test]
    fn cloudabi_tag_directive() {
        let n = doc("%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\na: !fd 1\nb: !!str x\n");
        let e = map(&n);
        assert_eq!(e[0].1.tag, tag(CLOUDABI_HANDLE, "fd"));
        assert_eq!(e[0].1.pos, p(3, 4));
        assert_eq!(e[1].1.tag, tag(YAML_HANDLE, "str"));
        assert_eq!(e[0].1.tag.as_ref().unwrap().written(), "!fd");
    }

    #[test]
    fn standard_tags_resolve_to_the_yaml_namespace() {
        let n = doc("- !!binary aGk=\n- !!str 1\n- !!map {}\n");
        let items = seq(&n);
        assert_eq!(items[0].tag, tag(YAML_HANDLE, "binary"));
        assert_eq!(items[1].tag, tag(YAML_HANDLE, "str"));
        assert_eq!(items[2].tag, tag(YAML_HANDLE, "map"));
        assert_eq!(items[0].tag.as_ref().unwrap().written(), "!!binary");
    }

    #[test]
    fn verbatim_and_non_specific_tags() {
        let n = doc("- !<tag:yaml.org,2002:str> x\n- ! 12\n- !<!fd> 1\n- !<tag:example.com:x> y\n");
        let items = seq(&n);
        assert_eq!(items[0].tag, tag(YAML_HANDLE, "str"));
        assert_eq!(items[1].tag, tag("!", ""));
        assert_eq!(items[2].tag, tag("!", "fd"));
        assert_eq!(items[3].tag, tag("", "tag:example.com:x"));
        assert_eq!(
            items[3].tag.as_ref().unwrap().written(),
            "!<tag:example.com:x>"
        );
    }

    #[test]
    fn undeclared_named_handle_is_an_error() {
        let e = err("- !e!x y\n");
        assert_eq!(e.pos, p(1, 3));
        assert_eq!(e.message, "the handle wasn't declared");
    }

    #[test]
    fn aliases_copy_with_identity() {
        let n = doc("a: &x !file\n  path: /a\nb: *x\nc: *x\n");
        let e = map(&n);
        let orig = &e[0].1;
        assert!(orig.anchor.is_some());
        assert!(!orig.is_alias);
        for (_, copy) in &e[1..] {
            assert!(copy.is_alias);
            assert_eq!(copy.anchor, orig.anchor);
            assert_eq!(copy.tag, orig.tag);
            assert_eq!(
                map(copy),
                map(orig)
                    .iter()
                    .map(|(k, v)| {
                        let mut k = k.clone();
                        let mut v = v.clone();
                        k.is_alias = true;
                        v.is_alias = true;
                        (k, v)
                    })
                    .collect::<Vec<_>>()
                    .as_slice()
            );
        }
        assert_eq!(e[1].1.pos, p(3, 4));
        assert_eq!(e[2].1.pos, p(4, 4));
    }

    #[test]
    fn scalar_alias() {
        let n = doc("- &a hello\n- *a\n");
        let items = seq(&n);
        assert_eq!(items[0].anchor, items[1].anchor);
        assert_eq!(scalar(&items[1]), ("hello", Style::Plain));
        assert!(items[1].is_alias);
        assert_eq!(items[1].pos, p(2, 3));
    }

    #[test]
    fn redefined_anchor_gets_a_new_identity() {
        let n = doc("- &a one\n- *a\n- &a two\n- *a\n");
        let items = seq(&n);
        assert_eq!(scalar(&items[1]).0, "one");
        assert_eq!(scalar(&items[3]).0, "two");
        assert_ne!(items[1].anchor, items[3].anchor);
        assert_eq!(items[2].anchor, items[3].anchor);
    }

    #[test]
    fn unknown_anchor() {
        let e = err("a: *nope\n");
        assert_eq!(e.pos, p(1, 4));
        assert_eq!(e.message, "alias *nope refers to an unknown anchor");
    }

    #[test]
    fn recursive_alias() {
        let e = err("a: &x [1, *x]\n");
        assert_eq!(e.pos, p(1, 11));
        assert_eq!(e.message, "alias *x refers to its own enclosing node");
    }

    #[test]
    fn billion_laughs_is_capped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = err(&text);
        assert!(
            e.message.contains(&format!(
                "more than {MAX_NODES} nodes once aliases are expanded"
            )),
            "{e}"
        );
        // The error points at an alias on the line that blows the budget.
        assert!(e.pos.line > 1);
    }

    #[test]
    fn nesting_is_capped() {
        // Block sequences in compact form: `- - - x`.
        let ok = "- ".repeat(MAX_DEPTH) + "x";
        assert!(compose(&ok).is_ok(), "{:?}", compose(&ok));
        let deep = "- ".repeat(MAX_DEPTH + 1) + "x";
        let e = err(&deep);
        assert_eq!(e.pos, p(1, 2 * MAX_DEPTH + 1));
        assert!(e.message.contains("deeper than"));
        // saphyr itself limits flow nesting to 255 levels.
        let huge = "[".repeat(100_000);
        assert!(compose(&huge).is_err());
    }

    #[test]
    fn nesting_through_aliases_is_capped() {
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..=MAX_DEPTH {
            text.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
        }
        let e = err(&text);
        assert!(e.message.contains("deeper than"), "{e}");
    }

    /// The issue's alias bomb (one 100,000-byte anchored scalar aliased 10,000 times
    /// through four levels), refused at the alias whose expansion crosses the byte bound
    /// without expanding anything.
    #[test]
    fn alias_bomb_is_refused_at_the_alias_that_crosses_the_byte_bound() {
        let big = "x".repeat(100_000);
        let list = |name: &str| vec![format!("*{name}"); 10].join(", ");
        let text = format!(
            "a: &a \"{big}\"\nb: &b [{}]\nc: &c [{}]\nd: &d [{}]\ne: [{}]\n",
            list("a"),
            list("b"),
            list("c"),
            list("d")
        );
        let e = Document::parse(&text).unwrap_err();
        assert_eq!(
            e.message,
            format!("document is larger than {MAX_SCALAR_BYTES} bytes of scalars once aliases are expanded")
        );
        // 100,000 + 10 × 100,000 bytes before line 3; each *b adds 1,000,000: the 8th
        // crosses 8 MiB. "c: &c [" is 7 characters, each "*b, " 4.
        assert_eq!(e.pos, p(3, 8 + 7 * 4));
        let line = text.lines().nth(2).unwrap();
        assert_eq!(&line[e.pos.col - 1..e.pos.col + 1], "*b");
    }

    /// 267 bytes of nested aliases (9^6 nodes once expanded) are refused at the alias
    /// that crosses the node bound.
    #[test]
    fn small_nested_aliases_are_refused_by_the_node_bound() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..6 {
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 9].join(",")
            ));
        }
        assert!(text.len() < 300);
        let e = Document::parse(&text).unwrap_err();
        assert_eq!(
            e.message,
            format!("document has more than {MAX_NODES} nodes once aliases are expanded")
        );
        assert_eq!(e.pos.line, 6);
        let line = text.lines().nth(5).unwrap();
        assert!(line[e.pos.col - 1..].starts_with("*a4"), "{e}");
    }

    /// Under the bounds, aliases share: the arena has one node per alias, however large
    /// what it names, and the expanded view sees every copy.
    #[test]
    fn aliases_share_instead_of_copying() {
        let big = "y".repeat(10_000);
        let mut text = format!("a: &a \"{big}\"\nb: &b [{}]\n", vec!["*a"; 100].join(", "));
        text.push_str(&format!("c: [{}]\n", ["*b"; 6].join(", ")));
        let doc = Document::parse(&text).unwrap();
        // 1 root map + 3 keys + scalar + seq b + 100 aliases + seq c + 6 aliases.
        assert_eq!(doc.len(), 1 + 3 + 1 + 1 + 100 + 1 + 6);
        assert!(
            doc.heap_bytes() < text.len() + 16 * 1024,
            "{}",
            doc.heap_bytes()
        );
        let root = doc.root().unwrap();
        let DocValue::Map(entries) = root.value() else {
            panic!()
        };
        let (_, c) = entries.iter().nth(2).unwrap();
        let DocValue::Seq(copies) = c.value() else {
            panic!()
        };
        let total: usize = copies
            .iter()
            .map(|b| match b.value() {
                DocValue::Seq(items) => items
                    .iter()
                    .map(|a| match a.value() {
                        DocValue::Scalar(s, _) => s.len(),
                        _ => 0,
                    })
                    .sum(),
                _ => 0,
            })
            .sum();
        assert_eq!(total, 6 * 100 * 10_000);
    }

    #[test]
    fn node_and_byte_bounds_hold_without_aliases() {
        let text = format!("[{}]", vec!["0"; MAX_NODES].join(","));
        let e = Document::parse(&text).unwrap_err();
        // The sequence is one node: its last item is one too many.
        assert_eq!(
            e.message,
            format!("document has more than {MAX_NODES} nodes")
        );
        assert_eq!(e.pos, p(1, 2 * MAX_NODES));
        let ok = format!("[{}]", vec!["0"; MAX_NODES - 1].join(","));
        assert!(Document::parse(&ok).is_ok());
        let text = format!(
            "- {}\n- {}\n",
            "a".repeat(MAX_SCALAR_BYTES / 2),
            "b".repeat(MAX_SCALAR_BYTES / 2 + 1)
        );
        let e = Document::parse(&text).unwrap_err();
        assert_eq!(e.pos, p(2, 3));
        assert!(e.message.contains("bytes of scalars"), "{e}");
    }

    /// The arena costs a bounded number of bytes per node beyond the input: 1 MB of
    /// integers in a flow sequence (250,000 nodes would cross the node bound, so half).
    #[test]
    fn memory_per_node_is_bounded() {
        let n = MAX_NODES - 1;
        let text = format!("[{}]", vec!["7"; n].join(","));
        let doc = Document::parse(&text).unwrap();
        let per_node = doc.heap_bytes() / n;
        assert!(per_node <= 48, "{per_node} bytes per node");
        assert!(std::mem::size_of::<ANode>() <= 40);
    }

    /// Locating tags after anchors (`&a !file`) scans only the anchor, not the text
    /// before it: linear, even in a text that is not ASCII (where positions, which
    /// count characters, need a conversion).
    #[test]
    fn tag_positions_are_found_in_linear_time() {
        let mut text = String::from("# é\n");
        for i in 0..20_000 {
            text.push_str(&format!("- &a{i} !!str x\n"));
        }
        let doc = Document::parse(&text).unwrap();
        assert!(doc.scanned() <= 2 * text.len() as u64, "{}", doc.scanned());
        let root = doc.root().unwrap();
        let DocValue::Seq(items) = root.value() else {
            panic!()
        };
        let last = items.iter().last().unwrap();
        assert_eq!(last.pos(), p(20_001, 3));
        assert_eq!(last.tag_pos(), p(20_001, 3 + "&a19999 ".len()));
        // Across a line break, and with a tab.
        let n = doc_of("a: &x\n  !file {path: /p}\nb: &y\t!fd 1\n");
        assert_eq!(n.1[0], (p(1, 4), p(2, 3)));
        assert_eq!(n.1[1], (p(3, 4), p(3, 7)));
    }

    /// The (pos, tag_pos) of each value of a top-level mapping.
    /// A scalar past [`MAX_SCALAR_BYTES`] is refused at its start by the scanner, in
    /// each style, before the rest of it is scanned.
    #[test]
    fn a_long_scalar_is_refused_while_it_is_scanned() {
        let long = "a".repeat(MAX_SCALAR_BYTES + 1);
        for (text, pos) in [
            (format!("x: {long}\n"), Pos { line: 1, col: 4 }),
            (format!("x: '{long}'\n"), Pos { line: 1, col: 4 }),
            (format!("- |\n  {long}\n"), Pos { line: 2, col: 3 }),
        ] {
            let e = Document::parse(&text).unwrap_err();
            assert_eq!(e.pos, pos, "{}", e.message);
            assert_eq!(
                e.message,
                format!("scalar is longer than {MAX_SCALAR_BYTES} bytes")
            );
        }
        // At the bound exactly (the only scalar of the document): accepted.
        let text = format!("- {}\n", "a".repeat(MAX_SCALAR_BYTES));
        assert!(Document::parse(&text).is_ok());
    }

    /// A source past [`MAX_SOURCE_BYTES`] is refused from its known size without reading,
    /// and from a stream once reading passes the limit.
    #[test]
    fn a_source_is_read_only_up_to_the_limit() {
        let e = read_source(std::io::empty(), Some(MAX_SOURCE_BYTES + 1)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        let endless = std::io::repeat(b' ');
        let e = read_source(endless, None).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(read_source(&b"a: 1\n"[..], None).unwrap(), b"a: 1\n");
    }

    fn doc_of(text: &str) -> (Document, Vec<(Pos, Pos)>) {
        let doc = Document::parse(text).unwrap();
        let v = match doc.root().unwrap().value() {
            DocValue::Map(e) => e.iter().map(|(_, v)| (v.pos(), v.tag_pos())).collect(),
            _ => panic!(),
        };
        (doc, v)
    }

    #[test]
    fn a_tab_separates_a_value_from_its_colon() {
        let value = |text: &str| {
            let n = doc(text);
            let (k, v) = &map(&n)[0];
            (scalar(k).0.to_owned(), scalar(v).0.to_owned())
        };
        assert_eq!(value("a:\t1"), ("a".into(), "1".into()));
        assert_eq!(value("a:\t-1\n"), ("a".into(), "-1".into()));
        assert_eq!(value("a:\t\tb"), ("a".into(), "b".into()));
        assert_eq!(value("{a:\t1}"), ("a".into(), "1".into()));
        let n = doc("- a:\tb\n");
        assert_eq!(scalar(&map(&seq(&n)[0])[0].1).0, "b");
        // A tab is no more allowed than a space where a block collection would start.
        for bad in ["a:\t- b\n", "a:\tb: c\n"] {
            let with_space = compose(&bad.replace('\t', " ")).unwrap_err();
            let e = compose(bad).unwrap_err();
            assert_eq!(e.message, with_space.message, "{bad:?}");
        }
        // Tabs in content are untouched.
        assert_eq!(value("a: 'x:\t1'"), ("a".into(), "x:\t1".into()));
    }

    #[test]
    fn lines_break_at_lf_crlf_and_lone_cr() {
        let l: Vec<_> = lines("a\nb\r\nc\rd").collect();
        assert_eq!(l, ["a", "b", "c", "d"]);
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(lines("").collect::<Vec<_>>(), [""]);
        assert_eq!(lines("\n\n").collect::<Vec<_>>(), ["", ""]);
        // saphyr counts a lone CR as a line break too.
        let e = err("a: 1\rb: [1\rc: 2\r");
        assert_eq!(e.pos.line, 3);
        assert_eq!(clamp("a\rb\r", p(3, 1)), p(2, 2));
        assert_eq!(clamp("a\rb\r", p(2, 1)), p(2, 1));
        assert_eq!(clamp("", p(2, 1)), p(1, 1));
    }

    #[test]
    fn decoding_utf8_and_utf16() {
        let text = "a: é\nb: [1, 2]\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom).unwrap(), text);
        let utf16 = |be: bool| {
            let mut out = if be {
                vec![0xfe, 0xff]
            } else {
                vec![0xff, 0xfe]
            };
            for u in text.encode_utf16() {
                out.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            out
        };
        assert_eq!(decode(&utf16(false)).unwrap(), text);
        assert_eq!(decode(&utf16(true)).unwrap(), text);
    }

    #[test]
    fn decoding_errors_have_positions() {
        let e = decode(b"a: 1\nb: \xc3\xa9\xff x\n").unwrap_err();
        assert_eq!(e.pos, p(2, 5));
        assert_eq!(e.message, "invalid UTF-8 (byte 0xff)");
        // Lines broken by CR count as the parser counts them.
        assert_eq!(decode(b"a\r\nb\rc\x80").unwrap_err().pos, p(3, 2));
        // A truncated sequence at the very end.
        assert_eq!(decode(b"ab\xe2\x82").unwrap_err().pos, p(1, 3));
        let mut lone = vec![0xff, 0xfe];
        for u in [b'a' as u16, b'\n' as u16, b'x' as u16, 0xd800, b'y' as u16] {
            lone.extend(u.to_le_bytes());
        }
        let e = decode(&lone).unwrap_err();
        assert_eq!(e.pos, p(2, 2));
        assert_eq!(e.message, "invalid UTF-16: unpaired surrogate 0xd800");
        let e = decode(&[0xfe, 0xff, 0, b'a', 0]).unwrap_err();
        assert_eq!(
            (e.pos, e.message.as_str()),
            (p(1, 2), "invalid UTF-16: the text ends in half a code unit")
        );
        let e = decode(&[0xff, 0xfe, 0, 0, b'a', 0, 0, 0]).unwrap_err();
        assert!(e.message.contains("UTF-32"), "{e}");
    }

    /// saphyr-parser, as patched (vendor/saphyr-parser/PATCHES.md), emits the events of
    /// a flow collection that may be a key as it reads them instead of tokenising the
    /// whole collection first (2 million tokens, 350 MB, for 2 MB of integers).
    #[test]
    fn flow_collections_are_not_scanned_ahead() {
        let text = format!("[{}]\n", vec!["1"; 100_000].join(","));
        let pulled = std::cell::Cell::new(0usize);
        let chars = text.chars().inspect(|_| pulled.set(pulled.get() + 1));
        let mut parser = Parser::new_from_iter(chars);
        // Stream, document, sequence, first item.
        for _ in 0..4 {
            parser.next_event().unwrap().unwrap();
        }
        assert!(pulled.get() < 4096, "{} characters read", pulled.get());
    }

    /// A random tree of plain scalars rendered as block YAML.
    #[derive(Debug, Clone)]
    enum Tree {
        Leaf(String),
        Seq(Vec<Tree>),
        Map(Vec<(String, Tree)>),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = "[a-z][a-z0-9_]{0,6}".prop_map(Tree::Leaf);
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..5).prop_map(Tree::Seq),
                prop::collection::vec(("[a-z][a-z0-9]{0,5}", inner), 1..5).prop_map(|kv| {
                    // Unique keys keep the document meaningful.
                    let mut seen = std::collections::HashSet::new();
                    Tree::Map(
                        kv.into_iter()
                            .filter(|(k, _)| seen.insert(k.clone()))
                            .collect(),
                    )
                }),
            ]
        })
    }

    fn render(t: &Tree, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match t {
            Tree::Leaf(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Tree::Seq(items) => {
                out.push('\n');
                for item in items {
                    out.push_str(&pad);
                    out.push_str("- ");
                    render(item, indent + 2, out);
                }
            }
            Tree::Map(entries) => {
                out.push('\n');
                for (k, v) in entries {
                    out.push_str(&pad);
                    out.push_str(k);
                    out.push_str(": ");
                    render(v, indent + 2, out);
                }
            }
        }
    }

    fn check_positions(n: &YNode, lines: &[&str]) {
        assert!(n.pos.line >= 1 && n.pos.line <= lines.len(), "{n:?}");
        let line = lines[n.pos.line - 1];
        assert!(
            n.pos.col >= 1 && n.pos.col <= line.chars().count(),
            "{n:?} in {line:?}"
        );
        match &n.value {
            YValue::Scalar(s, _) => {
                // A plain scalar's position is where its text starts.
                let at: String = line.chars().skip(n.pos.col - 1).collect();
                assert!(at.starts_with(s.as_str()), "{s:?} not at {at:?}");
            }
            YValue::Seq(items) => items.iter().for_each(|i| check_positions(i, lines)),
            YValue::Map(entries) => entries.iter().for_each(|(k, v)| {
                check_positions(k, lines);
                check_positions(v, lines);
            }),
        }
    }

    proptest! {
        #[test]
        fn compose_never_panics(text in "\\PC{0,200}") {
            let _ = compose(&text);
        }

        #[test]
        fn compose_never_panics_on_yamlish(text in "[-:&*!\\[\\]{}, \n'\"a-c0-9#%|>?]{0,120}") {
            let _ = compose(&text);
        }

        #[test]
        fn positions_are_within_the_text(t in tree()) {
            let mut text = String::from("root: ");
            render(&t, 2, &mut text);
            let n = doc(&text);
            let lines: Vec<&str> = text.lines().collect();
            check_positions(&n, &lines);
        }
    }
}
