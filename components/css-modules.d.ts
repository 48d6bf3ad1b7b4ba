// Next's global types, among them `*.module.css` imports, for a type check before any `next
// build` wrote next-env.d.ts (which is not committed): `npm test` runs tsc first.
/// <reference types="next" />
