//! The human view of `sockai connect` on a pseudo-terminal: how arguments, binary data and
//! server acknowledgements are shown.

use expectrl::{Eof, Expect, Regex};

use crate::support::NodeServer;
use crate::support::pty::repl;

#[test]
fn client_view_binary_arguments_are_shown_in_place() {
    let node = NodeServer::start();
    let (mut repl, _dir) = repl(&node.url);
    repl.send_line(r#"emit echo {"name": "f.bin", "data": {"$binary": "AQID"}} 7"#)
        .unwrap();
    // What was sent, then what came back, with the bytes in place of the base64.
    repl.expect(r#"→ echo {"name":"f.bin","data":<binary 3 bytes: 01 02 03>} 7"#)
        .unwrap();
    repl.expect(Regex(
        r#"/ echo \[\{"name":"f\.bin","data":<binary 3 bytes: 01 02 03>\},7\]"#,
    ))
    .unwrap();
    repl.send_line("quit").unwrap();
    repl.expect(Eof).unwrap();
}

#[test]
fn client_view_a_server_ack_request_says_how_to_answer_it() {
    let node = NodeServer::start();
    let (mut repl, _dir) = repl(&node.url);
    repl.send_line("emit question").unwrap();
    let asked = repl
        .expect(Regex(
            r#"/ question "2\+2\?" \(ack (\d+) requested: reply \d+ …\)"#,
        ))
        .unwrap();
    let id = String::from_utf8_lossy(asked.get(1).unwrap()).into_owned();
    repl.send_line("status").unwrap();
    // In the order status prints them.
    repl.expect(Regex(r"transport: +websocket \(Engine\.IO 4\)"))
        .unwrap();
    repl.expect(format!("server acks:  {id} (question)").as_str())
        .unwrap();
    repl.send_line(format!("reply {id} 4")).unwrap();
    repl.expect(format!("→ reply {id} (question) 4").as_str())
        .unwrap();
    repl.expect(Regex(r"/ answered 4")).unwrap();
    repl.send_line("quit").unwrap();
    repl.expect(Eof).unwrap();
}
