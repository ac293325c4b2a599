// Method: the member configuration's way to disk and back, and how a reconfig entry is told from
// the others when the log is read at start-up, on encoded entries of every kind.
import { describe, expect, it } from 'vitest'
import { decodeMemberConfig, encodeMemberConfig, restoredEntry } from '../../../lib/server/member-config.js'
import { encodeTxnEntry, encodeValue } from '../../../lib/txn/codec.js'

const header = { sessionId: 0n, cxid: 0, zxid: 0, time: 0 }

describe('member configuration on disk', () => {
  it('round-trips, and refuses bytes that are not a configuration with the reason', () => {
    const config = { version: 0x100000003, voters: [1, 2, 4], observers: [5], text: 'server.1=a:1:2:participant\n' }
    expect(decodeMemberConfig(encodeMemberConfig(config))).toEqual(config)
    expect(() => decodeMemberConfig(new Uint8Array([0x92, 0x01]))).toThrow(/does not decode/)
    expect(() => decodeMemberConfig(encodeValue({ version: 1, voters: [], observers: [], text: '' }))).toThrow(/no voter/)
    expect(() => decodeMemberConfig(encodeValue({ version: 1, voters: [2, 1], observers: [], text: '' }))).toThrow(/ascending/)
    expect(() => decodeMemberConfig(encodeValue({ version: 1, voters: [1], observers: [1], text: '' }))).toThrow(/both voter and observer/)
  })

  it('restores a reconfig entry with its configuration and every other entry without one', () => {
    const reconfig = encodeTxnEntry({ header, txn: { type: 'reconfig', text: 'server.1=a:1:2:participant\n', voters: [1], observers: [] } })
    expect(restoredEntry(7, reconfig)).toEqual({ zxid: 7, data: reconfig, config: { version: 7, voters: [1], observers: [], text: 'server.1=a:1:2:participant\n' } })
    // Data that happens to hold the bytes of the word is decoded, and is no reconfig.
    const lookalike = encodeTxnEntry({ header, txn: { type: 'setData', path: '/reconfig', data: new TextEncoder().encode('reconfig'), version: 1 } })
    expect(restoredEntry(8, lookalike)).toEqual({ zxid: 8, data: lookalike })
    const plain = encodeTxnEntry({ header, txn: { type: 'delete', path: '/a' } })
    expect(restoredEntry(9, plain)).toEqual({ zxid: 9, data: plain })
  })
})
