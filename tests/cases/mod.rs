mod providers_gemini;
mod providers_openai;
mod serve_bridge;
mod serve_cli;
mod serve_http;
mod serve_socketio;
