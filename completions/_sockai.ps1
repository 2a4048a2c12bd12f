
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
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Open an interactive Socket.IO client (not yet implemented)')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Connect, emit one event, wait for the reply and exit (not yet implemented)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Socket.IO server: many clients, round trips, latency percentiles')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockai;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on; use 0.0.0.0 to accept connections from other machines')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free port')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'AI provider that answers `ai-message`')
            [CompletionResult]::new('--echo-delay-ms', '--echo-delay-ms', [CompletionResultType]::ParameterName, 'Delay before the echo provider answers, to imitate a model''s latency')
            [CompletionResult]::new('--max-prompt-bytes', '--max-prompt-bytes', [CompletionResultType]::ParameterName, 'Longest prompt accepted, in bytes')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Engine.IO ping interval (e.g. 25s, 300ms)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'Engine.IO ping timeout (e.g. 20s, 200ms)')
            [CompletionResult]::new('--max-payload', '--max-payload', [CompletionResultType]::ParameterName, 'Largest Engine.IO payload accepted, in bytes')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'How long shutdown waits for answers in flight before closing sockets')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU')
            [CompletionResult]::new('--cors-origin', '--cors-origin', [CompletionResultType]::ParameterName, 'Allow browser pages from this origin to use HTTP long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173). Default: same origin only, as Node socket.io')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr')
            [CompletionResult]::new('--echo-server', '--echo-server', [CompletionResultType]::ParameterName, 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockai;connect' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;emit' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
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
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Connections to open (at most 20000: the open-file limit of one process)')
            [CompletionResult]::new('--clients', '--clients', [CompletionResultType]::ParameterName, 'Connections to open (at most 20000: the open-file limit of one process)')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'New connections per second during the ramp; 0: as fast as possible (256 handshakes in flight)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Length of the measuring window (at most 1h)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Length of the measuring window (at most 1h)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Event each client emits, with {"prompt": "…"}')
            [CompletionResult]::new('--payload-bytes', '--payload-bytes', [CompletionResultType]::ParameterName, 'Size of the prompt in bytes')
            [CompletionResult]::new('--reply', '--reply', [CompletionResultType]::ParameterName, 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Socket.IO namespace (default: the URL''s path, or /)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Engine.IO path on the server')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a connect or a round trip after this long')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Failed connections + dropped connections + failed round trips tolerated before exit 1')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server')
            [CompletionResult]::new('--ack', '--ack', [CompletionResultType]::ParameterName, 'Wait for the acknowledgement instead of the reply event')
            [CompletionResult]::new('--hold', '--hold', [CompletionResultType]::ParameterName, 'Only open the connections and hold them; report how many stayed up and the connect rate')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as one JSON object on stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockai;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Socket.IO AI server')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Open an interactive Socket.IO client (not yet implemented)')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Connect, emit one event, wait for the reply and exit (not yet implemented)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Socket.IO server: many clients, round trips, latency percentiles')
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
            break
        }
        'sockai;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
