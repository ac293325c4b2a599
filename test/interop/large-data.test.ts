// Method: node-zookeeper-client sends requests whose frames sit exactly at and one byte over jute.maxbuffer (0xfffff) to each target and checks what is stored.
import { describe, expect, it } from 'vitest'
import { targets } from './harness/targets.js'
import { withNzkServer } from './harness/fixtures.js'
import { failure, type NzkClient } from './harness/nzk.js'

/** ZooKeeper's default jute.maxbuffer: the largest request frame a server reads, in bytes. */
const juteMaxBuffer = 0xfffff

/**
 * Bytes of a create request frame besides the data (after the 4-byte length): xid and type (8),
 * path (4 + length), data length (4), OPEN_ACL_UNSAFE (4 + 4 + 4+5 + 4+6 = 27), flags (4).
 */
function createOverheadBytes(path: string): number {
  return 8 + 4 + Buffer.byteLength(path) + 4 + 27 + 4
}

/** Bytes of a setData frame besides the data: xid and type (8), path (4 + length), data length (4), version (4). */
function setDataOverheadBytes(path: string): number {
  return 8 + 4 + Buffer.byteLength(path) + 4 + 4
}

describe.each(targets)('$name: data near and over 1 MB through node-zookeeper-client', (target) => {
  let client: NzkClient

  withNzkServer(target, (_server, c) => {
    client = c
  })

  it('stores and returns data whose create frame is exactly jute.maxbuffer bytes', async () => {
    const path = '/big-fits'
    const data = Buffer.alloc(juteMaxBuffer - createOverheadBytes(path), 0x61)
    expect(data.length).toBeGreaterThan(1_048_500)
    expect(await client.create(path, data)).toBe(path)
    const read = await client.getData(path)
    expect(read.stat.dataLength).toBe(data.length)
    expect(read.data?.equals(data)).toBe(true)
  })

  it('refuses a create frame one byte over jute.maxbuffer by closing the connection; the session survives and nothing is stored', async () => {
    const path = '/big-over'
    const data = Buffer.alloc(juteMaxBuffer - createOverheadBytes(path) + 1, 0x62)
    const sessionId = client.sessionIdHex
    const reconnected = client.nextState('SYNC_CONNECTED')
    expect(await failure(client.create(path, data))).toBe('CONNECTIONLOSS')
    await reconnected
    expect(client.sessionIdHex).toBe(sessionId)
    expect(await client.exists(path)).toBeNull()
  })

  it('accepts a setData frame of exactly jute.maxbuffer bytes and refuses one a byte larger, keeping the old data', async () => {
    const path = '/big-set'
    await client.create(path, 'small')
    const fits = Buffer.alloc(juteMaxBuffer - setDataOverheadBytes(path), 0x63)
    expect((await client.setData(path, fits)).dataLength).toBe(fits.length)

    const reconnected = client.nextState('SYNC_CONNECTED')
    expect(await failure(client.setData(path, Buffer.concat([fits, Buffer.from('!')])))).toBe('CONNECTIONLOSS')
    await reconnected
    const read = await client.getData(path)
    expect(read.stat.version).toBe(1)
    expect(read.data?.equals(fits)).toBe(true)
  })
})
