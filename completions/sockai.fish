# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sockai_global_optspecs
    string join \n h/help V/version
end

function __fish_sockai_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sockai_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sockai_using_subcommand
    set -l cmd (__fish_sockai_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sockai -n "__fish_sockai_needs_command" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_needs_command" -s V -l version -d 'Print version'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "serve" -d 'Run the Socket.IO AI server'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "connect" -d 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "emit" -d 'Connect, emit one event, wait for the reply and exit with a status CI can trust'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "man" -d 'Print a man page (roff)'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "bench" -d 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "run" -d 'Run scenario files (REPL commands plus expect, capture, variables) as tests'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l host -d 'Address to listen on; use 0.0.0.0 to accept connections from other machines (and set --auth-token: anyone who reaches the server can use its provider)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -s p -l port -d 'Port to listen on; 0 picks a free port' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l provider -d 'AI provider that answers `ai-message`' -r -f -a "echo\t'Offline: answers `echo: <prompt>`; no key, no network'
gemini\t'Google Gemini (Generative Language API); key in GEMINI_API_KEY or GOOGLE_API_KEY'
openai\t'Any OpenAI-compatible Chat Completions server (OpenAI, Ollama, llama.cpp, vLLM, LM Studio)'"
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l model -d 'Model to ask [default: gemini: $GEMINI_MODEL or gemini-2.5-flash; openai: $OPENAI_MODEL or gpt-4o-mini]' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l base-url -d 'Provider API base URL [default: gemini: https://generativelanguage.googleapis.com; openai: $OPENAI_BASE_URL or https://api.openai.com/v1, e.g. http://localhost:11434/v1]' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l system -d 'System prompt: instructions sent before every conversation' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l temperature -d 'Sampling temperature (0 to 2); the provider\'s default when not given' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-tokens -d 'Longest answer, in tokens [default: openai: 1024, always sent; gemini: the model\'s own]' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l history -d 'Exchanges each connection remembers and sends as context; 0 turns memory off' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ai-timeout -d 'Longest a whole answer may take before `ai-message-error` with code `timeout`' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ai-retries -d 'Retries of a provider answer with status 429 or 5xx (with backoff, honouring Retry-After)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-concurrent-ai -d 'Answers computed at once over the whole server; more wait for a free slot' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l echo-delay-ms -d 'Delay before the echo provider answers, to imitate a model\'s latency' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-prompt-bytes -d 'Longest prompt accepted, in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ping-interval -d 'Engine.IO ping interval (e.g. 25s, 300ms)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ping-timeout -d 'Engine.IO ping timeout (e.g. 20s, 200ms)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-payload -d 'Largest Engine.IO payload accepted, in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l shutdown-timeout -d 'How long shutdown waits for answers in flight before closing sockets' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l threads -d 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l cors-origin -d 'Allow web pages from this origin to use the server: WebSocket, long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173; no `*`). Default: the server\'s own origin and, on a loopback --host, loopback origins (localhost, 127.0.0.1, [::1], any port). Requests without an `Origin` header (CLI tools, server-side clients) are not affected' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l allowed-host -d 'Also serve requests whose `Host` is this name (repeatable, e.g. devbox.local, a name from /etc/hosts or a dev proxy; .example.com for a domain and its subdomains; no `*`). Against DNS rebinding, a server on a loopback address (the default) serves only localhost, *.localhost, 127.x.x.x, [::1], the hosts of --cors-origin and these; others get 403. Beyond loopback no name is checked unless this is given (then the --host address is served too)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l trusted-proxy -d 'Believe `X-Forwarded-For` / `Forwarded` from this proxy: an address or a network (repeatable, e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8). The client\'s address is then the rightmost hop that is not a trusted proxy, in logs and for the per-address rate limit of `/api/ai`. From anyone else these headers are ignored' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l auth-token -d 'Require this token from every client: Socket.IO `auth.token`, or `Authorization: Bearer` on the raw WebSocket and `/api/ai`. Prefer the environment variable: flags show in `ps`' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-connections -d 'Most connections held at once (Socket.IO sockets, raw WebSockets and `POST /api/ai` requests being answered, together)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l rate-limit -d 'Events per second one socket may send (bursts up to the same number); 0 turns it off. Excess events get a `too_many_events` error; a socket that keeps going is disconnected. `POST /api/ai` gets the same rate per client address (excess: HTTP 429)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l no-stream -d 'Send only the whole answer, no `ai-message-chunk` events'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l echo-server -d 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l allow-eio3 -d 'Also accept Socket.IO 2.x clients (Engine.IO 3), as Node\'s allowEIO3'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l no-loopback-origins -d 'Do not allow pages from loopback origins (http(s)://localhost, 127.0.0.1, [::1]) by default on a loopback --host: only the server\'s own origin and --cors-origin ones'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -s n -l namespace -d 'Namespace to join [default: the URL\'s path, else /]' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l path -d 'Engine.IO path on the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l auth -d 'The handshake `auth` payload, a JSON object (e.g. \'{"token":"abc"}\')' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -s H -l header -d 'Extra HTTP header for the handshake, \'Name: value\' (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l query -d 'Extra query parameter for the handshake, key=value (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l transport -d 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]' -r -f -a "websocket\t'WebSocket only'
polling\t'HTTP long-polling only'
upgrade\t'HTTP long-polling first, then upgraded to WebSocket, as browsers do'"
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l eio -d 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server\'s handshake]' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l connect-timeout -d 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l history-file -d 'Where to keep the command history [default: $XDG_DATA_HOME/sockai/history]' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l ack-timeout -d 'How long `ack` and `emit --ack` wait for the acknowledgement' -r
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l collection -d 'The file of saved messages (`save NAME` at the prompt, then type NAME to send it again); a scenario file of `## NAME` blocks that `sockai run` runs [default: ./saved.sockai]' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l record -d 'Write the session as a scenario file when it ends: the commands, and `expect` lines for the events and acknowledgements that arrived (replay it with `sockai run FILE --var url=…`)' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l insecure -d 'Accept any TLS certificate, e.g. a development server\'s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l reconnect -d 'Reconnect when the connection is lost [default: on for connect, off for emit]'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l no-reconnect -d 'Do not reconnect when the connection is lost'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -l json -d 'Print JSON lines (one record per event) even on a terminal'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s n -l namespace -d 'Namespace to join [default: the URL\'s path, else /]' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l path -d 'Engine.IO path on the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l auth -d 'The handshake `auth` payload, a JSON object (e.g. \'{"token":"abc"}\')' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s H -l header -d 'Extra HTTP header for the handshake, \'Name: value\' (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l query -d 'Extra query parameter for the handshake, key=value (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l transport -d 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]' -r -f -a "websocket\t'WebSocket only'
polling\t'HTTP long-polling only'
upgrade\t'HTTP long-polling first, then upgraded to WebSocket, as browsers do'"
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l eio -d 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server\'s handshake]' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l connect-timeout -d 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s e -l expect -d 'Wait for this event and print its payload (repeatable: in this order)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l ack-reply -d 'Answer every acknowledgement the server asks for during the run with this argument (repeatable: the arguments, in order, read like the event\'s; alone: no arguments)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s t -l timeout -d 'Bound on the whole run, connecting included' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l assert -d '\'<json-pointer>=<json>\': the last payload waited for has this value there (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l assert-contains -d '\'<json-pointer>~<text>\': the value there contains this text (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l count -d 'Emit this many times (each waits for its ack/expectations) and report round-trip times' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l interval -d 'Pause between repeated emits' -r
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l insecure -d 'Accept any TLS certificate, e.g. a development server\'s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l reconnect -d 'Reconnect when the connection is lost [default: on for connect, off for emit]'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l no-reconnect -d 'Do not reconnect when the connection is lost'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l ack -d 'Ask for an acknowledgement, wait for it and print it'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l print-chunks -d 'Also print ai-message-chunk payloads while waiting'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -l json -d 'Print a JSON-lines transcript (connect, sent, received, ack, stats, error) on stdout'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s q -l quiet -d 'Print no payloads; rely on the exit status (errors still go to stderr)'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockai -n "__fish_sockai_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand man" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l scenario -d 'Run this scenario file (docs/scenarios.md) as each virtual user' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l var -d 'A scenario variable, name=value (repeatable; wins over --vars-file)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l vars-file -d 'A file of name=value lines for the scenario (# comments; repeatable)' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l secret -d 'Show this scenario variable\'s value as *** in failures (repeatable; values from {{env.NAME}} are always masked)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l arrival-rate -d 'New users per second, each running the scenario once (instead of --clients users running it again and again)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ramp-to -d 'Ramp the arrival rate linearly to this over --ramp-duration, then hold it' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ramp-duration -d 'How long the ramp lasts [default: --duration]' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l start-at -d 'Wait until this time to start (RFC 3339, e.g. 2026-12-07T22:00:00Z, or unix seconds), so that generators started on several machines line up; at most 1h away, and a time already past starts at once' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s c -l clients -d 'Connections to open (at most 20000: the open-file limit of one process); with --scenario, users at once' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l connect-rate -d 'New connections per second during the ramp (with --scenario: users started per second); 0: as fast as possible (256 handshakes in flight)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s d -l duration -d 'Length of the measuring window (at most 1h)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l event -d 'Event each client emits, with {"prompt": "…"}' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l payload-bytes -d 'Size of the prompt in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l reply -d 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s n -l namespace -d 'Namespace to join [default: the URL\'s path, else /]' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l path -d 'Engine.IO path on the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l auth -d 'The handshake `auth` payload, a JSON object (e.g. \'{"token":"abc"}\')' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s H -l header -d 'Extra HTTP header for the handshake, \'Name: value\' (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l query -d 'Extra query parameter for the handshake, key=value (repeatable)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l eio -d 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server\'s handshake]' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l timeout -d 'Give up on a connect (unless --connect-timeout says otherwise) or a round trip after this long (with --scenario: a waiting step without `within`, and the grace of the passes in progress when --duration ends)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-errors -d 'Failed connections + dropped connections + failed round trips (with --scenario: failed passes) tolerated before exit 1' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l threads -d 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l transport -d 'Transport of every client: a direct WebSocket (the default, without a fallback), HTTP long-polling, or polling upgraded to WebSocket as browsers do (the round trips then run over the upgraded socket)' -r -f -a "websocket\t'WebSocket only'
polling\t'HTTP long-polling only'
upgrade\t'HTTP long-polling first, then upgraded to WebSocket, as browsers do'"
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l connect-timeout -d 'Give up connecting after this long (e.g. 10s, 500ms) [default: --timeout]' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ack -d 'Wait for the acknowledgement instead of the reply event'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l hold -d 'Only open the connections and hold them; report how many stayed up and the connect rate'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l insecure -d 'Accept any TLS certificate, e.g. a development server\'s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l json -d 'Print the summary as one JSON object on stdout'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -a "merge" -d 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and __fish_seen_subcommand_from merge" -l json -d 'Print the merged summary as one JSON object (which can be merged again)'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
complete -c sockai -n "__fish_sockai_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockai -n "__fish_sockai_using_subcommand run" -l var -d 'A variable, name=value (repeatable; wins over --vars-file)' -r
complete -c sockai -n "__fish_sockai_using_subcommand run" -l vars-file -d 'A file of name=value lines (# comments; repeatable)' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand run" -l secret -d 'Show this variable\'s value as *** in every report (repeatable; values from {{env.NAME}} are always masked)' -r
complete -c sockai -n "__fish_sockai_using_subcommand run" -s j -l jobs -d 'Run this many files at once, each on its own connections' -r
complete -c sockai -n "__fish_sockai_using_subcommand run" -l timeout -d 'How long a step (connect, expect, ack, wait, reply) may take unless it says `within`' -r
complete -c sockai -n "__fish_sockai_using_subcommand run" -l max-time -d 'Bound on the whole run; steps still waiting then fail, files not started are skipped' -r
complete -c sockai -n "__fish_sockai_using_subcommand run" -l report-junit -d 'Also write a JUnit XML report here (one testcase per file), atomically' -r -F
complete -c sockai -n "__fish_sockai_using_subcommand run" -l fail-fast -d 'Stop starting files after the first failure (the rest are reported skipped)'
complete -c sockai -n "__fish_sockai_using_subcommand run" -l json -d 'Print JSON lines (one per step, one per file, a summary) instead of the report'
complete -c sockai -n "__fish_sockai_using_subcommand run" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "serve" -d 'Run the Socket.IO AI server'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "connect" -d 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "emit" -d 'Connect, emit one event, wait for the reply and exit with a status CI can trust'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "completions" -d 'Print a shell completion script'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "man" -d 'Print a man page (roff)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "bench" -d 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "run" -d 'Run scenario files (REPL commands plus expect, capture, variables) as tests'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "merge" -d 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
