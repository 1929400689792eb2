//! Text folding for search: NFKD, combining marks dropped, lowercase, non-alphanumerics as
//! spaces; and the bigrams that index Chinese text. Pure functions of text: knows nothing of the
//! index.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

#[cfg(test)]
pub(super) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Folds text for matching, into `out`: NFKD, no combining marks, lowercase, non-alphanumerics
/// as spaces.
pub(super) fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        // Fast path, same result: ASCII is its own NFKD and has no combining marks.
        out.extend(text.bytes().map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b.to_ascii_lowercase())
            } else {
                ' '
            }
        }));
        return;
    }
    out.extend(
        text.nfkd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { ' ' }),
    );
}

#[cfg(test)]
pub(super) fn tokens(folded: &str) -> Vec<Box<str>> {
    folded.split_whitespace().map(Box::from).collect()
}

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Two-character windows of the Chinese runs in `text` (a lone character counts as one), into
/// `out` (cleared first).
pub(super) fn cjk_bigrams_into(text: &str, out: &mut Vec<String>) {
    out.clear();
    if text.is_ascii() {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_cjk(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_cjk(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        if run.len() == 1 {
            out.push(run[0].to_string());
        }
        out.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
    }
}

#[cfg(test)]
pub(super) fn cjk_bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    cjk_bigrams_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(tokens(&fold("GB/T 13560-2017")).concat(), "gbt135602017");
        assert_eq!(tokens(&fold("Ce–Pr–Nd Óxide")).join(" "), "ce pr nd oxide");
    }

    #[test]
    fn chinese_bigrams() {
        assert_eq!(cjk_bigrams("稀土标"), vec!["稀土", "土标"]);
        assert_eq!(cjk_bigrams("镝"), vec!["镝"]);
        assert!(cjk_bigrams("abc").is_empty());
    }
}
