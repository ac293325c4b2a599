// Method: round-trip every zookeeper.jute client record, and compare frames byte for byte with ones derived by hand from the jute definitions.

import { describe, expect, it } from 'vitest'
import {
  FrameDecoder,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  decodeRequestFrame,
  decodeRequestHeader,
  readConnectRequest,
  readConnectResponse,
  readReplyHeader,
  readResponse,
  readStat,
  readWatcherEvent,
  writeConnectRequestFrame,
  writeConnectResponseFrame,
  writeNotificationFrame,
  writeReplyFrame,
  writeRequestFrame,
  writeStat,
  type ConnectRequest,
  type ConnectResponse,
} from '../../../lib/wire/index.js'
import type { ClientRequest } from '../../../lib/protocol/jute-records.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { juteMaxBufferBytes, multiOpsMax } from '../../../lib/limits.js'
import { sampleRequests, sampleResponses, sampleStat } from './samples.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

/** Writes one frame with `fill`, checks its length prefix, returns the payload. */
function payloadOf(fill: (w: JuteWriter) => void): Uint8Array {
  const w = new JuteWriter()
  fill(w)
  const frames = new FrameDecoder().push(w.finish())
  expect(frames).toHaveLength(1)
  return frames[0]!
}

function frameHex(fill: (w: JuteWriter) => void): string {
  const w = new JuteWriter()
  fill(w)
  return hex(w.finish())
}

describe('ConnectRequest / ConnectResponse (zookeeper.jute proto.ConnectRequest, compat.ProtocolManager)', () => {
  const fresh: ConnectRequest = {
    protocolVersion: 0, lastZxidSeen: 0, timeOut: 30000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false,
  }

  it('encodes a fresh client\'s ConnectRequest as exactly 4+8+4+8+4+16+1 = 45 bytes', () => {
    expect(frameHex((w) => writeConnectRequestFrame(w, fresh))).toBe(
      '0000002d' + '00000000' + '0000000000000000' + '00007530' + '0000000000000000' + '00000010' + '00'.repeat(16) + '00',
    )
  })

  it('decodes a ConnectRequest with and without the trailing readOnly flag (3.3 clients omit it)', () => {
    const withFlag = payloadOf((w) => writeConnectRequestFrame(w, { ...fresh, readOnly: true, sessionId: 0x0100_0000_0000_0abcn }))
    expect(readConnectRequest(new JuteReader(withFlag))).toEqual({ ...fresh, readOnly: true, sessionId: 0x0100_0000_0000_0abcn })
    const without = withFlag.subarray(0, 44)
    expect(readConnectRequest(new JuteReader(without)).readOnly).toBeUndefined()
  })

  it('round-trips a ConnectResponse, and omits readOnly when it is undefined (an old client)', () => {
    const resp: ConnectResponse = { protocolVersion: 0, timeOut: 4000, sessionId: -2n, passwd: new Uint8Array(16).fill(9), readOnly: false }
    const p = payloadOf((w) => writeConnectResponseFrame(w, resp))
    expect(p).toHaveLength(4 + 4 + 8 + 4 + 16 + 1)
    expect(readConnectResponse(new JuteReader(p))).toEqual(resp)
    const old = payloadOf((w) => writeConnectResponseFrame(w, { ...resp, readOnly: undefined }))
    expect(old).toHaveLength(36)
    expect(readConnectResponse(new JuteReader(old)).readOnly).toBeUndefined()
  })

  it('refuses a truncated ConnectRequest with JuteDecodeError', () => {
    const p = payloadOf((w) => writeConnectRequestFrame(w, fresh))
    expect(() => readConnectRequest(new JuteReader(p.subarray(0, 30)))).toThrow(JuteDecodeError)
  })
})

describe('Stat (zookeeper.jute data.Stat)', () => {
  it('writes the 11 fields in jute order: czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength numChildren pzxid', () => {
    const w = new JuteWriter()
    writeStat(w, sampleStat)
    expect(hex(w.finish())).toBe(
      '0000000100000001' + '0000000100000002' + '0000018bcfe56801' + '0000018bcfe56802' +
      '00000003' + '00000004' + '00000005' + '0100000000000006' + '00000007' + '00000008' + '0000000100000009',
    )
  })

  it('round-trips', () => {
    const w = new JuteWriter()
    writeStat(w, sampleStat)
    expect(readStat(new JuteReader(w.finish()))).toEqual(sampleStat)
  })
})

describe('ReplyHeader and WatcherEvent (zookeeper.jute proto.ReplyHeader, proto.WatcherEvent)', () => {
  it('encodes a ReplyHeader with err -101 (NONODE) and no body', () => {
    expect(frameHex((w) => writeReplyFrame(w, { xid: 5, zxid: 0x100000002, err: -101 }))).toBe(
      '00000010' + '00000005' + '0000000100000002' + 'ffffff9b',
    )
  })

  it('encodes a notification frame with xid -1 and a NodeDataChanged WatcherEvent', () => {
    const h = frameHex((w) => writeNotificationFrame(w, 7, { type: 3, state: 3, path: '/a' }))
    expect(h).toBe('0000001e' + 'ffffffff' + '0000000000000007' + '00000000' + '00000003' + '00000003' + '000000022f61')
    const r = new JuteReader(unhex(h).subarray(4))
    expect(readReplyHeader(r)).toEqual({ xid: -1, zxid: 7, err: 0 })
    expect(readWatcherEvent(r)).toEqual({ type: 3, state: 3, path: '/a' })
  })
})

describe('requests by hand-derived frames (RequestHeader + request record)', () => {
  it('decodes getData("/a", watch) with xid 1 from its 15-byte payload', () => {
    const frame = unhex('0000000f' + '00000001' + '00000004' + '000000022f61' + '01')
    const [payload] = new FrameDecoder().push(frame)
    expect(decodeRequestFrame(payload!)).toEqual({ header: { xid: 1, type: OpCode.getData }, request: { op: 'getData', path: '/a', watch: true } })
  })

  it('encodes create("/a", "x", OPEN_ACL_UNSAFE, EPHEMERAL) as CreateRequest{path, data, acl, flags}', () => {
    const req: ClientRequest = { op: 'create', path: '/a', data: new Uint8Array([0x78]), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 }
    const body = '000000022f61' + '0000000178' + '00000001' + '0000001f' + '00000005' + hex(Buffer.from('world')) + '00000006' + hex(Buffer.from('anyone')) + '00000001'
    expect(frameHex((w) => writeRequestFrame(w, 3, req))).toBe((8 + body.length / 2).toString(16).padStart(8, '0') + '00000003' + '00000001' + body)
  })

  it('cannot fit multiOpsMax operations in one jute.maxbuffer frame, so the client bound refuses no multi ZooKeeper accepts', () => {
    // The smallest operation on the wire: a check of "/" (MultiHeader + CheckVersionRequest).
    const payloadBytes = (count: number): number => {
      const w = new JuteWriter()
      writeRequestFrame(w, 1, { op: 'multi', ops: Array.from({ length: count }, () => ({ op: 'check' as const, path: '/', version: -1 })) })
      return w.finish().length - 4
    }
    expect(payloadBytes(multiOpsMax - 1)).toBeLessThanOrEqual(juteMaxBufferBytes)
    expect(payloadBytes(multiOpsMax)).toBeGreaterThan(juteMaxBufferBytes)
  })

  it('decodes a multi of check and delete framed by MultiHeaders (MultiOperationRecord)', () => {
    const payload = unhex(
      '00000002 0000000e' +
      '0000000d 00 ffffffff' + '000000022f61 00000001' +
      '00000002 00 ffffffff' + '000000022f61 ffffffff' +
      'ffffffff 01 ffffffff',
    )
    expect(decodeRequestFrame(payload).request).toEqual({
      op: 'multi',
      ops: [{ op: 'check', path: '/a', version: 1 }, { op: 'delete', path: '/a', version: -1 }],
    })
  })

  it('decodes a ping (xid -2, opcode 11) as a header with no body', () => {
    expect(decodeRequestFrame(unhex('fffffffe 0000000b'))).toEqual({ header: { xid: -2, type: 11 }, request: { op: 'ping' } })
  })

  it('reads null path, data and ACL vector as empty (the server then answers BADARGUMENTS / INVALIDACL as ZooKeeper does)', () => {
    const payload = unhex('00000001 00000001' + 'ffffffff' + 'ffffffff' + 'ffffffff' + '00000000')
    expect(decodeRequestFrame(payload).request).toEqual({ op: 'create', path: '', data: new Uint8Array(0), acl: [], flags: 0 })
  })

  it('refuses an unknown opcode with JuteDecodeError unknownOpCode, after the header is readable', () => {
    const payload = unhex('00000009 0000002a')
    expect(decodeRequestHeader(payload)).toEqual({ xid: 9, type: 42 })
    expect(() => decodeRequestFrame(payload)).toThrow(expect.objectContaining({ reason: 'unknownOpCode' }))
  })

  it('refuses opcodes that are not client requests: notification, createSession, error', () => {
    for (const type of [0, -10, -1]) {
      expect(() => decodeRequestFrame(unhex('00000001' + (type >>> 0).toString(16).padStart(8, '0')))).toThrow(JuteDecodeError)
    }
  })

  it('refuses a read op inside multi and a write op inside multiRead (MultiOperationRecord op kinds)', () => {
    const readInMulti = unhex('00000001 0000000e' + '00000004 00 ffffffff' + '000000022f61 00' + 'ffffffff 01 ffffffff')
    expect(() => decodeRequestFrame(readInMulti)).toThrow(expect.objectContaining({ reason: 'invalid' }))
    const writeInMultiRead = unhex('00000001 00000016' + '00000002 00 ffffffff' + '000000022f61 ffffffff' + 'ffffffff 01 ffffffff')
    expect(() => decodeRequestFrame(writeInMultiRead)).toThrow(expect.objectContaining({ reason: 'invalid' }))
  })

  it('refuses a multi whose terminating MultiHeader is missing, as truncated', () => {
    const payload = unhex('00000001 0000000e' + '0000000d 00 ffffffff' + '000000022f61 00000001')
    expect(() => decodeRequestFrame(payload)).toThrow(expect.objectContaining({ reason: 'truncated' }))
  })
})

describe('round trip of every request record', () => {
  for (const req of sampleRequests) {
    it(`round-trips ${req.op} (${OpCode[req.op]})`, () => {
      const payload = payloadOf((w) => writeRequestFrame(w, 17, req))
      expect(decodeRequestFrame(payload)).toEqual({ header: { xid: 17, type: OpCode[req.op] }, request: req })
    })
  }
})

describe('round trip of every response record (ReplyHeader + response)', () => {
  for (const resp of sampleResponses) {
    it(`round-trips the ${resp.op} response`, () => {
      const payload = payloadOf((w) => writeReplyFrame(w, { xid: 3, zxid: 0x500000001, err: 0 }, resp))
      const r = new JuteReader(payload)
      expect(readReplyHeader(r)).toEqual({ xid: 3, zxid: 0x500000001, err: 0 })
      expect(readResponse(resp.op, r)).toEqual(resp)
      expect(r.remaining).toBe(0)
    })
  }

  it('answers addWatch with ErrorResponse{0} (FinalRequestProcessor)', () => {
    expect(frameHex((w) => writeReplyFrame(w, { xid: 1, zxid: 0, err: 0 }, { op: 'addWatch' }))).toBe(
      '00000014' + '00000001' + '0000000000000000' + '00000000' + '00000000',
    )
  })

  it('encodes a failed multi as MultiHeader{-1, false, err} + ErrorResponse per op (MultiResponse)', () => {
    const h = frameHex((w) => writeReplyFrame(w, { xid: 1, zxid: 0, err: 0 }, {
      op: 'multi', results: [{ op: 'error', err: 0 }, { op: 'error', err: -110 }],
    }))
    expect(h.slice(8 + 32)).toBe('ffffffff 00 00000000 00000000'.replace(/ /g, '') + 'ffffffff00ffffff92ffffff92' + 'ffffffff01ffffffff')
  })
})
