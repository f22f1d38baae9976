//! The library's modules import each other without a cycle.
//!
//! Every `.rs` file under `src/` (the binary's `main.rs` aside) is a module, and so is
//! every inline `mod NAME { … }` in one (a unit test module among them). A module depends
//! on another when its code (comments and literals aside) names a path into it:
//! `crate::a::b`, `super::x`, `self::x` or `child::x` (a module it declares), in a `use`
//! or anywhere else; the target is the longest prefix of the path that is a module. So
//! `super::Item` is an edge to the parent module, and a facade that re-exports
//! `pub use child::Item` depends on that child. The test fails with the cycles and where
//! each of their edges is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path below the crate root (`["sandbox", "policy"]`); the root is `[]`.
type ModPath = Vec<String>;

/// A token of Rust source with its line: identifiers (keywords included), `::`, and
/// single punctuation characters. Comments, string, byte and character literals are
/// dropped; lifetimes become identifiers starting with `'`.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    text: String,
    line: usize,
}

fn tokens(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' || (matches!(ch, 'b' | 'c') && at(i + 1) == '"') {
            // A (byte or C) string literal.
            i += if ch == '"' { 1 } else { 2 };
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if (ch == 'r' || (matches!(ch, 'b' | 'c') && at(i + 1) == 'r'))
            && matches!(at(i + 1 + usize::from(ch != 'r')), '"' | '#')
        {
            // A raw string literal: r"…", r#"…"#, br"…".
            i += if ch == 'r' { 1 } else { 2 };
            let mut hashes = 0;
            while at(i) == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1; // the opening quote
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                    i += 1 + hashes;
                    break;
                }
                if c[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
        } else if ch == '\'' || (ch == 'b' && at(i + 1) == '\'') {
            let start = if ch == '\'' { i } else { i + 1 };
            if at(start + 1) == '\\' {
                // An escaped character literal.
                i = start + 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(start + 2) == '\'' {
                i = start + 3; // 'x'
            } else {
                // A lifetime or label.
                let mut j = start + 1;
                while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
                    j += 1;
                }
                out.push(Token {
                    text: c[start..j].iter().collect(),
                    line,
                });
                i = j;
            }
        } else if ch.is_alphanumeric() || ch == '_' || (ch == '$' && at(i + 1).is_alphabetic()) {
            let mut j = i + 1;
            while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
                j += 1;
            }
            out.push(Token {
                text: c[i..j].iter().collect(),
                line,
            });
            i = j;
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A module's source: the file it is in and its tokens (inline child modules removed).
#[derive(Debug, Default)]
struct Module {
    file: PathBuf,
    tokens: Vec<Token>,
    /// Child modules it declares (`mod x;` or `mod x { … }`).
    children: BTreeSet<String>,
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// Split a file's tokens into its module and the inline modules it declares.
fn split_inline(
    path: &ModPath,
    file: &Path,
    toks: &[Token],
    modules: &mut BTreeMap<ModPath, Module>,
) {
    let mut own = Vec::new();
    let mut children = BTreeSet::new();
    let mut i = 0;
    while i < toks.len() {
        let is_mod = toks[i].text == "mod"
            && i + 2 < toks.len()
            && is_ident(&toks[i + 1].text)
            && (i == 0 || toks[i - 1].text != "::");
        if is_mod {
            let name = toks[i + 1].text.clone();
            children.insert(name.clone());
            if toks[i + 2].text == "{" {
                // Find the matching brace.
                let mut depth = 0;
                let mut j = i + 2;
                while j < toks.len() {
                    match toks[j].text.as_str() {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let mut child = path.clone();
                child.push(name);
                split_inline(&child, file, &toks[i + 3..j], modules);
                i = j + 1;
                continue;
            }
            i += 2;
            continue;
        }
        own.push(toks[i].clone());
        i += 1;
    }
    let m = modules.entry(path.clone()).or_default();
    m.file = file.to_owned();
    m.tokens = own;
    m.children.extend(children);
}

/// The module a file under `src/` is (`src/a/mod.rs` and `src/a.rs` are both `a`).
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The paths a module's tokens name, with their lines: `use` trees expanded, other paths
/// as written (segments joined by `::`), each starting with the first segment.
fn paths(toks: &[Token]) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].text == "use" {
            let end = (i..toks.len())
                .find(|&j| toks[j].text == ";")
                .unwrap_or(toks.len());
            use_tree(&toks[i + 1..end], &mut Vec::new(), &mut out);
            i = end;
            continue;
        }
        let starts = is_ident(&toks[i].text)
            && (i == 0 || (toks[i - 1].text != "::" && toks[i - 1].text != "mod"))
            && toks.get(i + 1).is_some_and(|t| t.text == "::");
        if starts {
            let mut segs = vec![toks[i].text.clone()];
            let mut j = i + 1;
            while j + 1 < toks.len() && toks[j].text == "::" && is_ident(&toks[j + 1].text) {
                segs.push(toks[j + 1].text.clone());
                j += 2;
            }
            out.push((segs, toks[i].line));
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// Expand a `use` tree (`a::{b, c::d}`) into its paths.
fn use_tree(toks: &[Token], prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, usize)>) {
    let mut i = usize::from(toks.first().is_some_and(|t| t.text == "::"));
    if i == 1 && prefix.is_empty() {
        return; // `use ::extern_crate::…`
    }
    let base = prefix.len();
    let line = toks.first().map_or(0, |t| t.line);
    while i < toks.len() {
        let t = &toks[i].text;
        if t == "{" {
            // Split the group at top-level commas.
            let mut depth = 0;
            let mut start = i + 1;
            for j in i..toks.len() {
                match toks[j].text.as_str() {
                    "{" => depth += 1,
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            use_tree(&toks[start..j], prefix, out);
                            break;
                        }
                    }
                    "," if depth == 1 => {
                        use_tree(&toks[start..j], prefix, out);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            prefix.truncate(base);
            return;
        } else if t == "as" {
            break;
        } else if t == "*" || is_ident(t) {
            // `self` in a group (`a::{self, b}`) names the group's prefix.
            if t != "*" && (t != "self" || prefix.is_empty()) {
                prefix.push(t.clone());
            }
        }
        i += 1;
    }
    if prefix.len() > base || (toks.len() == 1 && toks[0].text == "self") {
        out.push((prefix.clone(), line));
    }
    prefix.truncate(base);
}

/// The module `segs` leads into from `from`, if it is one of the crate's: the longest
/// prefix that is a known module.
fn resolve(
    from: &ModPath,
    segs: &[String],
    modules: &BTreeMap<ModPath, Module>,
) -> Option<ModPath> {
    let mut at: ModPath;
    let mut rest = segs;
    match segs.first()?.as_str() {
        "crate" | "$crate" => {
            at = Vec::new();
            rest = &segs[1..];
        }
        "self" => {
            at = from.clone();
            rest = &segs[1..];
        }
        "super" => {
            at = from.clone();
            while rest.first().is_some_and(|s| s == "super") {
                at.pop()?;
                rest = &rest[1..];
            }
        }
        first
            if modules
                .get(from)
                .is_some_and(|m| m.children.contains(first)) =>
        {
            at = from.clone();
        }
        _ => return None,
    }
    for seg in rest {
        let mut next = at.clone();
        next.push(seg.clone());
        if !modules.contains_key(&next) {
            break;
        }
        at = next;
    }
    Some(at)
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn visit(s: &mut State<'_>, v: &ModPath) {
        let n = s.index.len();
        s.index.insert(v.clone(), n);
        s.low.insert(v.clone(), n);
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        let targets: Vec<ModPath> = s
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let low = s.low[v].min(s.low[&w]);
                s.low.insert(v.clone(), low);
            } else if s.on_stack.contains(&w) {
                let low = s.low[v].min(s.index[&w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on_stack.remove(&w);
                let done = &w == v;
                scc.push(w);
                if done {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// Edges `(from, to)`, each with the file and line of its first mention.
type Edges = BTreeMap<(ModPath, ModPath), (PathBuf, usize)>;

/// Every module of `src/` and the edges between them.
fn graph() -> (BTreeMap<ModPath, Module>, Edges) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut modules = BTreeMap::new();
    for file in files.iter().filter(|f| !f.ends_with("main.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        split_inline(&module_of(&src, file), file, &tokens(&text), &mut modules);
    }
    let mut edges = BTreeMap::new();
    for (from, m) in &modules {
        for (segs, line) in paths(&m.tokens) {
            if let Some(to) = resolve(from, &segs, &modules) {
                if &to != from {
                    edges
                        .entry((from.clone(), to))
                        .or_insert((m.file.clone(), line));
                }
            }
        }
    }
    (modules, edges)
}

#[test]
fn the_module_graph_has_no_cycle() {
    let (modules, edges) = graph();
    assert!(
        modules.len() > 20,
        "only {} modules found: is the parser broken?",
        modules.len()
    );
    let mut adjacency: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        adjacency
            .entry(from.clone())
            .or_default()
            .insert(to.clone());
    }
    let found = cycles(&adjacency);
    let mut report = String::new();
    for scc in &found {
        report.push_str("cycle among:\n");
        for ((from, to), (file, line)) in &edges {
            if scc.contains(from) && scc.contains(to) {
                report.push_str(&format!(
                    "  {} -> {} ({}:{line})\n",
                    name(from),
                    name(to),
                    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(file)
                        .display()
                ));
            }
        }
    }
    assert!(found.is_empty(), "{report}");
}

/// The checker itself: it sees `use` trees, inline paths, `super`, child modules and
/// inline modules, and ignores comments, literals and external crates.
#[test]
fn the_checker_finds_edges_and_cycles() {
    let src = "\
        //! crate::nope in a doc comment\n\
        use crate::a::{self, b::{C, d}};\n\
        use super::*;\n\
        use ::ext::x;\n\
        mod kid;\n\
        mod inline { use super::super::a; fn f() { kid::g(); } }\n\
        fn f<'a>(x: &'a str) { let _ = \"crate::z::q\"; let _ = 'c'; kid::h(crate::z::q); }\n";
    let toks = tokens(src);
    let found: Vec<Vec<String>> = paths(&toks).into_iter().map(|(p, _)| p).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(found.contains(&s(&["crate", "a"])), "{found:?}");
    assert!(found.contains(&s(&["crate", "a", "b", "C"])), "{found:?}");
    assert!(found.contains(&s(&["crate", "a", "b", "d"])), "{found:?}");
    assert!(found.contains(&s(&["super"])), "{found:?}");
    assert!(found.contains(&s(&["kid", "h"])), "{found:?}");
    assert!(found.contains(&s(&["crate", "z", "q"])), "{found:?}");
    assert!(!found.iter().any(|p| p[0] == "ext"), "{found:?}");
    assert!(
        !found.iter().any(|p| p.contains(&"nope".to_string())),
        "{found:?}"
    );

    let mut modules = BTreeMap::new();
    split_inline(&s(&["m"]), Path::new("m.rs"), &toks, &mut modules);
    for p in [&s(&["a"]), &s(&["a", "b"]), &s(&["z"]), &s(&["m", "kid"])] {
        modules.entry(p.clone()).or_default();
    }
    assert!(modules.contains_key(&s(&["m", "inline"])));
    assert_eq!(
        resolve(&s(&["m"]), &s(&["crate", "a", "b", "C"]), &modules),
        Some(s(&["a", "b"]))
    );
    assert_eq!(
        resolve(&s(&["m", "inline"]), &s(&["super", "super", "a"]), &modules),
        Some(s(&["a"]))
    );
    assert_eq!(
        resolve(&s(&["m"]), &s(&["kid", "h"]), &modules),
        Some(s(&["m", "kid"]))
    );
    assert_eq!(resolve(&s(&["m"]), &s(&["ext", "x"]), &modules), None);

    let edges: BTreeMap<ModPath, BTreeSet<ModPath>> = [
        (s(&["a"]), BTreeSet::from([s(&["b"])])),
        (s(&["b"]), BTreeSet::from([s(&["c"])])),
        (s(&["c"]), BTreeSet::from([s(&["a"])])),
        (s(&["d"]), BTreeSet::from([s(&["a"])])),
    ]
    .into();
    assert_eq!(cycles(&edges), vec![vec![s(&["a"]), s(&["b"]), s(&["c"])]]);
    let mut acyclic = edges.clone();
    acyclic.remove(&s(&["c"]));
    assert!(cycles(&acyclic).is_empty());
}
