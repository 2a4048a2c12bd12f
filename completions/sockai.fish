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
complete -c sockai -n "__fish_sockai_needs_command" -f -a "connect" -d 'Open an interactive Socket.IO client (not yet implemented)'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "emit" -d 'Connect, emit one event, wait for the reply and exit (not yet implemented)'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "man" -d 'Print a man page (roff)'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "bench" -d 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
complete -c sockai -n "__fish_sockai_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l host -d 'Address to listen on; use 0.0.0.0 to accept connections from other machines' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -s p -l port -d 'Port to listen on; 0 picks a free port' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l provider -d 'AI provider that answers `ai-message`' -r -f -a "echo\t'Offline: answers `echo: <prompt>`; no key, no network'"
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l echo-delay-ms -d 'Delay before the echo provider answers, to imitate a model\'s latency' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-prompt-bytes -d 'Longest prompt accepted, in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ping-interval -d 'Engine.IO ping interval (e.g. 25s, 300ms)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l ping-timeout -d 'Engine.IO ping timeout (e.g. 20s, 200ms)' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l max-payload -d 'Largest Engine.IO payload accepted, in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l shutdown-timeout -d 'How long shutdown waits for answers in flight before closing sockets' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l threads -d 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l cors-origin -d 'Allow browser pages from this origin to use HTTP long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173). Default: same origin only, as Node socket.io' -r
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l log-format -d 'Log format on stderr' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c sockai -n "__fish_sockai_using_subcommand serve" -l echo-server -d 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server'
complete -c sockai -n "__fish_sockai_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockai -n "__fish_sockai_using_subcommand connect" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand emit" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand man" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand bench" -s c -l clients -d 'Connections to open (at most 20000: the open-file limit of one process)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l connect-rate -d 'New connections per second during the ramp; 0: as fast as possible (256 handshakes in flight)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -s d -l duration -d 'Length of the measuring window (at most 1h)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l event -d 'Event each client emits, with {"prompt": "…"}' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l payload-bytes -d 'Size of the prompt in bytes' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l reply -d 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l namespace -d 'Socket.IO namespace (default: the URL\'s path, or /)' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l path -d 'Engine.IO path on the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l timeout -d 'Give up on a connect or a round trip after this long' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l max-errors -d 'Failed connections + dropped connections + failed round trips tolerated before exit 1' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l threads -d 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server' -r
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l ack -d 'Wait for the acknowledgement instead of the reply event'
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l hold -d 'Only open the connections and hold them; report how many stayed up and the connect rate'
complete -c sockai -n "__fish_sockai_using_subcommand bench" -l json -d 'Print the summary as one JSON object on stdout'
complete -c sockai -n "__fish_sockai_using_subcommand bench" -s h -l help -d 'Print help'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "serve" -d 'Run the Socket.IO AI server'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "connect" -d 'Open an interactive Socket.IO client (not yet implemented)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "emit" -d 'Connect, emit one event, wait for the reply and exit (not yet implemented)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "completions" -d 'Print a shell completion script'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "man" -d 'Print a man page (roff)'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "bench" -d 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
complete -c sockai -n "__fish_sockai_using_subcommand help; and not __fish_seen_subcommand_from serve connect emit completions man bench help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
