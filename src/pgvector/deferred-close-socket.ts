import { Socket } from 'node:net'

/** The parsed connection options postgres.js passes to its `socket` factory. */
export interface SocketTarget {
  readonly host: readonly string[]
  readonly port: readonly number[]
  /** A Unix socket's path, when the host is a directory. */
  readonly path?: string | false
}

/**
 * A `socket` factory for a postgres.js pool whose sockets report 'close' one
 * turn of the event loop late. postgres.js 3.4 batches small writes behind
 * `setImmediate`, and on close cancels a pending one without clearing its
 * handle: that connection then never sends a small message again, and every
 * later connect on it stalls until `connect_timeout`. Node reports a close
 * after the turn's immediates, so a write batched from within one of them
 * (postgres.js's ROLLBACK after a failed statement) is still pending then.
 * Reported one turn later, the close finds it flushed (into the dead socket,
 * where it is dropped). Several hosts are tried in turn, as postgres.js does.
 */
export function deferredCloseSockets(): (target: SocketTarget) => Socket {
  let next = 0
  return ({ host, port, path }) => {
    const socket = new DeferredCloseSocket()
    if (path) return socket.connect(path)
    const index = next++ % host.length
    const target = { host: host[index] ?? 'localhost', port: port[index] ?? 5432 }
    // host and port name the server in postgres.js's connection errors.
    return Object.assign(socket.connect(target.port, target.host), target)
  }
}

class DeferredCloseSocket extends Socket {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'close') return super.emit(event, ...args)
    setImmediate(() => super.emit(event, ...args))
    return this.listenerCount(event) > 0
  }
}
