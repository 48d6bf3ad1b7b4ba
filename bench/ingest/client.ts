import http from "node:http";

/** Posts EventList batches to the audit webhook as kube-apiserver's webhook backend does: JSON, a bearer token, kept-alive connections. */

export interface PostResult {
  /** HTTP status, or 0 when the request failed without an answer (connection reset, …). */
  status: number;
  /** Events stored, from a 200 answer's `accepted`. */
  accepted: number | null;
  /** Seconds, from a Retry-After header. */
  retryAfterS: number | null;
  /** From sending the request to the end of the answer. */
  ms: number;
  error: string | null;
}

export class AuditPoster {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    cluster: string,
    private readonly token: string,
    maxSockets: number,
    /** A request with no progress for this long is abandoned (answered as status 0). */
    private readonly timeoutMs = 120_000,
  ) {
    this.url = new URL(`/api/audit/${cluster}`, baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  post(body: Buffer): Promise<PostResult> {
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (result: Omit<PostResult, "ms">) => resolve({ ...result, ms: performance.now() - started });
      const request = http.request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { "content-type": "application/json", "content-length": body.length, authorization: `Bearer ${this.token}` },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", (error) => done({ status: 0, accepted: null, retryAfterS: null, error: error.message }));
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            const retryAfter = Number(response.headers["retry-after"]);
            let accepted: number | null = null;
            let error: string | null = null;
            const text = Buffer.concat(chunks).toString("utf8");
            if (status === 200) {
              try {
                accepted = (JSON.parse(text) as { accepted: number }).accepted;
              } catch {
                error = `unreadable answer: ${text.slice(0, 200)}`;
              }
            } else if (status !== 429) error = text.slice(0, 300);
            done({ status, accepted, retryAfterS: Number.isFinite(retryAfter) ? retryAfter : null, error });
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer after ${this.timeoutMs} ms`)));
      request.on("error", (error) => done({ status: 0, accepted: null, retryAfterS: null, error: error.message }));
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
