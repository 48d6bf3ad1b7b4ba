import pg from "pg";
import type { Connection } from "pg";

/** A CopyData message carries at most this much; larger pieces are split. */
const MAX_COPY_DATA_BYTES = 1 << 20;

/**
 * `COPY … FROM STDIN` whose rows are sent with the statement, not after the server asks for
 * them (CopyInResponse). Waiting for that answer costs a round trip, and on a busy server a wait
 * for this thread besides; sending ahead lets the COPY go out with the statements around it on
 * a pipelined connection. The protocol allows it: the server reads the rows that follow the
 * statement once it starts copying, and if the statement fails it skips CopyData and CopyDone
 * that arrive outside a COPY (postgres.c, "Accept but ignore these messages, per protocol spec").
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
 *
 * A pg.Query, so that node-postgres accepts it on a pipelined client; it resolves through
 * `callback` with the command's result (rowCount: the rows copied).
 */
export class EagerCopyQuery extends pg.Query {
  constructor(
    statement: string,
    /** COPY text in pieces (copyText.ts: each piece is encoded on its own, and small pieces are cheap). */
    private readonly pieces: readonly string[],
    callback: (error: Error | undefined, result: pg.QueryResult) => void,
  ) {
    super(statement, undefined, callback as never);
  }

  // A property, as @types/pg declares it.
  submit = (connection: Connection): void => {
    const stream = (connection as unknown as { stream: NodeJS.WritableStream & { cork?(): void; uncork?(): void } }).stream;
    stream.cork?.();
    try {
      connection.query((this as unknown as { text: string }).text);
      for (const piece of this.pieces) writeCopyData(stream, piece);
      stream.write(Buffer.from([0x63, 0, 0, 0, 4])); // 'c': CopyDone
    } finally {
      stream.uncork?.();
    }
  };

  /** The rows are already on their way (pg.Query would answer CopyFail here). */
  handleCopyInResponse(): void {}
}

/** One piece of COPY text as CopyData messages: one message (and one buffer) unless it is over the limit. */
function writeCopyData(stream: NodeJS.WritableStream, piece: string): void {
  const length = Buffer.byteLength(piece, "utf8");
  if (length <= MAX_COPY_DATA_BYTES) {
    const message = Buffer.allocUnsafe(5 + length);
    message[0] = 0x64; // 'd': CopyData
    message.writeUInt32BE(length + 4, 1);
    message.write(piece, 5, "utf8");
    stream.write(message);
    return;
  }
  const data = Buffer.from(piece, "utf8");
  for (let offset = 0; offset < data.length; offset += MAX_COPY_DATA_BYTES) {
    const chunk = data.subarray(offset, offset + MAX_COPY_DATA_BYTES);
    const header = Buffer.alloc(5);
    header[0] = 0x64;
    header.writeUInt32BE(chunk.length + 4, 1);
    stream.write(header);
    stream.write(chunk);
  }
}
