//! The `suyuan` binary.

fn main() -> std::process::ExitCode {
    suyuan_plugin_api::cli::main()
}
