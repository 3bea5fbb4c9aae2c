//! Finding names in text: the matcher that redaction and the leak guard share.
//!
//! Text is cut into words (letters and digits); a name matches a run of
//! words that are equal after folding case and accents ("Sint-Jozef" matches
//! "sint jozef" and "SINT JOZEF"), separated by at most two punctuation marks.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// A word of a text: its byte span, its folded form, and whether it was
/// written with a capital.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
    pub capitalised: bool,
}

/// Lower case without accents or ligatures: "Écoles" becomes "ecoles", and
/// the "ﬁ" ligature a PDF's text may hold becomes "fi".
pub(crate) fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &text[s..i];
                out.push(Word {
                    start: s,
                    end: i,
                    folded: fold(word),
                    capitalised: word.chars().next().is_some_and(char::is_uppercase),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether two neighbouring words may belong to one name: only spaces, line
/// breaks and at most two marks such as `-`, `'`, `.` or `,` between them.
fn joined(text: &str, left: &Word, right: &Word) -> bool {
    text[left.end..right.start]
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
        <= 2
}

/// A name to look for, with who it belongs to.
#[derive(Debug, Clone)]
struct Name<T> {
    words: Vec<String>,
    /// Matches only where its first word is written with a capital: single
    /// words such as a first name, which may also be ordinary words.
    needs_capital: bool,
    owners: Vec<T>,
}

/// A found name: its byte span in the text and who it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<'a, T> {
    pub start: usize,
    pub end: usize,
    pub owners: &'a [T],
}

/// Names indexed by their first folded word.
#[derive(Debug, Clone)]
pub(crate) struct NameSet<T> {
    by_first: HashMap<String, Vec<Name<T>>>,
}

impl<T> Default for NameSet<T> {
    fn default() -> Self {
        Self {
            by_first: HashMap::new(),
        }
    }
}

impl<T: Clone + PartialEq> NameSet<T> {
    /// Adds `name` as `owner`'s; a name with no words is ignored. The same
    /// words added twice keep one entry with both owners.
    pub fn add(&mut self, name: &str, needs_capital: bool, owner: T) {
        let folded: Vec<String> = words(name).into_iter().map(|w| w.folded).collect();
        let Some(first) = folded.first().cloned() else {
            return;
        };
        let entries = self.by_first.entry(first).or_default();
        if let Some(e) = entries.iter_mut().find(|e| e.words == folded) {
            // Case-insensitive wins: it finds more.
            e.needs_capital &= needs_capital;
            if !e.owners.contains(&owner) {
                e.owners.push(owner);
            }
            return;
        }
        entries.push(Name {
            words: folded,
            needs_capital,
            owners: vec![owner],
        });
        // Longest first, so "De Wilg Zurenborg" wins over "De Wilg".
        entries.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
    }

    /// Every non-overlapping match, leftmost and then longest first;
    /// `any_case` also finds the names that need a capital without one.
    pub fn find<'a>(&'a self, text: &str, words: &[Word], any_case: bool) -> Vec<Found<'a, T>> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let matched = self.by_first.get(&words[i].folded).and_then(|names| {
                names.iter().find(|n| {
                    (any_case || !n.needs_capital || words[i].capitalised)
                        && i + n.words.len() <= words.len()
                        && n.words.iter().enumerate().all(|(k, w)| {
                            *w == words[i + k].folded
                                && (k == 0 || joined(text, &words[i + k - 1], &words[i + k]))
                        })
                })
            });
            match matched {
                Some(n) => {
                    let last = &words[i + n.words.len() - 1];
                    found.push(Found {
                        start: words[i].start,
                        end: last.end,
                        owners: &n.owners,
                    });
                    i += n.words.len();
                }
                None => i += 1,
            }
        }
        found
    }
}

/// Whole phrases of the city's own texts that hold a school's name but name
/// no school, such as the organisation "Buurtwerk De Brug" beside the school
/// alias "De Brug" (`privacy.allowed_phrases`). Where one occurs, its words
/// are read as that phrase and never as a name inside it.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedPhrases {
    phrases: NameSet<()>,
    /// Phrases left out because they are a name themselves: allowing one
    /// would switch the guard off for that name everywhere.
    refused: Vec<String>,
}

impl AllowedPhrases {
    /// `phrases`, except those that are, word for word, a name of `names`.
    pub fn new<T: Clone + PartialEq>(phrases: &[String], names: &NameSet<T>) -> Self {
        let mut allowed = Self::default();
        for phrase in phrases {
            let words = words(phrase);
            let whole = names.find(phrase, &words, true).iter().any(|f| {
                Some(f.start) == words.first().map(|w| w.start)
                    && Some(f.end) == words.last().map(|w| w.end)
            });
            if whole {
                allowed.refused.push(phrase.clone());
            } else {
                allowed.phrases.add(phrase, false, ());
            }
        }
        allowed
    }

    pub fn refused(&self) -> &[String] {
        &self.refused
    }

    /// Blanks the words of `text` that lie in an allowed phrase, so that no
    /// name matches them or runs across them; returns the phrases' spans.
    pub fn mask(&self, text: &str, words: &mut [Word]) -> Vec<(usize, usize)> {
        let spans: Vec<(usize, usize)> = self
            .phrases
            .find(text, words, true)
            .into_iter()
            .map(|f| (f.start, f.end))
            .collect();
        for w in words.iter_mut() {
            if spans.iter().any(|(s, e)| *s <= w.start && w.end <= *e) {
                // No name has an empty word, so a blank word matches none.
                w.folded.clear();
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(set: &NameSet<u32>, text: &str) -> Vec<(String, Vec<u32>)> {
        set.find(text, &words(text), false)
            .into_iter()
            .map(|f| (text[f.start..f.end].to_owned(), f.owners.to_vec()))
            .collect()
    }

    #[test]
    fn folds_case_accents_and_punctuation_between_words() {
        let mut set = NameSet::default();
        set.add("Sint-Jozef", false, 1);
        set.add("Hélène", true, 2);
        assert_eq!(
            spans(&set, "Bij SINT JOZEF en bij sint-jozef, met Helene."),
            [
                ("SINT JOZEF".into(), vec![1]),
                ("sint-jozef".into(), vec![1]),
                ("Helene".into(), vec![2])
            ]
        );
    }

    #[test]
    fn ligatures_from_a_pdf_fold_to_their_letters() {
        let mut set = NameSet::default();
        set.add("Scholen Fijnspar", false, 1);
        assert_eq!(spans(&set, "bij Scholen \u{FB01}jnspar").len(), 1);
    }

    #[test]
    fn a_name_needing_a_capital_skips_the_ordinary_word() {
        let mut set = NameSet::default();
        set.add("Roos", true, 7);
        assert_eq!(
            spans(&set, "een roos voor Roos"),
            [("Roos".into(), vec![7])]
        );
    }

    #[test]
    fn longest_name_wins_and_shared_names_keep_both_owners() {
        let mut set = NameSet::default();
        set.add("De Wilg", false, 1);
        set.add("De Wilg Zurenborg", false, 1);
        set.add("De Wilg", false, 2);
        assert_eq!(
            spans(&set, "De Wilg Zurenborg en De Wilg"),
            [
                ("De Wilg Zurenborg".into(), vec![1]),
                ("De Wilg".into(), vec![1, 2])
            ]
        );
    }

    #[test]
    fn words_split_across_lines_still_match_but_not_across_sentences_of_text() {
        let mut set = NameSet::default();
        set.add("Atheneum Aster", false, 1);
        assert_eq!(spans(&set, "Atheneum\n  Aster").len(), 1);
        assert!(spans(&set, "Atheneum (see page 3) Aster").is_empty());
    }

    /// "Buurtwerk De Brug" is allowed: the alias "De Brug" inside it is not
    /// found, but "De Brug" on its own still is; the alias itself cannot be
    /// allowed.
    #[test]
    fn an_allowed_phrase_hides_the_name_inside_it_and_only_there() {
        let mut set = NameSet::default();
        set.add("De Brug", false, 1);
        let allowed = AllowedPhrases::new(
            &["Buurtwerk De Brug".to_owned(), "de  brug".to_owned()],
            &set,
        );
        assert_eq!(allowed.refused(), ["de  brug"]);
        let text = "Buurtwerk De Brug helpt De Brug; BUURTWERK DE\nBRUG ook.";
        let mut words = words(text);
        let spans = allowed.mask(text, &mut words);
        assert_eq!(spans, [(0, 17), (33, 50)]);
        let found: Vec<&str> = set
            .find(text, &words, false)
            .iter()
            .map(|f| &text[f.start..f.end])
            .collect();
        assert_eq!(found, ["De Brug"]);
    }
}
