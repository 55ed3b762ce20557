import assert from "node:assert/strict";
import { createConnectionTable, type TrackedSocket } from "../../lib/transport/connections.ts";

/** A socket stand-in: `destroy()` fires its close listeners, as node's does. */
function fakeSocket(address: string, port: number) {
  const listeners: (() => void)[] = [];
  const socket = {
    remoteAddress: address,
    remotePort: port,
    destroyed: false,
    destroy() {
      if (socket.destroyed) return;
      socket.destroyed = true;
      for (const listener of listeners) listener();
    },
    once(_event: "close", listener: () => void) {
      listeners.push(listener);
    },
  };
  return socket satisfies TrackedSocket;
}

function table(options: { max: number; perClient: number }) {
  return createConnectionTable({
    maxConnections: options.max,
    maxConnectionsPerClient: options.perClient,
    headerTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
  });
}

Deno.test("createConnectionTable() closes the client's oldest idle connection to admit a new one", () => {
  const connections = table({ max: 10, perClient: 2 });
  try {
    const [a, b, c] = [1, 2, 3].map((port) => fakeSocket("10.0.0.1", port));
    assert.equal(connections.admit(a), "admitted");
    assert.equal(connections.admit(b), "admitted");
    assert.equal(connections.admit(c), "evicted-idle");
    assert.ok(a.destroyed && !b.destroyed && !c.destroyed);
    assert.equal(connections.size, 2);
    assert.equal(connections.shed, 1);
  } finally {
    connections.close();
  }
});

Deno.test("createConnectionTable() refuses a new connection when every one is busy", () => {
  const connections = table({ max: 2, perClient: 2 });
  try {
    const [a, b, c] = [1, 2, 3].map((port) => fakeSocket(`10.0.0.${port}`, port));
    connections.admit(a);
    connections.admit(b);
    assert.ok(connections.requestStarted(a));
    assert.ok(connections.requestStarted(b));
    assert.equal(connections.admit(c), "refused");
    assert.ok(c.destroyed && !a.destroyed && !b.destroyed);
    connections.requestEnded(a);
    const d = fakeSocket("10.0.0.4", 4);
    assert.equal(connections.admit(d), "evicted-idle", "a went idle, so it makes room");
    assert.ok(a.destroyed);
  } finally {
    connections.close();
  }
});

Deno.test("createConnectionTable() never closes another client's busy connection at the total limit", () => {
  const connections = table({ max: 3, perClient: 3 });
  try {
    const busy = fakeSocket("10.0.0.9", 1);
    connections.admit(busy);
    connections.requestStarted(busy);
    const idle = [2, 3].map((port) => fakeSocket("10.0.0.1", port));
    for (const socket of idle) connections.admit(socket);
    assert.equal(connections.admit(fakeSocket("10.0.0.2", 4)), "evicted-idle");
    assert.ok(!busy.destroyed);
    assert.ok(idle[0].destroyed);
  } finally {
    connections.close();
  }
});

Deno.test("createConnectionTable() drain() closes idle connections now and busy ones when done", async () => {
  const connections = table({ max: 10, perClient: 10 });
  try {
    const idle = fakeSocket("10.0.0.1", 1);
    const busy = fakeSocket("10.0.0.1", 2);
    connections.admit(idle);
    connections.admit(busy);
    connections.requestStarted(busy);
    connections.drain();
    assert.ok(idle.destroyed && !busy.destroyed);
    assert.equal(connections.admit(fakeSocket("10.0.0.1", 3)), "refused", "no new ones");
    const empty = connections.whenEmpty();
    connections.requestEnded(busy);
    await empty;
    assert.ok(busy.destroyed);
    assert.equal(connections.size, 0);
  } finally {
    connections.close();
  }
});
