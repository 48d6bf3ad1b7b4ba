import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { ConfigError } from "../config/config";
import { RELATION_KIND_PATTERN } from "../model/links/kinds";
import type { KubetrailPlugin } from "./types";

/**
 * Loads the plugins named in KUBETRAIL_PLUGINS: comma-separated module paths, relative to the
 * project root (where `npm start` runs) or absolute — a file (`.ts`, `.mts`, `.js`, `.mjs`,
 * extension optional) or a directory with an index file. Each module's default export (or its
 * export named `plugin`) must be a KubetrailPlugin; anything else stops start-up with a
 * ConfigError naming the plugin and the field.
 */

const EXTENSIONS = ["", ".ts", ".mts", ".js", ".mjs"];
const INDEXES = ["index.ts", "index.mts", "index.js", "index.mjs"];

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === "function";
const fn = (what: string) => z.custom<(...args: never[]) => unknown>(isFunction, `must be a function (${what})`);

const pluginSchema = z.strictObject(
  {
    name: z.string({ error: "must be a non-empty string" }).min(1, "must be a non-empty string"),
    linkers: z
      .array(
        z.object(
          { name: z.string({ error: "must be a non-empty string" }).min(1, "must be a non-empty string"), claims: fn("claims(body, self): RelationClaim[]") },
          { error: "must be a linker {name, claims(body, self)}" },
        ),
        { error: "must be a list of linkers" },
      )
      .optional(),
    relationKinds: z
      .record(
        z.string().regex(RELATION_KIND_PATTERN, "relation kind names must be lowercase letters, digits and '-'"),
        z.object({ hierarchical: z.boolean({ error: "must be true or false" }), description: z.string({ error: "must be a string" }) }, { error: "must be {hierarchical, description}" }),
        { error: "must be an object of relation kinds" },
      )
      .optional(),
    dataSources: z
      .array(
        z.object({ name: z.string({ error: "must be a non-empty string" }).min(1, "must be a non-empty string"), start: fn("start(context): Promise<void>") }, { error: "must be a data source {name, start(context)}" }),
        { error: "must be a list of data sources" },
      )
      .optional(),
  },
  { error: "the module's default export must be a plugin object {name, linkers?, relationKinds?, dataSources?}" },
);

/** The file a plugin path names, or null. */
export function resolvePluginPath(specifier: string, root: string): string | null {
  const base = path.resolve(/*turbopackIgnore: true*/ root, specifier);
  for (const extension of EXTENSIONS) {
    const file = base + extension;
    if (fs.existsSync(/*turbopackIgnore: true*/ file) && fs.statSync(/*turbopackIgnore: true*/ file).isFile()) return file;
  }
  for (const index of INDEXES) {
    const file = path.join(/*turbopackIgnore: true*/ base, index);
    if (fs.existsSync(/*turbopackIgnore: true*/ file)) return file;
  }
  return null;
}

/**
 * Imports a module file. Under tsx and vitest TypeScript imports natively; the Next.js
 * production server runs plain Node, which refuses `.ts`, so those go through tsx's loader.
 */
async function importFile(file: string, root: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const { tsImport } = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ "tsx/esm/api")) as typeof import("tsx/esm/api");
    return (await tsImport(url, pathToFileURL(path.join(root, "/")).href)) as Record<string, unknown>;
  }
}

/** Loads and validates the plugins `specifiers` name, in order. */
export async function loadPlugins(specifiers: readonly string[], root: string = process.cwd()): Promise<KubetrailPlugin[]> {
  const plugins: KubetrailPlugin[] = [];
  const names = new Map<string, string>();
  for (const specifier of specifiers) {
    const file = resolvePluginPath(specifier, root);
    const label = `KUBETRAIL_PLUGINS: plugin ${specifier}`;
    if (!file) throw new ConfigError(`${label}: no such module (looked for ${path.resolve(root, specifier)} with ${EXTENSIONS.filter(Boolean).join(", ")} or an index file)`);
    let module: Record<string, unknown>;
    try {
      module = await importFile(file, root);
    } catch (error) {
      throw new ConfigError(`${label} (${file}): cannot be loaded: ${(error as Error).message}`);
    }
    const exported = module.default ?? module.plugin;
    const parsed = pluginSchema.safeParse(exported);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => {
        const field = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("").replace(/^\./, "");
        const message = issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
        return field ? `${field}: ${message}` : message;
      });
      throw new ConfigError(`${label} (${file}): ${problems.join("; ")}`);
    }
    const plugin = exported as KubetrailPlugin;
    const earlier = names.get(plugin.name);
    if (earlier) throw new ConfigError(`${label} (${file}): name "${plugin.name}" is also the name of plugin ${earlier}`);
    names.set(plugin.name, specifier);
    const sources = new Set<string>();
    for (const source of plugin.dataSources ?? []) {
      if (sources.has(source.name)) throw new ConfigError(`${label} (${file}): two data sources are named "${source.name}"`);
      sources.add(source.name);
    }
    plugins.push(plugin);
  }
  return plugins;
}
