/**
 * Text of `length` letters and digits that does not compress: Postgres compresses a long index
 * entry before it checks its size, so a long run of one letter fits where this does not. The
 * same length always gives the same text.
 */
export function incompressibleText(length: number): string {
  let seed = length >>> 0;
  let text = "";
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    text += "abcdefghijklmnopqrstuvwxyz0123456789"[(seed >>> 16) % 36];
  }
  return text;
}
