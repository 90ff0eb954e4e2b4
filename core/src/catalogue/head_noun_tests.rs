//! The head-noun principle, as a seller or a supervisor sees it: a listing is flagged as the product
//! its title's head noun names, not as every product its words mention.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::test_support::{builtin, classified_as, title};

fn category_and_part(t: &str) -> (Option<String>, Option<String>) {
    match builtin().classify(&title(t)) {
        Some(c) => (Some(c.category.to_string()), c.part),
        None => (None, None),
    }
}

#[test]
fn a_thing_named_after_the_product_it_belongs_to_is_not_asked_for_a_trace_code() {
    // A compound of the product word and a thing-noun (仓, 盒, 器, 带, 塞, 块, 胆, 匙...) names another
    // thing, whether or not that thing was ever listed as an accessory.
    for t in [
        "电动车 电池仓 锁 通用",
        "电动车电池仓 锁芯 雅迪爱玛通用",
        "电线 剥线器 自动",
        "电缆 绕线盘 空盘",
        "插座 防水盒 卫生间 86型",
        "插座 儿童 安全塞 防触电",
        "钢筋 保护层 垫块",
        "安全帽 下颚带 工地",
        "电饭煲 内胆 3L 替换 原装",
        "保险箱 钥匙 备用",
        "婴儿推车 蚊帐 全罩 通用",
        "空调 排水泵 静音 挂机用",
        "冰箱 除味盒 活性炭",
        "电瓶车 电池 转换器 降压器 48V转12V",
        "燃气热水器 排烟管 加长",
        "瓷砖 修补剂 破损 修复",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
}

#[test]
fn a_product_restated_or_described_by_its_features_is_still_the_product() {
    for (t, expected) in [
        // A compound ending like the product word restates it.
        ("家用配电箱 强电箱 暗装 12回路", "ccc_low_voltage"),
        // A cord whose phrase ends in another cord word is the cord.
        ("电热毯电源线 控制器 连接线 通用", "ccc_wire_cable"),
        // A counted feature is no accessory (双镜片: a helmet with two visors).
        ("摩托车头盔 全盔 四季 双镜片", "safety_helmet"),
        // A companion phrase is what comes with the product.
        ("公牛 插线板 带开关 独立 3米", "ccc_switch_socket"),
        ("美的 空调 挂机 1.5匹 新一级", "ccc_household_appliance"),
    ] {
        assert_eq!(classified_as(&title(t)).as_deref(), Some(expected), "{t}");
    }
    assert_eq!(
        category_and_part("电动车锂电池 48V20AH 外卖 大容量"),
        (Some("ebike".to_owned()), Some("battery".to_owned()))
    );
}

#[test]
fn a_battery_named_among_the_vehicles_features_describes_the_vehicle() {
    for t in [
        "台铃 电动车 新国标 超长续航 石墨烯电池 女士款",
        "电动自行车 新国标 成人 学生 代步 可提锂电池",
        "绿佳 电动自行车 新国标 TDT 48V20AH 铅酸 大容量电池",
    ] {
        assert_eq!(
            category_and_part(t),
            (Some("ebike".to_owned()), Some("vehicle".to_owned())),
            "{t}"
        );
    }
    // A feature word before the vehicle is named does not make the battery a feature.
    assert_eq!(
        category_and_part("新国标 电动车 锂电池 48V 可拆卸 通用 带CCC"),
        (Some("ebike".to_owned()), Some("battery".to_owned()))
    );
}

#[test]
fn products_sellers_name_in_their_trade_words_are_recognised() {
    for (t, expected) in [
        ("三夹板 3mm 装修 背板", "plywood"),
        ("多层实木板 18mm 桉木 E0 家具", "plywood"),
        ("电圆锯 7寸 木工 切割", "ccc_power_tool"),
        ("Electric jigsaw 650W variable speed", "ccc_power_tool"),
        ("微型 交流 电机 调速 90W", "ccc_small_motor"),
        ("6 mm² twin and earth cable, 50 m, grey", "wire_cable"),
        ("德力西 BVR 4平方 多股软线 家装 空调线", "wire_cable"),
        ("电焊机 焊把线 25平方 10米", "wire_cable"),
        ("烟感报警器 消防 3C", "ccc_fire"),
        // A stainless rope sold for drying clothes is still a wire rope; a clothes line is not.
        (
            "不锈钢钢丝绳 304 4mm 7*19 户外 晾衣 遮阳",
            "steel_wire_rope",
        ),
    ] {
        assert_eq!(classified_as(&title(t)).as_deref(), Some(expected), "{t}");
    }
    assert_eq!(classified_as(&title("晾衣绳 不锈钢 包塑 10米")), None);
}

#[test]
fn an_english_accessory_named_after_the_product_is_not_the_product() {
    for t in [
        "Electric bike mirror, handlebar",
        "Ebike display LCD, 36V 48V",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
}

#[test]
fn a_thing_whose_noun_ends_in_a_two_character_ending_is_not_the_product() {
    // Endings like 机, 头, 子 and 板 also end products (挂机, 灯头, 电子, 插线板), so the closed set
    // holds them only as two-character endings (端子, 夹头, 箍机, 风板).
    for t in [
        "电线 接线端子 快速 连接器",
        "电锤 转换夹头 SDS",
        "钢筋 弯箍机 数控",
        "空调 导风板 挡风 月子 防直吹",
        "木工板 封边条 PVC 2cm",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
}

#[test]
fn an_english_title_sells_its_head_noun_the_last_noun_of_its_first_phrase() {
    // English compounds are head-final: "helmet lock" is a lock, "lamp shade" a shade.
    for t in [
        "Helmet lock for motorcycle",
        "Lamp shade linen drum, 12 inch",
        "Car tire pressure gauge digital",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
    for (t, expected) in [
        ("LED ceiling light 24W, round", "ccc_lighting"),
        (
            "Electric kettle 1.7L stainless steel",
            "ccc_household_appliance",
        ),
        ("Kids ride on car 12V with remote", "ccc_children"),
        ("UK extension lead 4 way 5m", "ccc_switch_socket"),
    ] {
        assert_eq!(classified_as(&title(t)).as_deref(), Some(expected), "{t}");
    }
}

#[test]
fn a_helmet_for_e_bike_riders_is_a_helmet_and_a_count_of_batteries_is_a_feature() {
    assert_eq!(
        classified_as(&title("骑行头盔 电动自行车 3C 轻便")).as_deref(),
        Some("safety_helmet")
    );
    assert_eq!(
        classified_as(&title("3C 头盔 电动自行车 骑行 四季通用 A类")).as_deref(),
        Some("safety_helmet")
    );
    assert_eq!(
        category_and_part("电动自行车 外卖 长续航 双电池 60V"),
        (Some("ebike".to_owned()), Some("vehicle".to_owned()))
    );
    assert_eq!(
        category_and_part("立马 电瓶车 成人 男女 通勤 48V20AH"),
        (Some("ebike".to_owned()), Some("vehicle".to_owned()))
    );
    // A vehicle sold with a helmet is still the vehicle.
    assert_eq!(
        category_and_part("雅迪 电动自行车 新国标 送头盔"),
        (Some("ebike".to_owned()), Some("vehicle".to_owned()))
    );
}

#[test]
fn a_thing_of_the_products_own_kind_after_its_name_is_the_product() {
    assert_eq!(
        classified_as(&title("公牛 插座 转换器 一转三 无线")).as_deref(),
        Some("ccc_switch_socket")
    );
    assert_eq!(
        classified_as(&title("冷轧带肋钢筋 焊接网片 用 Φ5")).as_deref(),
        Some("steel_rebar_crb")
    );
    assert_eq!(
        classified_as(&title("得伟 锂电 冲击扳手 无刷 20V")).as_deref(),
        Some("ccc_power_tool")
    );
}

#[test]
fn a_word_of_what_the_product_does_without_or_does_is_no_thing_sold() {
    // `无` or `免` inside a word (`智能无钥匙`: keyless) says what the product does without; an action
    // (`手机解锁`) or a service (`支持定尺`: cut to length) ends like a thing-noun but names none.
    for t in [
        "爱玛 电动自行车 智能无钥匙 新国标",
        "台铃 电动自行车 手机解锁 48V",
        "雅迪 电动自行车 NFC开锁 长续航",
        "冷轧带肋钢筋 CRB550 支持定尺 Φ6",
    ] {
        assert!(classified_as(&title(t)).is_some(), "{t}");
    }
    // A real key or lock after the product word is still a thing sold.
    assert_eq!(classified_as(&title("电动车 钥匙 备用 通用")), None);
}

#[test]
fn chains_liquids_slots_tools_and_fasteners_after_a_product_are_the_thing_sold() {
    // Seventh round: `链`, `液`, `槽`, `棒`, `绳`, `镜` and `刀` end thing-nouns; tools, fasteners,
    // eyewear and sprays are accessory heads.
    for t in [
        "吸顶灯 吊链 黑色 1米",
        "汽车 玻璃 清洗液 去油膜",
        "插座 暗盒 修复器 底盒 槽",
        "插座 安装 工具 开孔",
        "开关 螺丝 M4 长款 100颗",
        "电焊 墨镜 自动变光",
        "头盔 喷雾 防雾",
        "电缆 剥皮刀 旋转",
        "安全帽 帽绳 防风",
        "电焊机 面罩 护目镜 自动变光",
        "插座 搅拌棒 打胶",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
}

#[test]
fn a_product_a_word_ends_with_suitable_for_is_what_the_listing_fits() {
    // `燃气灶适用` (suitable for gas stoves) weighs half, like `燃气灶专用`; `适用 雅迪` after a product
    // word starts a companion phrase and leaves the product word whole.
    assert_eq!(classified_as(&title("电磁炉适用 不粘锅 28cm")), None);
    assert_eq!(
        category_and_part("电动车 锂电池 48V 适用 雅迪"),
        (Some("ebike".to_owned()), Some("battery".to_owned()))
    );
}

#[test]
fn hand_tools_circuit_boards_and_consumables_sold_for_a_product_are_not_the_product() {
    for t in [
        "燃气热水器 电路板 通用 主板",
        "电动车 控制板 48V 维修",
        "保险柜 干燥剂 防潮 10包",
        "插座 扳手 拆装 五金",
        "Smoke detector cleaner spray, 10 oz",
        "Ceiling fan mounting screw kit",
        "LED panel light connector 2-pin",
    ] {
        assert_eq!(classified_as(&title(t)), None, "{t}");
    }
    // A tool that is itself a power tool stays one.
    assert_eq!(
        classified_as(&title("电动扳手 锂电 无刷 大扭力")).as_deref(),
        Some("ccc_power_tool")
    );
}

#[test]
fn a_product_whose_own_name_ends_like_a_tool_stays_the_product() {
    // The new endings leave alone products named by a keyword ending in them.
    for (t, category) in [
        ("飞科 卷发棒 32mm 负离子", "ccc_household_appliance"),
        ("东成 振捣棒 1.5kW 6米 混凝土", "ccc_power_tool"),
        ("镀锌 钢丝绳 6mm 100米", "steel_wire_rope"),
        ("小天鹅 洗衣机 全自动 波轮 8公斤", "ccc_household_appliance"),
    ] {
        assert_eq!(classified_as(&title(t)).as_deref(), Some(category), "{t}");
    }
}
