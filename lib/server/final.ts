/**
 * The final stage (apache/zookeeper's FinalRequestProcessor): turns the result of an applied
 * transaction into the response the asking client gets.
 * @module
 */
import { ErrorCode } from '../errors.js'
import type { MultiResult, Response } from '../protocol/requests.js'
import type { TxnResult } from '../tree/data-tree.js'

/** Turns a transaction result into the response of the request that caused it. */
export function toResponse(result: TxnResult): Response {
  if (result.type === 'error') return { err: result.err }
  switch (result.type) {
    case 'create':
      return { err: 0, path: result.path, stat: result.stat }
    case 'setData':
    case 'setACL':
      return { err: 0, stat: result.stat }
    case 'multi':
      return { err: 0, results: result.results.map(toMultiResult) }
    case 'reconfig':
      return { err: 0, data: result.data, stat: result.stat }
    default:
      return { err: 0 }
  }
}

/** Turns the result of one operation of a multi into its entry in the multi's response. */
export function toMultiResult(result: TxnResult): MultiResult {
  switch (result.type) {
    case 'create':
      return { op: 'create', err: 0, path: result.path, stat: result.stat }
    case 'delete':
      return { op: 'delete', err: 0 }
    case 'setData':
      return { op: 'setData', err: 0, stat: result.stat }
    case 'check':
      return { op: 'check', err: 0 }
    case 'error':
      return { op: 'error', err: result.err }
    default:
      return { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY }
  }
}
