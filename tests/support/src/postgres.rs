//! A real PostgreSQL server for tests: Debian's `postgresql` package, a fresh cluster in a
//! temporary directory, listening on a free loopback port, stopped (and deleted) on drop.
//!
//! Tests that need it call [`Postgres::start`]; where the server's programs are not installed
//! it returns `None` and the test says it skipped, unless `ITAM_POSTGRES_TESTS=required`
//! (as CI sets), where a missing server fails the test instead.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The role the tests connect as, and its password (password authentication over TCP).
pub const USER: &str = "itam";
/// The password of [`USER`].
pub const PASSWORD: &str = "itam-test-password";

/// A running PostgreSQL server.
pub struct Postgres {
    server: Child,
    port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// Set when the server runs as the `postgres` user (the tests run as root).
    run_as: Option<(u32, u32)>,
}

impl Postgres {
    /// Starts a new server, or `None` (with a note on stderr) when PostgreSQL is not
    /// installed and `ITAM_POSTGRES_TESTS` is not `required`.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = binaries() else {
            if std::env::var("ITAM_POSTGRES_TESTS").as_deref() == Ok("required") {
                panic!(
                    "ITAM_POSTGRES_TESTS=required but PostgreSQL's programs were not found: install Debian's postgresql package or set ITAM_PG_BIN"
                );
            }
            eprintln!("skipped: PostgreSQL is not installed (Debian: apt install postgresql)");
            return None;
        };
        Some(Postgres::start_with(&bin, false))
    }

    /// Starts a new server that writes durably (fsync and synchronous commits, as in
    /// production), for benchmarks; `None` when PostgreSQL is not installed.
    pub fn start_durable() -> Option<Postgres> {
        binaries().map(|bin| Postgres::start_with(&bin, true))
    }

    fn start_with(bin: &Path, durable: bool) -> Postgres {
        let dir = tempfile::tempdir().expect("temporary directory");
        // PostgreSQL refuses to run as root; it then runs as the package's `postgres` user.
        let run_as = (unsafe { libc::geteuid() } == 0).then(|| {
            let user = user_ids("postgres").expect("the postgres user of Debian's package");
            std::os::unix::fs::chown(dir.path(), Some(user.0), Some(user.1)).expect("chown");
            user
        });
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).unwrap();
        }
        let data = dir.path().join("data");
        let status = command(bin, "initdb", run_as)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .args(["-E", "UTF8", "--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdout(Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let server = command(bin, "postgres", run_as)
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            // Tests throw the cluster away: they need not wait for the disk.
            .args(match durable {
                true => [].as_slice(),
                false => &[
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
            })
            .args(["-c", "max_connections=300", "-c", "log_min_messages=fatal"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        let pg = Postgres {
            server,
            port,
            bin: bin.to_path_buf(),
            dir,
            run_as,
        };
        pg.wait_ready();
        pg
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for database `name` as [`USER`], without the password (which goes by reference).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database `name` and returns its URL (see [`Postgres::url`]).
    pub fn create_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    /// Runs `sql` in database `db` with psql over the server's socket, and returns what it
    /// printed (unaligned, tuples only); panics if psql fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = command(&self.bin, "psql", self.run_as)
            .arg("-h")
            .arg(self.dir.path())
            .arg("-p")
            .arg(self.port.to_string())
            .args([
                "-U",
                USER,
                "-d",
                db,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
            ])
            .arg(sql)
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = command(&self.bin, "pg_isready", self.run_as)
                .arg("-h")
                .arg(self.dir.path())
                .arg("-p")
                .arg(self.port.to_string())
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown; the cluster is thrown away with the directory.
        unsafe { libc::kill(self.server.id() as i32, libc::SIGQUIT) };
        let _ = self.server.wait();
    }
}

/// The directory of PostgreSQL's server programs: `ITAM_PG_BIN`, else the newest of Debian's
/// `/usr/lib/postgresql/<version>/bin`, else `pg_config --bindir`.
fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ITAM_PG_BIN") {
        return Some(dir.into());
    }
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.filter_map(|d| d.ok())
                .filter_map(|d| Some((d.file_name().to_str()?.parse::<u32>().ok()?, d.path())))
                .max()
                .map(|(_, dir)| dir.join("bin"))
        });
    let found = debian.or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()))
    })?;
    found.join("initdb").exists().then_some(found)
}

fn command(bin: &Path, program: &str, run_as: Option<(u32, u32)>) -> Command {
    let mut command = Command::new(bin.join(program));
    if let Some((uid, gid)) = run_as {
        use std::os::unix::process::CommandExt;
        command.uid(uid).gid(gid);
    }
    command
}

fn user_ids(name: &str) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(name).ok()?;
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    (!entry.is_null()).then(|| unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
