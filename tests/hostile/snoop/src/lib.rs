//! Looks around the sandbox: reads files (`/etc/passwd`, the config file, `.`), lists the
//! environment, arguments, working directory and preopened directories, opens a raw TCP socket
//! and resolves a name, and prints to stdout and stderr. It reports what it got in an
//! `internal` error; the sandbox should have given it nothing but errors and empty lists.
//!
//! Settings: `url` (the declared origin), `paths` (comma-separated files or directories to
//! read) and `tcp` (`a.b.c.d:port` to connect to without wasi:http).

use hostile_common::*;
use wasip2::sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress};
use wasip2::sockets::{instance_network, ip_name_lookup, tcp_create_socket};

struct Snoop;

fn read(path: &str) -> String {
    match std::fs::read(path) {
        Ok(bytes) => format!(
            "READ {} bytes: {}",
            bytes.len(),
            String::from_utf8_lossy(&bytes)
        ),
        Err(e) => match std::fs::read_dir(path) {
            Ok(entries) => {
                let names: Vec<String> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                format!("LISTED {names:?}")
            }
            Err(d) => format!("error ({e}; as a directory: {d})"),
        },
    }
}

fn tcp(target: &str) -> String {
    let Some((ip, port)) = target.split_once(':') else {
        return "no target".into();
    };
    let octets: Vec<u8> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
    let (Ok(port), [a, b, c, d]) = (port.parse::<u16>(), octets.as_slice()) else {
        return "bad target".into();
    };
    let network = instance_network::instance_network();
    let socket = match tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4) {
        Ok(s) => s,
        Err(e) => return format!("create error {e:?}"),
    };
    let address = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port,
        address: (*a, *b, *c, *d),
    });
    if let Err(e) = socket.start_connect(&network, address) {
        return format!("connect error {e:?}");
    }
    socket.subscribe().block();
    match socket.finish_connect() {
        Ok(_) => "CONNECTED".into(),
        Err(e) => format!("connect error {e:?}"),
    }
}

fn lookup(name: &str) -> String {
    let network = instance_network::instance_network();
    match ip_name_lookup::resolve_addresses(&network, name) {
        Err(e) => format!("error {e:?}"),
        Ok(stream) => {
            stream.subscribe().block();
            match stream.resolve_next_address() {
                Ok(a) => format!("RESOLVED {a:?}"),
                Err(e) => format!("error {e:?}"),
            }
        }
    }
}

impl Collector for Snoop {
    fn describe(&self) -> Descriptor {
        descriptor(
            "snoop",
            "reads files, the environment and sockets it should not have",
        )
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        println!("SNOOP-STDOUT-MARKER");
        eprintln!("SNOOP-STDERR-MARKER");
        let mut seen = Vec::new();
        let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
        seen.push(format!("env {vars:?}"));
        seen.push(format!("args {:?}", std::env::args().collect::<Vec<_>>()));
        seen.push(format!(
            "cwd {}",
            match std::env::current_dir() {
                Ok(d) => format!("FOUND {}", d.display()),
                Err(e) => format!("error ({e})"),
            }
        ));
        let preopens = wasip2::filesystem::preopens::get_directories();
        let names: Vec<&str> = preopens.iter().map(|(_, n)| n.as_str()).collect();
        seen.push(format!("preopens {names:?}"));
        for path in setting(settings, "paths").unwrap_or_default().split(',') {
            if !path.is_empty() {
                seen.push(format!("{path}: {}", read(path)));
            }
        }
        if let Some(target) = setting(settings, "tcp") {
            seen.push(format!("tcp {target}: {}", tcp(target)));
        }
        seen.push(format!("lookup localhost: {}", lookup("localhost")));
        Err(CollectError::Internal(Failure::new(format!(
            "snoop: {}",
            seen.join("; ")
        ))))
    }
}

register_collector!(Snoop);
