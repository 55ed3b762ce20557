/**
 * @module
 * Pointers for the flags of other static servers — vercel's serve,
 * http-server, miniserve, sirv and Deno std's file server — that berth
 * spells differently or does not have, so someone used to one of them is
 * told berth's way instead of "unknown option". Short flags mean different
 * things in different tools (`-s` is serve's `--single` but http-server's
 * `--silent`), so their pointers name every berth equivalent.
 */

/** What to use in berth instead, by the option as typed (`-s`, `--single`). */
const FOREIGN_FLAGS: ReadonlyMap<string, string> = new Map([
  // Single-page apps: serve/sirv -s/--single, http-server has none.
  ["--single", `"--single" is "--spa" in berth`],
  ["-s", `"-s" is "--spa" (single-page app) or "--quiet" (no access log) in berth`],
  ["--history-api-fallback", `"--history-api-fallback" is "--spa" in berth`],
  // Logging: http-server -s/--silent, sirv -q, serve -L; std and miniserve -v/--verbose.
  ["--silent", `"--silent" is "--quiet" in berth`],
  ["-q", `"-q" is "--quiet" in berth`],
  ["-L", `"-L" is "--quiet" in berth`],
  ["--no-request-logging", `"--no-request-logging" is "--quiet" in berth`],
  [
    "-v",
    `"-v" is not berth's: the version is "-V" or "--version", and requests are logged unless "--quiet"`,
  ],
  ["--verbose", `"--verbose" is not needed: berth logs every request unless "--quiet"`],
  // Compression: http-server -g/-b, sirv -G/-B, serve -u/--no-compression, miniserve -C.
  ...[
    "--gzip",
    "-g",
    "-G",
    "--brotli",
    "-b",
    "-B",
    "--compress-response",
  ].map((flag): [string, string] => [
    flag,
    `"${flag}" is not needed: berth compresses by default (.br/.zst/.gz siblings, else on the fly); the "compress" settings tune it`,
  ]),
  ["-u", `"-u" is "--compress=false" in berth`],
  ["--no-compression", `"--no-compression" is "--compress=false" in berth`],
  // Opening a browser: http-server -o, serve/quasar --open.
  ...["--open", "-o"].map((flag): [string, string] => [
    flag,
    `"${flag}" is not berth's: berth never opens a browser; open the URL it prints`,
  ]),
  // Address and port: http-server -a, miniserve -i/--interfaces, sirv -H, serve -l/--listen.
  ["-a", `"-a" is "--host" in berth (for users and passwords see "berth help user")`],
  ["--address", `"--address" is "--host" in berth`],
  ["--interfaces", `"--interfaces" is "--host" in berth`],
  ["-i", `"-i" is "--host" in berth (index files are the "index" setting)`],
  ["--hostname", `"--hostname" is "--host" in berth`],
  ["-H", `"-H" is "--host" or "--header" in berth`],
  ["--listen", `"--listen" is "--host" and "--port" in berth`],
  ["-l", `"-l" is "--host" and "--port" (or "--listing") in berth`],
  // Directories: http-server -d (listings), sirv -d (dotfiles), SWS -d/--root.
  [
    "-d",
    `"-d" is "--listing" (directory listings) or "--dotfiles" in berth; the directory to serve is the ROOT argument`,
  ],
  ...["--dir", "--root", "--directory"].map((flag): [string, string] => [
    flag,
    `"${flag}" is not berth's: the directory to serve is the ROOT argument ("berth ./site")`,
  ]),
  ["--dir-listing", `"--dir-listing" is "--listing" in berth`],
  ["--directory-listing", `"--directory-listing" is "--listing" in berth`],
  ["--hidden", `"--hidden" is "--dotfiles" in berth`],
  ["--index", `"--index" is the "index" setting in berth (config file or BERTH_INDEX)`],
  // Caching: http-server -c SECONDS, sirv -m/--maxage and -i/--immutable; sirv -c is CORS.
  ...["--cache", "--maxage", "--max-age", "-m", "--immutable"].map((flag): [string, string] => [
    flag,
    `"${flag}" is the "cacheControl" setting in berth (config file or BERTH_CACHE_CONTROL_DEFAULT)`,
  ]),
  [
    "-c",
    `"-c" is not berth's: caching is the "cacheControl" setting, CORS is "--cors", a config file is "--config FILE"`,
  ],
  // TLS: http-server -S/--ssl -C/--cert -K/--key, serve --ssl-cert/--ssl-key, miniserve --tls-cert.
  ...["-S", "--ssl", "--tls", "--https"].map((flag): [string, string] => [
    flag,
    `"${flag}" is not needed: berth serves HTTPS when given "--cert FILE" and "--key FILE"`,
  ]),
  ["-C", `"-C" is "--cert FILE" (or "--cors") in berth`],
  ["-K", `"-K" is "--key FILE" in berth`],
  ["--ssl-cert", `"--ssl-cert" is "--cert" in berth`],
  ["--tls-cert", `"--tls-cert" is "--cert" in berth`],
  ["--ssl-key", `"--ssl-key" is "--key" in berth`],
  ["--tls-key", `"--tls-key" is "--key" in berth`],
  // Clean URLs: http-server -e/--ext, miniserve --pretty-urls.
  ["-e", `"-e" is "--clean-urls" in berth (ETags are always sent)`],
  ["--ext", `"--ext" is "--clean-urls" in berth`],
  ["--pretty-urls", `"--pretty-urls" is "--clean-urls" in berth`],
  // Access control: http-server --username/--password, miniserve --auth.
  ...["--auth", "--auth-file", "--username", "--user"].map((flag): [string, string] => [
    flag,
    `"${flag}" is not berth's: add users with "berth user add" and protect paths with the "access" and "auth" settings`,
  ]),
  ["--password", `"--password" is not berth's: "berth user add" reads the password from stdin`],
]);

/** The pointer to berth's equivalent of another server's flag, or undefined for other mistakes. */
export function describeForeignFlag(rawName: string): string | undefined {
  return FOREIGN_FLAGS.get(rawName);
}
