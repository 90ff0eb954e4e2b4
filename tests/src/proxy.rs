//! A TCP proxy in front of a server (the test PostgreSQL) that a test can cut and restore: an
//! outage of the database host as the application sees it, without touching the database
//! server the other tests share.

use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running proxy on `127.0.0.1:<port>`.
pub struct TcpProxy {
    address: SocketAddr,
    upstream: SocketAddr,
    cuts: watch::Sender<u64>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl TcpProxy {
    /// Starts a proxy to `upstream`, passing traffic.
    pub async fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let (cuts, _) = watch::channel(0u64);
        let proxy = TcpProxy {
            address,
            upstream,
            cuts,
            accept: Mutex::new(None),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, cuts) = (self.upstream, self.cuts.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        *self.accept.lock().expect("proxy lock") = Some(task);
    }

    /// `host:port` to connect to instead of the upstream.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The outage begins: every open connection is cut, and new ones are refused (nothing
    /// listens on the port any more).
    pub fn cut(&self) {
        if let Some(task) = self.accept.lock().expect("proxy lock").take() {
            task.abort();
        }
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The outage ends: the port listens and passes traffic again.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.address)
            .await
            .expect("listen on the proxy's port again");
        self.serve(listener);
    }

    /// `url` (`scheme://[user@]host:port/...`) with its host and port replaced by the proxy's.
    pub fn url_through(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
        let (user, rest) = match rest.rsplit_once('@') {
            Some((user, rest)) => (format!("{user}@"), rest),
            None => (String::new(), rest),
        };
        let path = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
        format!("{scheme}://{user}{}{path}", self.address)
    }

    /// The `host:port` a URL names (PostgreSQL's port when it names none), resolved.
    pub fn upstream_of(url: &str) -> SocketAddr {
        use std::net::ToSocketAddrs as _;
        let rest = url.split_once("://").expect("a URL with a scheme").1;
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let authority = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:5432")
        };
        authority
            .to_socket_addrs()
            .expect("resolve the database host")
            .next()
            .expect("an address for the database host")
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
