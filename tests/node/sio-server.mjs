// The official Node socket.io 4.x server, with the behaviours the sockai client tests need.
//
//   node sio-server.mjs        (SIO_PORT, SIO_PING_INTERVAL, SIO_PING_TIMEOUT: optional)
//
// Listens on 127.0.0.1 with a free port and prints `listening on http://127.0.0.1:PORT` on
// stdout. Namespaces: `/` (open) and `/admin` (requires auth.token == "s3cret"; otherwise the
// connection is refused with the error "not authorized" and data {"reason": "bad token"}).
// Events: see sio-handlers.cjs.
import { createServer } from "node:http";
import { Server } from "socket.io";
import peers from "./sio-handlers.cjs";

const httpServer = createServer();
const io = new Server(httpServer, peers.heartbeat());
const handlers = peers.handlers(io);

io.on("connection", handlers);
const admin = io.of("/admin");
admin.use(peers.guard);
admin.on("connection", handlers);

peers.listen(httpServer);
