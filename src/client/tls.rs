//! TLS for both transports: rustls (no OpenSSL), the platform's certificate roots, and an
//! opt-in verifier that accepts any certificate for a development server (`--insecure`).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The client configuration; built once per process and kind (verifying or not).
pub fn config(insecure: bool) -> Arc<ClientConfig> {
    static VERIFYING: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    static INSECURE: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let cell = if insecure { &INSECURE } else { &VERIFYING };
    cell.get_or_init(|| Arc::new(build(insecure))).clone()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build(insecure: bool) -> ClientConfig {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        // ring's provider supports the safe defaults; a failure here is a build mistake, and
        // the fallback below still gives a working (TLS 1.3 only) configuration.
        .or_else(|_| {
            ClientConfig::builder_with_provider(provider())
                .with_protocol_versions(&[&rustls::version::TLS13])
        });
    let builder = match builder {
        Ok(builder) => builder,
        // Unreachable with ring; an empty configuration then fails every handshake with a
        // TLS error, which is reported like any other.
        Err(_) => return empty_config(),
    };
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider())))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(platform_roots())
            .with_no_client_auth()
    };
    // The WebSocket handshake is HTTP/1.1; reqwest sets its own ALPN on a copy.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

fn empty_config() -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth()
}

/// The operating system's trusted roots (unreadable ones are skipped: a missing store means
/// only that verification fails, with a TLS error the user can act on).
fn platform_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    roots
}

/// `--insecure`: any certificate, any name. Signatures are still checked, so the session is
/// encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The TLS problem somewhere in an error's source chain, said for a person
/// ("invalid peer certificate: UnknownIssuer").
pub fn problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(tls));
        }
        // An io::Error's `source()` skips the error it wraps: look inside it first.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(describe(inner));
        }
        current = e.source();
    }
    // Some wrappers (hyper's connect error) hide the rustls error behind a box that does not
    // downcast: recognise rustls' own words instead.
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if let Some(at) = text.find("invalid peer certificate: ") {
            let cause = &text[at + "invalid peer certificate: ".len()..];
            return Some(match cause {
                c if c.starts_with("UnknownIssuer") => describe(
                    &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                ),
                c if c.starts_with("Expired") => "the server's certificate has expired".into(),
                c if c.starts_with("NotValidForName") => {
                    "the server's certificate is for another host name".into()
                }
                other => format!("invalid peer certificate: {other}"),
            });
        }
        current = e.source();
    }
    None
}

fn describe(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "the server's certificate is not signed by a trusted authority (self-signed?)".into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName)
        | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
            "the server's certificate is for another host name".into()
        }
        rustls::Error::InvalidCertificate(C::Expired)
        | rustls::Error::InvalidCertificate(C::ExpiredContext { .. }) => {
            "the server's certificate has expired".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_configurations_build_with_http1_alpn() {
        for insecure in [false, true] {
            let config = config(insecure);
            assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        }
        assert!(Arc::ptr_eq(&config(true), &config(true)));
    }

    #[test]
    fn certificate_problems_are_found_in_a_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let inner = std::io::Error::other(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        let text = problem(&Outer(inner)).unwrap();
        assert!(text.contains("self-signed"), "{text}");
        assert_eq!(problem(&std::io::Error::other("plain")), None);
    }
}
