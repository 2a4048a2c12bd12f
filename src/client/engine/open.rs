//! Opening an Engine.IO session: the first request on either transport, the version from the
//! handshake (and `--eio`), and the upgrade from polling to WebSocket.

use std::time::Duration;

use super::{Engine, Link, LinkError, OpenError, Options, limits, new_engine};
use crate::client::transport::polling::{self, Polling};
use crate::client::transport::websocket::{self, Frame};
use crate::client::transport::{TransportError, excerpt};
use crate::protocol::engineio::{
    EngineVersion, Handshake, Packet, decode_payload, decode_text, encode_text,
};

impl Engine {
    /// Polling → WebSocket: probe, pause polling (its GET in flight returns), then `5`.
    pub(super) async fn upgrade(&mut self, options: &Options<'_>) -> Result<(), LinkError> {
        let url = options.endpoint.engine_url(
            "websocket",
            eio_number(self.version),
            Some(&self.handshake.sid),
        );
        let mut ws = websocket::connect(&url, &ws_options(options)).await?;
        let mut probe = String::new();
        encode_text(&Packet::Ping("probe"), &mut probe);
        ws.send_text(probe).await?;
        let answer = ws.recv().await?;
        match &answer {
            Frame::Text(text) if decode_text(text) == Ok(Packet::Pong("probe")) => {}
            _ => return Err(LinkError::Protocol("no answer to the upgrade probe".into())),
        }
        let Link::Poll(poll) = &mut self.link else {
            return Ok(());
        };
        let left = poll.pause().await?;
        let mut upgrade = String::new();
        encode_text(&Packet::Upgrade, &mut upgrade);
        ws.send_text(upgrade).await?;
        self.link = Link::Ws(Box::new(ws));
        for body in left {
            self.on_body(&body).await?;
        }
        Ok(())
    }
}

pub(super) fn eio_number(version: EngineVersion) -> u8 {
    match version {
        EngineVersion::V3 => 3,
        EngineVersion::V4 => 4,
    }
}

fn ws_options<'a>(options: &Options<'a>) -> websocket::Options<'a> {
    websocket::Options {
        headers: options.headers,
        insecure: options.insecure,
        read_buffer: options.read_buffer,
    }
}

/// The version asked for in the URL: the forced one, else 4 (a 2.x server answers in v3).
fn asked(options: &Options<'_>) -> EngineVersion {
    options.eio.unwrap_or(EngineVersion::V4)
}

/// A Node engine.io server refusing the version asked for answers 400 with code 5.
fn version_refused(error: TransportError, options: &Options<'_>) -> OpenError {
    match &error {
        TransportError::Http {
            status: 400, body, ..
        } if body.contains("\"code\":5") || body.contains("Unsupported protocol version") => {
            OpenError::Version(format!(
                "the server does not speak Engine.IO {} (it answered: {body}); {}",
                eio_number(asked(options)),
                match options.eio {
                    Some(_) => "try another --eio, or none to detect it",
                    None => "try --eio 3",
                }
            ))
        }
        _ => OpenError::Transport(error),
    }
}

/// The version to speak, from the handshake and `--eio`.
fn settle_version(
    handshake: &Handshake,
    options: &Options<'_>,
) -> Result<EngineVersion, OpenError> {
    match (options.eio, handshake.version()) {
        // A 4.x server in its EIO3 compatibility mode still announces maxPayload.
        (Some(forced), _) if forced == EngineVersion::V3 => Ok(forced),
        (Some(EngineVersion::V4), EngineVersion::V3) => Err(OpenError::Version(
            "the server speaks Engine.IO 3 (a Socket.IO 2.x server), not 4: drop --eio 4".into(),
        )),
        (_, detected) => Ok(detected),
    }
}

fn parse_open(json: &str) -> Result<Handshake, OpenError> {
    Handshake::parse(json).map_err(|e| OpenError::NotEngineIo(e.to_string()))
}

pub(super) async fn open_websocket(options: &Options<'_>) -> Result<Engine, OpenError> {
    let url = options
        .endpoint
        .engine_url("websocket", eio_number(asked(options)), None);
    let mut ws = websocket::connect(&url, &ws_options(options))
        .await
        .map_err(|e| version_refused(e, options))?;
    let first = ws.recv().await?;
    let Frame::Text(text) = &first else {
        return Err(OpenError::NotEngineIo(
            "the first WebSocket frame was binary, not an Engine.IO open packet".into(),
        ));
    };
    let handshake = match decode_text(text) {
        Ok(Packet::Open(json)) => parse_open(json)?,
        _ => {
            return Err(OpenError::NotEngineIo(format!(
                "the first WebSocket frame was {:?}, not an Engine.IO open packet",
                excerpt(text.as_bytes())
            )));
        }
    };
    let version = settle_version(&handshake, options)?;
    Ok(new_engine(Link::Ws(Box::new(ws)), version, handshake))
}

pub(super) async fn open_polling(options: &Options<'_>) -> Result<Engine, OpenError> {
    let endpoint = options.endpoint;
    let http = polling::client(&endpoint.base, options.headers, options.insecure)?;
    let url = endpoint.engine_url("polling", eio_number(asked(options)), None);
    // The first request has no session yet: bounded by the caller's connect timeout.
    let body = polling::get(&http, &url, Duration::from_secs(3600))
        .await
        .map_err(|e| version_refused(e, options))?;
    // v4 bodies start with the open packet's type `0`; v3 ones with a length (`96:0{…`) or
    // the binary form's 0/1 byte.
    let guess = match body.first() {
        Some(b'0') => EngineVersion::V4,
        _ => EngineVersion::V3,
    };
    let packets = decode_payload(guess, &body, &limits())
        .map_err(|e| OpenError::NotEngineIo(format!("{e} (it answered {:?})", excerpt(&body))))?;
    let Some(Packet::Open(json)) = packets.first() else {
        return Err(OpenError::NotEngineIo(format!(
            "it answered {:?}, not an Engine.IO open packet",
            excerpt(&body)
        )));
    };
    let handshake = parse_open(json)?;
    let version = settle_version(&handshake, options)?;
    let sid_url = endpoint.engine_url("polling", eio_number(version), Some(&handshake.sid));
    // A waiting GET is answered at least every ping interval; more is a dead server.
    let request_timeout = Duration::from_millis(
        handshake
            .ping_interval
            .saturating_add(handshake.ping_timeout)
            .saturating_add(5_000),
    );
    let poll = Polling::start(http, sid_url, request_timeout);
    let mut engine = new_engine(Link::Poll(poll), version, handshake);
    // What came with the open packet (a 2.x server's implicit `40`).
    engine
        .on_packets(packets.into_iter().skip(1).collect())
        .await
        .map_err(|e| OpenError::NotEngineIo(e.to_string()))?;
    Ok(engine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::endpoint::Endpoint;
    use crate::client::engine::Start;

    fn handshake(max_payload: Option<u64>) -> Handshake {
        Handshake {
            sid: "s".into(),
            upgrades: vec![],
            ping_interval: 25_000,
            ping_timeout: 20_000,
            max_payload,
        }
    }

    fn check(eio: Option<EngineVersion>, f: impl FnOnce(&Options<'_>)) {
        let endpoint = Endpoint::parse("h:1", None, "/socket.io/", &[]).unwrap();
        let options = Options {
            endpoint: &endpoint,
            headers: &[],
            insecure: false,
            eio,
            start: Start::Websocket,
            read_buffer: 4096,
        };
        f(&options);
    }

    #[test]
    fn the_handshake_tells_the_version_unless_eio_insists() {
        use EngineVersion::{V3, V4};
        check(None, |o| {
            assert_eq!(settle_version(&handshake(Some(1)), o), Ok(V4));
            assert_eq!(settle_version(&handshake(None), o), Ok(V3));
        });
        // A 4.x server in its EIO3 mode still announces maxPayload.
        check(Some(V3), |o| {
            assert_eq!(settle_version(&handshake(Some(1)), o), Ok(V3));
        });
        check(Some(V4), |o| {
            let error = settle_version(&handshake(None), o).unwrap_err();
            assert!(error.to_string().contains("drop --eio 4"), "{error}");
        });
    }

    #[test]
    fn a_node_version_refusal_becomes_a_version_error() {
        let refused = TransportError::Http {
            status: 400,
            reason: "Bad Request".into(),
            content_type: Some("application/json".into()),
            body: r#"{"code":5,"message":"Unsupported protocol version"}"#.into(),
        };
        check(Some(EngineVersion::V3), |o| {
            let error = version_refused(refused.clone(), o);
            assert!(
                matches!(&error, OpenError::Version(m) if m.contains("Engine.IO 3")),
                "{error}"
            );
        });
        let not_found = TransportError::Http {
            status: 404,
            reason: "Not Found".into(),
            content_type: None,
            body: String::new(),
        };
        check(None, |o| {
            assert!(matches!(
                version_refused(not_found.clone(), o),
                OpenError::Transport(_)
            ));
        });
    }
}
