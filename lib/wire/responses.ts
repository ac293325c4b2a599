/**
 * Server responses: the jute response records of `zookeeper.jute` that follow a `ReplyHeader`,
 * as one discriminated union, `ClientResponse` (lib/protocol/jute-records.ts), keyed by the op they
 * answer.
 *
 * What each op answers follows `FinalRequestProcessor`: delete, ping, closeSession, auth,
 * setWatches(2), checkWatches and removeWatches send the header alone; addWatch sends
 * `ErrorResponse{0}`; check sends `SetDataResponse`; reconfig sends `GetDataResponse`. Multi results
 * follow `MultiResponse`: `MultiHeader{type, false, err}` and the result record per op, then
 * `MultiHeader{-1, true, -1}`; a failed op is `MultiHeader{-1, false, err}` + `ErrorResponse{err}`.
 * @module
 */

import { JuteDecodeError, type JuteReader, type JuteWriter } from './jute.js'
import type { ClientInfo } from '../protocol/data.js'
import type { ClientResponse, MultiResult } from '../protocol/jute-records.js'
import { OpCode, type OpName } from '../protocol/opcodes.js'
import { readACLs, readMultiHeader, readStat, writeACLs, writeMultiHeader, writeStat } from './records.js'

/** Writes the response record of `response` (nothing for the ops answered by the header alone). */
export function writeResponse(w: JuteWriter, response: ClientResponse): void {
  switch (response.op) {
    case 'create': case 'sync':
      w.writeUString(response.path)
      return
    case 'create2': case 'createContainer': case 'createTTL':
      w.writeUString(response.path)
      writeStat(w, response.stat)
      return
    case 'exists': case 'setData': case 'check': case 'setACL':
      writeStat(w, response.stat)
      return
    case 'getData': case 'reconfig':
      w.writeBuffer(response.data)
      writeStat(w, response.stat)
      return
    case 'getACL':
      writeACLs(w, response.acl)
      writeStat(w, response.stat)
      return
    case 'getChildren': case 'getChildren2':
      w.writeUStringVector(response.children)
      if (response.op === 'getChildren2') writeStat(w, response.stat)
      return
    case 'multi': case 'multiRead':
      writeMultiResults(w, response.results)
      return
    default:
      writeOtherResponse(w, response)
  }
}

function writeOtherResponse(w: JuteWriter, response: ClientResponse): void {
  switch (response.op) {
    case 'getEphemerals':
      w.writeUStringVector(response.ephemerals)
      return
    case 'getAllChildrenNumber':
      w.writeInt(response.totalNumber)
      return
    case 'whoAmI':
      w.writeVectorCount(response.clientInfo.length)
      for (const c of response.clientInfo) w.writeUString(c.authScheme).writeUString(c.user)
      return
    case 'sasl':
      w.writeBuffer(response.token)
      return
    case 'addWatch':
      w.writeInt(0)
      return
    default:
      return
  }
}

/** Writes `MultiResponse` results and the terminating header. */
export function writeMultiResults(w: JuteWriter, results: readonly MultiResult[]): void {
  for (const res of results) {
    const err = res.op === 'error' ? res.err : 0
    writeMultiHeader(w, { type: OpCode[res.op], done: false, err })
    switch (res.op) {
      case 'create': w.writeUString(res.path); break
      case 'create2': w.writeUString(res.path); writeStat(w, res.stat); break
      case 'delete': case 'check': break
      case 'setData': writeStat(w, res.stat); break
      case 'getChildren': w.writeUStringVector(res.children); break
      case 'getData': w.writeBuffer(res.data); writeStat(w, res.stat); break
      case 'error': w.writeInt(res.err); break
    }
  }
  writeMultiHeader(w, { type: -1, done: true, err: -1 })
}

function readMultiResults(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = []
  for (let h = readMultiHeader(r); !h.done; h = readMultiHeader(r)) {
    switch (h.type) {
      case OpCode.create: results.push({ op: 'create', path: r.readUString('CreateResponse.path') }); break
      case OpCode.create2: {
        const path = r.readUString('Create2Response.path')
        results.push({ op: 'create2', path, stat: readStat(r) })
        break
      }
      case OpCode.delete: results.push({ op: 'delete' }); break
      case OpCode.check: results.push({ op: 'check' }); break
      case OpCode.setData: results.push({ op: 'setData', stat: readStat(r) }); break
      case OpCode.getChildren: results.push({ op: 'getChildren', children: r.readUStringVector('GetChildrenResponse.children') }); break
      case OpCode.getData: {
        const data = r.readBufferOrNull('GetDataResponse.data')
        results.push({ op: 'getData', data, stat: readStat(r) })
        break
      }
      case OpCode.error: results.push({ op: 'error', err: r.readInt('ErrorResponse.err') }); break
      default:
        throw new JuteDecodeError('invalid', `invalid type ${h.type} in MultiResponse`)
    }
  }
  return results
}

/**
 * Reads the response record answering `op` (the client knows the op from the xid it sent).
 * @throws {@link JuteDecodeError} for malformed input, or `unknownOpCode` for an op with no response.
 */
export function readResponse(op: OpName, r: JuteReader): ClientResponse {
  switch (op) {
    case 'create': return { op, path: r.readUString('CreateResponse.path') }
    case 'sync': return { op, path: r.readUString('SyncResponse.path') }
    case 'create2': case 'createContainer': case 'createTTL': {
      const path = r.readUString('Create2Response.path')
      return { op, path, stat: readStat(r) }
    }
    case 'exists': case 'setData': case 'check': case 'setACL': return { op, stat: readStat(r) }
    case 'getData': case 'reconfig': {
      const data = r.readBufferOrNull('GetDataResponse.data')
      return { op, data, stat: readStat(r) }
    }
    case 'getACL': {
      const acl = readACLs(r)
      return { op, acl, stat: readStat(r) }
    }
    case 'getChildren': return { op, children: r.readUStringVector('GetChildrenResponse.children') }
    case 'getChildren2': {
      const children = r.readUStringVector('GetChildren2Response.children')
      return { op, children, stat: readStat(r) }
    }
    case 'multi': case 'multiRead': return { op, results: readMultiResults(r) }
    default: return readOtherResponse(op, r)
  }
}

function readOtherResponse(op: OpName, r: JuteReader): ClientResponse {
  switch (op) {
    case 'getEphemerals': return { op, ephemerals: r.readUStringVector('GetEphemeralsResponse.ephemerals') }
    case 'getAllChildrenNumber': return { op, totalNumber: r.readInt('GetAllChildrenNumberResponse.totalNumber') }
    case 'whoAmI': {
      const n = r.readVectorCount('WhoAmIResponse.clientInfo', 8)
      const clientInfo: ClientInfo[] = []
      for (let i = 0; i < n; i++) {
        const authScheme = r.readUString('ClientInfo.authScheme')
        clientInfo.push({ authScheme, user: r.readUString('ClientInfo.user') })
      }
      return { op, clientInfo }
    }
    case 'sasl': return { op, token: r.readBufferOrNull('SetSASLResponse.token') }
    case 'addWatch':
      r.readInt('ErrorResponse.err')
      return { op }
    case 'delete': case 'deleteContainer': case 'ping': case 'closeSession': case 'auth':
    case 'setWatches': case 'setWatches2': case 'checkWatches': case 'removeWatches':
      return { op }
    default:
      throw new JuteDecodeError('unknownOpCode', `no response record for op ${op}`)
  }
}
