//! The compiled-component cache, keyed by the wasm's SHA-256 and the engine's configuration.
//!
//! Deserializing compiled code is only safe for artifacts this host wrote, so each artifact is
//! stored with the SHA-256 of its own bytes and checked before loading.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The cache directory: `ITAM_CACHE_DIR`, else `$XDG_CACHE_HOME/itam`, else `~/.cache/itam`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ITAM_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("itam"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/itam"))
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn engine_key(engine: &Engine) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Whether only this user (or root) can have put files into `dir`: compiled code loaded from it
/// runs natively, so the directory must be owned by this user and not writable by others, and
/// no directory above it may let another user swap it out (a world-writable parent is fine only
/// with the sticky bit, as `/tmp` has).
fn private(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        // A directory not created yet is judged by the nearest one that exists above it.
        let existing = dir
            .ancestors()
            .find(|d| d.exists())
            .unwrap_or(Path::new("/"));
        let Ok(canonical) = existing.canonicalize() else {
            return false;
        };
        let own = !dir.exists()
            || std::fs::metadata(&canonical)
                .is_ok_and(|m| m.is_dir() && m.uid() == me && m.mode() & 0o022 == 0);
        let first_parent = usize::from(dir.exists());
        own && canonical.ancestors().skip(first_parent).all(|parent| {
            std::fs::metadata(parent).is_ok_and(|m| {
                (m.uid() == me || m.uid() == 0) && (m.mode() & 0o022 == 0 || m.mode() & 0o1000 != 0)
            })
        })
    }
    #[cfg(not(unix))]
    {
        dir.is_dir()
    }
}

/// Whether `file` was written by this user and cannot be rewritten by others.
fn owned_file(file: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        std::fs::symlink_metadata(file)
            .is_ok_and(|m| m.is_file() && m.uid() == me && m.mode() & 0o022 == 0)
    }
    #[cfg(not(unix))]
    {
        file.is_file()
    }
}

fn create_private(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Deserializes what `compile` produced for `engine`.
fn compiled(engine: &Engine, compile: impl FnOnce() -> Result<Vec<u8>>) -> Result<Component> {
    let bytes = compile()?;
    // SAFETY: `compile` produced the bytes just now with this engine's configuration.
    Ok(unsafe { Component::deserialize(engine, &bytes)? })
}

/// Loads `wasm` as a component, from the cache when a verified artifact exists, else from
/// what `compile` produces (and caches it).
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    dir: Option<&Path>,
    compile: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<Component> {
    let Some(dir) = dir else {
        return compiled(engine, compile);
    };
    if !private(dir) {
        tracing::warn!(dir = %dir.display(), "not using the component cache: other users can write to it or to a directory above it; use a directory of your own with mode 700");
        return compiled(engine, compile);
    }
    let key = format!("{}-{}", &sha256_hex(wasm)[..32], engine_key(engine));
    let artifact = dir.join(format!("{key}.cwasm"));
    let checksum = dir.join(format!("{key}.sha256"));
    let owned = owned_file(&artifact) && owned_file(&checksum);
    if let (true, Ok(bytes), Ok(expected)) = (
        owned,
        std::fs::read(&artifact),
        std::fs::read_to_string(&checksum),
    ) {
        if sha256_hex(&bytes) == expected.trim() {
            // SAFETY: the artifact was written by `precompile_component` of an engine with the
            // same configuration (the key) and its bytes match the checksum written with it.
            if let Ok(component) = unsafe { Component::deserialize(engine, &bytes) } {
                return Ok(component);
            }
        }
        tracing::warn!(path = %artifact.display(), "ignoring a damaged compiled-component cache entry");
    }
    let compiled = compile()?;
    // SAFETY: the bytes were produced just now for this engine's configuration.
    let component = unsafe { Component::deserialize(engine, &compiled)? };
    if let Err(e) = store(dir, &artifact, &checksum, &compiled) {
        tracing::warn!(error = %format!("{e:#}"), "could not write the compiled-component cache");
    }
    Ok(component)
}

fn store(dir: &Path, artifact: &Path, checksum: &Path, compiled: &[u8]) -> Result<()> {
    create_private(dir)?;
    // Write to temporary files and rename, so concurrent runs never see half an artifact.
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), compiled)?;
    tmp.persist(artifact)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), sha256_hex(compiled))?;
    tmp.persist(checksum)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_process<'a>(engine: &'a Engine, wasm: &'a [u8]) -> impl FnOnce() -> Result<Vec<u8>> + 'a {
        move || Ok(engine.precompile_component(wasm)?)
    }

    fn artifacts(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn compiled_components_are_cached_verified_and_rebuilt_when_damaged() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let wasm = &std::fs::read(hostile_build::WELL_BEHAVED).unwrap();
        load(&engine, wasm, Some(dir.path()), in_process(&engine, wasm)).unwrap();
        let files = artifacts(dir.path());
        assert_eq!(files.len(), 2, "{files:?}");
        let artifact = files
            .iter()
            .find(|p| p.extension().unwrap() == "cwasm")
            .unwrap();
        let checksum = files
            .iter()
            .find(|p| p.extension().unwrap() == "sha256")
            .unwrap();
        assert!(
            artifact
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&sha256_hex(wasm)[..32])
        );
        let good = std::fs::read(artifact).unwrap();
        assert_eq!(
            std::fs::read_to_string(checksum).unwrap(),
            sha256_hex(&good)
        );

        // A tampered artifact fails its checksum: it is not loaded, and a fresh one replaces it.
        std::fs::write(artifact, b"not compiled code").unwrap();
        load(&engine, wasm, Some(dir.path()), in_process(&engine, wasm)).unwrap();
        assert_eq!(std::fs::read(artifact).unwrap(), good);
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_others_can_write_to_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let engine = Engine::default();
        let wasm = &std::fs::read(hostile_build::WELL_BEHAVED).unwrap();
        load(&engine, wasm, Some(dir.path()), in_process(&engine, wasm)).unwrap();
        assert!(
            artifacts(dir.path()).is_empty(),
            "nothing is written to or read from it"
        );
    }
}
