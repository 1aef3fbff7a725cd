//! A valid WASI component that is not a collector: a `wasi:cli/command` exporting
//! `wasi:cli/run` and nothing of `itam:collector`.

fn main() {
    println!("not a collector");
}
