import { describe, expect, it } from "vitest";
import { INDEX_HTML_1X, INDEX_HTML_2X } from "../testing/uiFixture";
import { injectIndexHtml, scriptSafeJson } from "./indexHtml";

/** The value the page's script assigns to `name`, parsed. */
function injected(html: string, name: string): unknown {
  const match = new RegExp(`${name} = (\\{.*?\\});`).exec(html);
  if (!match) throw new Error(`${name} not injected`);
  return JSON.parse(match[1]!);
}

describe("injectIndexHtml", () => {
  it("injects the UI config, version and capabilities where the query service does", () => {
    const html = injectIndexHtml(INDEX_HTML_2X, "/jaeger");
    expect(injected(html, "JAEGER_CONFIG")).toMatchObject({
      menu: [{ label: "Kubetrail", url: "/", anchorTarget: "_self" }],
      search: { maxLimit: 1500 },
      traceIdDisplayLength: 32,
    });
    expect(injected(html, "JAEGER_BACKEND_CAPABILITIES")).toEqual({ archiveStorage: false, metricsStorage: false, searchWithoutServiceName: true, aiAssistant: false });
    expect(injected(html, "JAEGER_STORAGE_CAPABILITIES")).toEqual({ archiveStorage: false, metricsStorage: false });
    expect(injected(html, "JAEGER_VERSION")).toMatchObject({ gitVersion: expect.stringMatching(/^kubetrail-/) });
    expect(html).not.toContain("= DEFAULT_");
  });

  it("states the base path first in a 2.x page, which would otherwise guess it from the URL", () => {
    const html = injectIndexHtml(INDEX_HTML_2X, "/tools/jaeger");
    expect(html.indexOf('<base href="/tools/jaeger/" />')).toBeGreaterThan(0);
    expect(html.indexOf('<base href="/tools/jaeger/" />')).toBeLessThan(html.indexOf("insertAdjacentHTML"));
  });

  it("rewrites the <base href> of a 1.x page, as the 1.x query service did", () => {
    const html = injectIndexHtml(INDEX_HTML_1X, "/jaeger");
    expect(html).toContain('<base href="/jaeger/" data-inject-target="BASE_URL" />');
    expect(html.match(/<base /g)).toHaveLength(1);
    expect(injectIndexHtml(INDEX_HTML_1X, "/jaeger")).toBe(html); // no state kept between calls
  });

  it("keeps injected values inert inside the script and takes $ literally", () => {
    const html = injectIndexHtml(INDEX_HTML_2X, "/jaeger", { menu: [{ label: "</script><script>alert(1)</script> $& $1" }] });
    expect(html).not.toContain("</script><script>alert(1)");
    expect(injected(html, "JAEGER_CONFIG")).toEqual({ menu: [{ label: "</script><script>alert(1)</script> $& $1" }] });
    expect(scriptSafeJson("a&b\u2028")).toBe('"a\\u0026b\\u2028"');
  });
});
