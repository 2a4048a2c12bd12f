
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sockai' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sockai'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sockai' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Socket.IO AI server')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Connect, emit one event, wait for the reply and exit with a status CI can trust')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Socket.IO server: many clients, round trips, latency percentiles')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run scenario files (REPL commands plus expect, capture, variables) as tests')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockai;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on; use 0.0.0.0 to accept connections from other machines (and set --auth-token: anyone who reaches the server can use its provider)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free port')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'AI provider that answers `ai-message`')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model to ask [default: gemini: $GEMINI_MODEL or gemini-2.5-flash; openai: $OPENAI_MODEL or gpt-4o-mini]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Provider API base URL [default: gemini: https://generativelanguage.googleapis.com; openai: $OPENAI_BASE_URL or https://api.openai.com/v1, e.g. http://localhost:11434/v1]')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt: instructions sent before every conversation')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature (0 to 2); the provider''s default when not given')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Longest answer, in tokens [default: openai: 1024, always sent; gemini: the model''s own]')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Exchanges each connection remembers and sends as context; 0 turns memory off')
            [CompletionResult]::new('--ai-timeout', '--ai-timeout', [CompletionResultType]::ParameterName, 'Longest a whole answer may take before `ai-message-error` with code `timeout`')
            [CompletionResult]::new('--ai-retries', '--ai-retries', [CompletionResultType]::ParameterName, 'Retries of a provider answer with status 429 or 5xx (with backoff, honouring Retry-After)')
            [CompletionResult]::new('--max-concurrent-ai', '--max-concurrent-ai', [CompletionResultType]::ParameterName, 'Answers computed at once over the whole server; more wait for a free slot')
            [CompletionResult]::new('--echo-delay-ms', '--echo-delay-ms', [CompletionResultType]::ParameterName, 'Delay before the echo provider answers, to imitate a model''s latency')
            [CompletionResult]::new('--max-prompt-bytes', '--max-prompt-bytes', [CompletionResultType]::ParameterName, 'Longest prompt accepted, in bytes')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Engine.IO ping interval (e.g. 25s, 300ms)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'Engine.IO ping timeout (e.g. 20s, 200ms)')
            [CompletionResult]::new('--max-payload', '--max-payload', [CompletionResultType]::ParameterName, 'Largest Engine.IO payload accepted, in bytes')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'How long shutdown waits for answers in flight before closing sockets')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU')
            [CompletionResult]::new('--cors-origin', '--cors-origin', [CompletionResultType]::ParameterName, 'Allow web pages from this origin to use the server: WebSocket, long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173; no `*`). Default: the server''s own origin and, on a loopback --host, loopback origins (localhost, 127.0.0.1, [::1], any port). Requests without an `Origin` header (CLI tools, server-side clients) are not affected')
            [CompletionResult]::new('--allowed-host', '--allowed-host', [CompletionResultType]::ParameterName, 'Also serve requests whose `Host` is this name (repeatable, e.g. devbox.local, a name from /etc/hosts or a dev proxy; .example.com for a domain and its subdomains; no `*`). Against DNS rebinding, a server on a loopback address (the default) serves only localhost, *.localhost, 127.x.x.x, [::1], the hosts of --cors-origin and these; others get 403. Beyond loopback no name is checked unless this is given (then the --host address is served too)')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'Believe `X-Forwarded-For` / `Forwarded` from this proxy: an address or a network (repeatable, e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8). The client''s address is then the rightmost hop that is not a trusted proxy, in logs and for the per-address rate limit of `/api/ai`. From anyone else these headers are ignored')
            [CompletionResult]::new('--auth-token', '--auth-token', [CompletionResultType]::ParameterName, 'Require this token from every client: Socket.IO `auth.token`, or `Authorization: Bearer` on the raw WebSocket and `/api/ai`. Prefer the environment variable: flags show in `ps`')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections held at once (Socket.IO sockets, raw WebSockets and `POST /api/ai` requests being answered, together)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Events per second one socket may send (bursts up to the same number); 0 turns it off. Excess events get a `too_many_events` error; a socket that keeps going is disconnected. `POST /api/ai` gets the same rate per client address (excess: HTTP 429)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Send only the whole answer, no `ai-message-chunk` events')
            [CompletionResult]::new('--echo-server', '--echo-server', [CompletionResultType]::ParameterName, 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server')
            [CompletionResult]::new('--allow-eio3', '--allow-eio3', [CompletionResultType]::ParameterName, 'Also accept Socket.IO 2.x clients (Engine.IO 3), as Node''s allowEIO3')
            [CompletionResult]::new('--no-loopback-origins', '--no-loopback-origins', [CompletionResultType]::ParameterName, 'Do not allow pages from loopback origins (http(s)://localhost, 127.0.0.1, [::1]) by default on a loopback --host: only the server''s own origin and --cors-origin ones')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockai;connect' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Engine.IO path on the server')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Extra query parameter for the handshake, key=value (repeatable)')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]')
            [CompletionResult]::new('--eio', '--eio', [CompletionResultType]::ParameterName, 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]')
            [CompletionResult]::new('--history-file', '--history-file', [CompletionResultType]::ParameterName, 'Where to keep the command history [default: $XDG_DATA_HOME/sockai/history]')
            [CompletionResult]::new('--ack-timeout', '--ack-timeout', [CompletionResultType]::ParameterName, 'How long `ack` and `emit --ack` wait for the acknowledgement')
            [CompletionResult]::new('--collection', '--collection', [CompletionResultType]::ParameterName, 'The file of saved messages (`save NAME` at the prompt, then type NAME to send it again); a scenario file of `## NAME` blocks that `sockai run` runs [default: ./saved.sockai]')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Write the session as a scenario file when it ends: the commands, and `expect` lines for the events and acknowledgements that arrived (replay it with `sockai run FILE --var url=…`)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the connection is lost [default: on for connect, off for emit]')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Do not reconnect when the connection is lost')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON lines (one record per event) even on a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockai;emit' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Engine.IO path on the server')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Extra query parameter for the handshake, key=value (repeatable)')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Transport [default: WebSocket, falling back to long-polling when the WebSocket handshake fails]')
            [CompletionResult]::new('--eio', '--eio', [CompletionResultType]::ParameterName, 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Wait for this event and print its payload (repeatable: in this order)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Wait for this event and print its payload (repeatable: in this order)')
            [CompletionResult]::new('--ack-reply', '--ack-reply', [CompletionResultType]::ParameterName, 'Answer every acknowledgement the server asks for during the run with this argument (repeatable: the arguments, in order, read like the event''s; alone: no arguments)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Bound on the whole run, connecting included')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the whole run, connecting included')
            [CompletionResult]::new('--assert', '--assert', [CompletionResultType]::ParameterName, '''<json-pointer>=<json>'': the last payload waited for has this value there (repeatable)')
            [CompletionResult]::new('--assert-contains', '--assert-contains', [CompletionResultType]::ParameterName, '''<json-pointer>~<text>'': the value there contains this text (repeatable)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Emit this many times (each waits for its ack/expectations) and report round-trip times')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Pause between repeated emits')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the connection is lost [default: on for connect, off for emit]')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Do not reconnect when the connection is lost')
            [CompletionResult]::new('--ack', '--ack', [CompletionResultType]::ParameterName, 'Ask for an acknowledgement, wait for it and print it')
            [CompletionResult]::new('--print-chunks', '--print-chunks', [CompletionResultType]::ParameterName, 'Also print ai-message-chunk payloads while waiting')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON-lines transcript (connect, sent, received, ack, stats, error) on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no payloads; rely on the exit status (errors still go to stderr)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no payloads; rely on the exit status (errors still go to stderr)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockai;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;bench' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Run this scenario file (docs/scenarios.md) as each virtual user')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'A scenario variable, name=value (repeatable; wins over --vars-file)')
            [CompletionResult]::new('--vars-file', '--vars-file', [CompletionResultType]::ParameterName, 'A file of name=value lines for the scenario (# comments; repeatable)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Show this scenario variable''s value as *** in failures (repeatable; values from {{env.NAME}} are always masked)')
            [CompletionResult]::new('--arrival-rate', '--arrival-rate', [CompletionResultType]::ParameterName, 'New users per second, each running the scenario once (instead of --clients users running it again and again)')
            [CompletionResult]::new('--ramp-to', '--ramp-to', [CompletionResultType]::ParameterName, 'Ramp the arrival rate linearly to this over --ramp-duration, then hold it')
            [CompletionResult]::new('--ramp-duration', '--ramp-duration', [CompletionResultType]::ParameterName, 'How long the ramp lasts [default: --duration]')
            [CompletionResult]::new('--start-at', '--start-at', [CompletionResultType]::ParameterName, 'Wait until this time to start (RFC 3339, e.g. 2026-12-07T22:00:00Z, or unix seconds), so that generators started on several machines line up; at most 1h away, and a time already past starts at once')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Connections to open (at most 20000: the open-file limit of one process); with --scenario, users at once')
            [CompletionResult]::new('--clients', '--clients', [CompletionResultType]::ParameterName, 'Connections to open (at most 20000: the open-file limit of one process); with --scenario, users at once')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'New connections per second during the ramp (with --scenario: users started per second); 0: as fast as possible (256 handshakes in flight)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Length of the measuring window (at most 1h)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Length of the measuring window (at most 1h)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Event each client emits, with {"prompt": "…"}')
            [CompletionResult]::new('--payload-bytes', '--payload-bytes', [CompletionResultType]::ParameterName, 'Size of the prompt in bytes')
            [CompletionResult]::new('--reply', '--reply', [CompletionResultType]::ParameterName, 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to join [default: the URL''s path, else /]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Engine.IO path on the server')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'The handshake `auth` payload, a JSON object (e.g. ''{"token":"abc"}'')')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for the handshake, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Extra query parameter for the handshake, key=value (repeatable)')
            [CompletionResult]::new('--eio', '--eio', [CompletionResultType]::ParameterName, 'Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers) [default: detected from the server''s handshake]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a connect (unless --connect-timeout says otherwise) or a round trip after this long (with --scenario: a waiting step without `within`, and the grace of the passes in progress when --duration ends)')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Failed connections + dropped connections + failed round trips (with --scenario: failed passes) tolerated before exit 1')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Transport of every client: a direct WebSocket (the default, without a fallback), HTTP long-polling, or polling upgraded to WebSocket as browsers do (the round trips then run over the upgraded socket)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (e.g. 10s, 500ms) [default: --timeout]')
            [CompletionResult]::new('--ack', '--ack', [CompletionResultType]::ParameterName, 'Wait for the acknowledgement instead of the reply event')
            [CompletionResult]::new('--hold', '--hold', [CompletionResultType]::ParameterName, 'Only open the connections and hold them; report how many stayed up and the connect rate')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, e.g. a development server''s self-signed one. Certificates are then not checked at all: never use it against a server you do not control')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as one JSON object on stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockai;bench;merge' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the merged summary as one JSON object (which can be merged again)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;bench;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockai;bench;help;merge' {
            break
        }
        'sockai;bench;help;help' {
            break
        }
        'sockai;run' {
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'A variable, name=value (repeatable; wins over --vars-file)')
            [CompletionResult]::new('--vars-file', '--vars-file', [CompletionResultType]::ParameterName, 'A file of name=value lines (# comments; repeatable)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Show this variable''s value as *** in every report (repeatable; values from {{env.NAME}} are always masked)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Run this many files at once, each on its own connections')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Run this many files at once, each on its own connections')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a step (connect, expect, ack, wait, reply) may take unless it says `within`')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Bound on the whole run; steps still waiting then fail, files not started are skipped')
            [CompletionResult]::new('--report-junit', '--report-junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here (one testcase per file), atomically')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop starting files after the first failure (the rest are reported skipped)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON lines (one per step, one per file, a summary) instead of the report')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Socket.IO AI server')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Connect, emit one event, wait for the reply and exit with a status CI can trust')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Socket.IO server: many clients, round trips, latency percentiles')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run scenario files (REPL commands plus expect, capture, variables) as tests')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockai;help;serve' {
            break
        }
        'sockai;help;connect' {
            break
        }
        'sockai;help;emit' {
            break
        }
        'sockai;help;completions' {
            break
        }
        'sockai;help;man' {
            break
        }
        'sockai;help;bench' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Add up the --json summaries of several runs: counts, rates, and the exact percentiles of all their samples together')
            break
        }
        'sockai;help;bench;merge' {
            break
        }
        'sockai;help;run' {
            break
        }
        'sockai;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
