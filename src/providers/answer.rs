//! How an HTTP provider's answer is read, the same for every provider: one request, then one
//! whole JSON object, or server-sent events each carrying the next object. What differs (the
//! request, the objects, what they mean) is the provider's [`Gather`].

use super::http::Upstream;
use super::{Completion, DeltaSink, ProviderError};
use crate::wire::ErrorCode;

/// An answer being gathered from the objects a provider sends.
pub trait Gather: Default {
    /// A whole answer, or one stream event's.
    type Object: serde::de::DeserializeOwned;
    /// What a stream event should have been, for the error when it is not ("a response").
    const EVENT: &'static str;

    /// Whether this (trimmed, non-empty) event data ends the stream, as OpenAI's `[DONE]`
    /// does; the answer notes it.
    fn ends_stream(&mut self, _data: &str) -> bool {
        false
    }

    /// Take in one object, passing its new text to `on_delta`.
    fn absorb(
        &mut self,
        upstream: &Upstream,
        object: Self::Object,
        on_delta: DeltaSink<'_>,
    ) -> Result<(), ProviderError>;

    /// The completion, or why there is none; `streamed` when it came as events.
    fn finish(self, upstream: &Upstream, streamed: bool) -> Result<Completion, ProviderError>;
}

/// Send the request `build` makes (retried as [`Upstream::send`] does) and gather its answer:
/// one object, or (`stream`) one per event with data until the stream ends.
pub async fn answer<G: Gather>(
    upstream: &Upstream,
    stream: bool,
    build: impl Fn() -> reqwest::RequestBuilder,
    on_delta: DeltaSink<'_>,
) -> Result<Completion, ProviderError> {
    let response = upstream.send(build).await?;
    let mut answer = G::default();
    if !stream {
        let object: G::Object = upstream.json(response).await?;
        answer.absorb(upstream, object, on_delta)?;
        return answer.finish(upstream, false);
    }
    let mut events = upstream.events(response);
    while let Some(event) = events.next().await? {
        let data = event.data.trim();
        if data.is_empty() {
            continue;
        }
        if answer.ends_stream(data) {
            // Anything after the end is of no use; dropping `events` closes the connection.
            break;
        }
        let object = serde_json::from_str::<G::Object>(data).map_err(|e| {
            upstream.error(
                ErrorCode::Upstream,
                format!("sent a stream event that is not {}: {e}", G::EVENT),
            )
        })?;
        answer.absorb(upstream, object, on_delta)?;
    }
    answer.finish(upstream, true)
}
