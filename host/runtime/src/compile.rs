//! Compiling a component within bounds.
//!
//! Cranelift's time and memory grow with a function's size, the number of functions and the
//! depth of nested blocks, and a compilation cannot be interrupted from inside the process.
//! So a component is first measured against [`Complexity`] caps (a cheap, linear pass over its
//! code), then compiled either in this process or, when the embedder provides a compiler
//! program (the `itam` binary does), in a child process that a deadline can kill and whose
//! address space is capped.

use anyhow::{Context, Result, anyhow, bail};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wasmtime::Engine;
use wasmtime::wasmparser::{Operator, Parser, Payload};

/// The context of a compiler's refusal.
const INVALID: &str = "the plugin is not a valid WebAssembly component";

/// What a component may contain before the host agrees to compile it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Complexity {
    /// Most functions across all core modules.
    pub max_functions: usize,
    /// Most code across all functions, in bytes.
    pub max_code_bytes: usize,
    /// Largest function body, in bytes.
    pub max_function_bytes: usize,
    /// Deepest nesting of blocks, loops and ifs in one function.
    pub max_nesting: usize,
}

impl Default for Complexity {
    /// Twenty times and more what a large plugin needs (the m365 plugin: 1,386 functions,
    /// 689 KiB of code, the largest function 12 KiB, blocks nested 94 deep).
    fn default() -> Complexity {
        Complexity {
            max_functions: 50_000,
            max_code_bytes: 32 << 20,
            max_function_bytes: 1 << 20,
            max_nesting: 2_000,
        }
    }
}

/// How a compilation is bounded in time and memory.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileLimits {
    /// What is accepted for compilation.
    pub complexity: Complexity,
    /// Wall-clock limit of one compilation (enforced when compiling in a child process).
    pub timeout: Duration,
    /// Address-space limit of the compiling child process, in bytes.
    pub memory_bytes: u64,
}

impl Default for CompileLimits {
    fn default() -> CompileLimits {
        CompileLimits {
            complexity: Complexity::default(),
            timeout: Duration::from_secs(120),
            memory_bytes: 2 << 30,
        }
    }
}

/// Where components are compiled.
#[derive(Clone, Debug, Default)]
pub enum Compiler {
    /// In this process: bounded by [`Complexity`] only.
    #[default]
    InProcess,
    /// In a child process, `program args…`, which reads the component on stdin and writes the
    /// compiled artifact on stdout (see [`serve_child`]); killed at the deadline.
    Child {
        /// The program, usually the host's own executable.
        program: PathBuf,
        /// Its arguments.
        args: Vec<OsString>,
    },
}

/// Measures `wasm` against `caps`; the error names the limit that was passed.
pub fn check(wasm: &[u8], caps: &Complexity) -> Result<()> {
    let (mut functions, mut code) = (0usize, 0usize);
    for payload in Parser::new(0).parse_all(wasm) {
        // What does not parse is left to the compiler, whose error says what is wrong.
        let Ok(payload) = payload else { return Ok(()) };
        let Payload::CodeSectionEntry(body) = payload else {
            continue;
        };
        functions += 1;
        if functions > caps.max_functions {
            bail!(
                "the plugin has more than {} functions, more than the host compiles",
                caps.max_functions
            );
        }
        let size = body.range().len();
        code += size;
        if code > caps.max_code_bytes {
            bail!(
                "the plugin has more than {} KiB of code, more than the host compiles",
                caps.max_code_bytes >> 10
            );
        }
        if size > caps.max_function_bytes {
            bail!(
                "the plugin has a function of {} KiB, larger than the {} KiB the host compiles",
                size >> 10,
                caps.max_function_bytes >> 10
            );
        }
        let mut depth = 0usize;
        let Ok(mut reader) = body.get_operators_reader() else {
            return Ok(());
        };
        while !reader.eof() {
            let Ok(operator) = reader.read() else {
                return Ok(());
            };
            match operator {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. } => {
                    depth += 1;
                    if depth > caps.max_nesting {
                        bail!(
                            "the plugin nests blocks more than {} deep, deeper than the host compiles",
                            caps.max_nesting
                        );
                    }
                }
                Operator::End => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Compiles `wasm` into an artifact `engine` can deserialize, within `limits`.
pub fn compile(
    engine: &Engine,
    wasm: &[u8],
    compiler: &Compiler,
    limits: &CompileLimits,
) -> Result<Vec<u8>> {
    check(wasm, &limits.complexity)?;
    match compiler {
        Compiler::InProcess => engine
            .precompile_component(wasm)
            .map_err(anyhow::Error::from)
            .context(INVALID),
        Compiler::Child { program, args } => in_child(program, args, wasm, limits),
    }
}

fn in_child(
    program: &PathBuf,
    args: &[OsString],
    wasm: &[u8],
    limits: &CompileLimits,
) -> Result<Vec<u8>> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let bytes = limits.memory_bytes;
        // SAFETY: setrlimit is async-signal-safe and touches nothing but this child.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting the plugin compiler {}", program.display()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = wasm.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = (&mut stderr).take(4096).read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limits.timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "compiling the plugin took longer than {} s and was stopped (runtime.compile_timeout)",
                limits.timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let artifact = reader
        .join()
        .map_err(|_| anyhow!("reading the compiled plugin failed"))??;
    let said = said.join().unwrap_or_default();
    if !status.success() {
        let said = said.trim();
        if said.contains("memory allocation") || said.contains("out of memory") || said.is_empty() {
            bail!(
                "compiling the plugin needed more than {} MiB and was stopped (runtime.compile_memory_mb)",
                limits.memory_bytes >> 20
            );
        }
        bail!("{INVALID}: {said}");
    }
    Ok(artifact)
}

/// The child's side of [`Compiler::Child`]: reads a component on stdin, writes the artifact
/// of `engine` on stdout.
pub fn serve_child(engine: &Engine) -> Result<()> {
    let mut wasm = Vec::new();
    std::io::stdin().read_to_end(&mut wasm)?;
    match engine.precompile_component(&wasm) {
        Ok(compiled) => std::io::stdout().write_all(&compiled)?,
        // The parent shows this line after its own context.
        Err(e) => bail!("{:#}", anyhow::Error::from(e)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cap_is_named_when_passed() {
        let wasm = &std::fs::read(hostile_build::WELL_BEHAVED).unwrap();
        let e = check(
            wasm,
            &Complexity {
                max_functions: 10,
                ..Complexity::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("more than 10 functions"), "{e}");
        let e = check(
            wasm,
            &Complexity {
                max_code_bytes: 4096,
                ..Complexity::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("more than 4 KiB of code"), "{e}");
        let e = check(
            wasm,
            &Complexity {
                max_function_bytes: 1024,
                ..Complexity::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("larger than the 1 KiB"), "{e}");
        let e = check(
            wasm,
            &Complexity {
                max_nesting: 3,
                ..Complexity::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("more than 3 deep"), "{e}");
    }
}
