//! `serve --demo`: a realistic demo on an empty database, and the banner that says how to use it.
//!
//! Three sellers (a general store in Guangzhou selling e-bikes, helmets and cable; a cable
//! distributor in Hangzhou; a gas-appliance specialty store in Shanghai), a connected Shopify store
//! with classified listings, receipts with certificate checks, an e-bike aggregation (vehicle +
//! battery + charger), consumer sales in several regions, a B2B shipment from the distributor to
//! the Guangzhou store, and one correction of a sale's region. Codes use the GS1 prefix 952,
//! reserved for examples.

use anyhow::Context as _;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::json;
use suyuan_core::catalogue::{Catalogue, CategoryId, ListingFacts};
use suyuan_core::codes::{Gs1Code, Gtin, TraceCode};
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::{DivisionCode, Jurisdiction};
use suyuan_core::epcis::vocab::{ext, uom};
use suyuan_core::epcis::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, SourceDestType, TraceEvent,
    TraceEventBuilder,
};
use suyuan_core::ids::{AdminId, ListingId, SellerId};
use suyuan_core::secrets::SecretKey;
use suyuan_core::tenancy::{Role, SellerType};
use suyuan_store::Db;
use suyuan_store::entity::listing;
use suyuan_store::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use suyuan_store::tenants::{self, NewSeller};

mod people;
pub use people::{Prepared, ensure_demo_accounts, prepare, print_accounts};

/// The demo's parties, for the banner's tokens.
#[derive(Debug, Clone)]
pub struct DemoParties {
    /// The Guangzhou general store (the seller token's subject).
    pub seller_gz: SellerId,
    /// The Hangzhou cable distributor.
    pub seller_hz: SellerId,
    /// The Shanghai gas-appliance store.
    pub seller_sh: SellerId,
    /// The marketplace operator.
    pub operator_id: String,
    /// The Guangdong supervisor.
    pub supervisor_id: String,
    /// The supervisor's jurisdiction.
    pub jurisdiction: String,
    /// Whether this run created the data.
    pub created: bool,
}

const GZ_CREDIT_BODY: &str = "91440104MA59ABCD1";
const HZ_CREDIT_BODY: &str = "91330106MA2GXYK23";
const SH_CREDIT_BODY: &str = "91310115MA1HJK7P8";
const PRODUCER_EBIKE: &str = "91320281MA1MEBK27";
const PRODUCER_CABLE: &str = "91330110MA28CBL52";
const PRODUCER_GAS: &str = "91440606MA4GAH783";
const PRODUCER_HELMET: &str = "91330782MA2HLM406";
const OPERATOR_NAME: &str = "演示商城 Demo Mall";
const SUPERVISOR_NAME: &str = "广东省市场监督管理局（演示）";

fn credit(body: &str) -> anyhow::Result<CreditCode> {
    CreditCode::with_check_character(body)
        .map_err(|e| anyhow::anyhow!("demo credit code {body}: {e}"))
}

fn party(credit_code: &CreditCode) -> String {
    format!("urn:suyuan:party:{credit_code}")
}

fn gtin(body12: &str) -> anyhow::Result<Gtin> {
    Gtin::with_check_digit(body12).map_err(|e| anyhow::anyhow!("demo GTIN {body12}: {e}"))
}

fn unit(gtin: &Gtin, serial: &str) -> anyhow::Result<TraceCode> {
    Ok(TraceCode::from(
        Gs1Code::from_gtin(gtin.clone()).with_serial(serial)?,
    ))
}

fn batch(gtin: &Gtin, lot: &str) -> anyhow::Result<TraceCode> {
    Ok(TraceCode::from(
        Gs1Code::from_gtin(gtin.clone()).with_batch(lot)?,
    ))
}

/// Creates the demo on an empty database, or finds it when it is already there.
pub async fn ensure_demo(
    db: &Db,
    catalogue: &Catalogue,
    key: &SecretKey,
) -> anyhow::Result<DemoParties> {
    let gz_credit = credit(GZ_CREDIT_BODY)?;
    if let Some(existing) = tenants::seller_by_credit_code(db, &gz_credit).await? {
        let find_seller = |body: &'static str| async move {
            let code = credit(body)?;
            let row = tenants::seller_by_credit_code(db, &code)
                .await?
                .context("demo seller missing")?;
            anyhow::Ok(SellerId::parse(&row.id)?)
        };
        let op = tenants::operator_by_name(db, OPERATOR_NAME)
            .await?
            .context("demo operator missing")?;
        let sup = tenants::supervisor_by_name(db, SUPERVISOR_NAME)
            .await?
            .context("demo supervisor missing")?;
        return Ok(DemoParties {
            seller_gz: SellerId::parse(&existing.id)?,
            seller_hz: find_seller(HZ_CREDIT_BODY).await?,
            seller_sh: find_seller(SH_CREDIT_BODY).await?,
            operator_id: op.id,
            supervisor_id: sup.id,
            jurisdiction: sup.jurisdiction,
            created: false,
        });
    }
    seed(db, catalogue, key).await
}

fn division(code: &str) -> anyhow::Result<DivisionCode> {
    DivisionCode::parse(code).map_err(|e| anyhow::anyhow!("demo division {code}: {e}"))
}

async fn seed(db: &Db, catalogue: &Catalogue, key: &SecretKey) -> anyhow::Result<DemoParties> {
    let gz = tenants::create_seller(
        db,
        NewSeller {
            name: "广州骑乐电器商行".into(),
            credit_code: credit(GZ_CREDIT_BODY)?,
            division_code: division("440104")?,
            seller_type: SellerType::Online,
            email: Some("qile@example.cn".into()),
        },
    )
    .await?;
    let hz = tenants::create_seller(
        db,
        NewSeller {
            name: "杭州西湖线缆经销部".into(),
            credit_code: credit(HZ_CREDIT_BODY)?,
            division_code: division("330106")?,
            seller_type: SellerType::Distributor,
            email: Some("xihu-cable@example.cn".into()),
        },
    )
    .await?;
    let sh = tenants::create_seller(
        db,
        NewSeller {
            name: "上海浦东燃气具专卖店".into(),
            credit_code: credit(SH_CREDIT_BODY)?,
            division_code: division("310115")?,
            seller_type: SellerType::SpecialtyStore,
            email: Some("pudong-gas@example.cn".into()),
        },
    )
    .await?;
    let op = tenants::create_operator(
        db,
        OPERATOR_NAME.into(),
        "shopify".into(),
        Some("ops@demo-mall.example".into()),
    )
    .await?;
    let jurisdiction = Jurisdiction::parse("44").map_err(|e| anyhow::anyhow!("{e}"))?;
    let sup = tenants::create_supervisor(
        db,
        SUPERVISOR_NAME.into(),
        Some("gd-samr@example.cn".into()),
        &jurisdiction,
    )
    .await?;

    // Codes (GS1 prefix 952: reserved for examples).
    let ebike = gtin("952000100001")?;
    let battery = gtin("952000100002")?;
    let charger = gtin("952000100003")?;
    let helmet = gtin("952000200001")?;
    let cable = gtin("952000300001")?;
    let stove = gtin("952000400001")?;

    // The Guangzhou store's Shopify connection and listings.
    let now = Utc::now();
    let mut raw_secret = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw_secret);
    let shop = suyuan_store::shops::create(
        db,
        key,
        &gz.id,
        suyuan_store::shops::NewShop {
            platform: "shopify".into(),
            name: "骑乐官方店".into(),
            shop: "qile-demo.myshopify.com".into(),
            secret: hex::encode(raw_secret),
            app_key: None,
        },
    )
    .await?;
    // The demo's own shop: its domain counts as proven, so its listings are product pages.
    suyuan_store::shops::mark_domain_proven(db, &shop.id, "qile-demo.myshopify.com", "demo", now)
        .await?;
    let store_id = shop.id;
    let listings = [
        (
            "8840001000101",
            "雅迪 新国标电动自行车 48V 24Ah 冠能",
            Some(&ebike),
            vec!["电动自行车"],
        ),
        (
            "8840001000102",
            "3C认证 电动车头盔 男女通用 四季",
            Some(&helmet),
            vec!["头盔"],
        ),
        (
            "8840001000103",
            "BV2.5平方 国标铜芯电线 100米",
            Some(&cable),
            vec!["电线电缆"],
        ),
        (
            "8840001000104",
            "电动车充电器 48V 通用款",
            None,
            vec!["电动车配件"],
        ),
        // A title in the trade's word (瓦斯炉: a gas stove) that only the title model reads: its
        // category waits for the seller to confirm it.
        ("8840001000105", "瓦斯炉 卡式 户外 便携", None, vec![]),
    ];
    for (external_id, title, barcode, tags) in listings {
        let facts = ListingFacts {
            title: title.to_owned(),
            product_type: None,
            categories: vec![],
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            vendor: None,
            barcodes: barcode
                .map(|g| vec![g.as_str().to_owned()])
                .unwrap_or_default(),
        };
        let reading = catalogue.read(&facts);
        let class = reading.classification.clone();
        let trace_code = barcode.map(|g| format!("https://id.gs1.org/01/{}", g.to_gtin14()));
        suyuan_store::listings::insert_row(
            db,
            listing::Model {
            id: ListingId::generate().to_string(),
            seller_id: gz.id.to_string(),
            store_id: Some(store_id.clone()),
            platform: "shopify".into(),
            external_id: external_id.into(),
            title: title.into(),
            url: Some(format!("https://qile-demo.myshopify.com/products/{external_id}")),
            status: "active".into(),
            variants: json!([{ "sku": format!("QL-{external_id}"), "barcode": barcode.map(|g| g.as_str().to_owned()) }]).to_string(),
            category_id: class.as_ref().map(|c| c.category.to_string()),
            classification_rule: class.as_ref().map(|c| c.rule.describe_zh()),
            classification_confidence: class.as_ref().map(|c| f64::from(c.confidence)),
            classification_part: class.as_ref().and_then(|c| c.part.clone()),
            category_overridden: false,
            classification_needs_confirmation: reading.needs_confirmation,
            needs_code: class.is_some() && trace_code.is_none(),
            trace_code,
            external_updated_at: Some(now),
            created_at: now,
            updated_at: now,
            },
        )
        .await?;
    }

    let cst = suyuan_core::china_time::CHINA;
    let at = |days: i64, hours: i64| -> DateTime<FixedOffset> {
        (now - Duration::days(days) + Duration::hours(hours)).with_timezone(&cst)
    };
    let recorded = |t: DateTime<FixedOffset>, hours: i64| -> DateTime<Utc> {
        t.with_timezone(&Utc) + Duration::hours(hours)
    };
    let cat = |id: &str| -> anyhow::Result<CategoryId> {
        CategoryId::parse(id).map_err(|e| anyhow::anyhow!("{e}"))
    };
    let deadline = |category: &CategoryId, region: &DivisionCode, t: DateTime<FixedOffset>| {
        t.with_timezone(&Utc) + catalogue.deadline_for(category, region.as_str())
    };
    let loc = |s: &SellerId| format!("urn:suyuan:loc:{s}");

    // --- Guangzhou store: e-bikes with battery and charger, helmets.
    let gz_div = gz.division_code.clone();
    let ebike_cat = cat("ebike")?;
    let t = at(10, 0);
    let bikes: Vec<TraceCode> = (1..=3)
        .map(|i| unit(&ebike, &format!("YD2025{i:06}")))
        .collect::<Result<_, _>>()?;
    let batteries: Vec<TraceCode> = (1..=3)
        .map(|i| unit(&battery, &format!("BT2025{i:06}")))
        .collect::<Result<_, _>>()?;
    let chargers: Vec<TraceCode> = (1..=3)
        .map(|i| unit(&charger, &format!("CH2025{i:06}")))
        .collect::<Result<_, _>>()?;
    let all_units: Vec<&TraceCode> = bikes.iter().chain(&batteries).chain(&chargers).collect();
    let producer_ebike = credit(PRODUCER_EBIKE)?;
    let receipt = TraceEvent::object(Action::Observe, t, recorded(t, 2))
        .epcs(all_units.iter().map(|c| c.to_epc_uri()))
        .biz_step(BizStep::Receiving)
        .disposition(Disposition::InProgress)
        .read_point(loc(&gz.id))
        .biz_location(loc(&gz.id))
        .biz_transaction(
            BizTransactionType::Desadv,
            "urn:suyuan:desadv:FH-20251115-001",
        )
        .source(SourceDestType::OwningParty, party(&producer_ebike))
        .destination(SourceDestType::OwningParty, party(&gz.credit_code))
        .extension(ext::SELLER, gz.id.to_string())
        .extension(ext::CATEGORY, "ebike")
        .extension(ext::REGION, gz_div.to_string())
        .extension(ext::SUPPLIER_NAME, "雅迪科技集团有限公司")
        .extension(ext::PRODUCER, "雅迪科技集团有限公司")
        .extension(ext::PRODUCT_NAME, "电动自行车")
        .extension(ext::MODEL, "TDT-2301Z")
        .extension(ext::CERTIFICATE, "2023011119000001")
        .extension(ext::CERTIFICATE_CHECK, "valid")
        .extension(ext::INSPECTION_RESULT, "accepted")
        .extension(ext::INSPECTOR, "王质检")
        .build()?;
    record(
        db,
        &gz.id,
        &receipt,
        RecordKind::Receipt,
        Some(&ebike_cat),
        Some(gz_div.clone()),
        None,
        None,
        Some(deadline(&ebike_cat, &gz_div, t)),
        all_units.iter().map(|c| epc(c)).collect(),
    )
    .await?;
    for i in 0..3 {
        let t = at(10, 1);
        let agg = TraceEvent::aggregation(Action::Add, t, recorded(t, 1))
            .parent_id(bikes[i].to_epc_uri())
            .child_epcs([batteries[i].to_epc_uri(), chargers[i].to_epc_uri()])
            .biz_step(BizStep::Packing)
            .read_point(loc(&gz.id))
            .extension(ext::SELLER, gz.id.to_string())
            .extension(ext::CATEGORY, "ebike")
            .build()?;
        let codes = vec![
            CodeEntry {
                role: CodeRole::Parent,
                code: bikes[i].clone(),
                quantity: None,
                uom: None,
            },
            CodeEntry {
                role: CodeRole::Child,
                code: batteries[i].clone(),
                quantity: None,
                uom: None,
            },
            CodeEntry {
                role: CodeRole::Child,
                code: chargers[i].clone(),
                quantity: None,
                uom: None,
            },
        ];
        record(
            db,
            &gz.id,
            &agg,
            RecordKind::Aggregation,
            Some(&ebike_cat),
            Some(gz_div.clone()),
            None,
            None,
            None,
            codes,
        )
        .await?;
    }
    let helmet_cat = cat("safety_helmet")?;
    let helmet_lot = batch(&helmet, "H2511A")?;
    let t = at(9, 3);
    let producer_helmet = credit(PRODUCER_HELMET)?;
    let helmet_receipt = TraceEvent::object(Action::Observe, t, recorded(t, 5))
        .quantity(
            helmet_lot.to_class_uri().unwrap_or_default(),
            50.0,
            Some(uom::PIECE),
        )
        .biz_step(BizStep::Receiving)
        .disposition(Disposition::InProgress)
        .read_point(loc(&gz.id))
        .biz_transaction(BizTransactionType::Inv, "urn:suyuan:inv:44001234")
        .source(SourceDestType::OwningParty, party(&producer_helmet))
        .destination(SourceDestType::OwningParty, party(&gz.credit_code))
        .extension(ext::SELLER, gz.id.to_string())
        .extension(ext::CATEGORY, "safety_helmet")
        .extension(ext::REGION, gz_div.to_string())
        .extension(ext::SUPPLIER_NAME, "永康安骑头盔有限公司")
        .extension(ext::PRODUCER, "永康安骑头盔有限公司")
        .extension(ext::PRODUCT_NAME, "电动自行车乘员头盔")
        .extension(ext::MODEL, "AQ-618")
        .extension(ext::CERTIFICATE, "2023011118000123")
        .extension(ext::CERTIFICATE_CHECK, "valid")
        .extension(ext::INSPECTION_RESULT, "accepted")
        .extension(ext::INSPECTOR, "王质检")
        .build()?;
    record(
        db,
        &gz.id,
        &helmet_receipt,
        RecordKind::Receipt,
        Some(&helmet_cat),
        Some(gz_div.clone()),
        None,
        None,
        Some(deadline(&helmet_cat, &gz_div, t)),
        vec![qty(&helmet_lot, 50.0, uom::PIECE)],
    )
    .await?;

    // Online sales from the Shopify store: an e-bike to Tianhe (Guangzhou), two helmets to Nanshan (Shenzhen).
    let sales = [
        (
            5,
            "440106",
            "#1001",
            "8840001000101",
            vec![epc(&bikes[0]), epc(&batteries[0]), epc(&chargers[0])],
            &ebike_cat,
        ),
        (
            4,
            "440305",
            "#1002",
            "8840001000102",
            vec![qty(&helmet_lot, 2.0, uom::PIECE)],
            &helmet_cat,
        ),
    ];
    for (days, region, order, listing_id, codes, category) in sales {
        let t = at(days, 0);
        let region = division(region)?;
        let mut b: TraceEventBuilder = TraceEvent::object(Action::Observe, t, recorded(t, 0));
        for c in &codes {
            b = match c.role {
                CodeRole::Quantity => b.quantity(
                    c.code.to_class_uri().unwrap_or_default(),
                    c.quantity.unwrap_or(1.0),
                    c.uom.as_deref(),
                ),
                _ => b.epc(c.code.to_epc_uri()),
            };
        }
        let sale = b
            .biz_step(BizStep::RetailSelling)
            .disposition(Disposition::RetailSold)
            .read_point(loc(&gz.id))
            .biz_transaction(
                BizTransactionType::Po,
                format!("urn:suyuan:order:shopify:{}", order.trim_start_matches('#')),
            )
            .source(SourceDestType::OwningParty, party(&gz.credit_code))
            .extension(ext::SELLER, gz.id.to_string())
            .extension(ext::CATEGORY, category.to_string())
            .extension(ext::REGION, region.to_string())
            .extension(ext::BUYER_TYPE, "consumer")
            .extension(ext::ORDER_ID, order)
            .extension(
                ext::LISTING_URL,
                format!("https://qile-demo.myshopify.com/products/{listing_id}"),
            )
            .build()?;
        record(
            db,
            &gz.id,
            &sale,
            RecordKind::Sale,
            Some(category),
            Some(region.clone()),
            Some("consumer"),
            None,
            Some(deadline(category, &region, t)),
            codes,
        )
        .await?;
    }

    // --- Hangzhou distributor: cable reels in, two reels shipped to the Guangzhou store (B2B).
    let hz_div = hz.division_code.clone();
    let cable_cat = cat("wire_cable")?;
    let reels: Vec<TraceCode> = (1..=5)
        .map(|i| unit(&cable, &format!("R2511{i:04}")))
        .collect::<Result<_, _>>()?;
    let t = at(12, 0);
    let producer_cable = credit(PRODUCER_CABLE)?;
    let cable_receipt = TraceEvent::object(Action::Observe, t, recorded(t, 6))
        .epcs(reels.iter().map(TraceCode::to_epc_uri))
        .biz_step(BizStep::Receiving)
        .disposition(Disposition::InProgress)
        .read_point(loc(&hz.id))
        .biz_transaction(BizTransactionType::Desadv, "urn:suyuan:desadv:XL-2511-0086")
        .source(SourceDestType::OwningParty, party(&producer_cable))
        .destination(SourceDestType::OwningParty, party(&hz.credit_code))
        .extension(ext::SELLER, hz.id.to_string())
        .extension(ext::CATEGORY, "wire_cable")
        .extension(ext::REGION, hz_div.to_string())
        .extension(ext::SUPPLIER_NAME, "杭州中策线缆有限公司")
        .extension(ext::PRODUCER, "杭州中策线缆有限公司")
        .extension(ext::PRODUCT_NAME, "聚氯乙烯绝缘电线 BV 2.5mm² 每盘100米")
        .extension(ext::MODEL, "BV 2.5")
        .extension(ext::CERTIFICATE, "2023010105000456")
        .extension(ext::CERTIFICATE_CHECK, "valid")
        .extension(ext::INSPECTION_RESULT, "accepted")
        .extension(ext::INSPECTOR, "李仓管")
        .build()?;
    record(
        db,
        &hz.id,
        &cable_receipt,
        RecordKind::Receipt,
        Some(&cable_cat),
        Some(hz_div.clone()),
        None,
        None,
        Some(deadline(&cable_cat, &hz_div, t)),
        reels.iter().map(epc).collect(),
    )
    .await?;
    let t = at(6, 0);
    let shipment = TraceEvent::object(Action::Observe, t, recorded(t, 1))
        .epcs(reels[..2].iter().map(TraceCode::to_epc_uri))
        .biz_step(BizStep::Shipping)
        .disposition(Disposition::InTransit)
        .read_point(loc(&hz.id))
        .biz_transaction(BizTransactionType::Desadv, "urn:suyuan:desadv:HZ-B2B-0001")
        .source(SourceDestType::OwningParty, party(&hz.credit_code))
        .destination(SourceDestType::OwningParty, party(&gz.credit_code))
        .extension(ext::SELLER, hz.id.to_string())
        .extension(ext::CATEGORY, "wire_cable")
        .extension(ext::REGION, gz_div.to_string())
        .extension(ext::BUYER_TYPE, "distributor")
        .extension(ext::BUYER_NAME, gz.name.clone())
        .extension(ext::SHIPPING_METHOD, "courier")
        .extension(ext::TRACKING_NUMBER, "SF1234567890123")
        .build()?;
    let shipment_stored = record(
        db,
        &hz.id,
        &shipment,
        RecordKind::Shipment,
        Some(&cable_cat),
        Some(gz_div.clone()),
        Some("distributor"),
        None,
        Some(deadline(&cable_cat, &hz_div, t)),
        reels[..2].iter().map(epc).collect(),
    )
    .await?;
    // The Guangzhou store claims the two reels (its receipt made from the transfer), then sells
    // one to a consumer in Guangzhou: a recall of the cable GTIN reaches tier 2.
    let created = {
        let txn = ledger::begin_for_seller(db, &hz.id).await?;
        let items: Vec<suyuan_store::transfers::TransferItem> = reels[..2]
            .iter()
            .map(|c| suyuan_store::transfers::TransferItem {
                code: c.to_string(),
                quantity: None,
                uom: None,
            })
            .collect();
        let terms = suyuan_core::sale::TransferTerms::default();
        let created = suyuan_store::transfers::create(
            &txn,
            suyuan_store::transfers::NewTransfer {
                from: &hz.id,
                sale_event_id: &shipment_stored.id.to_string(),
                category: &cable_cat,
                buyer_kind: "distributor",
                buyer_name: &gz.name,
                buyer_credit_code: &gz.credit_code,
                voucher_number: Some("HZ-B2B-0001"),
                shipping_method: Some("courier"),
                tracking_number: Some("SF1234567890123"),
                sold_at: t,
                items,
                terms: &terms,
            },
        )
        .await?;
        txn.commit().await?;
        created
    };
    suyuan_store::transfers::claim(
        db,
        catalogue,
        &gz.id,
        &created.token,
        suyuan_core::transfer::ClaimInput {
            received_at: Some(at(5, 0)),
            certificate_result: Some("valid".into()),
            inspection: Some(suyuan_core::receipt::InspectionResult::Accepted),
            inspector: Some("王店长".into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo claim: {e}"))?;
    let t = at(4, 0);
    let consumer_region = division("440106")?;
    let reel_sale = TraceEvent::object(Action::Observe, t, recorded(t, 2))
        .epc(reels[0].to_epc_uri())
        .biz_step(BizStep::RetailSelling)
        .disposition(Disposition::RetailSold)
        .read_point(loc(&gz.id))
        .source(SourceDestType::OwningParty, party(&gz.credit_code))
        .extension(ext::SELLER, gz.id.to_string())
        .extension(ext::CATEGORY, "wire_cable")
        .extension(ext::REGION, consumer_region.to_string())
        .extension(ext::BUYER_TYPE, "consumer")
        .extension(ext::SHIPPING_METHOD, "pickup")
        .build()?;
    record(
        db,
        &gz.id,
        &reel_sale,
        RecordKind::Sale,
        Some(&cable_cat),
        Some(consumer_region.clone()),
        Some("consumer"),
        None,
        Some(deadline(&cable_cat, &gz_div, t)),
        vec![epc(&reels[0])],
    )
    .await?;

    // --- Shanghai gas-appliance store: stoves in, one sold, its region corrected.
    let sh_div = sh.division_code.clone();
    let gas_cat = cat("gas_appliance")?;
    let stove_lot = batch(&stove, "GS2511")?;
    let t = at(8, 0);
    let producer_gas = credit(PRODUCER_GAS)?;
    let stove_receipt = TraceEvent::object(Action::Observe, t, recorded(t, 3))
        .quantity(
            stove_lot.to_class_uri().unwrap_or_default(),
            10.0,
            Some(uom::PIECE),
        )
        .biz_step(BizStep::Receiving)
        .disposition(Disposition::InProgress)
        .read_point(loc(&sh.id))
        .biz_transaction(BizTransactionType::Desadv, "urn:suyuan:desadv:HT-2511-0032")
        .source(SourceDestType::OwningParty, party(&producer_gas))
        .destination(SourceDestType::OwningParty, party(&sh.credit_code))
        .extension(ext::SELLER, sh.id.to_string())
        .extension(ext::CATEGORY, "gas_appliance")
        .extension(ext::REGION, sh_div.to_string())
        .extension(ext::SUPPLIER_NAME, "佛山华帝燃具有限公司")
        .extension(ext::PRODUCER, "佛山华帝燃具有限公司")
        .extension(ext::PRODUCT_NAME, "家用燃气灶（天然气）")
        .extension(ext::MODEL, "JZT-i10052B")
        .extension(ext::CERTIFICATE, "2023011006000789")
        .extension(ext::CERTIFICATE_CHECK, "valid")
        .extension(ext::INSPECTION_RESULT, "accepted")
        .extension(ext::INSPECTOR, "陈店长")
        .build()?;
    record(
        db,
        &sh.id,
        &stove_receipt,
        RecordKind::Receipt,
        Some(&gas_cat),
        Some(sh_div.clone()),
        None,
        None,
        Some(deadline(&gas_cat, &sh_div, t)),
        vec![qty(&stove_lot, 10.0, uom::PIECE)],
    )
    .await?;
    let t = at(3, 0);
    let wrong_region = division("310104")?;
    let sale = TraceEvent::object(Action::Observe, t, recorded(t, 2))
        .quantity(
            stove_lot.to_class_uri().unwrap_or_default(),
            1.0,
            Some(uom::PIECE),
        )
        .biz_step(BizStep::RetailSelling)
        .disposition(Disposition::RetailSold)
        .read_point(loc(&sh.id))
        .source(SourceDestType::OwningParty, party(&sh.credit_code))
        .extension(ext::SELLER, sh.id.to_string())
        .extension(ext::CATEGORY, "gas_appliance")
        .extension(ext::REGION, wrong_region.to_string())
        .extension(ext::BUYER_TYPE, "consumer")
        .build()?;
    let stored_sale = record(
        db,
        &sh.id,
        &sale,
        RecordKind::Sale,
        Some(&gas_cat),
        Some(wrong_region),
        Some("consumer"),
        None,
        Some(deadline(&gas_cat, &sh_div, t)),
        vec![qty(&stove_lot, 1.0, uom::PIECE)],
    )
    .await?;
    let right_region = division("310112")?;
    let corrected = sale
        .to_builder()
        .extension(ext::REGION, right_region.to_string())
        .record_time(now - Duration::days(2))
        .build()?;
    let correction = TraceEvent::correction_of(
        &sale,
        ErrorReason::IncorrectData,
        Some(corrected),
        now - Duration::days(2),
    )?;
    let corrects = Some(stored_sale.id.clone());
    record(
        db,
        &sh.id,
        &correction.declaration,
        RecordKind::Correction,
        Some(&gas_cat),
        None,
        None,
        corrects.clone(),
        None,
        vec![qty(&stove_lot, 1.0, uom::PIECE)],
    )
    .await?;
    if let Some(corrective) = &correction.corrective {
        record(
            db,
            &sh.id,
            corrective,
            RecordKind::Sale,
            Some(&gas_cat),
            Some(right_region.clone()),
            Some("consumer"),
            corrects,
            Some(deadline(&gas_cat, &sh_div, t)),
            vec![qty(&stove_lot, 1.0, uom::PIECE)],
        )
        .await?;
    }

    Ok(DemoParties {
        seller_gz: gz.id,
        seller_hz: hz.id,
        seller_sh: sh.id,
        operator_id: op.id,
        supervisor_id: sup.id,
        jurisdiction: sup.jurisdiction,
        created: true,
    })
}

fn epc(code: &TraceCode) -> CodeEntry {
    CodeEntry {
        role: CodeRole::Epc,
        code: code.clone(),
        quantity: None,
        uom: None,
    }
}

fn qty(code: &TraceCode, quantity: f64, unit: &str) -> CodeEntry {
    CodeEntry {
        role: CodeRole::Quantity,
        code: code.clone(),
        quantity: Some(quantity),
        uom: Some(unit.to_owned()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn record(
    db: &Db,
    seller: &SellerId,
    event: &TraceEvent,
    kind: RecordKind,
    category: Option<&CategoryId>,
    region: Option<DivisionCode>,
    buyer_type: Option<&str>,
    corrects: Option<suyuan_core::ids::EventId>,
    deadline_at: Option<DateTime<Utc>>,
    codes: Vec<CodeEntry>,
) -> anyhow::Result<ledger::StoredEvent> {
    let meta = RecordMeta {
        kind,
        category: category.map(|c| c.to_string()),
        region,
        buyer_type: buyer_type.map(str::to_owned),
        corrects,
        deadline_at,
        missing_elements: vec![],
        catalogue_version: None,
        codes,
    };
    Ok(ledger::append_one(db, seller, event, meta).await?)
}

/// Prints where to go and which tokens to use.
pub fn print_banner(
    config: &crate::config::Config,
    parties: &DemoParties,
    tokens: &suyuan_web::auth::Tokens,
) -> anyhow::Result<()> {
    let ttl = std::time::Duration::from_secs(30 * 24 * 3600);
    let seller = tokens.mint(Role::Seller, parties.seller_gz.as_str(), None, ttl)?;
    let operator = tokens.mint(Role::Operator, &parties.operator_id, None, ttl)?;
    let supervisor = tokens.mint(
        Role::Supervisor,
        &parties.supervisor_id,
        Some(&parties.jurisdiction),
        ttl,
    )?;
    let admin = tokens.mint(Role::Admin, AdminId::generate().as_str(), None, ttl)?;
    let url = &config.public_url;
    println!();
    println!(
        "  溯源 Suyuan demo {}",
        if parties.created {
            "(demo data created)"
        } else {
            "(demo data already present)"
        }
    );
    println!();
    println!("  Open / 打开:");
    println!("    {url}/healthz                 service health / 服务状态");
    println!("    {url}/api/v1/openapi.json     API description / 接口说明");
    println!("    {url}/api/v1/catalogue        catalogue / 重点工业产品目录");
    println!("    {url}/api/v1/me               who am I (needs a token) / 当前身份");
    println!("    {url}/api/v1/events/epcis     trace events as EPCIS 2.0 / 追溯事件导出");
    println!();
    println!("  Tokens (valid 30 days) / 令牌（30 天有效）:");
    println!(
        "    seller 销售者 (广州骑乐电器商行 {}):",
        parties.seller_gz
    );
    println!("      export SELLER_TOKEN={seller}");
    println!("    operator 平台运营方 ({}):", parties.operator_id);
    println!("      export OPERATOR_TOKEN={operator}");
    println!(
        "    supervisor 监管人员 (jurisdiction 辖区 {}):",
        parties.jurisdiction
    );
    println!("      export SUPERVISOR_TOKEN={supervisor}");
    println!("    admin 管理员:");
    println!("      export ADMIN_TOKEN={admin}");
    println!();
    println!("  Try / 试试:");
    println!("    curl -H \"Authorization: Bearer $SELLER_TOKEN\" {url}/api/v1/me");
    println!("    curl -H \"Authorization: Bearer $SUPERVISOR_TOKEN\" {url}/api/v1/sellers");
    println!();
    Ok(())
}
