//! National clouds and enterprise networks: every cloud's sign-in and Graph hosts reached
//! through an HTTPS proxy with a custom CA (the emulator in TLS mode behind a CONNECT proxy
//! that leads every tunnel to it), for both the host's token requests and the plugin's Graph
//! traffic.

use crate::common::{Env, assert_success, stderr, write_private};
use graph_emulator::Options;
use graph_emulator::proxy::ConnectProxy;
use std::collections::BTreeSet;

struct Network {
    env: Env,
    proxy: ConnectProxy,
    _rt: tokio::runtime::Runtime,
}

fn tls_env_behind_proxy() -> Network {
    let env = Env::new(
        150,
        Options {
            tls: true,
            ..Options::default()
        },
    );
    write_private(
        &env.dir.path().join("ca.pem"),
        env.emulator.ca_pem().unwrap(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let proxy = rt
        .block_on(ConnectProxy::start(env.emulator.addr()))
        .unwrap();
    Network {
        env,
        proxy,
        _rt: rt,
    }
}

fn write_config(net: &Network, network: &str, settings: &str) {
    let t = net.env.tenant();
    write_private(&net.env.dir.path().join("secret.txt"), &t.client_secret);
    let text = format!(
        "[network]\n{network}\n\n[[source]]\nname = \"contoso\"\nplugin = \"m365\"\n\n[source.credential]\nclient_id = \"{}\"\nclient_secret = {{ file = \"secret.txt\" }}\n\n[source.settings]\ntenant_id = \"{}\"\n{settings}\n",
        t.client_id, t.tenant_id
    );
    write_private(&net.env.dir.path().join("itam.toml"), &text);
}

#[test]
fn each_cloud_uses_its_own_hosts_and_scope_through_the_proxy() {
    let clouds = [
        ("global", "login.microsoftonline.com", "graph.microsoft.com"),
        ("us-gov", "login.microsoftonline.us", "graph.microsoft.us"),
        (
            "us-gov-dod",
            "login.microsoftonline.us",
            "dod-graph.microsoft.us",
        ),
        (
            "china",
            "login.chinacloudapi.cn",
            "microsoftgraph.chinacloudapi.cn",
        ),
    ];
    for (cloud, login, graph) in clouds {
        let net = tls_env_behind_proxy();
        let network = format!(
            "https_proxy = \"{}\"\nca_bundle = \"ca.pem\"",
            net.proxy.url()
        );
        write_config(&net, &network, &format!("cloud = \"{cloud}\""));
        let out = net.env.itam(&["sync"]);
        assert_success(&out);
        let tunnels: BTreeSet<String> = net.proxy.targets().into_iter().collect();
        assert_eq!(
            tunnels,
            BTreeSet::from([format!("{login}:443"), format!("{graph}:443")]),
            "{cloud}"
        );
        assert_eq!(
            net.env.emulator.token_scopes(),
            vec![format!("https://{graph}/.default")],
            "{cloud}"
        );
        let log = net.env.emulator.request_log();
        let tenant = &net.env.tenant().tenant_id;
        assert!(
            log.contains(&format!("POST {login} /{tenant}/oauth2/v2.0/token")),
            "{cloud}: {log:?}"
        );
        assert!(
            log.contains(&format!("GET {graph} /v1.0/users")),
            "{cloud}: {log:?}"
        );
        assert_eq!(
            net.env
                .itam_json(&["export", "accounts"])
                .as_array()
                .unwrap()
                .len(),
            150
        );
        let inspect = net
            .env
            .itam_json(&["plugin", "inspect", "m365", "--source", "contoso"]);
        assert_eq!(
            inspect["allowed_hosts"],
            serde_json::json!([format!("https://{login}"), format!("https://{graph}")])
        );
    }
}

#[test]
fn without_the_custom_ca_the_tls_inspecting_proxy_is_not_trusted() {
    let net = tls_env_behind_proxy();
    write_config(
        &net,
        &format!("https_proxy = \"{}\"", net.proxy.url()),
        "cloud = \"global\"",
    );
    let out = net.env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("token request"), "{}", stderr(&out));
    assert_eq!(
        net.env.emulator.token_scopes().len(),
        0,
        "no credential crossed an untrusted connection"
    );
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    let net = tls_env_behind_proxy();
    let url = net.env.emulator.url();
    let network = format!(
        "https_proxy = \"{}\"\nno_proxy = \"localhost\"\nca_bundle = \"ca.pem\"",
        net.proxy.url()
    );
    write_config(
        &net,
        &network,
        &format!("login_url = \"{url}\"\ngraph_url = \"{url}\""),
    );
    assert_success(&net.env.itam(&["sync"]));
    assert!(net.proxy.targets().is_empty(), "{:?}", net.proxy.targets());
}
