// Method: round-trip every transaction record through the msgpackr codec, 64-bit ids included.
import { describe, expect, it } from 'vitest'
import { decodeTxnEntry, encodeTxnEntry } from '../../../lib/txn/codec.js'
import type { TxnEntry } from '../../../lib/txn/types.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'

// Byte arrays come back as Buffers (a Uint8Array subclass); compare contents, not classes.
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) }
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}

const header = { sessionId: -0x7fff_ffff_ffff_fff0n, cxid: 7, zxid: makeZxid(3, 9), time: 1_700_000_000_123 }

describe('txn codec', () => {
  it.each<TxnEntry['txn']>([
    { type: 'create', path: '/a', data: new Uint8Array([0, 255]), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], kind: 'ephemeral', ephemeralOwner: 0x0100_0000_0000_0001n, ttlMs: 0, parentCVersion: 4 },
    { type: 'delete', path: '/a' },
    { type: 'setData', path: '/a', data: new Uint8Array(3), version: 2 },
    { type: 'setACL', path: '/a', acl: [], version: 1 },
    { type: 'check', path: '/a', version: -1 },
    { type: 'error', err: -101 },
    { type: 'multi', txns: [{ type: 'delete', path: '/x' }, { type: 'error', err: -2 }] },
    { type: 'createSession', timeoutMs: 30000, passwd: new Uint8Array(16).fill(9) },
    { type: 'closeSession', paths2Delete: ['/e1', '/e2'] },
  ])('round-trips a $type txn', (txn) => {
    const decoded = decodeTxnEntry(encodeTxnEntry({ header, txn }))
    expect(plain(decoded)).toEqual(plain({ header, txn }))
  })

  it('refuses bytes that are not an entry', () => {
    expect(() => decodeTxnEntry(encodeTxnEntry({ header, txn: { type: 'delete', path: '/a' } }).subarray(0, 3))).toThrow()
    expect(() => decodeTxnEntry(new Uint8Array([0x90]))).toThrow(TypeError)
  })
})
