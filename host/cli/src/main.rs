fn main() {
    std::process::exit(itam_cli::cli::main());
}
