//! The `suyuan` binary.

/// mimalloc rather than the system allocator: the service and the importer allocate from
/// several threads at once (parsing, building events, the database workers), where glibc's
/// arenas contend.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    suyuan_server::cli::main()
}
