// Method: one session pipelines sync, exists(/r/xN), create(/r/xN) while four others keep group
// commit busy on a durable server, so one commit batch carries the sync's commit point and the
// session's later create. The exists queued behind the sync must be answered before that create is
// applied: NONODE every time, as ZooKeeper answers (Leader.processSync sends SYNC FIFO behind the
// COMMITs it waited for). Found by the stateful client-port fuzzer.
import { expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from '../../../lib/index.js'
import { RawClient, create } from '../wire/helpers.js'

it('answers reads queued behind a sync before the session writes sent after them', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'paddock-sync-order-'))
  const server = await createServer({ dataDir, port: 0 })
  const port = server.address!.port
  const [c] = await RawClient.session(port)
  await c.call(create('/r', 0, ''))
  const others = await Promise.all(Array.from({ length: 4 }, () => RawClient.session(port))) // keep group commit busy
  const n = 300
  for (let i = 0; i < n; i++) {
    others.forEach(([o], k) => o.send(create(`/o${k}-${i}`, 0, '')))
    c.send({ op: 'sync', path: '/' })
    c.send({ op: 'exists', path: `/r/x${i}`, watch: false }) // sent before the create below
    c.send(create(`/r/x${i}`, 0, ''))
  }
  let early = 0
  for (let i = 0; i < n; i++) {
    await c.reply() // sync
    if ((await c.reply())!.header.err === 0) early++ // ZooKeeper: NONODE, always
    await c.reply() // create
  }
  c.destroy()
  for (const [o] of others) o.destroy()
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
  // Before the fix, 25 to 30 of the 300 found the node their session created after asking.
  expect(early).toBe(0)
}, 60_000)
