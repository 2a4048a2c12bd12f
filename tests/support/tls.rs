//! A TLS front for a plain test server: a self-signed certificate (rcgen) for 127.0.0.1 and
//! localhost, every connection decrypted and piped to the server behind it.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// Killed with the test process; the listener's thread ends when its runtime is dropped.
pub struct TlsProxy {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TlsProxy {
    /// TLS on a free port in front of `target` (`host:port`, plain TCP).
    pub fn start(target: &str) -> Self {
        let certified = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("generate a certificate");
        let cert = certified.cert.der().clone();
        let key = pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("a server configuration");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let target = target.to_owned();
        let (url, stop) =
            super::spawn_server("https", |listener| serve(listener, acceptor, target));
        Self { url, _stop: stop }
    }
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, target: String) {
    while let Ok((tcp, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let target = target.clone();
        tokio::spawn(async move {
            // A client that refuses the certificate ends its handshake here: nothing to pipe.
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Ok(mut plain) = TcpStream::connect(&target).await else {
                return;
            };
            tokio::io::copy_bidirectional(&mut tls, &mut plain)
                .await
                .ok();
        });
    }
}
