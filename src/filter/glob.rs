//! Case-insensitive globs with `*` (any run, including none) and `?` (one
//! character), matched against the whole text.
//!
//! The matcher remembers only the last `*` and retries from there, so the
//! worst case is O(pattern × text) and there is no exponential backtracking
//! (`a*a*a*a*b` against a long run of `a` stays fast).

/// A glob compiled once, matched many times (filters, response rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    /// The pattern, lowercased unless case counts, as characters.
    pattern: Vec<char>,
    /// Match case exactly (names that are case-sensitive where they live,
    /// such as relay channels).
    case: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Self {
        Self {
            pattern: fold(pattern),
            case: false,
        }
    }

    /// A glob that matches case exactly.
    pub fn with_case(pattern: &str) -> Self {
        Self {
            pattern: pattern.chars().collect(),
            case: true,
        }
    }

    /// Whether `text` holds a glob character, i.e. is more than plain text.
    pub fn is_glob(text: &str) -> bool {
        text.contains(['*', '?'])
    }

    /// Whether the whole of `text` matches, ignoring case unless
    /// [`Glob::with_case`].
    pub fn matches(&self, text: &str) -> bool {
        if self.case {
            let text: Vec<char> = text.chars().collect();
            return matches_folded(&self.pattern, &text);
        }
        matches_folded(&self.pattern, &fold(text))
    }
}

/// Whether the whole of `text` matches the glob `pattern`, ignoring case.
///
/// `glob_match("/pingara*", "/Pingara-webhook")` is true;
/// `glob_match("?.json", "ab.json")` is false.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    Glob::new(pattern).matches(text)
}

fn fold(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn matches_folded(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // After the last `*` seen: where the pattern resumes, and the text
    // position that `*` currently stretches to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&'*') => {
                star = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((resume, stretched)) => {
                    star = Some((resume, stretched + 1));
                    p = resume;
                    t = stretched + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_case() {
        assert!(glob_match("/pingara-webhook", "/Pingara-Webhook"));
        assert!(!glob_match("/pingara", "/pingara-webhook"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "x"));
    }

    #[test]
    fn star_and_question_mark() {
        assert!(glob_match("/pingara*", "/pingara-webhook"));
        assert!(glob_match("/pingara*", "/pingara"));
        assert!(glob_match("*json*", "application/json; charset=utf-8"));
        assert!(glob_match("incident.*", "incident.created"));
        assert!(!glob_match("incident.*", "incidents"));
        assert!(glob_match("*", ""));
        assert!(glob_match("**", "abc"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*.?", "file.x"));
        assert!(glob_match("a*b*c", "a-b-b-c"));
        assert!(!glob_match("a*b*c", "a-b-b-d"));
        assert!(glob_match("?", "é"));
        assert!(glob_match("ÉTÉ*", "été 2026"));
    }

    #[test]
    fn no_exponential_backtracking() {
        let text = "a".repeat(20_000);
        let pattern = format!("{}b", "a*".repeat(30));
        assert!(!glob_match(&pattern, &text));
        assert!(glob_match(&format!("{}a", "*a".repeat(30)), &text));
    }

    #[test]
    fn compiled_glob_reuses() {
        let g = Glob::new("/hooks/*");
        assert!(g.matches("/hooks/github"));
        assert!(!g.matches("/other"));
        assert!(Glob::is_glob("a*"));
        assert!(Glob::is_glob("a?"));
        assert!(!Glob::is_glob("/plain"));
    }
}
