// One admin-server request with an Authorization header, its whole answer read (the backup tests'
// snapshot and restore calls).
import { request } from 'node:http'

/** An admin server's answer: status, headers and the whole body. */
export interface AdminReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** Sends `method path` (with `body`, if any) to 127.0.0.1:`port`, authenticated as `authorization`. */
export function adminRequest(port: number, method: 'GET' | 'POST', path: string, body?: Uint8Array, authorization = 'digest backup:secret'): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Length': body.length }) }
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : Buffer.from(body))
  })
}
