import packageJson from "../../../package.json";
import { MAX_SEARCH_LIMIT } from "../search";

/**
 * The Jaeger UI's index.html, customized the way Jaeger's query service does it
 * (static_handler.go): search-and-replace of the patterns the UI's index.html marks
 * "Jaeger looks for that exact pattern" — UI config, version, backend (and, for 1.x UIs,
 * storage) capabilities — and the `<base href>` that makes the UI call `<base>/api/…`.
 */

// The query service's patterns, verbatim.
const CONFIG_PATTERN = /JAEGER_CONFIG *= *DEFAULT_CONFIG;/g;
const VERSION_PATTERN = /JAEGER_VERSION *= *DEFAULT_VERSION;/g;
const CAPABILITIES_PATTERN = /JAEGER_BACKEND_CAPABILITIES *= *DEFAULT_BACKEND_CAPABILITIES;/g;
const STORAGE_CAPABILITIES_PATTERN = /JAEGER_STORAGE_CAPABILITIES *= *DEFAULT_STORAGE_CAPABILITIES;/g;
/** 1.x UIs carry `<base href="/" data-inject-target="BASE_URL" />` for the server to rewrite (the tag is not closed on purpose). */
const BASE_PATH_PATTERN = /<base href="\/"/g;
const HEAD_TAG = /<head(\s[^>]*)?>/i;

/** JSON safe inside an inline <script>, escaped like Go's json.Marshal (<, >, & and line separators). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The UI configuration Kubetrail injects (jaeger-ui's `Config`, merged over its defaults). */
export function kubetrailUiConfig(): Record<string, unknown> {
  return {
    // The top-right menu replaces Jaeger's "About Jaeger" menu: a way back to Kubetrail.
    menu: [{ label: "Kubetrail", url: "/", anchorTarget: "_self" }],
    search: { maxLookback: { label: "4 weeks", value: "4w" }, maxLimit: MAX_SEARCH_LIMIT },
    // Our trace IDs begin with the view and the object; their meaningful part is all 32 characters.
    traceIdDisplayLength: 32,
    archiveEnabled: false,
    dependencies: { menuEnabled: true },
    monitor: { menuEnabled: false },
    deepDependencies: { menuEnabled: false },
    qualityMetrics: { menuEnabled: false },
  };
}

/** What we tell the UI we can do: search without a service ("All Services" = any kind), nothing else. */
export const BACKEND_CAPABILITIES = { archiveStorage: false, metricsStorage: false, searchWithoutServiceName: true, aiAssistant: false };
const STORAGE_CAPABILITIES = { archiveStorage: false, metricsStorage: false };
const VERSION = { gitCommit: "", gitVersion: `kubetrail-${packageJson.version}`, buildDate: "" };

/** index.html with the configuration injected and the base at `basePath` (e.g. "/jaeger"). */
export function injectIndexHtml(html: string, basePath: string, config: Record<string, unknown> = kubetrailUiConfig()): string {
  // Replacement functions, not strings: `$` in a value must not be read as a group reference.
  let out = html
    .replace(CONFIG_PATTERN, () => `JAEGER_CONFIG = ${scriptSafeJson(config)};`)
    .replace(VERSION_PATTERN, () => `JAEGER_VERSION = ${scriptSafeJson(VERSION)};`)
    .replace(CAPABILITIES_PATTERN, () => `JAEGER_BACKEND_CAPABILITIES = ${scriptSafeJson(BACKEND_CAPABILITIES)};`)
    .replace(STORAGE_CAPABILITIES_PATTERN, () => `JAEGER_STORAGE_CAPABILITIES = ${scriptSafeJson(STORAGE_CAPABILITIES)};`);
  const baseHref = `${basePath}/`;
  if (out.includes('<base href="/"')) {
    out = out.replace(BASE_PATH_PATTERN, () => `<base href="${baseHref}"`);
  } else {
    // 2.x UIs work out their base from the page's path in an inline script, which can't
    // tell "/jaeger" from a page of Kubetrail's; the first <base> wins, so state it first.
    out = out.replace(HEAD_TAG, (head) => `${head}<base href="${baseHref}" />`);
  }
  return out;
}
