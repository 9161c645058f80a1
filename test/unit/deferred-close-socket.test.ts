import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { deferredCloseSockets } from '../../src/pgvector/deferred-close-socket.js'

// Real TCP servers on 127.0.0.1: the order of events is the socket's own.
describe('deferredCloseSockets', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((r) => server.close(r))))
  })

  async function serve(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer(onConnection)
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return (server.address() as { port: number }).port
  }

  it("reports 'close' after a write batched in the turn the connection is reset", async () => {
    // Node reports a closed socket after the turn's immediates: a write batched from within one
    // of them (as postgres.js batches its ROLLBACK) is queued for the next turn, after a plain
    // socket's 'close'.
    const port = await serve((peer) => peer.resetAndDestroy())
    const socket = deferredCloseSockets()({ host: ['127.0.0.1'], port: [port] })
    const order: string[] = []
    socket.on('error', () => setImmediate(() => setImmediate(() => order.push('batched write'))))
    await new Promise((resolve) => socket.on('close', resolve))
    order.push('close')
    expect(order).toEqual(['batched write', 'close'])
  })

  it('tries several hosts in turn and names the one it connects to', async () => {
    const seen: string[] = []
    const first = await serve((peer) => (seen.push('first'), peer.end()))
    const second = await serve((peer) => (seen.push('second'), peer.end()))
    const connect = deferredCloseSockets()
    for (let i = 0; i < 3; i++) {
      const socket = connect({ host: ['127.0.0.1', '127.0.0.1'], port: [first, second] })
      expect((socket as Socket & { port: number }).port).toBe(i % 2 === 0 ? first : second)
      await once(socket, 'close')
    }
    expect(seen).toEqual(['first', 'second', 'first'])
  })
})
