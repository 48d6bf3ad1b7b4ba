/** @type {import('next').NextConfig} */
const nextConfig = {
  // Loaded by Node at run time rather than bundled: PGlite reads its WASM and data files
  // next to its own modules, and pg has optional native parts.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pg", "@prisma/adapter-pg", "@prisma/client"],
  poweredByHeader: false,
};

export default nextConfig;
