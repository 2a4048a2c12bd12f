//! `sockai`: wires the command line to the subcommands. Nothing here knows a protocol.

use sockai::{bench, cli, client, generate, logging, providers, runtime, scenario, server, wire};

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use cli::{Cli, Command, ConnectArgs, EmitArgs, LogFormat, RunArgs, ServeArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Serve(args) => finish(serve(args)),
        Command::Connect(args) => finish(client::run_connect(connect_request(args))),
        Command::Emit(args) => finish(client::run_emit(emit_request(args))),
        Command::Completions(args) => finish(generate::print_completions(args.shell)),
        Command::Man(args) => finish(generate::print_man(args.subcommand.as_deref())),
        Command::Bench(args) => finish(bench::run_bench(args)),
        Command::Run(args) => finish(scenario::run(run_request(args))),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The one reporter: a command's error becomes one line on stderr and its exit status.
fn finish<E: wire::exit::Failure>(result: Result<(), E>) -> i32 {
    match result {
        Ok(()) => wire::exit::OK,
        Err(e) => {
            if e.needs_report() {
                eprintln!("sockai: error: {e}");
            }
            e.exit_code()
        }
    }
}

fn connect_request(args: ConnectArgs) -> client::ConnectRequest {
    client::ConnectRequest {
        url: args.url,
        // A REPL keeps its session unless told otherwise.
        options: args.connection.into_options(args.reconnect.or(true)),
        json: args.json,
        history_file: args.history_file,
        ack_timeout: args.ack_timeout,
        collection: args.collection,
        record: args.record,
        // `expect` and `capture` at the prompt use the scenario language's checks.
        syntax: Some(scenario::repl::syntax()),
    }
}

fn emit_request(args: EmitArgs) -> client::EmitRequest {
    client::EmitRequest {
        words: args.words,
        // A script's session ends with its first loss unless told otherwise.
        options: args.connection.into_options(args.reconnect.or(false)),
        expect: args.expect,
        ack: args.ack,
        ack_reply: args.ack_reply,
        timeout: args.timeout,
        print_chunks: args.print_chunks,
        assert_equals: args.asserts,
        assert_contains: args.assert_contains,
        count: args.count,
        interval: args.interval,
        json: args.json,
        quiet: args.quiet,
    }
}

fn run_request(args: RunArgs) -> scenario::RunRequest {
    scenario::RunRequest {
        paths: args.paths,
        vars: args.vars,
        vars_files: args.vars_files,
        secrets: args.secrets,
        jobs: usize::from(args.jobs),
        fail_fast: args.fail_fast,
        step_timeout: args.timeout,
        max_time: args.max_time,
        json: args.json,
        junit: args.report_junit,
    }
}

fn serve(args: ServeArgs) -> Result<(), server::ServeError> {
    let _logs = logging::init(match args.log_format {
        LogFormat::Text => logging::Format::Text,
        LogFormat::Json => logging::Format::Json,
    });
    let provider = providers::build(
        &providers::ProviderConfig {
            kind: args.provider,
            echo_delay: Duration::from_millis(args.echo_delay_ms),
            model: args.model,
            base_url: args.base_url,
            system: args.system,
            temperature: args.temperature,
            max_tokens: args.max_tokens,
            stream: !args.no_stream,
            retries: args.ai_retries,
        },
        &|name| std::env::var(name).ok(),
    )?;
    let config = server::ServerConfig {
        addr: SocketAddr::new(args.host, args.port),
        echo_server: args.echo_server,
        allow_eio3: args.allow_eio3,
        ping_interval: args.ping_interval,
        ping_timeout: args.ping_timeout,
        max_payload: args.max_payload,
        max_prompt_bytes: args.max_prompt_bytes,
        stream: !args.no_stream,
        history: args.history,
        ai_timeout: args.ai_timeout,
        max_concurrent_ai: usize::try_from(args.max_concurrent_ai).unwrap_or(usize::MAX),
        shutdown_timeout: args.shutdown_timeout,
        cors_origins: args.cors_origin,
        loopback_origins: !args.no_loopback_origins,
        allowed_hosts: args.allowed_host,
        trusted_proxies: args.trusted_proxy,
        auth_token: args.auth_token,
        max_connections: args.max_connections,
        rate_limit: args.rate_limit,
    };
    let runtime = runtime::build(args.threads).map_err(server::ServeError::Runtime)?;
    runtime.block_on(async {
        let signal = shutdown_signal();
        server::run(config, Arc::from(provider), signal).await
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
///
/// The handlers are installed when this is called, not when the future is first polled, so a
/// signal sent right after the server printed its address is not fatal. Call it inside the
/// runtime, before the server starts.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {},
                    _ = interrupt.recv() => {},
                }
            }
            // Without handlers the default actions stop the process, which is all we can do.
            _ => std::future::pending::<()>().await,
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
