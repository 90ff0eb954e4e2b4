//! Head nouns: a listing sells the thing its title's head noun names. A product word followed by an
//! accessory head (`空调 遥控器`, `手机壳`, `钢丝绳 吊钩`, `laptop stand`) names what the accessory
//! fits, so the listing is the accessory, not the product. Chinese heads need no list: a word right
//! after a product word that ends in a thing-noun ending (`仓`, `盒`, `器`: a closed set) is a new noun
//! the product word only qualifies (`电池仓`, `插座 防水盒`, `电线 剥线器`). A part named only after the
//! title's main phrase (`e-bike long tail, dual battery`) describes the product rather than being sold.

use serde::{Deserialize, Serialize};

use super::rules::{ends_phrase, find_term, normalize, within};

/// How many words may stand between a product word and the accessory head it modifies
/// (`灭火器 年检 标签`, `TV wall mount`).
const MAX_WORDS_BETWEEN: usize = 2;

/// The words that head a listing of an accessory or part (`遥控器`, `壳`, `case`, `mount`): shared by
/// every category, in the catalogue file's `[accessories]` table; an extension file's table replaces
/// it.
///
/// A head counts when it follows a product word of the title in the same phrase, at most two words
/// later and with no figure between (`冰箱 密封条`; not `52V 20Ah, hailong case`), and lies neither
/// inside a longer keyword (`防爆开关`) nor in a companion phrase (`带开关`, `with remote`). A
/// one-character Chinese head must also end its word (`手机壳`, `头盔 防雾贴`; not `套装`) and follow
/// no numeral (`一套`, `全套`: a measure word).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessoryHeads {
    /// Chinese heads (substring match, a space allowed between characters).
    #[serde(default)]
    pub heads_zh: Vec<String>,
    /// English heads (whole words, an optional plural `s` or `es`).
    #[serde(default)]
    pub heads_en: Vec<String>,
    /// Characters that end a Chinese thing-noun (`仓`, `盒`, `器`, `带`): a word ending in one of them
    /// right after a product word, and not itself a keyword, is a new noun the product word only
    /// qualifies (`电池仓`, `插座 防水盒`, `电线 剥线器`), so the listing sells that thing. A closed
    /// set of endings rather than an open list of accessory words.
    #[serde(default)]
    pub noun_endings_zh: Vec<String>,
}

/// The first accessory head of `text` (a normalised title) that modifies one of its product words, as
/// a byte span. `words` are the spans of every keyword and part word found in the text (of any
/// category), `companions` its companion phrases.
pub(super) fn accessory_head(
    heads: &AccessoryHeads,
    text: &str,
    words: &[(usize, usize)],
    companions: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let candidates = heads
        .heads_zh
        .iter()
        .map(|h| (h, false))
        .chain(heads.heads_en.iter().map(|h| (h, true)));
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (head, whole_word) in candidates {
        let term = normalize(head);
        let one_char = !whole_word && term.trim().chars().count() == 1;
        for (start, end) in find_term(text, &term, whole_word) {
            let covered = words.iter().any(|&(s, e)| s <= start && end <= e);
            let not_a_head =
                (one_char && !ends_word(text, end)) || (!whole_word && counted(text, start));
            if covered || within(companions, start, end) || not_a_head {
                continue;
            }
            let modifies = words
                .iter()
                .filter(|&&(s, e)| e <= start && !within(companions, s, e))
                .any(|&(_, e)| modifies(&text[e..start]));
            if modifies {
                found.push((start, end));
            }
        }
    }
    found.extend(compound_head(heads, text, words, companions));
    found.into_iter().min()
}

/// How many plain words (no keyword, no figure) may stand between a product word and the compound
/// that heads the listing (`插座 儿童 安全塞`, `钢筋 保护层 垫块`).
const MAX_WORDS_BEFORE_COMPOUND: usize = 1;

/// The first Chinese word of `text` that follows a product word (in the same word, `电池仓`, as the next
/// word, `插座 防水盒`, or after one plain word, `插座 儿童 安全塞`), is not covered by a keyword, ends in
/// one of the noun endings and lies in no companion phrase: a compound the product word only
/// qualifies. A compound ending like the product word, or followed by a word ending like it, restates
/// the product (`配电箱 强电箱`, `电源线 控制器 连接线`); a word of praise (`通勤神器`) is no compound.
fn compound_head(
    heads: &AccessoryHeads,
    text: &str,
    words: &[(usize, usize)],
    companions: &[(usize, usize)],
) -> Option<(usize, usize)> {
    if heads.noun_endings_zh.is_empty() {
        return None;
    }
    // A word ends in an ending when its last characters are the ending (`仓`, or `端子` of `接线端子`).
    let is_ending = |word: &str| {
        heads
            .noun_endings_zh
            .iter()
            .any(|e| word.ends_with(e.trim()))
    };
    let mut found: Option<(usize, usize)> = None;
    for &(word_start, end) in words.iter().filter(|&&(s, e)| !within(companions, s, e)) {
        let product_end = text[word_start..end].chars().next_back();
        let mut from = end;
        for _ in 0..=MAX_WORDS_BEFORE_COMPOUND {
            let rest = &text[from..];
            let start = from + (rest.len() - rest.trim_start_matches(' ').len());
            let run = text[start..]
                .find(|c: char| !is_chinese(c))
                .map_or(text.len(), |i| start + i);
            let Some(last) = text[start..run].chars().next_back() else {
                break;
            };
            let last_start = run - last.len_utf8();
            let touches_word = words.iter().any(|&(s, e)| s < run && start < e);
            let covered_end = words.iter().any(|&(s, e)| s <= last_start && run <= e);
            let phrase = phrase_end(text, run);
            // Only the next word restates (`电源线 控制器 连接线`); a word further on ending like the
            // product word is another thing (`开关 延长杆 儿童 够开关`: a pole to reach the switch).
            let restates = product_end == Some(last)
                || text[run..phrase]
                    .split(|c: char| !is_chinese(c))
                    .find(|w| !w.is_empty())
                    .is_some_and(|w| product_end.is_some() && w.chars().next_back() == product_end);
            let companion = within(companions, start, run);
            // A word saying what the product lacks (`无刷`, `无叶`) or how many of a part it has
            // (`双镜片`, `两块电池`, `三孔`) is a feature, not a thing.
            let feature = text[start..run]
                .chars()
                .next()
                .is_some_and(|c| FEATURE_PREFIXES.contains(c))
                || lacks(&text[start..run]);
            // A marketing noun (`通勤神器`: a commuting "wonder tool") praises the product and a set
            // word (`原厂配套`) says how it comes: neither is a thing of its own.
            let praise = MARKETING_NOUNS
                .iter()
                .chain(SET_WORDS.iter())
                .chain(ACTION_WORDS.iter())
                .any(|m| text[start..run].ends_with(m));
            if is_ending(&text[start..run]) && !covered_end && !companion && !feature && !praise {
                if !restates && found.is_none_or(|(s, _)| start < s) {
                    found = Some((start, run));
                }
                break;
            }
            // Only a plain word may stand between: no keyword, no companion, a Chinese word ending at a
            // space.
            if touches_word || companion || !text[run..].starts_with(' ') {
                break;
            }
            from = run;
        }
    }
    found
}

/// Words saying a product comes as a matching or complete set (`原厂配套`, `成套`): they end like a
/// thing-noun (`套`) but describe the product.
const SET_WORDS: [&str; 2] = ["配套", "成套"];

/// Verbs and services that end like a thing-noun (`锁`, `尺`): `手机解锁` (unlocks by phone) says what
/// the product does and `支持定尺` (cut to length) how it is sold; neither names a lock or a ruler.
const ACTION_WORDS: [&str; 5] = ["解锁", "开锁", "上锁", "落锁", "定尺"];

/// Whether a word says, after a first word, what the product lacks or does without (`智能无钥匙`:
/// keyless, `免工具`): `无` or `免` inside it, before its last character, makes it a feature.
fn lacks(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next_back();
    chars.any(|c| c == '无' || c == '免')
}

/// Sellers' words of praise that end like a thing-noun (`神器`, `利器`: a "wonder tool") but name the
/// listing's product itself (`通勤神器｜小牛 电动自行车`, `遛娃神器`).
const MARKETING_NOUNS: [&str; 2] = ["神器", "利器"];

/// First characters of a Chinese word that make it a feature of the product rather than a thing sold:
/// what it lacks (`无刷`) or how many of a part it has (`双镜片`, `两块电池`, `单灶`).
const FEATURE_PREFIXES: &str = "无一二两三四五六七八九十双单多";

/// Whether `c` is a CJK ideograph (a Chinese character of a word).
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Whether the text between a product word and a head lets the head modify it: same phrase, no
/// figure, at most [`MAX_WORDS_BETWEEN`] words.
fn modifies(between: &str) -> bool {
    !between
        .chars()
        .any(|c| ends_phrase(c) || c.is_ascii_digit())
        && between.split_whitespace().count() <= MAX_WORDS_BETWEEN
}

/// Whether a Chinese word ends at `end`: the text ends or the next character is no Chinese character.
fn ends_word(text: &str, end: usize) -> bool {
    text[end..]
        .chars()
        .next()
        .is_none_or(|c| c.is_ascii() || c.is_whitespace() || ends_phrase(c))
}

/// Whether the character before `start` is a numeral or a word like `全` or `无` (`一套`, `全套`,
/// `两个`, `无刷`), so a one-character head there is a measure word or a feature (`无刷`: brushless;
/// `配套`, `成套`: matching, complete).
pub(super) fn counted(text: &str, start: usize) -> bool {
    text[..start]
        .chars()
        .next_back()
        .is_some_and(|c| "一二两三四五六七八九十百几全整每单双无配成".contains(c))
}

/// Where the phrase containing byte `at` of `text` ends: the next phrase-ending punctuation, else the
/// end of the text.
pub(super) fn phrase_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.find(ends_phrase))
        .map_or(text.len(), |i| at + i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::{AccessoryHeads, accessory_head, phrase_end};
    use crate::catalogue::test_support::{builtin, classified_as, title};
    use crate::catalogue::{CatalogueExtension, Problem};

    fn category_and_part(t: &str) -> (Option<String>, Option<String>) {
        match builtin().classify(&title(t)) {
            Some(c) => (Some(c.category.to_string()), c.part),
            None => (None, None),
        }
    }

    #[test]
    fn an_accessory_named_after_the_product_it_fits_is_not_the_product() {
        for t in [
            "空调 遥控器",
            "冰箱 密封条",
            "手机 壳",
            "钢丝绳 吊钩",
            "电线 收纳 魔术贴",
            "头盔 防雾贴",
            "插座 保护盖 儿童",
            "电锤 钻头 套装",
            "摩托车 手把",
            "灭火器 年检 标签",
            "瓷砖 十字卡 找平器",
            "电动车 充电器 收纳包",
            "电池 检测仪 电动车 电瓶",
            "水泥 钉",
            "Laptop stand aluminium, adjustable",
            "Electric kettle replacement lid",
            "Smart TV wall mount bracket",
        ] {
            assert_eq!(classified_as(&title(t)), None, "{t}");
        }
    }

    #[test]
    fn a_product_sold_with_an_accessory_or_described_by_specs_stays_the_product() {
        for (t, expected) in [
            ("公牛 插线板 带开关 独立 3米", "ccc_switch_socket"),
            ("墙壁开关 86型 一开单控 白色", "ccc_switch_socket"),
            (
                "Electric fan with remote control, 16 inch",
                "ccc_household_appliance",
            ),
            ("美的 电风扇 落地扇 遥控 家用", "ccc_household_appliance"),
            ("电源插头线 2芯 0.75平方 带开关 1.8米", "ccc_wire_cable"),
            ("钢丝绳 压制 吊索具 两头扣 12mm 2米", "steel_wire_rope"),
            ("防爆开关 BAL 220V", "ccc_explosion_proof"),
            // A counted part is a feature: the helmet has two visors, it is no visor.
            ("揭面盔 冬季 双镜片", "safety_helmet"),
            ("燃气灶 嵌入式 双灶 台嵌两用", "gas_appliance"),
        ] {
            assert_eq!(classified_as(&title(t)).as_deref(), Some(expected), "{t}");
        }
        assert_eq!(
            category_and_part("Electric bike battery 52V 20Ah, hailong case"),
            (Some("ebike".to_owned()), Some("battery".to_owned()))
        );
    }

    #[test]
    fn chinese_words_split_by_a_space_are_still_the_word() {
        assert_eq!(
            classified_as(&title("消防 应急灯 LED")).as_deref(),
            Some("ccc_fire")
        );
        assert_eq!(classified_as(&title("狗 玩具 磨牙")), None);
    }

    #[test]
    fn a_part_named_only_after_the_main_phrase_does_not_make_the_listing_that_part() {
        assert_eq!(
            category_and_part("Cargo e-bike long tail, dual battery"),
            (Some("ebike".to_owned()), Some("vehicle".to_owned()))
        );
        assert_eq!(
            category_and_part("Ebike battery 36V 15Ah rear rack, with 2A charger"),
            (Some("ebike".to_owned()), Some("battery".to_owned()))
        );
    }

    #[test]
    fn a_product_named_only_as_what_an_accessory_fits_does_not_make_the_listing() {
        for t in [
            "Replacement remote for Samsung smart TV",
            "适用于美的电饭煲 密封圈 通用",
            "Seat organizer fits any baby stroller",
        ] {
            assert_eq!(classified_as(&title(t)), None, "{t}");
        }
    }

    fn heads(zh: &[&str], en: &[&str]) -> AccessoryHeads {
        AccessoryHeads {
            heads_zh: zh.iter().map(|s| (*s).to_owned()).collect(),
            heads_en: en.iter().map(|s| (*s).to_owned()).collect(),
            noun_endings_zh: Vec::new(),
        }
    }

    /// The head found in `text` whose product words are the spans of `words` in it.
    fn head_of(text: &str, words: &[&str]) -> Option<String> {
        let heads = heads(&["遥控器", "壳", "套", "支架"], &["case", "mount"]);
        let spans: Vec<(usize, usize)> = words
            .iter()
            .map(|w| {
                let start = text.find(w).unwrap();
                (start, start + w.len())
            })
            .collect();
        let companions = crate::catalogue::rules::companion_spans(text);
        accessory_head(&heads, text, &spans, &companions).map(|(s, e)| text[s..e].to_owned())
    }

    #[test]
    fn a_head_after_a_product_word_in_the_same_phrase_is_found() {
        assert_eq!(head_of("空调 遥控器", &["空调"]).as_deref(), Some("遥控器"));
        assert_eq!(head_of("手机壳 透明", &["手机"]).as_deref(), Some("壳"));
        assert_eq!(head_of("tv wall mount", &["tv"]).as_deref(), Some("mount"));
    }

    #[test]
    fn a_head_before_any_product_word_names_nothing_it_fits() {
        assert_eq!(head_of("遥控器 空调", &["空调"]), None);
        assert_eq!(head_of("phone case", &[]), None);
    }

    #[test]
    fn a_figure_punctuation_or_three_words_end_what_a_head_can_modify() {
        assert_eq!(head_of("battery 52v 20ah hailong case", &["battery"]), None);
        assert_eq!(head_of("battery, hailong case", &["battery"]), None);
        assert_eq!(head_of("空调 挂机 变频 冷暖 遥控器", &["空调"]), None);
    }

    #[test]
    fn a_head_in_a_companion_phrase_or_inside_a_product_word_does_not_count() {
        assert_eq!(head_of("空调 送遥控器", &["空调"]), None);
        assert_eq!(head_of("fan with remote mount", &["fan"]), None);
        assert_eq!(head_of("落地支架灯", &["落地支架灯"]), None);
    }

    #[test]
    fn a_one_character_chinese_head_must_end_its_word() {
        assert_eq!(head_of("电钻 套装", &["电钻"]), None);
        assert_eq!(head_of("电钻 套", &["电钻"]).as_deref(), Some("套"));
        assert_eq!(head_of("电钻 全套", &["电钻"]), None);
        assert_eq!(head_of("电钻 原厂配套", &["电钻"]), None);
        assert_eq!(head_of("手机壳iphone15", &["手机"]).as_deref(), Some("壳"));
    }

    #[test]
    fn a_phrase_ends_at_its_punctuation_or_the_end_of_the_text() {
        assert_eq!(phrase_end("e-bike long tail, dual battery", 0), 16);
        assert_eq!(phrase_end("电动车 锂电池", 0), "电动车 锂电池".len());
        assert_eq!(phrase_end("abc", 10), 3);
    }

    #[test]
    fn an_operator_file_replaces_the_accessory_heads() {
        let mut catalogue = builtin();
        assert_eq!(classified_as(&title("空调 遥控器")), None);
        let extension = CatalogueExtension::from_toml_str(
            "[accessories]\nheads_zh = [\"防尘罩\"]\nheads_en = [\"case\"]",
        )
        .unwrap();
        catalogue.extend(extension).unwrap();
        assert_eq!(catalogue.accessories().heads_zh, vec!["防尘罩".to_owned()]);
        let remote = catalogue.classify(&title("空调 遥控器")).unwrap();
        assert_eq!(remote.category.as_str(), "ccc_household_appliance");
        assert!(catalogue.classify(&title("空调 防尘罩")).is_none());
    }

    #[test]
    fn a_noun_ending_longer_than_two_characters_is_refused_naming_its_place() {
        let err = CatalogueExtension::from_toml_str(
            "[accessories]\nnoun_endings_zh = [\"盒\", \"端子\", \"电池仓\"]",
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("accessories.noun_endings_zh[2]"));
        assert!(matches!(err.problem(), Some(Problem::OutOfRange { .. })));
    }

    #[test]
    fn a_compound_right_after_a_product_word_heads_the_title() {
        let heads = AccessoryHeads {
            noun_endings_zh: vec!["仓".to_owned(), "盒".to_owned(), "箱".to_owned()],
            ..AccessoryHeads::default()
        };
        let head = |text: &str, words: &[&str]| {
            let spans: Vec<(usize, usize)> = words
                .iter()
                .map(|w| {
                    let start = text.find(w).unwrap();
                    (start, start + w.len())
                })
                .collect();
            let companions = crate::catalogue::rules::companion_spans(text);
            accessory_head(&heads, text, &spans, &companions).map(|(s, e)| text[s..e].to_owned())
        };
        assert_eq!(head("电池仓 锁", &["电池"]).as_deref(), Some("仓"));
        assert_eq!(head("插座 防水盒", &["插座"]).as_deref(), Some("防水盒"));
        assert_eq!(
            head("插座 卫生间 防水盒", &["插座"]).as_deref(),
            Some("防水盒")
        );
        // Two plain words between, a figure between, or the compound a keyword: no head.
        assert_eq!(head("插座 卫生间 白色 防水盒", &["插座"]), None);
        assert_eq!(head("插座 86 防水盒", &["插座"]), None);
        assert_eq!(head("电动车 电池盒", &["电动车", "电池盒"]), None);
        // A compound ending like the product word restates it; one in a companion phrase comes with it.
        assert_eq!(head("配电箱 强电箱", &["配电箱"]), None);
        assert_eq!(head("插座 带防水盒", &["插座"]), None);
    }

    #[test]
    fn only_the_next_word_restates_the_product_and_praise_is_no_compound() {
        let heads = AccessoryHeads {
            noun_endings_zh: vec!["器".to_owned(), "杆".to_owned(), "套".to_owned()],
            ..AccessoryHeads::default()
        };
        let head = |text: &str, word: &str| {
            let start = text.find(word).unwrap();
            let companions = crate::catalogue::rules::companion_spans(text);
            accessory_head(&heads, text, &[(start, start + word.len())], &companions)
                .map(|(s, e)| text[s..e].to_owned())
        };
        // The next word ending like the product word restates it: the listing is the cord.
        assert_eq!(head("电源线 控制器 连接线", "电源线"), None);
        // A word further on that ends like it is another thing: a pole to reach the switch.
        assert_eq!(
            head("开关 延长杆 儿童 够开关", "开关").as_deref(),
            Some("延长杆")
        );
        // `神器` praises the product the title names; it is no thing sold.
        assert_eq!(head("通勤神器 电动自行车", "通勤"), None);
        // `配套` (matching) says how the product comes.
        assert_eq!(head("报警主机 配套", "报警主机"), None);
        assert_eq!(
            classified_as(&title("通勤神器｜小牛 新国标电动自行车 女生也能骑")).as_deref(),
            Some("ebike")
        );
        assert_eq!(classified_as(&title("墙壁 开关 延长杆 儿童 够开关")), None);
    }

    #[test]
    fn an_empty_accessory_head_is_refused_naming_its_place() {
        let err = CatalogueExtension::from_toml_str("[accessories]\nheads_en = [\"case\", \" \"]")
            .unwrap_err();
        assert_eq!(err.field(), Some("accessories.heads_en[1]"));
        assert_eq!(err.problem(), Some(&Problem::Empty));
    }
}
