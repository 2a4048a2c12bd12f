// The official Node socket.io 2.x server (npm alias `socket.io-v2`: Engine.IO 3, Socket.IO
// protocol 4), with the same events as sio-server.mjs (see sio-handlers.cjs).
//
//   node sio-server-v2.cjs     (SIO_PORT, SIO_PING_INTERVAL, SIO_PING_TIMEOUT: optional)
//
// Namespaces: `/` and `/admin` (query token=s3cret, else "not authorized").
"use strict";
const { createServer } = require("node:http");
const peers = require("./sio-handlers.cjs");

const httpServer = createServer();
const io = require("socket.io-v2")(httpServer, peers.heartbeat());
const handlers = peers.handlers(io, { v2: true });

io.on("connection", handlers);
const admin = io.of("/admin");
admin.use(peers.guard);
admin.on("connection", handlers);

peers.listen(httpServer);
