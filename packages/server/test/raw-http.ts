import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as it came off the wire. */
export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A bare TCP connection to a server that writes bytes exactly as given and parses the
 * responses itself, so tests can send what fetch never would: pipelined requests, split
 * heads, conflicting framing headers.
 */
export class RawConnection {
  private buffered = Buffer.alloc(0);
  private readonly responses: RawResponse[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.parse();
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Half-closes: nothing more will be sent. */
  end(): void {
    this.socket.end();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Waits for `count` responses (or the connection's end) and takes them. */
  async read(count: number, timeoutMs = 5000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.responses.splice(0, count);
  }

  /** Responses that arrive within `ms`, for asserting that no further one comes. */
  async settle(ms: number): Promise<RawResponse[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.responses.splice(0);
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = this.buffered.toString('latin1', 0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const start = end + 4;
      let length: number;
      if (status === 304 || status === 204) length = 0;
      else if (headers['content-length'] !== undefined) length = Number(headers['content-length']);
      else if (headers['transfer-encoding'] === 'chunked') {
        const decoded = decodeChunked(this.buffered.subarray(start));
        if (!decoded) return;
        this.responses.push({ status, headers, body: decoded.body });
        this.buffered = this.buffered.subarray(start + decoded.consumed);
        continue;
      } else if (this.closed) length = this.buffered.length - start;
      else return;
      if (this.buffered.length < start + length) return;
      this.responses.push({ status, headers, body: this.buffered.subarray(start, start + length) });
      this.buffered = this.buffered.subarray(start + length);
    }
  }
}

function decodeChunked(bytes: Buffer): { body: Buffer; consumed: number } | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(bytes.toString('latin1', at, lineEnd), 16);
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = bytes.indexOf('\r\n', dataStart);
      return trailerEnd < 0 ? null : { body: Buffer.concat(parts), consumed: trailerEnd + 2 };
    }
    if (bytes.length < dataStart + size + 2) return null;
    parts.push(bytes.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

/** A request head with the given lines, CRLF-terminated, ready to write. */
export function head(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}
