/**
 * A TCP proxy in front of the suite's Swift, so one scenario can cut its bucket's connections
 * without stopping the server the other scenarios share.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';

export interface TcpProxy {
  endpoint: string;
  /** Bytes sent towards the server so far. */
  readonly upstreamBytes: number;
  /** Resets every open connection once `upstreamBytes` passes `bytes`. */
  cutAfter(bytes: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let upstream = 0;
  let cut: { at: number; done: () => void } | undefined;
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  const server: Server = createServer((client) => {
    const server = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(server);
    client.on('data', (chunk: Buffer) => {
      upstream += chunk.length;
      if (cut && upstream >= cut.at) {
        const done = cut.done;
        cut = undefined;
        resetAll();
        done();
        return;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get upstreamBytes() {
      return upstream;
    },
    cutAfter(bytes) {
      return new Promise((resolve) => {
        cut = { at: upstream + bytes, done: resolve };
      });
    },
    close: () =>
      new Promise((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SilentServer {
  endpoint: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** A loopback port that accepts connections and never answers: a store that hangs. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
