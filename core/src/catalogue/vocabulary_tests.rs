//! The catalogue's product vocabulary: products named the way marketplaces' category trees name them
//! (JD, Taobao/Tmall, Pinduoduo, Douyin, Amazon, Shopify's Standard Product Taxonomy) are recognised as
//! their catalogue category, and the look-alikes and accessories sold next to them are not. The titles
//! are written for these tests, in sellers' styles; none is taken from the labelled sets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::test_support::{builtin, title};

fn check(cases: &[(&str, Option<&str>)]) {
    let catalogue = builtin();
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(t, expected)| {
            let got = catalogue
                .classify(&title(t))
                .map(|c| c.category.to_string());
            (got.as_deref() != *expected)
                .then(|| format!("{t}: expected {expected:?}, got {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn products_named_as_the_marketplaces_name_them_are_their_category() {
    check(&[
        // Household appliances: JD 厨房小电, 生活电器, 个护健康; Amazon Small Appliances.
        (
            "苏泊尔 电煮锅 宿舍 小功率 1.5L",
            Some("ccc_household_appliance"),
        ),
        (
            "小熊 养生壶 玻璃 1.5L 煮茶",
            Some("ccc_household_appliance"),
        ),
        (
            "美的 循环扇 落地 遥控 静音",
            Some("ccc_household_appliance"),
        ),
        ("格力 除湿机 家用 20升", Some("ccc_household_appliance")),
        ("飞科 剃须刀 电动 全身水洗", Some("ccc_household_appliance")),
        (
            "Ninja food processor 9-cup",
            Some("ccc_household_appliance"),
        ),
        (
            "Bissell cordless vacuum lightweight",
            Some("ccc_household_appliance"),
        ),
        (
            "Oral-B electric toothbrush rechargeable",
            Some("ccc_household_appliance"),
        ),
        // Electronics: JD 电脑整机, 影音, 智能设备; Amazon Computers, Security Cameras.
        ("联想 游戏本 16英寸 RTX4060", Some("ccc_electronics")),
        ("萤石 监控摄像头 室外 400万", Some("ccc_electronics")),
        ("户外电源 2000W 大容量 自驾 露营", Some("ccc_electronics")),
        ("JBL portable speaker waterproof", Some("ccc_electronics")),
        ("Anker GaN charger 65W 3-port", Some("ccc_electronics")),
        // Lighting: JD 灯饰照明; Amazon Chandeliers, LED Strip Lights.
        ("客厅 水晶灯 轻奢 大气 吊灯", Some("ccc_lighting")),
        ("镜前灯 卫生间 LED 防水", Some("ccc_lighting")),
        ("Farmhouse chandelier 5-light, black", Some("ccc_lighting")),
        ("Wall sconce set of 2, brushed nickel", Some("ccc_lighting")),
        // Switches, sockets and cords.
        ("公牛 调光开关 86型 暗装 白色", Some("ccc_switch_socket")),
        ("Kasa smart plug 15A, 2 pack", Some("ccc_switch_socket")),
        (
            "GFCI outlet 20 amp tamper resistant",
            Some("ccc_switch_socket"),
        ),
        ("Dryer cord 4-prong 30 amp 6 ft", Some("ccc_wire_cable")),
        ("阻燃电线 ZR-BV 2.5平方 100米", Some("wire_cable")),
        // Low-voltage apparatus and motors.
        ("正泰 交流接触器 CJX2-1810 220V", Some("ccc_low_voltage")),
        ("时间继电器 通电延时 JSZ3", Some("ccc_low_voltage")),
        ("Square D load center 100 amp", Some("ccc_low_voltage")),
        (
            "Shaded pole motor 230V for oven fan",
            Some("ccc_small_motor"),
        ),
        // Power tools and welders: JD 电动工具, 园林工具; GB/T 10249 type codes.
        ("锂电 绿篱机 修枝 充电式", Some("ccc_power_tool")),
        ("Cordless hedge trimmer 20V", Some("ccc_power_tool")),
        ("Compound miter saw 10 inch 15A", Some("ccc_power_tool")),
        ("NBC-270 二保焊机 一体机", Some("ccc_welding")),
        ("Stick welder 200A dual voltage", Some("ccc_welding")),
        // Gas appliances and regulators.
        ("卡式炉 户外 便携 防风", Some("gas_appliance")),
        ("燃气炒炉 商用 猛火 单头", Some("gas_appliance")),
        ("Propane tank regulator with gauge", Some("lpg_regulator")),
        // Fire, security, decoration, children.
        ("Carbon monoxide alarm battery operated", Some("ccc_fire")),
        ("门窗报警器 家用 防盗 无线", Some("ccc_security")),
        ("Door alarm, 120dB, magnetic", Some("ccc_security")),
        ("家具漆 聚氨酯 清漆 亮光", Some("ccc_decoration_material")),
        (
            "Minwax polyurethane clear gloss",
            Some("ccc_decoration_material"),
        ),
        ("宝宝推车 轻便 可坐可躺", Some("ccc_children")),
        ("Stuffed animal bunny 12 inch", Some("ccc_children")),
        // Vehicles, helmets, e-bikes, boards, steel.
        ("踏板摩托 125cc 国四", Some("ccc_vehicle")),
        ("半盔 夏季 电瓶车 男女", Some("safety_helmet")),
        ("Electric cargo bike 750W long range", Some("ebike")),
        ("锂电自行车 超轻 便携", Some("ebike")),
        ("Lumber core plywood 3/4 inch", Some("blockboard")),
        ("实木多层板 18mm 家具板", Some("plywood")),
        ("HRB400E 螺纹钢 12mm", Some("production_licence")),
        ("食品级 保鲜袋 加厚 中号", Some("production_licence")),
        (
            "Stainless steel cable 1/8 inch 100 ft",
            Some("steel_wire_rope"),
        ),
    ]);
}

#[test]
fn look_alikes_and_accessories_sold_next_to_the_products_stay_unclassified() {
    check(&[
        ("Microwave safe food containers, 10 pack", None),
        ("Stovetop tea kettle whistling, stainless", None),
        ("Weber gas grill cover heavy duty", None),
        ("Outlet covers for baby proofing, 24 pack", None),
        ("Monitor arm single, clamp mount", None),
        ("氩弧焊 减压表 流量计 氩气", None),
        ("钢筋 扎丝 绑丝 铁丝 1公斤", None),
        ("Cat6 patch cable 10 ft", None),
        ("Speaker wire 16 gauge 100 ft", None),
        ("Nail polish clear top coat", None),
        ("电动车 后座 儿童座椅 折叠", None),
        ("电缆 剥线钳 多功能", None),
        ("笔记本 本子 A5 加厚 学生", None),
    ]);
}

#[test]
fn explosion_proof_products_are_explosion_proof_not_the_product_they_resemble() {
    check(&[
        (
            "Explosion proof exhaust fan 12 inch",
            Some("ccc_explosion_proof"),
        ),
        ("防爆 换气扇 厨房 工业", Some("ccc_explosion_proof")),
        (
            "Explosion-proof light switch, single pole",
            Some("ccc_explosion_proof"),
        ),
        ("防爆 真空胎 自行车", None),
    ]);
}

/// The sixth round's product families: each family named in full (pedelecs of every kind, fuse links
/// of every form, concrete vibrators, Ex and fire signage, intrusion detectors, RC construction toys,
/// IEC cord sets, condensing gas heaters, motor enclosures), with their look-alikes, tools and parts.
#[test]
fn the_sixth_rounds_product_families_and_their_look_alikes() {
    check(&[
        // E-bikes: JD 电动车 > 电助力自行车; EN 15194 / UL 2849 / UL 2271 name e-bikes and their packs.
        ("美利达 电助力山地车 中置电机 29寸", Some("ebike")),
        ("喜德盛 电助力折叠车 20寸 锂电", Some("ebike")),
        ("Rad Power electric gravel bike 750W", Some("ebike")),
        ("Replacement pack 36V 10Ah, UL 2271 listed", Some("ebike")),
        ("电动车 锂电池 保护板 16串 60V", None),
        // Cord sets by their IEC connector; wire taps and splitters are no wire.
        ("IEC C13 to C14 PDU cord 1.5m", Some("ccc_wire_cable")),
        (
            "Detachable power cord for stand mixer, 3 ft",
            Some("ccc_wire_cable"),
        ),
        ("电线 并线器 快速接线 免剥线 50只", None),
        // Fuse links of every form are fuses (CCC 熔断体).
        ("6x30 陶瓷保险丝 15A 250V 10只", Some("ccc_switch_socket")),
        ("熔断管 10x38 32A 500V 20只", Some("ccc_switch_socket")),
        // Concrete vibrators are power tools; router bits are no router.
        ("东成 振捣棒 1.5kW 6米 混凝土", Some("ccc_power_tool")),
        ("平板振动器 2.2kW 地坪", Some("ccc_power_tool")),
        ("电木铣 铣刀 12件套 1/2柄", None),
        // Fire signage and central-power emergency luminaires are fire products, not luminaires.
        ("安全出口指示灯 LED 消防 壁挂", Some("ccc_fire")),
        ("应急照明灯具 集中控制型 吸顶", Some("ccc_fire")),
        ("灭火器 压力表 1MPa 通用", None),
        // Intrusion detectors and alarm kits; dummy cameras are no camera.
        ("玻璃破碎探测器 有线 报警主机 配套", Some("ccc_security")),
        (
            "SimpliSafe 10-piece home security kit",
            Some("ccc_security"),
        ),
        ("Dummy security camera with flashing LED", None),
        // RC construction toys and kids' trikes are toys; an adult electric trike is not.
        ("遥控工程车 合金 儿童 挖土", Some("ccc_children")),
        ("Toddler trike with push handle", Some("ccc_children")),
        ("Electric trike 3 wheel cargo for seniors", None),
        // Condensing gas heaters; gas valves and pipeline regulators are no appliance nor LPG regulator.
        (
            "Rinnay condensing boiler 120k BTU natural gas",
            Some("gas_appliance"),
        ),
        ("天然气 球阀 燃气 管道 4分", None),
        ("天然气 调压器 管道 中低压 RTZ-31", None),
        // Motors by enclosure; rebar machines and caps are no rebar.
        ("WEG 1 HP TEFC motor 56C frame", Some("ccc_small_motor")),
        ("钢筋 套丝机 直螺纹 40型", None),
        ("钢筋 保护帽 塑料 安全帽 100个", None),
        // Helmet lamps and goggles, printer ink and styluses are accessories.
        ("头盔 头灯 充电 强光 夜骑", None),
        ("打印机 硒鼓 兼容 惠普", None),
        ("平板 手写笔 适用 华为", None),
    ]);
}

#[test]
fn the_seventh_rounds_product_families_are_their_category() {
    check(&[
        // Pedelecs of any form, and e-bike battery forms (down-tube, 海霸, 银鱼).
        ("永久 电助力城市自行车 26寸 锂电", Some("ebike")),
        ("电动车 锂电池 银鱼 48V 10Ah", Some("ebike")),
        ("电瓶车 电瓶线 连接线 2.5平方", None),
        // Overhead conductors, high-temperature wire and building wire by type.
        ("钢芯铝绞线 LGJ-95 架空 按米", Some("wire_cable")),
        ("铁氟龙线 AF200 0.5平方 耐高温", Some("wire_cable")),
        ("Southwire 12/2 Romex NM-B 250 ft", Some("wire_cable")),
        ("SOOW 12/4 portable cord 50 ft", Some("wire_cable")),
        // LPG regulators by cylinder; pulleys and winches are no rope.
        (
            "Propane gas bottle regulator 37 mbar",
            Some("lpg_regulator"),
        ),
        ("钢丝绳 动滑轮 起重 1吨", None),
        // Cement by grade; a mixing plant that uses it does not make it a mixer.
        ("海螺 P.O42.5 袋装水泥 50kg", Some("production_licence")),
        // Appliance inlets are CCC appliance couplers; reversing switches are low-voltage gear.
        (
            "Schurter panel mount IEC C20 inlet 16A",
            Some("ccc_switch_socket"),
        ),
        ("凸轮开关 LW26 三档 380V", Some("ccc_low_voltage")),
        // An appliance's motor is a motor; a manual mincer is no appliance.
        ("洗衣机电机 XD-135 通用", Some("ccc_small_motor")),
        ("手摇 榨汁机 家用 小型", None),
        // Hair straighteners and heated towel rails are appliances; UPS are electronics.
        ("直卷两用 卷发棒 负离子", Some("ccc_household_appliance")),
        ("智能毛巾架 碳纤维 恒温", Some("ccc_household_appliance")),
        ("山特 UPS不间断电源 1000VA", Some("ccc_electronics")),
        // Grow lights are luminaires; a bare lamp tube or a lamp chain is not.
        ("全光谱 植物灯 LED 多肉", Some("ccc_lighting")),
        // Vehicle lamp assemblies are vehicle parts; repair liquids are not.
        ("大灯总成 LED 透镜 改装", Some("ccc_vehicle")),
        // Fire alarm sounders; explosion-proof sounders, conduit and markings; non-sparking tools.
        ("火灾声光报警器 编码 消防", Some("ccc_fire")),
        ("防爆声光报警器 BBJ 220V", Some("ccc_explosion_proof")),
        ("防爆挠性管 G1 700mm", Some("ccc_explosion_proof")),
        ("防爆工具 铍铜 梅花扳手", None),
        // Baby rattles and kick scooters are toys; toys' rechargeable batteries are not.
        ("婴儿 摇铃 手抓 益智", Some("ccc_children")),
        ("Kids kick scooter 3-wheel LED", Some("ccc_children")),
        // E-bike makers and drive systems count beside a part or a second word of the e-bike.
        ("Aventon replacement battery 48V 14Ah", Some("ebike")),
        (
            "Bosch PowerTube 625 vertical, Performance Line CX",
            Some("ebike"),
        ),
        ("Aventon phone mount aluminium", None),
        ("极核 电池 48V 24Ah 原装", Some("ebike")),
        // A lock built into an e-bike is its feature; a lock sold for one is not an e-bike.
        ("Cowboy 4 electric bike with built-in lock", Some("ebike")),
        ("E-bike lock heavy duty chain", None),
        ("遥控车 镍氢 充电电池 7.2V", None),
        // JD 玩具乐器 and Amazon Toys & Games leaves: magnetic tiles, spinning tops, water guns, fidget toys.
        ("磁力片 100片 儿童 拼装", Some("ccc_children")),
        ("战斗陀螺 合金 对战 儿童", Some("ccc_children")),
        ("战斗陀螺 发射器 拉线", None),
        ("Nerf Elite 2.0 blaster with 20 darts", Some("ccc_children")),
        ("Fidget toy pack sensory 30 pcs", Some("ccc_children")),
        ("消防水枪 直流 65型", Some("ccc_fire")),
        // Cookware for a gas stove and cleaning sprays are no product of the catalogue.
        ("燃气灶 炒锅 铸铁 老式", None),
        ("瓷砖 保护膜 装修 地面", None),
    ]);
}
