/** Where the Jaeger-compatible API and UI are served (see server/config/config.ts, which validates it). */
const jaegerBasePath = process.env.KUBETRAIL_JAEGER_BASE_PATH || "/jaeger";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Loaded by Node at run time rather than bundled: PGlite reads its WASM and data files
  // next to its own modules, and pg has optional native parts.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pg", "pg-copy-streams", "@prisma/adapter-pg", "@prisma/client"],
  poweredByHeader: false,
  // `npm test` type-checks the whole project (tsc --noEmit, tests included); `npm start`
  // need not repeat it, and a type error in a test file must not stop the app from starting.
  typescript: { ignoreBuildErrors: true },
  // The Jaeger routes live under app/jaeger; another base path is rewritten to them. Next
  // reads rewrites at build time: a changed base path needs a new build.
  async rewrites() {
    return jaegerBasePath === "/jaeger" ? [] : [{ source: `${jaegerBasePath}/:path*`, destination: "/jaeger/:path*" }];
  },
};

export default nextConfig;
