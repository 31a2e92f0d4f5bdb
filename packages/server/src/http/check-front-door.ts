import { Server, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FrontDoorCounts } from '../app/metrics.js';
import type { CheckAnswers } from './check-answers.js';
import { MAX_CHECK_HEAD_BYTES, parseCheckRequest } from './check-request.js';

const HEAD_END = Buffer.from('\r\n\r\n');

type ConnectionListener = (this: Server, socket: Socket) => void;

/**
 * An http.Server whose connections first meet a small reader for the device's no-update
 * check, the requests every device sends at every launch: timestamp.json and the next root
 * (usually a 404). While a connection sends only
 * plain checks whose answer is cached (check-request.ts, check-answers.ts), each is answered
 * with one socket write, without node:http's request and response objects or Fastify —
 * about twice the requests per second a Node handler reaches. The first byte of anything else
 * (another route, a partial or unusual request, a cache miss that the database cannot fill)
 * hands the connection, with its unread bytes, to node:http for good, which then serves it
 * exactly as if it had had it from the start.
 *
 * Answers leave in request order: the reader never answers a request after handing off, and
 * waits (socket paused) while a cache miss is filled.
 */
export class CheckFrontDoorServer extends Server {
  private readonly httpConnection: ConnectionListener;
  private readonly reading = new Set<Socket>();

  constructor(
    handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>,
    private readonly answers: CheckAnswers,
    /** Plain integers bumped per answer: the metrics read them at scrape time. */
    private readonly counts: FrontDoorCounts = { cache: 0, computed: 0, bytes: 0 },
  ) {
    super(handler);
    // http.Server registers its connection listener in its constructor; it now runs on hand-off.
    const [httpConnection] = this.listeners('connection') as ConnectionListener[];
    if (!httpConnection) throw new Error('node:http registered no connection listener');
    this.httpConnection = httpConnection;
    this.removeListener('connection', httpConnection);
    this.on('connection', (socket: Socket) => this.read(socket));
  }

  /** Connections still with the reader sit between requests (answers are synchronous): idle. */
  override closeIdleConnections(): void {
    super.closeIdleConnections();
    this.closeReading();
  }

  override closeAllConnections(): void {
    super.closeAllConnections();
    this.closeReading();
  }

  private closeReading(): void {
    for (const socket of this.reading) socket.destroy();
    this.reading.clear();
  }

  private read(socket: Socket): void {
    this.reading.add(socket);
    socket.setNoDelay(true);
    const idle = Math.min(this.keepAliveTimeout || Infinity, this.headersTimeout || Infinity);
    const onTimeout = () => socket.destroy();
    if (Number.isFinite(idle)) {
      socket.setTimeout(idle);
      socket.on('timeout', onTimeout);
    }
    const onError = () => socket.destroy();
    const onClose = () => this.reading.delete(socket);
    // node:http servers allow half-open sockets; a client that is done sending gets the
    // answers already written, then the end of the connection, as node:http would do.
    const onEnd = () => socket.end();
    const onData = (chunk: Buffer) => serve(chunk, 0);

    const handOff = (rest: Buffer) => {
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onEnd);
      socket.removeListener('timeout', onTimeout);
      socket.setTimeout(0);
      this.reading.delete(socket);
      // Paused, the unread bytes wait at the front of the socket's buffer until node:http's
      // listeners are in place; resuming then delivers them first, before anything new.
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      this.httpConnection.call(this, socket);
      socket.resume();
    };

    let filling = false;
    let awaitingDrain = false;
    /** Reads again unless an answer is still being loaded or the client is not reading its answers. */
    const resume = () => {
      if (this.reading.has(socket) && !filling && !socket.writableNeedDrain) socket.resume();
    };

    /** `refilled`: the request at `from` has just had its cache miss filled; it misses no more. */
    const serve = (chunk: Buffer, from: number, refilled = false): void => {
      const answers: Buffer[] = [];
      let at = from;
      while (at < chunk.length) {
        const end = chunk.indexOf(HEAD_END, at);
        // A request split across reads is rare for a check: node:http reassembles it.
        if (end < 0 || end - at > MAX_CHECK_HEAD_BYTES) break;
        const request = parseCheckRequest(chunk.toString('latin1', at, end));
        if (!request) break;
        const answer =
          request.rootVersion === undefined
            ? this.answers.answer(request.appId, request.ifNoneMatch)
            : this.answers.rootAnswer(request.appId, request.rootVersion);
        if (answer === null) break;
        if (answer === undefined) {
          // Still nothing cached right after a fill (caching off, the app gone): the full route answers.
          if (refilled && at === from) break;
          write(answers);
          fill(request.appId, chunk, at);
          return;
        }
        answers.push(answer);
        if (refilled && at === from) this.counts.computed++;
        else this.counts.cache++;
        this.counts.bytes += answer.length;
        at = end + HEAD_END.length;
      }
      write(answers);
      if (at < chunk.length) handOff(chunk.subarray(at));
    };

    /** A cache miss: load the timestamp, then go on from the request that missed. */
    const fill = (appId: string, chunk: Buffer, at: number) => {
      filling = true;
      socket.pause();
      const done = (loaded: boolean) => {
        filling = false;
        if (socket.destroyed) return;
        // A failing database: the full route answers, and reports the failure properly.
        if (!loaded) handOff(chunk.subarray(at));
        else {
          serve(chunk, at, true);
          resume();
        }
      };
      this.answers.refresh(appId).then(
        () => done(true),
        () => done(false),
      );
    };

    const write = (answers: Buffer[]) => {
      if (answers.length === 0) return;
      const flushed = socket.write(answers.length === 1 ? answers[0]! : Buffer.concat(answers));
      // A client that sends checks faster than it reads answers waits for its buffer to drain.
      if (!flushed && !awaitingDrain) {
        awaitingDrain = true;
        socket.pause();
        socket.once('drain', () => {
          awaitingDrain = false;
          resume();
        });
      }
    };

    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('end', onEnd);
  }
}
