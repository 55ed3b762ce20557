import assert from "node:assert/strict";
import { createTokenBuckets, rateLimitKey } from "../../lib/http/token_buckets.ts";
import {
  createLoginThrottle,
  LOGIN_BURST,
  LOGIN_FREE_FAILURES,
} from "../../lib/auth/login_throttle.ts";

/** A clock tests move by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => time += ms };
}

Deno.test("createTokenBuckets() allows the burst, then refuses with a Retry-After", () => {
  const clock = fakeClock();
  const buckets = createTokenBuckets({
    ratePerSecond: 2,
    burst: 3,
    maxEntries: 100,
    now: clock.now,
  });
  for (let i = 0; i < 3; i++) assert.deepEqual(buckets.take("a"), { ok: true });
  assert.deepEqual(buckets.take("a"), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(buckets.take("b"), { ok: true }, "other clients are not affected");
  clock.advance(500);
  assert.deepEqual(buckets.take("a"), { ok: true }, "one token refilled after 0.5 s at 2/s");
  assert.equal(buckets.take("a").ok, false);
});

Deno.test("createTokenBuckets() reports whole seconds to wait at slow rates", () => {
  const clock = fakeClock();
  const buckets = createTokenBuckets({
    ratePerSecond: 0.1,
    burst: 1,
    maxEntries: 10,
    now: clock.now,
  });
  assert.equal(buckets.take("a").ok, true);
  assert.deepEqual(buckets.take("a"), { ok: false, retryAfterSeconds: 10 });
});

Deno.test("createTokenBuckets() keeps memory bounded: idle buckets go, the cap holds", () => {
  const clock = fakeClock();
  const buckets = createTokenBuckets({
    ratePerSecond: 10,
    burst: 10,
    maxEntries: 100,
    now: clock.now,
  });
  for (let i = 0; i < 10_000; i++) buckets.take(`client-${i}`);
  assert.ok(buckets.size <= 100, `size ${buckets.size} stays at the cap`);
  clock.advance(2000); // every bucket is full again: same as absent
  buckets.take("late");
  assert.equal(buckets.size, 1);
});

Deno.test("rateLimitKey() groups an IPv6 /64 and keeps IPv4 addresses apart", () => {
  const table: [string, string][] = [
    ["192.0.2.1", "192.0.2.1"],
    ["2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::9", "2001:db8:1:2::/64"],
    ["2001:db8:1:3::1", "2001:db8:1:3::/64"],
    ["::1", "::/64"],
    // IPv4 clients on a dual-stack socket: each its own key, not one shared ::ffff:0:0/64.
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.2", "192.0.2.2"],
    ["::FFFF:c000:0203", "192.0.2.3"],
  ];
  for (const [address, key] of table) assert.equal(rateLimitKey(address), key, address);
});

Deno.test("createLoginThrottle() keeps IPv4-mapped clients apart when one of them fails", () => {
  const throttle = createLoginThrottle({ now: fakeClock().now });
  for (let i = 0; i < LOGIN_FREE_FAILURES; i++) {
    assert.equal(throttle.admit("::ffff:203.0.113.9", `guess${i}`).ok, true);
    throttle.fail("::ffff:203.0.113.9", `guess${i}`);
  }
  assert.equal(throttle.admit("::ffff:203.0.113.9", "someone").ok, false, "the guesser waits");
  assert.equal(throttle.admit("::ffff:198.51.100.7", "alice").ok, true, "another IPv4 user");
  assert.equal(throttle.admit("203.0.113.9", "someone").ok, false, "same client unmapped");
});

Deno.test("createLoginThrottle() backs off a whole IPv6 /64 and not its neighbours", () => {
  const throttle = createLoginThrottle({ now: fakeClock().now });
  for (let i = 0; i < LOGIN_FREE_FAILURES; i++) {
    // A host rotating through the addresses of its /64.
    const address = `2001:db8:a:b::${(i + 1).toString(16)}`;
    assert.equal(throttle.admit(address, `guess${i}`).ok, true);
    throttle.fail(address, `guess${i}`);
  }
  assert.equal(throttle.admit("2001:db8:a:b:ffff::1", "someone").ok, false);
  assert.equal(throttle.admit("2001:db8:a:c::1", "someone").ok, true);
});

Deno.test("createLoginThrottle() backs off exponentially after repeated failures", () => {
  const clock = fakeClock();
  const throttle = createLoginThrottle({ now: clock.now });
  for (let i = 0; i < LOGIN_FREE_FAILURES - 1; i++) {
    assert.equal(throttle.admit("192.0.2.1", "alice").ok, true);
    throttle.fail("192.0.2.1", "alice");
  }
  assert.equal(throttle.admit("192.0.2.1", "alice").ok, true);
  throttle.fail("192.0.2.1", "alice");
  assert.deepEqual(throttle.admit("192.0.2.1", "alice"), { ok: false, retryAfterSeconds: 1 });
  // The user name is throttled from every address, the address for every name.
  assert.equal(throttle.admit("198.51.100.7", "alice").ok, false);
  assert.equal(throttle.admit("192.0.2.1", "bob").ok, false);
  clock.advance(1000);
  assert.equal(throttle.admit("192.0.2.1", "alice").ok, true);
  throttle.fail("192.0.2.1", "alice");
  assert.deepEqual(throttle.admit("192.0.2.1", "alice"), { ok: false, retryAfterSeconds: 2 });
  clock.advance(2000);
  throttle.fail("192.0.2.1", "alice");
  assert.deepEqual(throttle.admit("192.0.2.1", "alice"), { ok: false, retryAfterSeconds: 4 });
});

Deno.test("createLoginThrottle() forgets failures 30 minutes after the last one, and keeps its cap", () => {
  const clock = fakeClock();
  const throttle = createLoginThrottle({ now: clock.now, maxEntries: 4 });
  const failTimes = (address: string, user: string, times: number) => {
    for (let i = 0; i < times; i++) throttle.fail(address, user);
  };
  failTimes("192.0.2.1", "dave", LOGIN_FREE_FAILURES);
  assert.equal(throttle.admit("192.0.2.1", "dave").ok, false);
  // A new failure 29 minutes on keeps the record (and doubles the wait).
  clock.advance(29 * 60 * 1000);
  throttle.fail("192.0.2.1", "dave");
  assert.equal(throttle.admit("192.0.2.1", "dave").ok, false);
  clock.advance(30 * 60 * 1000);
  throttle.fail("192.0.2.1", "dave");
  assert.equal(throttle.admit("192.0.2.1", "dave").ok, true, "counting starts over");
  // Two more clients push the oldest record (dave's address and name) out of a table of 4.
  failTimes("192.0.2.1", "dave", LOGIN_FREE_FAILURES);
  failTimes("198.51.100.1", "erin", LOGIN_FREE_FAILURES);
  failTimes("198.51.100.2", "frank", LOGIN_FREE_FAILURES);
  assert.equal(throttle.admit("203.0.113.9", "dave").ok, true, "dave evicted");
  assert.equal(throttle.admit("203.0.113.9", "frank").ok, false, "frank kept");
});

Deno.test("createLoginThrottle() forgets a user's failures after a success", () => {
  const clock = fakeClock();
  const throttle = createLoginThrottle({ now: clock.now });
  for (let i = 0; i < LOGIN_FREE_FAILURES - 1; i++) throttle.fail("192.0.2.9", "carol");
  throttle.succeed("192.0.2.9", "carol");
  throttle.fail("203.0.113.1", "carol");
  assert.equal(throttle.admit("203.0.113.2", "carol").ok, true);
});

Deno.test("createLoginThrottle() limits attempts per address even when they succeed", () => {
  const clock = fakeClock();
  const throttle = createLoginThrottle({ now: clock.now });
  for (let i = 0; i < LOGIN_BURST; i++) assert.equal(throttle.admit("192.0.2.5", `u${i}`).ok, true);
  const refused = throttle.admit("192.0.2.5", "another");
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.retryAfterSeconds >= 1);
  assert.equal(throttle.admit("192.0.2.6", "another").ok, true);
});
