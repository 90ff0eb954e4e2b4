//! The figures of the people's dashboards, from stored supervision results: the ranking of
//! sellers (filters and sort orders, each read strictly so a bad value names its field),
//! averages by region, the timeliness share by week and the categories with the worst
//! timeliness. Pure functions: the pages read the rows once and call these.

use crate::division::Jurisdiction;
use crate::tenancy::SellerType;
use std::collections::BTreeMap;

pub mod overview;

/// A filter or sort value that cannot be read: the field and why (both languages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadField {
    /// The query parameter.
    pub field: &'static str,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
}

impl BadField {
    fn new(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        BadField {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// What the ranking sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// The score.
    Score,
    /// The change on the month before.
    Change,
    /// The seller's name.
    Name,
}

/// A sort order of the ranking: `score`, `-score` (descending), `change`, `-change`, `name`,
/// `-name`. The default is the best score first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// By what.
    pub key: SortKey,
    /// Largest (or last name) first.
    pub desc: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Score,
            desc: true,
        }
    }
}

impl Sort {
    /// Reads `sort=`.
    pub fn parse(s: &str) -> Result<Sort, BadField> {
        let (desc, key) = match s.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, s),
        };
        let key = match key {
            "score" => SortKey::Score,
            "change" => SortKey::Change,
            "name" => SortKey::Name,
            _ => {
                return Err(BadField::new(
                    "sort",
                    "排序只能是 score、change 或 name（前加 - 为降序）",
                    "sort must be score, change or name (a leading - sorts descending)",
                ));
            }
        };
        Ok(Sort { key, desc })
    }

    /// The query value of this order.
    pub fn as_query(self) -> String {
        let k = match self.key {
            SortKey::Score => "score",
            SortKey::Change => "change",
            SortKey::Name => "name",
        };
        if self.desc {
            format!("-{k}")
        } else {
            k.to_owned()
        }
    }

    /// The order a column header links to: this key descending first (ascending for names),
    /// or the other direction when the ranking is already sorted by it.
    pub fn toggle(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort {
                key,
                desc: !self.desc,
            }
        } else {
            Sort {
                key,
                desc: key != SortKey::Name,
            }
        }
    }
}

/// The filters of the ranking, read from the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RankFilter {
    /// Only sellers whose main category of the month is this one.
    pub category: Option<String>,
    /// Only sellers registered under this division prefix (2, 4 or 6 digits).
    pub region: Option<Jurisdiction>,
    /// Only this grade (`A` to `D`).
    pub grade: Option<char>,
    /// Only this kind of seller.
    pub seller_type: Option<SellerType>,
    /// Only this month (`YYYY-MM`); the latest when absent.
    pub period: Option<String>,
}

fn blank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// `YYYY-MM` with a month 01-12.
pub fn is_period(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(p[5..].parse::<u8>(), Ok(1..=12))
}

impl RankFilter {
    /// Reads the filters; `known_category` says whether a category id is in the catalogue.
    /// Empty values mean "any". Every problem is returned, each naming its field.
    pub fn parse(
        category: Option<&str>,
        region: Option<&str>,
        grade: Option<&str>,
        seller_type: Option<&str>,
        period: Option<&str>,
        known_category: impl Fn(&str) -> bool,
    ) -> Result<RankFilter, Vec<BadField>> {
        let mut bad = Vec::new();
        let mut f = RankFilter::default();
        if let Some(c) = blank(category) {
            if known_category(c) {
                f.category = Some(c.to_owned());
            } else {
                bad.push(BadField::new(
                    "category",
                    format!("目录中没有类别「{c}」"),
                    format!("no category {c:?} in the catalogue"),
                ));
            }
        }
        if let Some(r) = blank(region) {
            match Jurisdiction::parse(r) {
                Ok(j) => f.region = Some(j),
                Err(e) => bad.push(BadField::new(
                    "region",
                    format!("地区应为 2、4 或 6 位行政区划代码前缀：{e}"),
                    format!("region must be a division prefix of 2, 4 or 6 digits: {e}"),
                )),
            }
        }
        if let Some(g) = blank(grade) {
            match g {
                "A" | "B" | "C" | "D" | "a" | "b" | "c" | "d" => {
                    f.grade = g.chars().next().map(|c| c.to_ascii_uppercase());
                }
                _ => bad.push(BadField::new(
                    "grade",
                    "等级只能是 A、B、C 或 D",
                    "grade must be A, B, C or D",
                )),
            }
        }
        if let Some(t) = blank(seller_type) {
            match t.parse::<SellerType>() {
                Ok(t) => f.seller_type = Some(t),
                Err(_) => bad.push(BadField::new(
                    "seller_type",
                    format!("未知的销售者类型「{t}」"),
                    format!("unknown seller type {t:?}"),
                )),
            }
        }
        if let Some(p) = blank(period) {
            if is_period(p) {
                f.period = Some(p.to_owned());
            } else {
                bad.push(BadField::new(
                    "period",
                    "月份应为 YYYY-MM",
                    "period must be YYYY-MM",
                ));
            }
        }
        if bad.is_empty() { Ok(f) } else { Err(bad) }
    }
}

/// One seller's line in the ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct RankLine {
    /// The seller.
    pub seller_id: String,
    /// Its registered name.
    pub name: String,
    /// Its division code.
    pub division: String,
    /// Its kind.
    pub seller_type: Option<SellerType>,
    /// Its main category of the month.
    pub category_id: Option<String>,
    /// Score 0 to 100.
    pub score: f64,
    /// `A` to `D`.
    pub grade: String,
    /// Change on the month before.
    pub change: Option<f64>,
}

/// A column the ranking orders by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankColumn {
    /// The score.
    Score,
    /// The change on the month before; a missing change comes last whichever the direction.
    Change,
    /// The seller's name, compared as bytes (so both databases and memory agree).
    Name,
    /// The seller's id.
    SellerId,
}

/// One term of a ranking's order: a column and its direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderTerm {
    /// The column.
    pub column: RankColumn,
    /// Largest (or last) first.
    pub desc: bool,
}

impl Sort {
    /// The whole order of a ranking sorted this way: the key, then ties by name and id
    /// (ascending, except that a descending name sort runs the id down too). The store sorts
    /// in SQL by these terms; [`rank`] sorts lines in memory by the same.
    pub fn order(self) -> Vec<OrderTerm> {
        let term = |column, desc| OrderTerm { column, desc };
        match self.key {
            SortKey::Score => vec![
                term(RankColumn::Score, self.desc),
                term(RankColumn::Name, false),
                term(RankColumn::SellerId, false),
            ],
            SortKey::Change => vec![
                term(RankColumn::Change, self.desc),
                term(RankColumn::Name, false),
                term(RankColumn::SellerId, false),
            ],
            SortKey::Name => vec![
                term(RankColumn::Name, self.desc),
                term(RankColumn::SellerId, self.desc),
            ],
        }
    }
}

impl RankFilter {
    /// Whether a line passes the filter (its period is applied by the caller).
    pub fn admits(&self, l: &RankLine) -> bool {
        self.category
            .as_deref()
            .is_none_or(|c| l.category_id.as_deref() == Some(c))
            && self
                .region
                .as_ref()
                .is_none_or(|r| l.division.starts_with(r.as_prefix()))
            && self.grade.is_none_or(|g| l.grade.starts_with(g))
            && self.seller_type.is_none_or(|t| l.seller_type == Some(t))
    }
}

/// The lines that pass `f` (its period is applied by the caller), in `sort` order
/// ([`Sort::order`]). The pages rank in SQL; this is the same rule in memory, which the
/// store's tests hold the SQL to.
pub fn rank(lines: Vec<RankLine>, f: &RankFilter, sort: Sort) -> Vec<RankLine> {
    use std::cmp::Ordering;
    let mut out: Vec<RankLine> = lines.into_iter().filter(|l| f.admits(l)).collect();
    let order = sort.order();
    out.sort_by(|a, b| {
        order.iter().fold(Ordering::Equal, |acc, t| {
            acc.then_with(|| {
                let o = match t.column {
                    RankColumn::Score => a.score.total_cmp(&b.score),
                    RankColumn::Name => a.name.as_bytes().cmp(b.name.as_bytes()),
                    RankColumn::SellerId => a.seller_id.cmp(&b.seller_id),
                    RankColumn::Change => match (a.change, b.change) {
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        // Missing last, not reversed by the direction.
                        (Some(_), None) => return Ordering::Less,
                        (None, Some(_)) => return Ordering::Greater,
                        (None, None) => Ordering::Equal,
                    },
                };
                if t.desc { o.reverse() } else { o }
            })
        })
    });
    out
}

/// Lines per page of the ranking.
pub const RANK_PAGE: usize = 100;
/// Alerts per page of the alert list.
pub const ALERT_PAGE: u64 = 50;

/// Reads a page number (1 or more; empty means the first), naming `field` when it cannot.
pub fn page_number(raw: Option<&str>, field: &'static str) -> Result<usize, BadField> {
    match blank(raw) {
        None => Ok(1),
        Some(p) => match p.parse::<usize>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err(BadField::new(
                field,
                "页码应为 1 到 1000000 之间的整数",
                "page must be a whole number from 1 to 1000000",
            )),
        },
    }
}

/// Page `n` (1-based) of `len` lines, `per` a page: the lines' range (empty past the last
/// page) and how many pages there are (at least 1).
pub fn page_range(len: usize, n: usize, per: usize) -> (std::ops::Range<usize>, usize) {
    let pages = len.div_ceil(per.max(1)).max(1);
    let start = n.saturating_sub(1).saturating_mul(per).min(len);
    (start..(start + per).min(len), pages)
}

/// Reads the id an alert list continues below (`before`; empty means from the newest).
pub fn before_id(raw: Option<&str>) -> Result<Option<i64>, BadField> {
    match blank(raw) {
        None => Ok(None),
        Some(b) => match b.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(BadField::new(
                "before",
                "before 应为提醒编号（正整数）",
                "before must be an alert id (a positive whole number)",
            )),
        },
    }
}

/// Counts of one timeliness row: `(within_deadline, completed, overdue)`.
pub type Counts = (i64, i64, i64);

/// The share within deadline of summed counts: `within / (completed + overdue)`, `None` when
/// nothing was due.
pub fn share((within, completed, overdue): Counts) -> Option<f64> {
    let due = completed + overdue;
    (due > 0).then(|| within as f64 / due as f64)
}

/// The share within deadline by key (a week, a category), summing the rows of each key; keys in
/// order, those with nothing due left out.
pub fn share_by_key(rows: &[(String, Counts)]) -> Vec<(String, f64, i64)> {
    let mut sums: BTreeMap<&str, Counts> = BTreeMap::new();
    for (k, (w, c, o)) in rows {
        let e = sums.entry(k.as_str()).or_default();
        e.0 += w;
        e.1 += c;
        e.2 += o;
    }
    sums.into_iter()
        .filter_map(|(k, c)| share(c).map(|s| (k.to_owned(), s, c.1 + c.2)))
        .collect()
}

/// The `n` keys with the lowest share within deadline (ties: more records due first, then key).
pub fn worst(rows: &[(String, Counts)], n: usize) -> Vec<(String, f64, i64)> {
    let mut v = share_by_key(rows);
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// The longest note a person may leave on an alert, in characters.
pub const ALERT_NOTE_MAX: usize = 1000;

/// Reads a note left on an alert (form field `note`): trimmed; empty is no note, unless
/// `required` (a comment on its own); at most [`ALERT_NOTE_MAX`] characters; no control
/// characters but line breaks and tabs.
pub fn alert_note(raw: Option<&str>, required: bool) -> Result<Option<String>, BadField> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return if required {
            Err(BadField::new("note", "请填写评论内容", "write the comment"))
        } else {
            Ok(None)
        };
    }
    let chars = text.chars().count();
    if chars > ALERT_NOTE_MAX {
        return Err(BadField::new(
            "note",
            format!("评论最多 {ALERT_NOTE_MAX} 个字符（现为 {chars} 个）"),
            format!("a note has at most {ALERT_NOTE_MAX} characters ({chars} given)"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(BadField::new(
            "note",
            "评论含有控制字符",
            "the note holds control characters",
        ));
    }
    Ok(Some(text.replace("\r\n", "\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, name: &str, division: &str, score: f64, change: Option<f64>) -> RankLine {
        RankLine {
            seller_id: id.into(),
            name: name.into(),
            division: division.into(),
            seller_type: Some(SellerType::Online),
            category_id: Some("ebike".into()),
            score,
            grade: if score >= 90.0 { "A" } else { "C" }.into(),
            change,
        }
    }

    #[test]
    fn every_bad_filter_is_named_and_empty_ones_mean_any() {
        let bad = RankFilter::parse(
            Some("nope"),
            Some("4x"),
            Some("E"),
            Some("pirate"),
            Some("2026-13"),
            |c| c == "ebike",
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|b| b.field).collect();
        assert_eq!(
            fields,
            ["category", "region", "grade", "seller_type", "period"]
        );
        let ok = RankFilter::parse(Some(""), Some(" "), None, None, None, |_| false);
        assert_eq!(ok, Ok(RankFilter::default()));
        assert_eq!(
            Sort::parse("-name").map(|s| s.as_query()),
            Ok("-name".into())
        );
        assert_eq!(Sort::parse("rank").map_err(|e| e.field), Err("sort"));
    }

    #[test]
    fn the_ranking_filters_by_region_and_grade_and_sorts_missing_changes_last() {
        let lines = vec![
            line("s1", "乙", "440104", 95.0, Some(-2.0)),
            line("s2", "甲", "440305", 70.0, None),
            line("s3", "丙", "330106", 80.0, Some(5.0)),
        ];
        let gd = RankFilter {
            region: Jurisdiction::parse("44").ok(),
            ..Default::default()
        };
        let ids = |v: Vec<RankLine>| v.into_iter().map(|l| l.seller_id).collect::<Vec<_>>();
        assert_eq!(ids(rank(lines.clone(), &gd, Sort::default())), ["s1", "s2"]);
        let by_change = Sort::parse("-change").unwrap_or_default();
        assert_eq!(
            ids(rank(lines.clone(), &RankFilter::default(), by_change)),
            ["s3", "s1", "s2"]
        );
        let c_only = RankFilter {
            grade: Some('C'),
            ..Default::default()
        };
        assert_eq!(
            ids(rank(
                lines,
                &c_only,
                Sort::parse("score").unwrap_or_default()
            )),
            ["s2", "s3"]
        );
        // Ties go to the name, then the id, ascending; a descending name sort runs both down.
        let columns = |s: &str| {
            Sort::parse(s)
                .map(|s| {
                    s.order()
                        .iter()
                        .map(|t| (t.column, t.desc))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            columns("-score"),
            [
                (RankColumn::Score, true),
                (RankColumn::Name, false),
                (RankColumn::SellerId, false)
            ]
        );
        assert_eq!(
            columns("-name"),
            [(RankColumn::Name, true), (RankColumn::SellerId, true)]
        );
        assert_eq!(Sort::default().toggle(SortKey::Score).as_query(), "score");
        assert_eq!(Sort::default().toggle(SortKey::Name).as_query(), "name");
    }

    #[test]
    fn pages_are_read_strictly_and_cut_the_lines() {
        assert_eq!(page_number(None, "page"), Ok(1));
        assert_eq!(page_number(Some(" "), "page"), Ok(1));
        assert_eq!(page_number(Some("3"), "page"), Ok(3));
        for bad in ["0", "-1", "x", "1.5", "99999999999"] {
            assert_eq!(
                page_number(Some(bad), "page").unwrap_err().field,
                "page",
                "{bad}"
            );
        }
        assert_eq!(page_range(250, 1, 100), (0..100, 3));
        assert_eq!(page_range(250, 3, 100), (200..250, 3));
        assert_eq!(page_range(250, 4, 100), (250..250, 3));
        assert_eq!(page_range(0, 1, 100), (0..0, 1));
        assert_eq!(before_id(Some("42")), Ok(Some(42)));
        assert_eq!(before_id(None), Ok(None));
        assert_eq!(before_id(Some("0")).unwrap_err().field, "before");
    }

    #[test]
    fn shares_sum_counts_and_the_worst_come_first() {
        let rows = vec![
            ("ebike".to_owned(), (1, 2, 0)),
            ("ebike".to_owned(), (1, 1, 1)),
            ("wire".to_owned(), (3, 3, 0)),
            ("helmet".to_owned(), (0, 0, 0)),
        ];
        assert_eq!(
            worst(&rows, 5),
            vec![("ebike".into(), 0.5, 4), ("wire".into(), 1.0, 3)]
        );
        assert_eq!(share((0, 0, 0)), None);
    }
}

/// The recall selector of a search (`gtin`, `batch`, `serial` or `code`; empty values are
/// absent), as the recall-flow API reads it: one of batch, serial and code, a GTIN alone or
/// narrowing a batch or serial. A problem names its field.
pub fn recall_selector(
    gtin: Option<&str>,
    batch: Option<&str>,
    serial: Option<&str>,
    code: Option<&str>,
) -> Result<crate::recall::Selector, BadField> {
    use crate::recall::{Selector, SelectorError};
    let bad = |e: SelectorError| {
        let field = match &e {
            SelectorError::Gtin(_) => "gtin",
            SelectorError::Code(_) => "code",
            SelectorError::Empty(f) => f,
        };
        BadField::new(field, format!("无法识别：{e}"), e.to_string())
    };
    match (blank(gtin), blank(batch), blank(serial), blank(code)) {
        (_, Some(_), Some(_), _) | (_, Some(_), _, Some(_)) | (_, _, Some(_), Some(_)) => {
            Err(BadField::new(
                "code",
                "batch、serial 与 code 只能给一个",
                "give one of batch, serial and code",
            ))
        }
        (Some(_), None, None, Some(_)) => Err(BadField::new(
            "code",
            "code 已含 GTIN，不能再给 gtin",
            "a code carries its GTIN: give code or gtin, not both",
        )),
        (g, Some(b), None, None) => Selector::batch(g, b).map_err(bad),
        (g, None, Some(s), None) => Selector::serial(g, s).map_err(bad),
        (None, None, None, Some(c)) => Selector::code(c).map_err(bad),
        (Some(g), None, None, None) => Selector::gtin(g).map_err(bad),
        (None, None, None, None) => Err(BadField::new(
            "gtin",
            "请给出 gtin、batch、serial 或 code",
            "give a gtin, batch, serial or code",
        )),
    }
}

#[cfg(test)]
mod recall_tests {
    use super::*;

    #[test]
    fn a_recall_search_names_the_field_it_cannot_read() {
        assert_eq!(
            recall_selector(Some("123"), None, None, None).map_err(|e| e.field),
            Err("gtin")
        );
        assert_eq!(
            recall_selector(None, Some("B1"), None, Some("x")).map_err(|e| e.field),
            Err("code")
        );
        assert_eq!(
            recall_selector(Some(""), None, None, None).map_err(|e| e.field),
            Err("gtin")
        );
        assert!(recall_selector(None, Some("B1"), None, None).is_ok());
    }
}

#[cfg(test)]
mod alert_note_tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_and_an_empty_one_is_none_unless_a_comment_needs_it() {
        assert_eq!(
            alert_note(Some("  已联系商户整改 \r\n下周复查 "), false).unwrap(),
            Some("已联系商户整改 \n下周复查".to_owned())
        );
        assert_eq!(alert_note(Some("   "), false).unwrap(), None);
        assert_eq!(alert_note(None, false).unwrap(), None);
        let e = alert_note(Some(" "), true).unwrap_err();
        assert_eq!(e.field, "note");
    }

    #[test]
    fn a_note_over_the_limit_or_with_control_characters_is_refused_naming_the_field() {
        let long = "字".repeat(ALERT_NOTE_MAX + 1);
        let e = alert_note(Some(&long), false).unwrap_err();
        assert_eq!(e.field, "note");
        assert!(e.en.contains("1001 given"), "{}", e.en);
        assert!(alert_note(Some(&"字".repeat(ALERT_NOTE_MAX)), false).is_ok());
        let e = alert_note(Some("bell\u{7}"), true).unwrap_err();
        assert_eq!(e.field, "note");
    }
}
