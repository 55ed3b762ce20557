/**
 * @module
 * Tiny HTML helpers shared by the built-in pages (errors, listings): escaping
 * and one page shell, so every generated page is escaped the same way.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const HTML_SPECIAL_REGEXP = /[&<>"']/g;

/** Escapes text for use in HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL_REGEXP, (char) => HTML_ESCAPES[char]);
}

/** Options for {@linkcode renderPage}. */
export interface RenderPageOptions {
  /** Already-escaped HTML placed inside `<main>`. */
  bodyHtml: string;
  /** Extra CSS rules for this page. */
  css?: string;
}

const BASE_CSS =
  "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222;background:#fff}" +
  "@media(prefers-color-scheme:dark){body{color:#ddd;background:#111}a{color:#8ab4f8}}" +
  "h1{font-size:1.4rem}footer{margin-top:2rem;color:#777;font-size:.85rem}";

/** Wraps page content in a minimal, self-contained HTML document (no external assets). */
export function renderPage(title: string, options: RenderPageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${options.css ?? ""}</style>
</head>
<body>
<main>
${options.bodyHtml}
</main>
<footer>berth</footer>
</body>
</html>
`;
}
