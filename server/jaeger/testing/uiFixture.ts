import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A stand-in for a Jaeger UI release build: an index.html with the markers a real one has
 * (jaeger-ui's packages/jaeger-ui/index.html: the lines the query service searches and
 * replaces), and hashed assets under static/. Written by hand — no Jaeger UI code.
 */

/** The current (2.x) layout: the page works out its own <base> in an inline script. */
export const INDEX_HTML_2X = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <script>
      // computes the base from location.pathname and inserts:
      document.currentScript.insertAdjacentHTML('afterend', '<base href="' + '/' + '" data-inject-target="BASE_URL" />');
    </script>
    <title>Jaeger UI</title>
    <script>
      // JAEGER_CONFIG_JS
      function getJaegerUiConfig() {
        const DEFAULT_CONFIG = null;
        const JAEGER_CONFIG = DEFAULT_CONFIG;
        return JAEGER_CONFIG;
      }
      function getJaegerStorageCapabilities() {
        const DEFAULT_STORAGE_CAPABILITIES = { archiveStorage: false };
        const JAEGER_STORAGE_CAPABILITIES = DEFAULT_STORAGE_CAPABILITIES;
        return JAEGER_STORAGE_CAPABILITIES;
      }
      function getJaegerBackendCapabilities() {
        const DEFAULT_BACKEND_CAPABILITIES = {};
        const JAEGER_BACKEND_CAPABILITIES = DEFAULT_BACKEND_CAPABILITIES;
        return JAEGER_BACKEND_CAPABILITIES;
      }
      function getJaegerVersion() {
        const DEFAULT_VERSION = { gitCommit: '', gitVersion: '', buildDate: '' };
        const JAEGER_VERSION = DEFAULT_VERSION;
        return JAEGER_VERSION;
      }
    </script>
    <script type="module" src="./static/index-3f2a9c.js"></script>
  </head>
  <body><div id="jaeger-ui-root"></div></body>
</html>
`;

/** The 1.x layout: a <base href="/"> the server rewrites to its base path. */
export const INDEX_HTML_1X = `<!doctype html>
<html lang="en">
  <head>
    <base href="/" data-inject-target="BASE_URL" />
    <script>
      function getJaegerUiConfig() {
        const DEFAULT_CONFIG = null;
        const JAEGER_CONFIG = DEFAULT_CONFIG;
        return JAEGER_CONFIG;
      }
      function getJaegerStorageCapabilities() {
        const DEFAULT_STORAGE_CAPABILITIES = { "archiveStorage": false };
        const JAEGER_STORAGE_CAPABILITIES = DEFAULT_STORAGE_CAPABILITIES;
        return JAEGER_STORAGE_CAPABILITIES;
      }
      function getJaegerVersion() {
        const DEFAULT_VERSION = {"gitCommit":"", "gitVersion":"", "buildDate":""};
        const JAEGER_VERSION = DEFAULT_VERSION;
        return JAEGER_VERSION;
      }
    </script>
  </head>
  <body><div id="jaeger-ui-root"></div></body>
</html>
`;

export const STATIC_JS = "console.log('jaeger ui');\n";

export interface UiFixture {
  /** The UI folder (JAEGER_UI_DIR). */
  dir: string;
  /** A file next to the UI folder, which must never be served. */
  secretFile: string;
  remove(): void;
}

export function writeUiFixture(indexHtml: string = INDEX_HTML_2X): UiFixture {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-jaeger-ui-"));
  const dir = path.join(parent, "build");
  fs.mkdirSync(path.join(dir, "static"), { recursive: true });
  fs.writeFileSync(path.join(dir, "index.html"), indexHtml);
  fs.writeFileSync(path.join(dir, "static", "index-3f2a9c.js"), STATIC_JS);
  fs.writeFileSync(path.join(dir, "static", "index-77aa01.css"), "body { margin: 0 }\n");
  fs.writeFileSync(path.join(dir, "favicon.ico"), Buffer.from([0, 0, 1, 0]));
  const secretFile = path.join(parent, "secret.txt");
  fs.writeFileSync(secretFile, "not for the web\n");
  // A link out of the UI folder: realpath must see through it.
  fs.symlinkSync(secretFile, path.join(dir, "static", "escape.txt"));
  return { dir, secretFile, remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}
