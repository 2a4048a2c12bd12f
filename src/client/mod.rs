//! The Socket.IO client side of sockai: `sockai connect` (REPL) and `sockai emit` (scripted).
//!
//! [`connection`] is the only module that knows the Socket.IO library; [`output`] is the only
//! one that prints. Nothing here uses the server code: shared names come from `crate::wire`.

pub mod args;
pub mod binary;
pub mod command;
pub mod connect;
pub mod connection;
pub mod emit;
pub mod endpoint;
pub mod engine;
pub mod output;
pub mod reconnect;
pub mod render;
pub mod repl;
pub mod socket;
mod tls;
pub mod transport;
pub mod value;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::wire;
use connection::{ConnectOptions, Transport};
use output::Printer;

/// How to reach the server: the connection flags of `connect` and `emit`, as `main.rs` fills
/// them from the command line.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub namespace: Option<String>,
    pub path: String,
    pub auth: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub transport: Option<Transport>,
    /// `--eio 3|4`; `None`: detected.
    pub eio: Option<u8>,
    pub insecure: bool,
    pub connect_timeout: Duration,
    /// `--reconnect` / `--no-reconnect`; `None`: the subcommand's default.
    pub reconnect: Option<bool>,
}

/// `sockai connect`.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// [`args::DEFAULT_URL`] when `None`.
    pub url: Option<String>,
    pub connection: ConnectionSettings,
    pub json: bool,
    pub history_file: Option<PathBuf>,
    pub ack_timeout: Duration,
}

/// `sockai emit`.
#[derive(Debug, Clone)]
pub struct EmitRequest {
    /// `[URL] EVENT [ARG]…`
    pub words: Vec<String>,
    pub connection: ConnectionSettings,
    pub expect: Vec<String>,
    pub ack: bool,
    /// `--ack-reply` words: answer every server acknowledgement request with these.
    pub ack_reply: Option<Vec<String>>,
    pub timeout: Duration,
    pub print_chunks: bool,
    /// `--assert` and `--assert-contains` expressions, checked here.
    pub assert_equals: Vec<String>,
    pub assert_contains: Vec<String>,
    pub count: u32,
    pub interval: Duration,
    pub json: bool,
    pub quiet: bool,
}

fn options(url: String, args: &ConnectionSettings, reconnect_default: bool) -> ConnectOptions {
    ConnectOptions {
        url,
        namespace: args.namespace.clone(),
        path: args.path.clone(),
        auth: args.auth.clone(),
        headers: args.headers.clone(),
        query: args.query.clone(),
        transport: args.transport,
        connect_timeout: args.connect_timeout,
        reconnect: args.reconnect.unwrap_or(reconnect_default),
        eio: args.eio,
        insecure: args.insecure,
    }
}

/// Options for the session, checked before anything connects: a bad URL is a usage error
/// (exit 2), and `--insecure` gets its warning.
fn checked_options(
    url: String,
    args: &ConnectionSettings,
    reconnect_default: bool,
    printer: &Printer,
) -> Result<ConnectOptions, i32> {
    if let Err(e) =
        endpoint::Endpoint::parse(&url, args.namespace.as_deref(), &args.path, &args.query)
    {
        printer.error(&e.to_string());
        return Err(wire::exit::USAGE);
    }
    if args.insecure {
        printer.diag(INSECURE_WARNING);
    }
    Ok(options(url, args, reconnect_default))
}

/// The one loud line `--insecure` gets, before anything connects.
pub const INSECURE_WARNING: &str = "warning: --insecure: TLS certificates are NOT checked; \
     anyone between you and the server can read and change this session";

fn runtime(printer: &Printer) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            printer.error(&format!("cannot start the async runtime: {e}"));
            None
        }
    }
}

/// `sockai emit`; returns the exit status.
pub fn run_emit(args: EmitRequest) -> i32 {
    let mode = if args.json {
        emit::Mode::Json
    } else if args.quiet {
        emit::Mode::Quiet
    } else {
        emit::Mode::Payloads
    };
    // JSON on stdout is for machines: never colour it.
    let printer = Printer::new(false);
    let usage = |message: String| {
        printer.error(&message);
        wire::exit::USAGE
    };
    let (url, event, words) = match args::split_target(&args.words) {
        Ok(target) => target,
        Err(e) => return usage(format!("{e} (usage: sockai emit [URL] EVENT [ARG]...)")),
    };
    // One pass over the event's and the replies' words: `-` reads stdin once in all.
    let reply_words = args.ack_reply.clone().unwrap_or_default();
    let all_words: Vec<String> = words.iter().chain(&reply_words).cloned().collect();
    let mut event_args = match value::resolve_args(
        &all_words,
        value::Stdin::Reader(&mut std::io::stdin().lock()),
    ) {
        Ok(values) => values,
        Err(e) => return usage(e.to_string()),
    };
    let reply_args = event_args.split_off(words.len());
    let ack_reply = args.ack_reply.as_ref().map(|_| reply_args);
    let mut asserts = Vec::new();
    for text in &args.assert_equals {
        match args::parse_assert_equals(text) {
            Ok(assertion) => asserts.push(assertion),
            Err(e) => return usage(format!("invalid --assert {text:?}: {e}")),
        }
    }
    for text in &args.assert_contains {
        match args::parse_assert_contains(text) {
            Ok(assertion) => asserts.push(assertion),
            Err(e) => return usage(format!("invalid --assert-contains {text:?}: {e}")),
        }
    }
    if !asserts.is_empty() && args.expect.is_empty() && !args.ack {
        return usage(
            "--assert and --assert-contains check the payload of --expect or --ack; give one"
                .to_owned(),
        );
    }
    let options = match checked_options(url, &args.connection, false, &printer) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let plan = emit::EmitPlan {
        options,
        event,
        args: event_args,
        expect: args.expect.clone(),
        ack: args.ack,
        ack_reply,
        timeout: args.timeout,
        print_chunks: args.print_chunks,
        asserts,
        count: args.count,
        interval: args.interval,
        mode,
    };
    let Some(runtime) = runtime(&printer) else {
        return wire::exit::FAILURE;
    };
    let result = runtime.block_on(emit::run(&plan, &printer));
    // The library's background tasks must not keep the process alive.
    runtime.shutdown_background();
    match result {
        Ok(()) => wire::exit::OK,
        Err(e) => {
            printer.error(&e.to_string());
            e.exit_code()
        }
    }
}

/// `sockai connect`; returns the exit status.
pub fn run_connect(args: ConnectRequest) -> i32 {
    let interactive =
        !args.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let printer = Printer::new(interactive && crate::color::stdout());
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| args::DEFAULT_URL.to_owned());
    let options = match checked_options(url, &args.connection, true, &printer) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let settings = repl::Settings {
        options,
        ack_timeout: args.ack_timeout,
        history_file: args
            .history_file
            .clone()
            .or_else(repl::default_history_file),
    };
    let Some(runtime) = runtime(&printer) else {
        return wire::exit::FAILURE;
    };
    let code = if interactive {
        runtime.block_on(repl::run_interactive(settings, &printer))
    } else {
        runtime.block_on(repl::run_script(settings, &printer))
    };
    runtime.shutdown_background();
    code
}
