fn main() {
    std::process::exit(itam_host::cli::main());
}
