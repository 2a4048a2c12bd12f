//! How the server answers an HTTP request it refuses or fails: the status of the error's code,
//! the error payload as the JSON body. Shared by the gate and the routes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::wire::ErrorPayload;

pub fn error_response(error: ErrorPayload) -> Response {
    let status =
        StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}
