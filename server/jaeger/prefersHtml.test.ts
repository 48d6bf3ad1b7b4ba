import { describe, expect, it } from "vitest";
import { prefersHtml } from "./prefersHtml";

describe("prefersHtml", () => {
  it("is true for what browsers send: text/html listed, application/json not, or after it", () => {
    // Chromium's and Firefox's Accept for a page they navigate to.
    expect(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")).toBe(true);
    expect(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(true);
    expect(prefersHtml("text/html, application/json")).toBe(true);
    expect(prefersHtml("application/json;q=0.5, text/html")).toBe(true);
    expect(prefersHtml("TEXT/HTML")).toBe(true);
  });

  it("is false for API clients: no Accept, */* (curl's default), application/json first or preferred", () => {
    expect(prefersHtml(null)).toBe(false);
    expect(prefersHtml("")).toBe(false);
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("application/json, text/html")).toBe(false);
    expect(prefersHtml("text/html;q=0.5, application/json")).toBe(false);
    expect(prefersHtml("text/*")).toBe(false);
  });

  it("does not count a type refused with q=0", () => {
    expect(prefersHtml("text/html;q=0, */*")).toBe(false);
    expect(prefersHtml("application/json;q=0, text/html")).toBe(true);
  });
});
