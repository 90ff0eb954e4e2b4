//! Writes every badge (each status and size, SVG and PNG) and the iframe page into a folder, to
//! look at them: `cargo run -p suyuan-widgets --example render_badges -- /tmp/badges`.

use std::path::PathBuf;

use chrono::NaiveDate;
use suyuan_widgets::{
    Badge, BadgeSize, TraceStatus, embed_iframe_html, qr_png, render_png, render_png_scaled,
    render_svg,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "badges".to_owned()),
    );
    std::fs::create_dir_all(&out)?;
    let url = "https://trace.example.cn/01/09520001000010/21/YD2025000001";
    let updated = NaiveDate::from_ymd_opt(2026, 11, 25).ok_or("bad date")?;
    for status in TraceStatus::ALL {
        for size in BadgeSize::ALL {
            let badge = Badge::new(url, status, "杭州示例电器专营店", updated)
                .with_size(size)
                .with_product_name("雅迪 电动自行车 TDT1234Z 48V");
            let stem = format!("{}-{}", status.as_str(), size.code());
            std::fs::write(out.join(format!("{stem}.svg")), render_svg(&badge)?)?;
            std::fs::write(out.join(format!("{stem}.png")), render_png(&badge)?)?;
        }
    }
    let long = Badge::new(
        url,
        TraceStatus::Recalled,
        "深圳市示例电子科技有限公司天猫官方旗舰店华南区域第一分销中心 <script>alert(1)</script>",
        updated,
    );
    std::fs::write(out.join("long-name-m.png"), render_png(&long)?)?;
    std::fs::write(out.join("long-name-m@2x.png"), render_png_scaled(&long, 2)?)?;
    let odd = Badge::new(
        url,
        TraceStatus::Incomplete,
        "𠀋龘 🛵 متجر Ünïcødé 店",
        updated,
    )
    .with_size(BadgeSize::Small);
    std::fs::write(out.join("odd-name-s.png"), render_png(&odd)?)?;
    std::fs::write(
        out.join("embed.html"),
        embed_iframe_html(&long, "https://trace.example.cn/l/lst_01")?,
    )?;
    std::fs::write(out.join("qr.png"), qr_png(url, 4)?)?;
    println!("wrote badges to {}", out.display());
    Ok(())
}
