/*
 * A shell script (`sh -c '…'`) read as far as redaction needs: its simple commands, each as its
 * words with where they are written. Quotes and backslashes are removed from a word's value as
 * the shell would; expansions are not done (`$HOME` stays `$HOME`). Command separators (`;`,
 * `&&`, `||`, `|`, `&`, newlines) and the parentheses and backquotes of subshells and command
 * substitutions end a command, so that `$(curl -H 'Authorization: …' …)` is a command of its
 * own. Redirections end a word. Not a parser: heredocs, `case` patterns and the like read as
 * ordinary words, which at worst leaves a secret of an unusual shape in place.
 */

/** A word of a script: its value once quotes are removed, and the text it was written as, script.slice(start, end). */
export interface ShellWord {
  value: string;
  start: number;
  end: number;
}

const BLANKS = new Set([" ", "\t"]);
const COMMAND_ENDS = new Set(["\n", ";", "&", "|", "(", ")", "`"]);
const WORD_ENDS = new Set(["<", ">"]);
/** The characters a backslash escapes inside double quotes; before any other it is kept. */
const DOUBLE_QUOTED_ESCAPES = new Set(["$", "`", '"', "\\", "\n"]);

/** The simple commands of `script`, in order, each a non-empty list of its words. */
export function shellCommands(script: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let value = "";
  let start = -1;
  const endWord = (end: number) => {
    if (start >= 0) words.push({ value, start, end });
    value = "";
    start = -1;
  };
  const endCommand = (end: number) => {
    endWord(end);
    if (words.length > 0) commands.push(words);
    words = [];
  };
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (BLANKS.has(c) || WORD_ENDS.has(c)) {
      endWord(i);
      i++;
    } else if (COMMAND_ENDS.has(c)) {
      endCommand(i);
      i++;
    } else if (c === "#" && start < 0) {
      // A comment runs to the end of the line.
      const newline = script.indexOf("\n", i);
      i = newline < 0 ? script.length : newline;
    } else {
      if (start < 0) start = i;
      if (c === "'") {
        const close = script.indexOf("'", i + 1);
        const end = close < 0 ? script.length : close;
        value += script.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < script.length && script[i] !== '"') {
          if (script[i] === "\\" && i + 1 < script.length && DOUBLE_QUOTED_ESCAPES.has(script[i + 1]!)) i++;
          value += script[i];
          i++;
        }
        i++;
      } else if (c === "\\" && i + 1 < script.length) {
        value += script[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
  }
  endCommand(Math.min(i, script.length));
  return commands;
}

/** `value` quoted for a shell, single-quoted (a `'` in it as `'\''`) unless it needs none. */
export function shellQuoted(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
