
use builtin;
use str;

set edit:completion:arg-completer[sockai] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sockai'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sockai'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the Socket.IO AI server'
            cand connect 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)'
            cand emit 'Connect, emit one event, wait for the reply and exit with a status CI can trust'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand bench 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
            cand run 'Run scenario files (REPL commands plus expect, capture, variables) as tests'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockai;serve'= {
            cand --host 'Address to listen on; use 0.0.0.0 to accept connections from other machines (and set --auth-token: anyone who reaches the server can use its provider)'
            cand -p 'Port to listen on; 0 picks a free port'
            cand --port 'Port to listen on; 0 picks a free port'
            cand --provider 'AI provider that answers `ai-message`'
            cand --model 'Model to ask [default: gemini: $GEMINI_MODEL or gemini-2.5-flash; openai: $OPENAI_MODEL or gpt-4o-mini]'
            cand --base-url 'Provider API base URL [default: gemini: https://generativelanguage.googleapis.com; openai: $OPENAI_BASE_URL or https://api.openai.com/v1, e.g. http://localhost:11434/v1]'
            cand --system 'System prompt: instructions sent before every conversation'
            cand --temperature 'Sampling temperature (0 to 2); the provider''s default when not given'
            cand --max-tokens 'Longest answer, in tokens [default: openai: 1024, always sent; gemini: the model''s own]'
            cand --history 'Exchanges each connection remembers and sends as context; 0 turns memory off'
            cand --ai-timeout 'Longest a whole answer may take before `ai-message-error` with code `timeout`'
            cand --ai-retries 'Retries of a provider answer with status 429 or 5xx (with backoff, honouring Retry-After)'
            cand --max-concurrent-ai 'Answers computed at once over the whole server; more wait for a free slot'
            cand --echo-delay-ms 'Delay before the echo provider answers, to imitate a model''s latency'
            cand --max-prompt-bytes 'Longest prompt accepted, in bytes'
            cand --ping-interval 'Engine.IO ping interval (e.g. 25s, 300ms)'
            cand --ping-timeout 'Engine.IO ping timeout (e.g. 20s, 200ms)'
            cand --max-payload 'Largest Engine.IO payload accepted, in bytes'
            cand --shutdown-timeout 'How long shutdown waits for answers in flight before closing sockets'
            cand --threads 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU'
            cand --cors-origin 'Allow web pages from this origin to use the server: WebSocket, long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173; no `*`). Default: the server''s own origin and, on a loopback --host, loopback origins (localhost, 127.0.0.1, [::1], any port). Requests without an `Origin` header (CLI tools, server-side clients) are not affected'
            cand --allowed-host 'Also serve requests whose `Host` is this name (repeatable, e.g. devbox.local, a name from /etc/hosts or a dev proxy; .example.com for a domain and its subdomains; no `*`). Against DNS rebinding, a server on a loopback address (the default) serves only localhost, *.localhost, 127.x.x.x, [::1], the hosts of --cors-origin and these; others get 403. Beyond loopback no name is checked unless this is given (then the --host address is served too)'
            cand --trusted-proxy 'Believe `X-Forwarded-For` / `Forwarded` from this proxy: an address or a network (repeatable, e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8). The client''s address is then the rightmost hop that is not a trusted proxy, in logs and for the per-address rate limit of `/api/ai`. From anyone else these headers are ignored'
            cand --auth-token 'Require this token from every client: Socket.IO `auth.token`, or `Authorization: Bearer` on the raw WebSocket and `/api/ai`. Prefer the environment variable: flags show in `ps`'
            cand --max-connections 'Most connections held at once (Socket.IO sockets, raw WebSockets and `POST /api/ai` requests being answered, together)'
            cand --rate-limit 'Events per second one socket may send (bursts up to the same number); 0 turns it off. Excess events get a `too_many_events` error; a socket that keeps going is disconnected. `POST /api/ai` gets the same rate per client address (excess: HTTP 429)'
            cand --log-format 'Log format on stderr'
            cand --no-stream 'Send only the whole answer, no `ai-message-chunk` events'
            cand --echo-server 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server'
            cand --allow-eio3 'Also accept Socket.IO 2.x clients (Engine.IO 3), as Node''s allowEIO3'
            cand --no-loopback-origins 'Do not allow pages from loopback origins (http(s)://localhost, 127.0.0.1, [::1]) by default on a loopback --host: only the server''s own origin and --cors-origin ones'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockai;connect'= {
            cand -n 'Namespace to join [default: the URL''s path, else /]'
            cand --namespace 'Namespace to join [default: the URL''s path, else /]'
            cand --path 'Engine.IO path on the server'
            cand --auth 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')'
            cand -H 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --header 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --query 'Extra query parameter for the handshake, key=value (repeatable)'
            cand --transport 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]'
            cand --eio 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]'
            cand --connect-timeout 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]'
            cand --history-file 'Where to keep the command history [default: $XDG_DATA_HOME/sockai/history]'
            cand --ack-timeout 'How long `ack` and `emit --ack` wait for the acknowledgement'
            cand --collection 'The file of saved messages (`save NAME` at the prompt, then type NAME to send it again); a scenario file of `## NAME` blocks that `sockai run` runs [default: ./saved.sockai]'
            cand --record 'Write the session as a scenario file when it ends: the commands, and `expect` lines for the events and acknowledgements that arrived (replay it with `sockai run FILE --var url=…`)'
            cand --insecure 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
            cand --reconnect 'Reconnect when the connection is lost [default: on for connect, off for emit]'
            cand --no-reconnect 'Do not reconnect when the connection is lost'
            cand --json 'Print JSON lines (one record per event) even on a terminal'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockai;emit'= {
            cand -n 'Namespace to join [default: the URL''s path, else /]'
            cand --namespace 'Namespace to join [default: the URL''s path, else /]'
            cand --path 'Engine.IO path on the server'
            cand --auth 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')'
            cand -H 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --header 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --query 'Extra query parameter for the handshake, key=value (repeatable)'
            cand --transport 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]'
            cand --eio 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]'
            cand --connect-timeout 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]'
            cand -e 'Wait for this event and print its payload (repeatable: in this order)'
            cand --expect 'Wait for this event and print its payload (repeatable: in this order)'
            cand --ack-reply 'Answer every acknowledgement the server asks for during the run with this argument (repeatable: the arguments, in order, read like the event''s; alone: no arguments)'
            cand -t 'Bound on the whole run, connecting included'
            cand --timeout 'Bound on the whole run, connecting included'
            cand --assert '''<json-pointer>=<json>'': the last payload waited for has this value there (repeatable)'
            cand --assert-contains '''<json-pointer>~<text>'': the value there contains this text (repeatable)'
            cand --count 'Emit this many times (each waits for its ack/expectations) and report round-trip times'
            cand --interval 'Pause between repeated emits'
            cand --insecure 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
            cand --reconnect 'Reconnect when the connection is lost [default: on for connect, off for emit]'
            cand --no-reconnect 'Do not reconnect when the connection is lost'
            cand --ack 'Ask for an acknowledgement, wait for it and print it'
            cand --print-chunks 'Also print ai-message-chunk payloads while waiting'
            cand --json 'Print a JSON-lines transcript (connect, sent, received, ack, stats, error) on stdout'
            cand -q 'Print no payloads; rely on the exit status (errors still go to stderr)'
            cand --quiet 'Print no payloads; rely on the exit status (errors still go to stderr)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockai;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;bench'= {
            cand --scenario 'Run this scenario file (docs/scenarios.md) as each virtual user'
            cand --var 'A scenario variable, name=value (repeatable; wins over --vars-file)'
            cand --vars-file 'A file of name=value lines for the scenario (# comments; repeatable)'
            cand --secret 'Show this scenario variable''s value as *** in failures (repeatable; values from {{env.NAME}} are always masked)'
            cand --arrival-rate 'New users per second, each running the scenario once (instead of --clients users running it again and again)'
            cand --ramp-to 'Ramp the arrival rate linearly to this over --ramp-duration, then hold it'
            cand --ramp-duration 'How long the ramp lasts [default: --duration]'
            cand --start-at 'Wait until this time to start (RFC 3339, e.g. 2026-12-07T22:00:00Z, or unix seconds), so that generators started on several machines line up; at most 1h away, and a time already past starts at once'
            cand -c 'Connections to open (at most 20000: the open-file limit of one process); with --scenario, users at once'
            cand --clients 'Connections to open (at most 20000: the open-file limit of one process); with --scenario, users at once'
            cand --connect-rate 'New connections per second during the ramp (with --scenario: users started per second); 0: as fast as possible (256 handshakes in flight)'
            cand -d 'Length of the measuring window (at most 1h)'
            cand --duration 'Length of the measuring window (at most 1h)'
            cand --event 'Event each client emits, with {"prompt": "…"}'
            cand --payload-bytes 'Size of the prompt in bytes'
            cand --reply 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)'
            cand -n 'Namespace to join [default: the URL''s path, else /]'
            cand --namespace 'Namespace to join [default: the URL''s path, else /]'
            cand --path 'Engine.IO path on the server'
            cand --auth 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')'
            cand -H 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --header 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)'
            cand --query 'Extra query parameter for the handshake, key=value (repeatable)'
            cand --eio 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]'
            cand --timeout 'Give up on a connect (unless --connect-timeout says otherwise) or a round trip after this long (with --scenario: a waiting step without `within`, and the grace of the passes in progress when --duration ends)'
            cand --max-errors 'Failed connections + dropped connections + failed round trips (with --scenario: failed passes) tolerated before exit 1'
            cand --threads 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server'
            cand --transport 'Transport of every client: a direct WebSocket (the default, without a fallback), HTTP long-polling, or polling upgraded to WebSocket as browsers do (the round trips then run over the upgraded socket)'
            cand --connect-timeout 'Give up connecting after this long (e.g. 10s, 500ms) [default: --timeout]'
            cand --ack 'Wait for the acknowledgement instead of the reply event'
            cand --hold 'Only open the connections and hold them; report how many stayed up and the connect rate'
            cand --insecure 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control'
            cand --json 'Print the summary as one JSON object on stdout'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand merge 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockai;bench;merge'= {
            cand --json 'Print the merged summary as one JSON object (which can be merged again)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;bench;help'= {
            cand merge 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockai;bench;help;merge'= {
        }
        &'sockai;bench;help;help'= {
        }
        &'sockai;run'= {
            cand --var 'A variable, name=value (repeatable; wins over --vars-file)'
            cand --vars-file 'A file of name=value lines (# comments; repeatable)'
            cand --secret 'Show this variable''s value as *** in every report (repeatable; values from {{env.NAME}} are always masked)'
            cand -j 'Run this many files at once, each on its own connections'
            cand --jobs 'Run this many files at once, each on its own connections'
            cand --timeout 'How long a step (connect, expect, ack, wait, reply) may take unless it says `within`'
            cand --max-time 'Bound on the whole run; steps still waiting then fail, files not started are skipped'
            cand --report-junit 'Also write a JUnit XML report here (one testcase per file), atomically'
            cand --fail-fast 'Stop starting files after the first failure (the rest are reported skipped)'
            cand --json 'Print JSON lines (one per step, one per file, a summary) instead of the report'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;help'= {
            cand serve 'Run the Socket.IO AI server'
            cand connect 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)'
            cand emit 'Connect, emit one event, wait for the reply and exit with a status CI can trust'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand bench 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
            cand run 'Run scenario files (REPL commands plus expect, capture, variables) as tests'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockai;help;serve'= {
        }
        &'sockai;help;connect'= {
        }
        &'sockai;help;emit'= {
        }
        &'sockai;help;completions'= {
        }
        &'sockai;help;man'= {
        }
        &'sockai;help;bench'= {
            cand merge 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together'
        }
        &'sockai;help;bench;merge'= {
        }
        &'sockai;help;run'= {
        }
        &'sockai;help;help'= {
        }
    ]
    $completions[$command]
}
