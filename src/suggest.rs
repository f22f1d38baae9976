//! `suggest`: the closest known word to a misspelt one, for "did you mean …?" hints (config
//! tags and keys, policy names).

/// The closest of `candidates` to `word` (compared in lower case), if close enough to be
/// a plausible typo: at most one edit for a word of up to 3 characters (a leading `!`
/// not counted), else two.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|&c| (edit_distance(&word, c), c))
        .min_by_key(|&(d, _)| d)
        .filter(|&(d, c)| {
            let len = c.trim_start_matches('!').chars().count();
            d <= if len <= 3 { 1 } else { 2 }
        })
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("flie", "file"), 1);
        assert_eq!(edit_distance("fd", "fd"), 0);
        assert_eq!(edit_distance("sockt", "socket"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn only_plausible_typos_are_suggested() {
        let names = ["strict", "default", "unprivileged", "none", "devtools"];
        assert_eq!(closest("stirct", &names), Some("strict"));
        assert_eq!(closest("Defualt", &names), Some("default"));
        assert_eq!(closest("non", &names), Some("none"));
        assert_eq!(closest("./my-policy.yaml", &names), None);
    }
}
