"""A chat server on python-socketio (aiohttp), for `sockai run`'s scenario tests: the same
events and REST routes as tests/node/chat-server.mjs, so one scenario runs on both.

    target/python/bin/python3 tests/python/chat_server.py

Listens on 127.0.0.1 with a free port and prints `listening on http://127.0.0.1:PORT`; leaves
when its stdin closes (the test process died). Events (in `/`, `/private` and `/members`):
    join {room, name}  -> joins; acks {ok: true, room, members}; the room's others get `joined`
    say {room, text}   -> the room's others get `said` {room, from, text, id}; acks {ok, id}
    leave {room}       -> leaves; acks {ok: true}
    quiz               -> emits `question` "2+2?" asking for an ack; the answer comes back as
                          `answered`
    kick               -> the server disconnects the socket
    meet {key}         -> acked {met: key} once two sockets asked with the same key
/private requires auth.token == "s3cret"; /members a token from POST /login.
REST: POST /login {user, password} (password "pw"), GET /me (Bearer token).
"""

import asyncio
import itertools
import json
import secrets
import socket
import sys

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
app = web.Application()
sio.attach(app)

ids = itertools.count(1)
names = {}  # (namespace, sid) -> name
meetings = {}  # key -> asyncio.Future of the first asker
tokens = {}  # token -> user


def authorized(namespace, auth):
    token = (auth or {}).get("token") if isinstance(auth, dict) else None
    if namespace == "/private" and token != "s3cret":
        raise socketio.exceptions.ConnectionRefusedError(
            "not authorized", {"reason": "bad token"}
        )
    if namespace == "/members" and token not in tokens:
        raise socketio.exceptions.ConnectionRefusedError(
            "not authorized", {"reason": "unknown token"}
        )
    return token


def chat(namespace):
    async def connect(sid, environ, auth=None):
        token = authorized(namespace, auth)
        names[(namespace, sid)] = "anonymous"
        if namespace == "/members":
            await sio.emit("welcome", {"user": tokens[token]}, to=sid, namespace=namespace)

    async def disconnect(sid, *reason):
        names.pop((namespace, sid), None)

    async def join(sid, data=None):
        data = data if isinstance(data, dict) else {}
        room = str(data.get("room", ""))
        if "name" in data:
            names[(namespace, sid)] = str(data["name"])
        await sio.enter_room(sid, room, namespace=namespace)
        await sio.emit(
            "joined",
            {"room": room, "name": names[(namespace, sid)]},
            room=room,
            skip_sid=sid,
            namespace=namespace,
        )
        members = len(list(sio.manager.get_participants(namespace, room)))
        return {"ok": True, "room": room, "members": members}

    async def say(sid, data=None):
        data = data if isinstance(data, dict) else {}
        room = str(data.get("room", ""))
        message_id = f"m-{next(ids)}"
        said = {
            "room": room,
            "from": names.get((namespace, sid), "anonymous"),
            "text": data.get("text"),
            "id": message_id,
        }
        await sio.emit("said", said, room=room, skip_sid=sid, namespace=namespace)
        return {"ok": True, "id": message_id}

    async def leave(sid, data=None):
        data = data if isinstance(data, dict) else {}
        await sio.leave_room(sid, str(data.get("room", "")), namespace=namespace)
        return {"ok": True}

    async def quiz(sid, *args):
        async def answered(*answer):
            await sio.emit("answered", answer if len(answer) != 1 else answer[0], to=sid,
                           namespace=namespace)

        # python-socketio's callback gets the answer's arguments.
        await sio.emit("question", "2+2?", to=sid, namespace=namespace,
                       callback=lambda *a: asyncio.ensure_future(answered(*a)))

    async def kick(sid, *args):
        await sio.disconnect(sid, namespace=namespace)

    async def meet(sid, data=None):
        data = data if isinstance(data, dict) else {}
        key = str(data.get("key", ""))
        first = meetings.pop(key, None)
        if first is not None:
            first.set_result(True)
            return {"met": key}
        waiting = asyncio.get_running_loop().create_future()
        meetings[key] = waiting
        await waiting
        return {"met": key}

    for handler in (connect, disconnect, join, say, leave, quiz, kick, meet):
        sio.on(handler.__name__, handler, namespace=namespace)


for name in ("/", "/private", "/members"):
    chat(name)


async def login(request):
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        return web.json_response({"ok": False, "error": "not JSON"}, status=400)
    if not isinstance(body, dict) or body.get("password") != "pw":
        return web.json_response({"ok": False, "error": "bad password"}, status=401)
    token = f"t-{secrets.token_hex(8)}"
    tokens[token] = str(body.get("user", ""))
    return web.json_response({"ok": True, "user": body.get("user"), "token": token})


async def me(request):
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token not in tokens:
        return web.json_response({"ok": False, "error": "unknown token"}, status=401)
    return web.json_response({"user": tokens[token]})


app.router.add_post("/login", login)
app.router.add_get("/me", me)


async def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, listener).start()
    port = listener.getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    # Leave when stdin closes: the test that started us is gone.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
