//! `yaml`: compose a YAML document into a generic tree with tags, anchors and positions,
//! from `saphyr-parser` events. Shared by `config` and the policy loader.
//!
//! (Stub: type contract; the config work fills in `compose`.)

use crate::config::Pos;

/// A tag as written, resolved through `%TAG` directives: `handle` + `suffix`.
/// Local `!fd` has handle `"!"`, suffix `"fd"`; under `%TAG ! tag:nuxi.nl,2015:cloudabi/`
/// the handle is `"tag:nuxi.nl,2015:cloudabi/"`; `!!binary` has handle `"tag:yaml.org,2002:"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The handle (prefix), after `%TAG` resolution.
    pub handle: String,
    /// The suffix.
    pub suffix: String,
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
pub fn compose(_text: &str) -> Result<Option<YNode>, YamlError> {
    todo!()
}
