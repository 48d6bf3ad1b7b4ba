/**
 * Whether a request's Accept header asks for a page rather than data: text/html is acceptable and
 * application/json is not preferred over it (a higher q, or the same q listed first). Browsers
 * list text/html first and no JSON at all; curl sends `*\/*` and API clients application/json,
 * and both keep getting JSON, as does a request with no Accept.
 */
export function prefersHtml(accept: string | null): boolean {
  if (!accept) return false;
  const ranges = accept.split(",").map((part, index) => {
    const [type = "", ...params] = part.split(";");
    const q = params.map((param) => param.trim().match(/^q=([\d.]+)$/i)?.[1]).find((value) => value !== undefined);
    const quality = q === undefined ? 1 : Number(q);
    return { type: type.trim().toLowerCase(), quality: Number.isNaN(quality) ? 1 : quality, index };
  });
  const html = ranges.find((range) => range.type === "text/html" && range.quality > 0);
  if (html === undefined) return false;
  const json = ranges.find((range) => range.type === "application/json" && range.quality > 0);
  if (json === undefined) return true;
  return html.quality > json.quality || (html.quality === json.quality && html.index < json.index);
}
