//! Name emoji stripping (`protocol.md` §12) and the short-form text cut (§13).
//!
//! The reference removes matches of a frozen regular expression; the spec expanded it into a
//! finite list of code-point sequences (`data/emoji_sequences.txt`, copied from the spec) and
//! showed that leftmost-longest matching over that list is exactly equivalent. We build a trie of
//! the list once and scan with it.

use std::borrow::Cow;
use std::sync::OnceLock;

/// Short form: texts longer than this many code points are cut.
pub const SHORT_TEXT_MAX_CHARS: usize = 150;
/// …to this many UTF-16 units, then trimmed, then `..` appended.
pub const SHORT_TEXT_CUT_UNITS: usize = 150;

const SEQUENCES: &str = include_str!("data/emoji_sequences.txt");

/// A trie over code points; node 0 is the root.
struct Trie {
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    /// Sorted by code point, for binary search.
    children: Vec<(u32, u32)>,
    terminal: bool,
}

impl Trie {
    fn build(list: &str) -> Self {
        let mut trie = Trie {
            nodes: vec![Node::default()],
        };
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            let mut at = 0usize;
            for hex in line.split_ascii_whitespace() {
                // The file is part of the crate and checked by tests; a bad entry is skipped
                // rather than panicking at run time.
                let Ok(cp) = u32::from_str_radix(hex, 16) else {
                    break;
                };
                at = trie.child_or_insert(at, cp);
            }
            if at != 0 {
                trie.nodes[at].terminal = true;
            }
        }
        trie
    }

    fn child(&self, node: usize, cp: u32) -> Option<usize> {
        let children = &self.nodes[node].children;
        children
            .binary_search_by_key(&cp, |&(c, _)| c)
            .ok()
            .map(|i| children[i].1 as usize)
    }

    fn child_or_insert(&mut self, node: usize, cp: u32) -> usize {
        match self.nodes[node]
            .children
            .binary_search_by_key(&cp, |&(c, _)| c)
        {
            Ok(i) => self.nodes[node].children[i].1 as usize,
            Err(i) => {
                let new = self.nodes.len();
                self.nodes.push(Node::default());
                self.nodes[node].children.insert(i, (cp, new as u32));
                new
            }
        }
    }

    /// Length in chars of the longest listed sequence at the start of `chars`, or 0.
    fn longest_match(&self, chars: &[char]) -> usize {
        let mut node = 0;
        let mut best = 0;
        for (i, &c) in chars.iter().enumerate() {
            match self.child(node, c as u32) {
                Some(next) => {
                    node = next;
                    if self.nodes[node].terminal {
                        best = i + 1;
                    }
                }
                None => break,
            }
        }
        best
    }
}

fn trie() -> &'static Trie {
    static TRIE: OnceLock<Trie> = OnceLock::new();
    TRIE.get_or_init(|| Trie::build(SEQUENCES))
}

/// Removes every listed emoji sequence, leftmost-longest, and nothing else (no trimming; the
/// result may be empty). For User `fn`/`ln`, Chat `t`, `fwd.from_name`.
pub fn strip_emoji(s: &str) -> Cow<'_, str> {
    // ASCII names have nothing to strip except the keycaps (`#`, `*`, digits + U+20E3), which
    // need a non-ASCII code point: skip the work for them.
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let trie = trie();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut removed = false;
    while i < chars.len() {
        let n = trie.longest_match(&chars[i..]);
        if n > 0 {
            removed = true;
            i += n;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    if removed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// A name as the API emits it: stripped unless the request had `X-mpgram-keep-emoji`.
pub fn display_name(s: &str, keep_emoji: bool) -> Cow<'_, str> {
    if keep_emoji {
        Cow::Borrowed(s)
    } else {
        strip_emoji(s)
    }
}

/// The short-form text (dialog previews, `reply.msg`, notifications): more than 150 code points
/// → first 150 UTF-16 units (cut before a surrogate pair rather than through it, where the
/// reference would write `?`), ASCII whitespace trimmed from both ends as PHP `trim`, then `..`.
pub fn short_text(text: &str) -> Cow<'_, str> {
    if text.chars().count() <= SHORT_TEXT_MAX_CHARS {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let w = c.len_utf16();
        if units + w > SHORT_TEXT_CUT_UNITS {
            break;
        }
        units += w;
        end = i + c.len_utf8();
    }
    let cut = text[..end].trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b'));
    let mut out = String::with_capacity(cut.len() + 2);
    out.push_str(cut);
    out.push_str("..");
    Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    fn from_hex(field: &str) -> String {
        field
            .split_ascii_whitespace()
            .map(|h| {
                let cp = u32::from_str_radix(h, 16).expect("hex code point in test data");
                char::from_u32(cp).expect("valid code point in test data")
            })
            .collect()
    }

    #[test]
    fn every_vector_from_the_spec_data() {
        let vectors = include_str!("data/emoji_strip_vectors.txt");
        let mut n = 0;
        for line in vectors.lines() {
            let (input, want) = line.split_once('\t').expect("tab in vector line");
            let (input, want) = (from_hex(input), from_hex(want));
            assert_eq!(strip_emoji(&input), want, "input {line:?}");
            n += 1;
        }
        assert!(n >= 80, "vectors file looks truncated: {n}");
    }

    #[test]
    fn every_listed_sequence_is_removed_whole() {
        let mut n = 0;
        for line in SEQUENCES.lines() {
            let seq = from_hex(line);
            assert_eq!(strip_emoji(&format!("a{seq}b")), "ab", "{line}");
            n += 1;
        }
        assert_eq!(n, 4737);
    }

    #[test]
    fn spec_examples() {
        assert_eq!(strip_emoji("Hello 😀 World"), "Hello  World");
        assert_eq!(strip_emoji("Ivan ❤️"), "Ivan ");
        assert_eq!(strip_emoji("Flag 🇷🇺!"), "Flag !");
        assert_eq!(strip_emoji("★ ☆"), "★ ☆");
        assert_eq!(strip_emoji("🪿 goose"), "🪿 goose");
        assert_eq!(strip_emoji("😀"), "");
        assert_eq!(strip_emoji("😀\u{FE0F}"), "\u{FE0F}");
        assert_eq!(strip_emoji("#2 Ivan"), "#2 Ivan");
        assert!(matches!(strip_emoji("Иван"), Cow::Borrowed(_)));
    }

    #[test]
    fn keep_emoji_header_skips_stripping() {
        assert_eq!(display_name("Ivan ❤️", true), "Ivan ❤️");
        assert_eq!(display_name("Ivan ❤️", false), "Ivan ");
    }

    #[test]
    fn short_text_151_ya_becomes_150_plus_dots() {
        let t = "я".repeat(151);
        assert_eq!(short_text(&t), format!("{}..", "я".repeat(150)));
        let t = "я".repeat(150);
        assert_eq!(short_text(&t), t);
    }

    #[test]
    fn short_text_counts_code_points_but_cuts_utf16_units() {
        // 100 emoji = 100 code points = 200 units: not cut, not trimmed.
        let t = format!(" {} ", "😀".repeat(100));
        assert_eq!(short_text(&t), t);
        // 149 ASCII + emoji + more: the cut at 150 units would split the pair; cut before it.
        let t = format!("{}😀{}", "a".repeat(149), "b".repeat(10));
        assert_eq!(short_text(&t), format!("{}..", "a".repeat(149)));
        // 148 ASCII + emoji fits exactly 150 units.
        let t = format!("{}😀{}", "a".repeat(148), "b".repeat(10));
        assert_eq!(short_text(&t), format!("{}😀..", "a".repeat(148)));
    }

    #[test]
    fn short_text_trims_ascii_whitespace_of_the_cut_only() {
        let t = format!("  {}   tail{}", "x".repeat(145), "y".repeat(20));
        assert_eq!(short_text(&t), format!("{}..", "x".repeat(145)));
        // Non-ASCII whitespace (NBSP) is not trimmed, like PHP trim.
        let t = format!("\u{a0}{}", "x".repeat(160));
        assert_eq!(short_text(&t), format!("\u{a0}{}..", "x".repeat(149)));
    }
}
