mod client_connect;
mod client_emit;
mod generated;
mod serve_bridge;
mod serve_cli;
mod serve_http;
mod serve_socketio;
