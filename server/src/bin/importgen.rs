//! `suyuan-importgen`: writes a receipts CSV for the import benchmark and, with
//! `--create-seller`, registers a seller in the configured database (migrating it first) and
//! prints its id.
//!
//! ```sh
//! export SUYUAN_DATABASE_URL="sqlite:///tmp/bench.db?mode=rwc"
//! SELLER=$(suyuan-importgen --rows 100000 --out /tmp/receipts.csv --create-seller)
//! suyuan import receipts /tmp/receipts.csv --seller "$SELLER"
//! ```

use clap::Parser;
use sea_orm_migration::MigratorTrait as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes a receipts CSV (Chinese headers, e-bikes by unit code and plywood by batch).
#[derive(Debug, Parser)]
#[command(name = "suyuan-importgen", version, about)]
struct Args {
    /// Data rows to write.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Where to write the CSV.
    #[arg(long)]
    out: PathBuf,
    /// Serial prefix of the e-bike codes (change it to import a second file without repeats).
    #[arg(long, default_value = "S")]
    serial_prefix: String,
    /// Also register a seller in SUYUAN_DATABASE_URL and print its id.
    #[arg(long)]
    create_seller: bool,
    /// The database (for --create-seller).
    #[arg(long, env = "SUYUAN_DATABASE_URL")]
    database_url: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let csv = suyuan_plugin_api::import::sample_receipts_csv(args.rows, &args.serial_prefix);
    if let Err(e) = std::fs::write(&args.out, csv) {
        eprintln!("writing {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("wrote {} receipt rows to {}", args.rows, args.out.display());
    if !args.create_seller {
        return ExitCode::SUCCESS;
    }
    let Some(url) = args.database_url else {
        eprintln!("--create-seller needs SUYUAN_DATABASE_URL");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(create_seller(&url)) {
        Ok(id) => {
            println!("{id}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn create_seller(url: &str) -> anyhow::Result<String> {
    use suyuan_core::credit_code::CreditCode;
    use suyuan_core::division::DivisionCode;
    use suyuan_store::tenants::{NewSeller, create_seller};
    let db = suyuan_store::connect(url).await?;
    suyuan_migrations::Migrator::up(&db, None).await?;
    // A fresh credit code each run, so one database can hold several bench sellers.
    let body: String = ulid::Ulid::new()
        .to_string()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .chain(std::iter::repeat('1'))
        .take(8)
        .collect();
    let credit = CreditCode::with_check_character(&format!("914403007{body}"))
        .map_err(|e| anyhow::anyhow!("credit code: {e}"))?;
    let seller = create_seller(
        &db,
        NewSeller {
            name: "基准测试销售者".into(),
            credit_code: credit,
            division_code: DivisionCode::parse("440104")
                .map_err(|e| anyhow::anyhow!("division code: {e}"))?,
            seller_type: "offline".parse().map_err(|e| anyhow::anyhow!("{e}"))?,
            email: None,
        },
    )
    .await?;
    Ok(seller.id.to_string())
}
