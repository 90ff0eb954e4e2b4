//! Badge rendering speed: SVG and PNG at each size (target: an SVG badge under 1 ms on the
//! 2-core machine). Run: `cargo bench -p suyuan-widgets --bench badges`.

#![allow(missing_docs)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use suyuan_widgets::{Badge, BadgeSize, TraceStatus, qr_png, render_png, render_svg};

const URL: &str = "https://trace.example.cn/01/09520001000010/21/YD2025000001";

fn badge(size: BadgeSize) -> Badge {
    let updated = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
    Badge::new(
        URL,
        TraceStatus::Traced,
        "深圳市示例电子科技有限公司天猫官方旗舰店",
        updated,
    )
    .with_size(size)
    .with_product_name("雅迪 电动自行车 TDT1234Z 48V")
}

fn badges(c: &mut Criterion) {
    // Load the font database before timing.
    let _ = render_png(&badge(BadgeSize::Small));
    let mut svg = c.benchmark_group("svg");
    for size in BadgeSize::ALL {
        let b = badge(size);
        svg.bench_function(size.as_str(), |bench| {
            bench.iter(|| render_svg(black_box(&b)))
        });
    }
    svg.finish();
    let mut png = c.benchmark_group("png");
    png.sample_size(20);
    for size in BadgeSize::ALL {
        let b = badge(size);
        png.bench_function(size.as_str(), |bench| {
            bench.iter(|| render_png(black_box(&b)))
        });
    }
    png.finish();
    c.bench_function("qr_png/4px", |bench| {
        bench.iter(|| qr_png(black_box(URL), 4))
    });
}

criterion_group!(benches, badges);
criterion_main!(benches);
