/**
 * The admin server's HTTP plumbing that its command handlers share: JSON answers written as
 * ZooKeeper's outputter writes them, and request bodies read up to a bound.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminJson } from '../server/admin-commands.js'

/** The content type of every JSON answer. */
export const adminJsonContentType = 'application/json; charset=utf-8'

/** Writes `text` as the whole answer (just ends it when the head is already out). */
export function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent) return void res.end()
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' })
  res.end(text)
}

/** Writes `body` as a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, adminJsonContentType, adminJson(body))
}

/**
 * A command's answer with no fields but `command` and `error`; `closeConnection` for one sent
 * before the body was read (the rest of it is not wanted).
 */
export function reply(res: ServerResponse, status: number, command: string, error: string | null, closeConnection = false): void {
  if (closeConnection) res.setHeader('Connection', 'close')
  sendJson(res, status, { command, error })
}

/** The request body, or undefined once it runs past `bytesMax` (the rest is not read). */
export function readBody(req: IncomingMessage, bytesMax: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let length = 0
    req.on('data', (part: Buffer) => {
      length += part.length
      if (length > bytesMax) {
        req.pause()
        resolve(undefined)
        return
      }
      parts.push(part)
    })
    req.on('end', () => resolve(Buffer.concat(parts)))
    req.on('error', reject)
    req.on('aborted', () => reject(new Error('the client went away before the body was complete')))
  })
}
