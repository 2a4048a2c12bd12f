
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
            cand connect 'Open an interactive Socket.IO client (not yet implemented)'
            cand emit 'Connect, emit one event, wait for the reply and exit (not yet implemented)'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand bench 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockai;serve'= {
            cand --host 'Address to listen on; use 0.0.0.0 to accept connections from other machines'
            cand -p 'Port to listen on; 0 picks a free port'
            cand --port 'Port to listen on; 0 picks a free port'
            cand --provider 'AI provider that answers `ai-message`'
            cand --echo-delay-ms 'Delay before the echo provider answers, to imitate a model''s latency'
            cand --max-prompt-bytes 'Longest prompt accepted, in bytes'
            cand --ping-interval 'Engine.IO ping interval (e.g. 25s, 300ms)'
            cand --ping-timeout 'Engine.IO ping timeout (e.g. 20s, 200ms)'
            cand --max-payload 'Largest Engine.IO payload accepted, in bytes'
            cand --shutdown-timeout 'How long shutdown waits for answers in flight before closing sockets'
            cand --threads 'Runtime threads. 1 (default): one event loop, the steadiest latency (see README, Benchmarks); 0: one per CPU'
            cand --cors-origin 'Allow browser pages from this origin to use HTTP long-polling and `/api/ai` (repeatable, e.g. http://localhost:5173). Default: same origin only, as Node socket.io'
            cand --log-format 'Log format on stderr'
            cand --echo-server 'Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockai;connect'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;emit'= {
            cand -h 'Print help'
            cand --help 'Print help'
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
            cand -c 'Connections to open (at most 20000: the open-file limit of one process)'
            cand --clients 'Connections to open (at most 20000: the open-file limit of one process)'
            cand --connect-rate 'New connections per second during the ramp; 0: as fast as possible (256 handshakes in flight)'
            cand -d 'Length of the measuring window (at most 1h)'
            cand --duration 'Length of the measuring window (at most 1h)'
            cand --event 'Event each client emits, with {"prompt": "…"}'
            cand --payload-bytes 'Size of the prompt in bytes'
            cand --reply 'Event that answers it (other events, e.g. ai-message-chunk, are skipped)'
            cand --namespace 'Socket.IO namespace (default: the URL''s path, or /)'
            cand --path 'Engine.IO path on the server'
            cand --timeout 'Give up on a connect or a round trip after this long'
            cand --max-errors 'Failed connections + dropped connections + failed round trips tolerated before exit 1'
            cand --threads 'Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over 100,000 round trips/s and leaves the other cores to the server'
            cand --ack 'Wait for the acknowledgement instead of the reply event'
            cand --hold 'Only open the connections and hold them; report how many stayed up and the connect rate'
            cand --json 'Print the summary as one JSON object on stdout'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockai;help'= {
            cand serve 'Run the Socket.IO AI server'
            cand connect 'Open an interactive Socket.IO client (not yet implemented)'
            cand emit 'Connect, emit one event, wait for the reply and exit (not yet implemented)'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand bench 'Load-test a Socket.IO server: many clients, round trips, latency percentiles'
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
        }
        &'sockai;help;help'= {
        }
    ]
    $completions[$command]
}
