//! The Socket.IO client side of sockai: `sockai connect` (REPL) and `sockai emit` (scripted).
//!
//! [`options`] says how to reach a server; [`connection`] keeps a session going (on
//! `connect.rs`, which opens one, over `socket.rs` and `engine.rs`, sockai's own Socket.IO and
//! Engine.IO client); [`output`] is the only module that prints. Nothing here uses the server
//! code or the command line's definitions: shared names come from `crate::wire`.

pub mod args;
mod binary;
pub mod collection;
pub mod command;
pub(crate) mod connect;
pub(crate) mod connection;
mod emit;
mod endpoint;
mod engine;
mod error;
pub mod options;
mod output;
mod reconnect;
mod render;
mod repl;
pub(crate) mod socket;
mod tls;
mod transport;
pub mod value;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

pub use error::ClientError;
pub use options::{ConnectOptions, Transport};
use output::Printer;
pub use repl::{PayloadCheck, ScenarioSyntax};

/// `sockai connect`.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// [`args::DEFAULT_URL`] when `None`.
    pub url: Option<String>,
    pub options: ConnectOptions,
    pub json: bool,
    pub history_file: Option<PathBuf>,
    pub ack_timeout: Duration,
    /// `--collection FILE`: where saved messages live [default: `./saved.sockai`].
    pub collection: Option<PathBuf>,
    /// `--record FILE`: write the session as a scenario when it ends.
    pub record: Option<PathBuf>,
    /// The scenario language's checks and variables (`expect`, `capture` at the prompt).
    pub syntax: Option<ScenarioSyntax>,
}

/// `sockai emit`.
#[derive(Debug, Clone)]
pub struct EmitRequest {
    /// `[URL] EVENT [ARG]…`
    pub words: Vec<String>,
    pub options: ConnectOptions,
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

/// A bad URL is a usage error (exit 2), found before anything connects; `--insecure` gets its
/// warning.
fn check(url: &str, options: &ConnectOptions, printer: &Printer) -> Result<(), ClientError> {
    endpoint::Endpoint::parse(
        url,
        options.namespace.as_deref(),
        &options.path,
        &options.query,
    )
    .map_err(|e| ClientError::Usage(e.to_string()))?;
    if options.insecure {
        printer.diag(INSECURE_WARNING);
    }
    Ok(())
}

/// The one loud line `--insecure` gets, before anything connects.
pub const INSECURE_WARNING: &str = "warning: --insecure: TLS certificates are NOT checked; \
     anyone between you and the server can read and change this session";

/// The client's runtime: one worker per CPU.
fn runtime() -> Result<tokio::runtime::Runtime, ClientError> {
    crate::runtime::build(0).map_err(ClientError::Runtime)
}

/// `--assert` and `--assert-contains`, checked before anything connects.
fn assertions(args: &EmitRequest) -> Result<Vec<args::Assertion>, ClientError> {
    let mut asserts = Vec::new();
    for text in &args.assert_equals {
        let assertion = args::parse_assert_equals(text)
            .map_err(|e| ClientError::Usage(format!("invalid --assert {text:?}: {e}")))?;
        asserts.push(assertion);
    }
    for text in &args.assert_contains {
        let assertion = args::parse_assert_contains(text)
            .map_err(|e| ClientError::Usage(format!("invalid --assert-contains {text:?}: {e}")))?;
        asserts.push(assertion);
    }
    if !asserts.is_empty() && args.expect.is_empty() && !args.ack {
        return Err(ClientError::Usage(
            "--assert and --assert-contains check the payload of --expect or --ack; give one"
                .to_owned(),
        ));
    }
    Ok(asserts)
}

/// `sockai emit`.
pub fn run_emit(args: EmitRequest) -> Result<(), ClientError> {
    let mode = if args.json {
        emit::Mode::Json
    } else if args.quiet {
        emit::Mode::Quiet
    } else {
        emit::Mode::Payloads
    };
    // JSON on stdout is for machines: never colour it.
    let printer = Printer::new(false);
    let usage = |message: String| Err(ClientError::Usage(message));
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
    let asserts = assertions(&args)?;
    check(&url, &args.options, &printer)?;
    let plan = emit::EmitPlan {
        url,
        options: args.options,
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
    let runtime = runtime()?;
    let result = runtime.block_on(emit::run(&plan, &printer));
    // A session task still closing its transport must not keep the process alive.
    runtime.shutdown_background();
    Ok(result?)
}

/// `sockai connect`.
pub fn run_connect(args: ConnectRequest) -> Result<(), ClientError> {
    let interactive =
        !args.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let printer = Printer::new(interactive && crate::color::stdout());
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| args::DEFAULT_URL.to_owned());
    check(&url, &args.options, &printer)?;
    if let Some(record) = &args.record {
        let dir = record
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            return Err(ClientError::Usage(format!(
                "--record {}: no directory {}",
                record.display(),
                dir.display()
            )));
        }
    }
    let settings = repl::Settings {
        url,
        options: args.options,
        ack_timeout: args.ack_timeout,
        history_file: args
            .history_file
            .clone()
            .or_else(repl::default_history_file),
        collection: collection::path_or_default(args.collection.clone()),
        record: args.record.clone(),
        syntax: args.syntax,
    };
    let runtime = runtime()?;
    let result = if interactive {
        runtime.block_on(repl::run_interactive(settings, &printer))
    } else {
        runtime.block_on(repl::run_script(settings, &printer))
    };
    runtime.shutdown_background();
    result
}
