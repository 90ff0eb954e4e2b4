//! English head nouns. English compounds are head-final: in `helmet lock`, `lamp shade linen drum` or
//! `tire pressure gauge digital` the thing sold is the lock, the shade, the gauge, and the product word
//! before it only says what the thing fits. So the plain nouns right after a product word, up to the
//! end of the compound (a figure, a phrase's end, a companion word such as `for`/`with`, or a modifier
//! such as a colour, a material or a quality), head the listing when none of them is a keyword.
//! Modifiers are a closed class of English words (colours, materials, sizes, qualities, audiences,
//! rooms), not an open list of accessories.

use super::heads::phrase_end;
use super::rules::within;

/// Words that describe a product placed after its name (`kettle stainless steel`, `ceiling light
/// modern`, `e-bike long tail`): they end a compound and never head it.
const MODIFIERS: &[&str] = &[
    // colours and finishes
    "black",
    "white",
    "red",
    "blue",
    "green",
    "grey",
    "gray",
    "silver",
    "gold",
    "golden",
    "pink",
    "yellow",
    "orange",
    "purple",
    "brown",
    "beige",
    "matte",
    "glossy",
    "clear",
    "transparent",
    // materials
    "stainless",
    "steel",
    "copper",
    "aluminium",
    "aluminum",
    "plastic",
    "wood",
    "wooden",
    "glass",
    "ceramic",
    "metal",
    "iron",
    "brass",
    "linen",
    "cotton",
    "leather",
    "rubber",
    "pvc",
    "abs",
    "carbon",
    "bamboo",
    "fabric",
    "silicone",
    "galvanized",
    "galvanised",
    "lithium",
    "graphene",
    "crystal",
    // sizes and shapes
    "long",
    "short",
    "large",
    "small",
    "big",
    "mini",
    "compact",
    "slim",
    "heavy",
    "light",
    "round",
    "square",
    "tall",
    "wide",
    "double",
    "single",
    "dual",
    "triple",
    // qualities and features
    "new",
    "portable",
    "digital",
    "electric",
    "cordless",
    "wireless",
    "smart",
    "rechargeable",
    "foldable",
    "folding",
    "adjustable",
    "waterproof",
    "outdoor",
    "indoor",
    "modern",
    "vintage",
    "retro",
    "classic",
    "premium",
    "professional",
    "pro",
    "max",
    "plus",
    "ultra",
    "lightweight",
    "durable",
    "universal",
    "original",
    "genuine",
    "certified",
    "approved",
    "fast",
    "quick",
    "silent",
    "quiet",
    "powerful",
    "brushless",
    "automatic",
    "manual",
    "industrial",
    "commercial",
    "household",
    "home",
    "heavy-duty",
    "high",
    "low",
    "soft",
    "hard",
    "safe",
    "safety",
    "best",
    "hot",
    "sale",
    "free",
    "shipping",
    "set",
    "kit",
    "pack",
    "pcs",
    "piece",
    "pieces",
    // audiences and places
    "adult",
    "adults",
    "men",
    "mens",
    "women",
    "womens",
    "kids",
    "boys",
    "girls",
    "baby",
    "unisex",
    "bedroom",
    "kitchen",
    "bathroom",
    "living",
    "office",
    "garden",
    "garage",
    "camping",
    "travel",
    "commuter",
    "city",
    "mountain",
    "road",
    "urban",
    "off-road",
    "full",
    "modular",
    "queen",
    "king",
    "twin",
    "size",
    "solid",
    "bedside",
    "subway",
    "wifi",
    "bluetooth",
    "propane",
    "natural",
    "butane",
    "backup",
    // the form a product is sold in (`plywood sheet`, `ribbed bar`, `building wire`)
    "sheet",
    "board",
    "panel",
    "roll",
    "reel",
    "coil",
    "bar",
    "rod",
    "wire",
    "unit",
    "system",
    "machine",
    "tool",
    "finish",
    // kinds that make what follows one of them (`plush toy dinosaur`)
    "toy",
    "toys",
    // standards and marks (`hard hat ansi`, `helmet dot`, `wire thhn`)
    "ansi",
    "osha",
    "dot",
    "atex",
    "ccc",
    "etl",
    "rohs",
    "awg",
    "thhn",
    "thwn",
    "romex",
    "iecex",
    // joiners and words that start a companion or comparison
    "and",
    "or",
    "in",
    "of",
    "to",
    "by",
    "from",
    "compatible",
    "style",
    "type",
    "version",
    "model",
];

/// Endings of English adjectives and participles (`vented`, `dimmable`, `photoelectric`,
/// `fireproof`): a word ending so describes rather than heads.
const MODIFIER_SUFFIXES: &[&str] = &[
    "ed", "able", "ible", "ic", "ive", "ous", "ful", "less", "proof",
];

/// Whether an English word describes a product rather than naming a thing: a closed-class modifier,
/// or an adjective or participle by its ending.
fn is_modifier(word: &str) -> bool {
    let singular = word.strip_suffix('s').unwrap_or(word);
    MODIFIERS.contains(&word)
        || MODIFIERS.contains(&singular)
        || (word.len() > 4 && MODIFIER_SUFFIXES.iter().any(|s| word.ends_with(s)))
}

/// Whether the next word of `rest` (the text after a word) holds a digit: a model number or a
/// specification (`4100`, `n100`, `16gb`), so the word before it is a name.
fn names_a_model(rest: &str) -> bool {
    rest.split_whitespace()
        .next()
        .is_some_and(|w| w.chars().any(|c| c.is_ascii_digit()))
}

/// How many plain words after a product word may form the compound it qualifies.
const MAX_COMPOUND_WORDS: usize = 3;

/// The English head noun of `text` (a normalised title) that a product word only qualifies, as a byte
/// span: the last of the plain words right after one of `words` (keyword and part spans), before the
/// compound ends. None when the compound is empty, holds a keyword, or runs on past
/// [`MAX_COMPOUND_WORDS`] words.
pub(super) fn english_head(
    text: &str,
    words: &[(usize, usize)],
    companions: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let mut found: Option<(usize, usize)> = None;
    for &(start, end) in words.iter().filter(|&&(s, e)| !within(companions, s, e)) {
        let product = &text[start..end];
        if !product
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
        {
            continue;
        }
        // A product word that is itself a modifier (`explosion-proof junction box`, `electric
        // blanket`, `toy helmet`) describes the noun after it: that noun is the product.
        if product
            .split([' ', '-'])
            .next_back()
            .is_some_and(is_modifier)
        {
            continue;
        }
        let limit = phrase_end(text, end);
        let mut at = end;
        let mut head: Option<(usize, usize)> = None;
        let mut count = 0;
        loop {
            let rest = &text[at..limit];
            let skipped = rest.len() - rest.trim_start().len();
            let word_start = at + skipped;
            let word_end = text[word_start..limit]
                .find(char::is_whitespace)
                .map_or(limit, |i| word_start + i);
            if word_start >= word_end {
                break;
            }
            let word = &text[word_start..word_end];
            // Three letters or fewer are mostly marks and units (`led`, `usb`, `abc`, `ips`).
            let plain = word.len() >= 4 && word.chars().all(|c| c.is_ascii_alphabetic());
            let keyword = words.iter().any(|&(s, e)| s < word_end && word_start < e);
            if keyword {
                // The compound names a product again (`lamp led bulb`): no new head.
                head = None;
                break;
            }
            if !plain || is_modifier(word) || within(companions, word_start, word_end) {
                break;
            }
            // A word right before a model number (`sonicare 4100`, `paperwhite 16gb`, `intel n100`)
            // names the model or its maker, not a thing the product fits.
            if names_a_model(&text[word_end..limit]) {
                break;
            }
            count += 1;
            if count > MAX_COMPOUND_WORDS {
                head = None;
                break;
            }
            head = Some((word_start, word_end));
            at = word_end;
        }
        if let Some(h) = head
            && found.is_none_or(|f| h.0 < f.0)
        {
            found = Some(h);
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::english_head;

    fn head_of(text: &str, words: &[&str]) -> Option<String> {
        let spans: Vec<(usize, usize)> = words
            .iter()
            .map(|w| {
                let start = text.find(w).unwrap();
                (start, start + w.len())
            })
            .collect();
        let companions = crate::catalogue::rules::companion_spans(text);
        english_head(text, &spans, &companions).map(|(s, e)| text[s..e].to_owned())
    }

    #[test]
    fn the_last_plain_noun_after_a_product_word_heads_the_title() {
        assert_eq!(
            head_of("helmet lock for motorcycle", &["helmet"]).as_deref(),
            Some("lock")
        );
        assert_eq!(
            head_of("lamp shade linen drum", &["lamp"]).as_deref(),
            Some("shade")
        );
        assert_eq!(
            head_of("car tire pressure gauge digital", &["tire"]).as_deref(),
            Some("gauge")
        );
    }

    #[test]
    fn a_figure_a_modifier_a_keyword_or_a_companion_word_leaves_the_product_the_head() {
        assert_eq!(head_of("kettle 1.7l stainless steel", &["kettle"]), None);
        assert_eq!(
            head_of("e-bike long tail, dual battery", &["e-bike", "battery"]),
            None
        );
        assert_eq!(
            head_of("ceiling light modern bedroom", &["ceiling light"]),
            None
        );
        assert_eq!(head_of("fan with remote", &["fan"]), None);
        assert_eq!(
            head_of("ceiling lamp pendant light", &["ceiling lamp", "light"]),
            None
        );
        assert_eq!(head_of("智能 lamp shade", &["智能"]), None);
    }

    #[test]
    fn a_word_before_a_model_number_is_a_name_not_a_head() {
        assert_eq!(
            head_of(
                "electric toothbrush sonicare 4100",
                &["electric toothbrush"]
            ),
            None
        );
        assert_eq!(head_of("mini pc intel n100 16gb", &["mini pc"]), None);
        assert_eq!(
            head_of("helmet lock for motorcycle", &["helmet"]).as_deref(),
            Some("lock")
        );
    }
}
