//! `yaml`: compose a YAML document into a generic tree with tags, anchors and positions,
//! from `saphyr-parser` events. Shared by `config` and the policy loader.
//!
//! Composition happens in two steps: the event stream of the first document is collected
//! into an arena in which an alias is a reference to its (complete) anchored node, then the
//! arena is expanded into a [`YNode`] tree, copying the anchored subtree for every alias.
//! The expansion is capped at [`MAX_NODES`] nodes (alias bombs) and [`MAX_DEPTH`] levels
//! of nesting, so that consumers can recurse over the tree safely.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

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

/// Most nodes a composed document may have once aliases are expanded.
pub const MAX_NODES: usize = 1_000_000;

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A composed YAML node.
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

/// Compose the first document of `text` (empty input → `None`).
///
/// Later documents are not looked at. Errors: YAML syntax errors (with saphyr's message),
/// an alias to an unknown anchor or to its own enclosing node, nesting deeper than
/// [`MAX_DEPTH`], or more than [`MAX_NODES`] nodes after alias expansion.
pub fn compose(text: &str) -> Result<Option<YNode>, YamlError> {
    let arena = Arena::collect(text)?;
    match arena.root {
        None => Ok(None),
        Some(root) => {
            let mut budget = MAX_NODES;
            arena.build(root, 0, None, &mut budget).map(Some)
        }
    }
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
        pos: pos_of(m),
        message,
    }
}

/// Content of an arena node.
enum Slot {
    Scalar(String, Style),
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    /// An alias: the arena index of the anchored node.
    Alias(usize),
}

struct ANode {
    pos: Pos,
    tag: Option<Tag>,
    anchor: Option<usize>,
    slot: Slot,
}

/// An open collection while collecting events.
struct Open {
    idx: usize,
    anchor: usize,
    pending_key: Option<usize>,
}

/// The first document as a graph in which aliases point at their anchored node.
struct Arena {
    nodes: Vec<ANode>,
    root: Option<usize>,
}

impl Arena {
    fn collect(text: &str) -> Result<Arena, YamlError> {
        let mut arena = Arena {
            nodes: Vec::new(),
            root: None,
        };
        let mut parser = Parser::new_from_str(text);
        let mut stack: Vec<Open> = Vec::new();
        // saphyr anchor id → arena index, for complete anchored nodes only.
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        while let Some(item) = parser.next_event() {
            let (event, span) = item.map_err(|e| scan_error(text, &e))?;
            let pos = pos_of(&span.start);
            let is_seq = matches!(event, Event::SequenceStart(..));
            if arena.nodes.len() >= MAX_NODES {
                return Err(too_many(pos));
            }
            let anchor = |id: usize| (id > 0).then_some(id);
            let tag = |t: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>| {
                t.map(|t| Tag::from_saphyr(&t))
            };
            match event {
                Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
                Event::StreamEnd | Event::DocumentEnd => break,
                Event::Alias(id) => {
                    let Some(&target) = anchors.get(&id) else {
                        return Err(YamlError {
                            pos,
                            message: format!(
                                "alias *{} refers to its own enclosing node",
                                name_at(text, span.start.index())
                            ),
                        });
                    };
                    let idx = arena.push(ANode {
                        pos,
                        tag: None,
                        anchor: Some(id),
                        slot: Slot::Alias(target),
                    });
                    arena.attach(&mut stack, idx);
                }
                Event::Scalar(value, style, id, t) => {
                    let style = match style {
                        ScalarStyle::Plain => Style::Plain,
                        _ => Style::Quoted,
                    };
                    let idx = arena.push(ANode {
                        pos,
                        tag: tag(t),
                        anchor: anchor(id),
                        slot: Slot::Scalar(value.into_owned(), style),
                    });
                    arena.attach(&mut stack, idx);
                    if id > 0 {
                        anchors.insert(id, idx);
                    }
                }
                Event::SequenceStart(id, t) | Event::MappingStart(id, t) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(too_deep(pos));
                    }
                    let slot = if is_seq {
                        Slot::Seq(Vec::new())
                    } else {
                        Slot::Map(Vec::new())
                    };
                    let idx = arena.push(ANode {
                        pos,
                        tag: tag(t),
                        anchor: anchor(id),
                        slot,
                    });
                    arena.attach(&mut stack, idx);
                    stack.push(Open {
                        idx,
                        anchor: id,
                        pending_key: None,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some(open) = stack.pop() {
                        if open.anchor > 0 {
                            anchors.insert(open.anchor, open.idx);
                        }
                    }
                }
            }
        }
        Ok(arena)
    }

    fn push(&mut self, node: ANode) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Make `idx` the next child of the innermost open collection (or the root).
    fn attach(&mut self, stack: &mut [Open], idx: usize) {
        let Some(open) = stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(idx);
            }
            return;
        };
        match &mut self.nodes[open.idx].slot {
            Slot::Seq(items) => items.push(idx),
            Slot::Map(entries) => match open.pending_key.take() {
                None => open.pending_key = Some(idx),
                Some(key) => entries.push((key, idx)),
            },
            Slot::Scalar(..) | Slot::Alias(_) => unreachable!("only collections are opened"),
        }
    }

    /// Expand arena node `idx` at nesting `depth`. `alias` is the position of the
    /// outermost alias being expanded (errors point there), `None` outside aliases.
    fn build(
        &self,
        idx: usize,
        depth: usize,
        alias: Option<Pos>,
        budget: &mut usize,
    ) -> Result<YNode, YamlError> {
        let node = &self.nodes[idx];
        let err_pos = alias.unwrap_or(node.pos);
        if let Slot::Alias(target) = node.slot {
            let mut copy = self.build(target, depth, Some(err_pos), budget)?;
            copy.pos = node.pos;
            return Ok(copy);
        }
        if *budget == 0 {
            return Err(too_many(err_pos));
        }
        *budget -= 1;
        let value = match &node.slot {
            Slot::Scalar(text, style) => YValue::Scalar(text.clone(), *style),
            Slot::Seq(items) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(err_pos));
                }
                let items = items
                    .iter()
                    .map(|&i| self.build(i, depth + 1, alias, budget))
                    .collect::<Result<_, _>>()?;
                YValue::Seq(items)
            }
            Slot::Map(entries) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(err_pos));
                }
                let entries = entries
                    .iter()
                    .map(|&(k, v)| {
                        Ok((
                            self.build(k, depth + 1, alias, budget)?,
                            self.build(v, depth + 1, alias, budget)?,
                        ))
                    })
                    .collect::<Result<_, _>>()?;
                YValue::Map(entries)
            }
            Slot::Alias(_) => unreachable!("handled above"),
        };
        Ok(YNode {
            pos: node.pos,
            tag: node.tag.clone(),
            anchor: node.anchor,
            is_alias: alias.is_some(),
            value,
        })
    }
}

fn too_many(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: format!("document has more than {MAX_NODES} nodes once aliases are expanded"),
    }
}

fn too_deep(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: format!("document nests deeper than {MAX_DEPTH} levels"),
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
    fn syntax_error_at_end_of_input() {
        let e = err("a: [\n");
        assert_eq!(e.pos, p(2, 1));
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
        assert!(e.message.contains("more than 1000000 nodes"), "{e}");
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
