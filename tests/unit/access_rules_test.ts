import assert from "node:assert/strict";
import {
  canonicalAccessPath,
  canReadPath,
  compileAccessRules,
  decideAccess,
  decideAccessForPaths,
  findAccessRule,
} from "../../lib/auth/access_rules.ts";
import { decodeRequestPath } from "../../lib/fs/resolve_path.ts";

const RULES = compileAccessRules([
  { path: "/admin/*", roles: ["admin"] },
  { path: "/team/*", authenticated: true },
  { path: "/pub/*", public: true },
  { path: "/*.secret", roles: ["ops"] },
  { path: "/users/:name/private/*", authenticated: true },
  { path: "/exact", authenticated: true },
  { path: "/my%20docs/*", authenticated: true },
]);

/** The rule pattern a raw request path falls under, as the auth layer computes it. */
function ruleFor(rawPath: string): string | null | "400" {
  const decoded = decodeRequestPath(rawPath, { windows: false });
  if (!decoded.ok) return "400";
  return findAccessRule(RULES, canonicalAccessPath(decoded.segments, decoded.trailingSlash))
    ?.pattern ?? null;
}

Deno.test("findAccessRule() matches first rule, wildcards, parameters and exact paths", () => {
  const table: [string, string | null][] = [
    ["/admin/x.txt", "/admin/*"],
    ["/admin/a/b/c", "/admin/*"],
    ["/admin/", "/admin/*"],
    ["/admin", "/admin/*"],
    ["/administrator", null],
    ["/team/doc.html", "/team/*"],
    ["/pub/a.txt", "/pub/*"],
    ["/pub/x.secret", "/pub/*"],
    ["/deep/file.secret", "/*.secret"],
    ["/users/bob/private/a", "/users/:name/private/*"],
    ["/users/bob/x/private/a", null],
    ["/exact", "/exact"],
    ["/exact/", "/exact"],
    ["/exact/more", null],
    ["/my docs/a", "/my%20docs/*"],
    ["/", null],
    ["/index.html", null],
  ];
  for (const [path, pattern] of table) {
    assert.equal(findAccessRule(RULES, path)?.pattern ?? null, pattern, path);
  }
});

Deno.test("access rules cannot be bypassed by encoding, case, dot segments or slashes", () => {
  const table: [string, string | null | "400"][] = [
    ["/ADMIN/x", "/admin/*"],
    ["/Admin/x", "/admin/*"],
    ["/%61dmin/x", "/admin/*"],
    ["/%41DMIN/x", "/admin/*"],
    ["/admin/../admin/x", "/admin/*"],
    ["/pub/../admin/x", "/admin/*"],
    ["/./admin/x", "/admin/*"],
    ["//admin/x", "/admin/*"],
    ["///admin//x", "/admin/*"],
    ["/admin/./x", "/admin/*"],
    ["/x/../../admin/x", "/admin/*"],
    ["/%2e%2e/admin/x", "/admin/*"],
    ["/admin%2fx", "400"],
    ["/admin%5cx", "400"],
    ["/admin\\x", "400"],
    ["/admin%00/x", "400"],
    ["/%E0%A4%A/x", "400"],
    ["/admin%c0%afx", "400"],
    ["/%2561dmin/x", null], // the literal name "%61dmin", not "admin"
    ["/te%61m/doc", "/team/*"],
    ["/pub/%2e%2e/admin/x", "/admin/*"],
    ["/users/bob/PRIVATE/x", "/users/:name/private/*"],
    ["/admin\u0130/x", null],
  ];
  for (const [path, pattern] of table) assert.equal(ruleFor(path), pattern, path);
});

Deno.test("findAccessRule() ignores the Unicode normalization form", () => {
  const rules = compileAccessRules([{ path: "/caf\u00e9/*", authenticated: true }]);
  assert.equal(findAccessRule(rules, "/cafe\u0301/menu")?.pattern, "/caf\u00e9/*");
});

Deno.test("compileAccessRules() refuses URLPattern groups and bad escapes", () => {
  assert.throws(() => compileAccessRules([{ path: "/a/(\\d+)", public: true }]), /groups/);
  assert.throws(() => compileAccessRules([{ path: "/a/{b}?", public: true }]), /groups/);
  assert.throws(() => compileAccessRules([{ path: "/a%zz", public: true }]), /percent/);
  assert.throws(() => compileAccessRules([{ path: "a/*", public: true }]), /start with/);
});

Deno.test("decideAccess() allows public, challenges anonymous and forbids missing roles", () => {
  const admin = findAccessRule(RULES, "/admin/x");
  const team = findAccessRule(RULES, "/team/x");
  const alice = { name: "alice", roles: ["admin"] };
  const bob = { name: "bob", roles: ["dev"] };
  assert.deepEqual(decideAccess(null, null), {
    kind: "allow",
    rule: null,
    protected: false,
    shareable: false,
  });
  assert.equal(decideAccess(admin, null).kind, "unauthenticated");
  assert.equal(decideAccess(admin, bob).kind, "forbidden");
  assert.equal(decideAccess(admin, alice).kind, "allow");
  assert.equal(decideAccess(team, bob).kind, "allow");
  assert.equal(decideAccess(team, null).kind, "unauthenticated");
  // Role names are compared exactly.
  assert.equal(decideAccess(admin, { name: "eve", roles: ["Admin", "admin "] }).kind, "forbidden");
});

Deno.test("canReadPath() hides protected files and directories from listings", () => {
  const anonymous = { directory: false, user: null };
  assert.equal(canReadPath(RULES, ["admin"], { directory: true, user: null }), false);
  assert.equal(canReadPath(RULES, ["pub", "a"], anonymous), true);
  assert.equal(canReadPath(RULES, ["a.secret"], anonymous), false);
  assert.equal(
    canReadPath(RULES, ["admin"], { directory: true, user: { name: "a", roles: ["admin"] } }),
    true,
  );
  assert.equal(canReadPath([], ["anything"], anonymous), true);
});

Deno.test("decideAccessForPaths() refuses when any route to the bytes is protected", () => {
  const rules = compileAccessRules([
    { path: "/admin/*", roles: ["admin"] },
    { path: "/docs/report.txt", authenticated: true },
    { path: "/shared/*", authenticated: true, shareable: true },
  ]);
  const bob = { name: "bob", roles: ["dev"] };
  const cases: [string[], typeof bob | null, string][] = [
    [["/pub/adm/a.txt"], null, "allow"],
    [["/pub/adm/a.txt", "/admin/a.txt"], null, "unauthenticated"],
    [["/pub/adm/a.txt", "/admin/a.txt"], bob, "forbidden"],
    [["/docs/report.txt.gz"], null, "unauthenticated"],
    [["/docs/report.txt.BR"], null, "unauthenticated"],
    [["/docs/report.txt.zst"], bob, "allow"],
    [["/x", "/docs/report.txt.gz"], null, "unauthenticated"],
    [["/docs/.gz"], null, "allow"],
  ];
  for (const [paths, user, kind] of cases) {
    assert.equal(decideAccessForPaths(rules, paths, user).kind, kind, paths.join(" + "));
  }
  const shared = decideAccessForPaths(rules, ["/shared/a"], bob);
  assert.ok(shared.kind === "allow" && shared.protected && shared.shareable);
  const mixed = decideAccessForPaths(rules, ["/shared/a", "/docs/report.txt"], bob);
  assert.ok(mixed.kind === "allow" && mixed.protected && !mixed.shareable);
});
