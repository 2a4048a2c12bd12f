//! The REPL's command language: parsing a line into a [`Command`], and the help texts.

use std::time::Duration;

use serde_json::Value;

use super::args::{rest_of_line, split_words};
use super::value::{self, parse_value};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Empty,
    /// `ai <prompt>`: emit `ai-message` `{"prompt": …}`.
    Ai(String),
    /// `msg <text>`: emit `message`.
    Msg(Value),
    /// `emit [--ack] <event> [arg …]`, `ack <event> [arg …]`.
    Emit {
        event: String,
        args: Vec<Value>,
        ack: bool,
    },
    /// `reply <ack_id> [arg …]`: answer the server's acknowledgement request.
    Reply {
        ack_id: u64,
        args: Vec<Value>,
    },
    On(Vec<String>),
    Off(Vec<String>),
    Only(Vec<String>),
    /// `wait <event> [timeout]`: block the script until the event (or `connect`, `disconnect`)
    /// has arrived.
    Wait {
        event: String,
        timeout: Option<Duration>,
    },
    Status,
    Disconnect,
    Reconnect,
    Clear,
    Help(Option<String>),
    Quit,
}

/// Name, usage and description of every command, in the order `help` lists them.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "ai",
        "ai <prompt>",
        "emit ai-message {\"prompt\": <prompt>}",
    ),
    (
        "cancel",
        "cancel [id]",
        "emit ai-cancel (with {\"id\": <id>} if given): stop the answer in flight; prints the \
         acknowledgement",
    ),
    (
        "msg",
        "msg <text>",
        "emit message with the text (JSON if it starts like JSON)",
    ),
    (
        "emit",
        "emit [--ack] <event> [arg …]",
        "emit an event; each arg is JSON if it parses, else text ({ [ \" must parse); \
         @file reads a file, @@file sends its bytes as binary",
    ),
    (
        "ack",
        "ack <event> [arg …]",
        "emit and wait for the acknowledgement; prints it with its latency",
    ),
    (
        "reply",
        "reply <ack_id> [arg …]",
        "answer an acknowledgement the server asked for (its id is shown with the event); \
         args as for emit",
    ),
    (
        "on",
        "on [event …]",
        "show these events again (no event: show every event)",
    ),
    ("off", "off <event …>", "hide these events"),
    ("only", "only <event …>", "show only these events"),
    (
        "wait",
        "wait <event> [timeout]",
        "wait until the event arrives (also connect, disconnect); for scripts",
    ),
    (
        "status",
        "status",
        "connection, socket id, transport, Engine.IO version, ping interval, acks waiting, \
         filters",
    ),
    ("disconnect", "disconnect", "leave the server"),
    (
        "reconnect",
        "reconnect",
        "connect again with the same options",
    ),
    ("clear", "clear", "clear the screen"),
    ("help", "help [command]", "this list, or one command's help"),
    ("quit", "quit", "leave (also exit, Ctrl-D)"),
];

/// Help for one command, or the list.
pub fn help(topic: Option<&str>) -> Result<String, String> {
    match topic {
        None => {
            let width = COMMANDS
                .iter()
                .map(|(_, u, _)| u.chars().count())
                .max()
                .unwrap_or(0);
            let mut text = String::from("Commands:\n");
            for (_, usage, what) in COMMANDS {
                let pad = width - usage.chars().count();
                text.push_str(&format!("  {usage}{}  {what}\n", " ".repeat(pad)));
            }
            text.push_str(
                "Incoming events are shown as they arrive. A line with an unclosed { or [ goes on \
                 on the next line.",
            );
            Ok(text)
        }
        Some(topic) => COMMANDS
            .iter()
            .find(|(name, _, _)| *name == topic || (topic == "exit" && *name == "quit"))
            .map(|(_, usage, what)| format!("{usage}\n  {what}"))
            .ok_or_else(|| format!("no command {topic:?}; type `help` for the list")),
    }
}

/// Parse one (possibly multi-line) command.
pub fn parse(line: &str) -> Result<Command, String> {
    let words = split_words(line).map_err(|e| e.to_string())?;
    let Some((name, rest)) = words.split_first() else {
        return Ok(Command::Empty);
    };
    let usage = |name: &str| {
        help(Some(name))
            .map(|h| format!("usage: {}", h.lines().next().unwrap_or_default()))
            .unwrap_or_default()
    };
    let names = |rest: &[String]| rest.iter().map(|w| unquote(w)).collect::<Vec<_>>();
    let none = |command: Command| {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err(format!("`{name}` takes no arguments"))
        }
    };
    match name.as_str() {
        "ai" => match rest_of_line(line) {
            "" => Err(usage("ai")),
            prompt => Ok(Command::Ai(prompt.to_owned())),
        },
        // An acknowledged emit: the ack says whether an answer was stopped.
        "cancel" => match rest {
            [] => Ok(Command::Emit {
                event: crate::wire::event::AI_CANCEL.to_owned(),
                args: Vec::new(),
                ack: true,
            }),
            [id] => Ok(Command::Emit {
                event: crate::wire::event::AI_CANCEL.to_owned(),
                args: vec![serde_json::json!({ "id": unquote(id) })],
                ack: true,
            }),
            _ => Err(usage("cancel")),
        },
        "msg" | "message" => match rest_of_line(line) {
            "" => Err(usage("msg")),
            text => Ok(Command::Msg(parse_value(text).map_err(|e| e.to_string())?)),
        },
        "emit" | "ack" => {
            let (ack, rest) = match rest.split_first() {
                Some((flag, rest)) if flag == "--ack" => (true, rest),
                _ => (name == "ack", rest),
            };
            let Some((event, args)) = rest.split_first() else {
                return Err(usage(name));
            };
            let args = value::resolve_args(args, value::Stdin::None).map_err(|e| e.to_string())?;
            Ok(Command::Emit {
                event: unquote(event),
                args,
                ack,
            })
        }
        "reply" => {
            let Some((id, args)) = rest.split_first() else {
                return Err(usage("reply"));
            };
            let ack_id = id.parse::<u64>().map_err(|_| {
                format!(
                    "{id:?} is not an acknowledgement id: the number shown with the event \
                     (`status` lists them)"
                )
            })?;
            let args = value::resolve_args(args, value::Stdin::None).map_err(|e| e.to_string())?;
            Ok(Command::Reply { ack_id, args })
        }
        "on" => Ok(Command::On(names(rest))),
        "off" if rest.is_empty() => Err(usage("off")),
        "off" => Ok(Command::Off(names(rest))),
        "only" if rest.is_empty() => Err(usage("only")),
        "only" => Ok(Command::Only(names(rest))),
        "wait" => match rest {
            [event] => Ok(Command::Wait {
                event: unquote(event),
                timeout: None,
            }),
            [event, timeout] => Ok(Command::Wait {
                event: unquote(event),
                timeout: Some(crate::duration::parse_duration(timeout)?),
            }),
            _ => Err(usage("wait")),
        },
        "status" => none(Command::Status),
        "disconnect" => none(Command::Disconnect),
        "reconnect" | "connect" => none(Command::Reconnect),
        "clear" => none(Command::Clear),
        "help" | "?" => match rest {
            [] => Ok(Command::Help(None)),
            [topic] => Ok(Command::Help(Some(topic.clone()))),
            _ => Err(usage("help")),
        },
        "quit" | "exit" => none(Command::Quit),
        other => Err(format!(
            "unknown command {other:?}; type `help` for the list"
        )),
    }
}

/// An event name may be written "quoted"; the quotes are not part of it.
pub(crate) fn unquote(word: &str) -> String {
    match serde_json::from_str::<Value>(word) {
        Ok(Value::String(s)) if word.starts_with('"') => s,
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_parse() {
        assert_eq!(parse("  ").unwrap(), Command::Empty);
        assert_eq!(
            parse("ai tell me  a joke").unwrap(),
            Command::Ai("tell me  a joke".into())
        );
        assert_eq!(
            parse("msg hello there").unwrap(),
            Command::Msg(json!("hello there"))
        );
        assert_eq!(
            parse("msg {\"text\": \"hi\"}").unwrap(),
            Command::Msg(json!({"text": "hi"}))
        );
        assert_eq!(
            parse("emit chat {\"a\": 1} 2 two").unwrap(),
            Command::Emit {
                event: "chat".into(),
                args: vec![json!({"a": 1}), json!(2), json!("two")],
                ack: false
            }
        );
        assert_eq!(
            parse("emit --ack \"Mixed Name\"").unwrap(),
            Command::Emit {
                event: "Mixed Name".into(),
                args: vec![],
                ack: true
            }
        );
        assert!(matches!(
            parse("ack x 1").unwrap(),
            Command::Emit { ack: true, .. }
        ));
        assert_eq!(
            parse("wait ai-message-response 2s").unwrap(),
            Command::Wait {
                event: "ai-message-response".into(),
                timeout: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            parse("only a b").unwrap(),
            Command::Only(vec!["a".into(), "b".into()])
        );
        assert_eq!(parse("on").unwrap(), Command::On(vec![]));
        assert_eq!(
            parse("reply 3 4 {\"ok\": true} text").unwrap(),
            Command::Reply {
                ack_id: 3,
                args: vec![json!(4), json!({"ok": true}), json!("text")]
            }
        );
        assert_eq!(
            parse("reply 0").unwrap(),
            Command::Reply {
                ack_id: 0,
                args: vec![]
            }
        );
        assert_eq!(parse("exit").unwrap(), Command::Quit);
        assert_eq!(
            parse("help emit").unwrap(),
            Command::Help(Some("emit".into()))
        );
    }

    #[test]
    fn cancel_emits_ai_cancel_with_an_ack() {
        let cancel = |args: Vec<Value>| Command::Emit {
            event: "ai-cancel".into(),
            args,
            ack: true,
        };
        assert_eq!(parse("cancel"), Ok(cancel(Vec::new())));
        assert_eq!(
            parse("cancel 1a2b3c4d-7"),
            Ok(cancel(vec![json!({"id": "1a2b3c4d-7"})]))
        );
        assert!(parse("cancel a b").unwrap_err().contains("cancel [id]"));
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse("ai").unwrap_err().starts_with("usage: ai <prompt>"));
        assert!(parse("emit").unwrap_err().starts_with("usage: emit"));
        assert!(parse("off").is_err());
        assert!(parse("status now").unwrap_err().contains("no arguments"));
        assert!(parse("frobnicate").unwrap_err().contains("unknown command"));
        assert!(parse("wait x soon").is_err());
        assert!(parse("emit x {\"a\":").is_err());
        assert!(
            parse("reply")
                .unwrap_err()
                .starts_with("usage: reply <ack_id>")
        );
        assert!(
            parse("reply question 4")
                .unwrap_err()
                .contains("not an acknowledgement id")
        );
        assert!(parse("reply -1").is_err());
        assert!(
            parse("reply 1 {a:1}")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn help_lists_every_command() {
        let all = help(None).unwrap();
        for (name, _, _) in COMMANDS {
            assert!(all.contains(name));
        }
        assert!(help(Some("ack")).unwrap().contains("latency"));
        assert!(help(Some("nope")).is_err());
    }
}
