/**
 * @module
 * The benchmark's fixture tree and nginx's config for it: 1 KB, a 2 KB
 * index.html, 64 KB, 10 MB, a 1,000-file directory, and a 200 KB app.js with
 * `.gz`/`.br` siblings, all built in a temp dir the bench removes afterwards.
 */

import { brotliCompressSync, gzipSync } from "node:zlib";

/** Random bytes of `size` (getRandomValues fills at most 64 KiB per call). */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
  }
  return bytes;
}

/** Writes the fixture tree into `dir` (which must exist). */
export async function buildFixture(dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/small.txt`, "x".repeat(1023) + "\n");
  await Deno.writeTextFile(
    `${dir}/index.html`,
    `<!doctype html><title>bench</title>\n${"<p>berth bench page</p>\n".repeat(84)}`.slice(0, 2048),
  );
  await Deno.writeFile(`${dir}/64k.bin`, randomBytes(64 * 1024));
  await Deno.writeFile(`${dir}/10m.bin`, randomBytes(10 * 1024 * 1024));
  await Deno.mkdir(`${dir}/dir1000`);
  for (let i = 0; i < 1000; i++) {
    await Deno.writeTextFile(`${dir}/dir1000/file-${String(i).padStart(4, "0")}.txt`, `${i}\n`);
  }
  const lines: string[] = [];
  for (let i = 0; lines.join("").length < 200 * 1024; i++) {
    lines.push(`export function handler${i}(event) { return event.value * ${i % 97} + "${i}"; }\n`);
  }
  const app = new TextEncoder().encode(lines.join("").slice(0, 200 * 1024));
  await Deno.writeFile(`${dir}/app.js`, app);
  await Deno.writeFile(`${dir}/app.js.gz`, gzipSync(app, { level: 9 }));
  await Deno.writeFile(`${dir}/app.js.br`, brotliCompressSync(app));
}

/**
 * nginx as the reference: one worker, access log off, sendfile, ETags,
 * precompressed siblings and autoindex, all state files inside `dir`.
 */
export function nginxConfig(dir: string, root: string, port: number): string {
  return `worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  etag on;
  gzip_static on;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  types {
    text/html html;
    text/plain txt;
    text/javascript js;
    application/octet-stream bin;
  }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    index index.html;
    autoindex on;
  }
}
`;
}
