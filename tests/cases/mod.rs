mod bench;
mod generated;
mod serve_bridge;
mod serve_cli;
mod serve_http;
mod serve_socketio;
