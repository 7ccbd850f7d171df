// PeerJS signaling server on 127.0.0.1:<port>, the anchor for benchmarks/signaling.py.
const { PeerServer } = require("peer");

const port = Number(process.argv[2] || 9000);
PeerServer(
  { host: "127.0.0.1", port, path: "/", key: "peerjs", concurrent_limit: 100000, alive_timeout: 120000 },
  () => console.log("ready"),
);
