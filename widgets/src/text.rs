//! Text helpers: XML escaping for the SVG badge and QR code (HTML is built with maud, which
//! escapes on its own), width estimates and truncation with an ellipsis.
//!
//! Widths are estimated from the advance widths of the bundled Noto Sans CJK SC subset (in
//! thousandths of an em), so a truncated name fits the PNG exactly and fits a browser's CJK font
//! closely enough (PingFang SC and Microsoft YaHei set hanzi at 1 em as well).

use std::fmt::Write as _;

/// The ellipsis appended to truncated text.
pub const ELLIPSIS: char = '…';

/// Advance widths of U+0020..=U+007E in the regular face, in 1/1000 em.
const ASCII_REGULAR: [u16; 95] = [
    224, 323, 474, 555, 555, 921, 680, 278, 338, 338, 467, 555, 278, 347, 278, 392, 555, 555, 555,
    555, 555, 555, 555, 555, 555, 555, 278, 278, 555, 555, 555, 474, 946, 608, 657, 638, 688, 589,
    552, 689, 728, 293, 535, 646, 543, 812, 723, 742, 633, 742, 635, 596, 599, 721, 575, 878, 573,
    531, 603, 338, 392, 338, 555, 559, 606, 563, 618, 510, 620, 554, 325, 564, 607, 275, 275, 552,
    284, 926, 610, 606, 620, 620, 388, 468, 377, 607, 521, 802, 498, 521, 475, 338, 270, 338, 555,
];

/// Advance widths of U+0020..=U+007E in the bold face, in 1/1000 em.
const ASCII_BOLD: [u16; 95] = [
    227, 370, 574, 590, 590, 963, 740, 325, 378, 378, 507, 590, 325, 370, 325, 387, 590, 590, 590,
    590, 590, 590, 590, 590, 590, 590, 325, 325, 590, 590, 590, 514, 1007, 641, 681, 656, 714, 615,
    585, 717, 757, 330, 568, 686, 578, 853, 749, 770, 667, 770, 682, 624, 625, 748, 619, 915, 627,
    580, 613, 378, 387, 378, 590, 567, 626, 591, 644, 527, 644, 581, 372, 597, 640, 304, 306, 604,
    315, 964, 641, 626, 644, 644, 436, 495, 421, 637, 576, 863, 562, 574, 511, 378, 296, 378, 590,
];

/// Advance widths of U+00A0..=U+00FF in the regular face, in 1/1000 em.
const LATIN1_REGULAR: [u16; 96] = [
    224, 323, 555, 555, 555, 555, 270, 1000, 606, 832, 386, 479, 555, 347, 473, 606, 370, 1000,
    411, 411, 606, 628, 1000, 1000, 606, 411, 407, 479, 873, 903, 889, 474, 608, 608, 608, 608,
    608, 608, 918, 638, 589, 589, 589, 589, 293, 293, 293, 293, 712, 723, 742, 742, 742, 742, 742,
    1000, 742, 721, 721, 721, 721, 531, 652, 643, 563, 563, 563, 563, 563, 563, 877, 510, 554, 554,
    554, 554, 275, 275, 275, 275, 608, 610, 606, 606, 606, 606, 606, 1000, 606, 607, 607, 607, 607,
    521, 620, 521,
];

/// Font weight used for a width estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// Estimated advance of one character, in 1/1000 em.
fn advance(c: char, weight: Weight) -> u32 {
    let cp = u32::from(c);
    match cp {
        0x20..=0x7E => {
            let i = (cp - 0x20) as usize;
            let table = match weight {
                Weight::Regular => &ASCII_REGULAR,
                Weight::Bold => &ASCII_BOLD,
            };
            table.get(i).copied().map_or(600, u32::from)
        }
        0xA0..=0xFF => LATIN1_REGULAR
            .get((cp - 0xA0) as usize)
            .copied()
            .map_or(600, u32::from),
        // Controls, combining marks, zero-width characters and variation selectors take no room.
        0x00..=0x1F | 0x7F..=0x9F | 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
        // Wide: Hangul Jamo, CJK radicals to Yi, Hangul syllables, compatibility ideographs,
        // vertical forms, full-width forms, and the supplementary ideographic planes.
        0x1100..=0x115F
        | 0x2026
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD => 1000,
        _ => 620,
    }
}

/// Estimated width of `text` at `font_px`, in pixels.
pub(crate) fn text_width(text: &str, font_px: f32, weight: Weight) -> f32 {
    let milli: u32 = text.chars().map(|c| advance(c, weight)).sum();
    milli as f32 * font_px / 1000.0
}

/// Normalises free text for one line: control characters and line breaks become spaces, runs of
/// whitespace collapse, and the ends are trimmed.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Truncates `text` so that it fits `max_px` at `font_px`, ending with an ellipsis when cut.
///
/// Returns the text unchanged when it fits. Never splits a character.
pub(crate) fn truncate_to_width(text: &str, font_px: f32, max_px: f32, weight: Weight) -> String {
    if text_width(text, font_px, weight) <= max_px {
        return text.to_owned();
    }
    let budget = max_px - text_width(&ELLIPSIS.to_string(), font_px, weight);
    let mut used = 0.0_f32;
    let mut out = String::new();
    for c in text.chars() {
        let w = advance(c, weight) as f32 * font_px / 1000.0;
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out.push(ELLIPSIS);
    out
}

/// Appends `text` to `out` escaped for XML text and attribute values (`& < > " '`): the SVG
/// badge and QR code, which are written by hand.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids outright are dropped rather than emitted.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// Returns `text` escaped for XML/HTML text and attribute values (`& < > " '`).
///
/// Characters that XML 1.0 forbids (C0 controls other than tab and line breaks, U+FFFE, U+FFFF)
/// are dropped, so the output always parses.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    out
}

/// Appends a number with at most two decimals, without trailing zeros.
pub(crate) fn push_num(out: &mut String, v: f32) {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let start = out.len();
        let _ = write!(out, "{r:.2}");
        let trimmed = out[start..].trim_end_matches('0').len();
        out.truncate(start + trimmed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_xml(r#"<script>alert("x")&'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn escaping_drops_characters_xml_forbids() {
        assert_eq!(escape_xml("a\u{0}b\u{1b}c\u{FFFF}"), "abc");
    }

    #[test]
    fn hanzi_are_one_em_wide_and_ascii_narrower() {
        assert!((text_width("溯源", 10.0, Weight::Regular) - 20.0).abs() < f32::EPSILON);
        assert!(text_width("il", 10.0, Weight::Regular) < 10.0);
    }

    #[test]
    fn short_text_is_not_truncated() {
        assert_eq!(
            truncate_to_width("小店", 16.0, 100.0, Weight::Regular),
            "小店"
        );
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_within_the_width() {
        let long = "深圳市某某电子科技有限公司天猫旗舰店官方直营";
        let cut = truncate_to_width(long, 16.0, 160.0, Weight::Regular);
        assert!(cut.ends_with(ELLIPSIS));
        assert!(text_width(&cut, 16.0, Weight::Regular) <= 160.0);
        assert!(long.starts_with(cut.trim_end_matches(ELLIPSIS)));
    }

    #[test]
    fn one_line_collapses_breaks_and_spaces() {
        assert_eq!(one_line("  A\n\t B\r\nC  "), "A B C");
    }

    #[test]
    fn numbers_print_compactly() {
        let mut s = String::new();
        push_num(&mut s, 12.0);
        s.push(' ');
        push_num(&mut s, 12.25);
        s.push(' ');
        push_num(&mut s, 0.75);
        s.push(' ');
        push_num(&mut s, 7.5);
        assert_eq!(s, "12 12.25 0.75 7.5");
    }
}
