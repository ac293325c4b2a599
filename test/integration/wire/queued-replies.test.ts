// Method: a client watches /w, then in one write sends setData /x, twelve getData of a 1 MB node
// (queued behind that write) and setData /w: the twelve replies and the event go out together.
// The client reads everything, so it must get all 14 replies and nothing may be logged; before the
// fix the 12 MB of replies counted as unread and the event closed it as a client that does not
// read (ZooKeeper keeps it). Found by the stateful client-port fuzzer.
import { expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from '../../../lib/index.js'
import { RawClient, create, utf8 } from './helpers.js'
import { encodeFrame } from '../hostile/fuzz-model.js'

it('keeps a reading client whose pipelined reads of large nodes are answered together with a watch event', async () => {
  const warnings: string[] = []
  const dataDir = await mkdtemp(join(tmpdir(), 'paddock-queued-replies-'))
  const server = await createServer({ dataDir, port: 0, clientPortLogger: { warn: (l) => warnings.push(l), info() {} } })
  const [c] = await RawClient.session(server.address!.port)
  await c.call({ ...create('/big', 0, ''), data: new Uint8Array(1_000_000) })
  await c.call(create('/x', 0, ''))
  await c.call(create('/w', 0, ''))
  await c.call({ op: 'exists', path: '/w', watch: true })
  // One write: setData /x, twelve getData /big (queued behind it), setData /w (fires the watch).
  const frames = [encodeFrame(100, { op: 'setData', path: '/x', data: utf8('1'), version: -1 })]
  for (let i = 0; i < 12; i++) frames.push(encodeFrame(101 + i, { op: 'getData', path: '/big', watch: false }))
  frames.push(encodeFrame(200, { op: 'setData', path: '/w', data: utf8('1'), version: -1 }))
  c.write(Buffer.concat(frames))
  let replies = 0
  for (let f = await c.nextFrame(); f !== undefined && replies < 14; f = await c.nextFrame()) if (new DataView(f.buffer, f.byteOffset).getInt32(0) !== -1) replies++
  c.destroy()
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
  expect({ replies, warnings }).toEqual({ replies: 14, warnings: [] })
}, 60_000)
