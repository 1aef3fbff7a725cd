fn main() {
    std::process::exit(itam_cli::command::main());
}
