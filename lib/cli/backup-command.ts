/**
 * `paddock data backup` and `paddock data restore`: the admin server's `snapshot` and `restore`
 * commands from the command line. A backup streams into a temporary file beside the target and is
 * renamed into place only once complete (its size checked against the server's `snapshot_size`),
 * so a failure never leaves a half-written file.
 * @module
 */
import { createWriteStream } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { request, type IncomingMessage } from 'node:http'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { terminalProgress } from '../migrate/progress.js'
import type { Output } from './server-command.js'

/** Where the commands write, and stderr when it is a terminal (for the progress line). */
type DataCommandIO = Output & { progressStream?: NodeJS.WriteStream | undefined }

/** Time a backup or restore request may take before the command gives up, in ms. */
const requestTimeoutMs = 10 * 60_000

/** `host:port` of an admin server, split; undefined when it does not parse. */
function adminAddress(connect: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(connect)
  if (match === null) return undefined
  const port = Number(match[2])
  return port > 0 && port < 65536 ? { host: match[1]!.replace(/^\[|\]$/g, ''), port } : undefined
}

function send(address: { host: string; port: number }, method: 'GET' | 'POST', path: string, body?: Uint8Array): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ ...address, method, path, timeout: requestTimeoutMs, headers: body === undefined ? {} : { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length } }, resolvePromise)
    req.on('timeout', () => req.destroy(new Error(`no answer from ${address.host}:${address.port} within ${requestTimeoutMs} ms`)))
    req.on('error', reject)
    req.end(body === undefined ? undefined : Buffer.from(body))
  })
}

async function errorOf(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of res) parts.push(part as Buffer)
  const text = Buffer.concat(parts).toString('utf8')
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error
    return `HTTP ${res.statusCode}: ${typeof error === 'string' ? error : text}`
  } catch {
    return `HTTP ${res.statusCode}: ${text.slice(0, 500)}`
  }
}

function connectArg(args: string[]): { address: { host: string; port: number } | undefined; file: string | undefined; connect: string | undefined; extra: boolean } {
  const { values, positionals } = parseArgs({ args, options: { connect: { type: 'string' } }, allowPositionals: true, strict: true })
  const connect = values.connect
  return { address: connect === undefined ? undefined : adminAddress(connect), connect, file: positionals[0], extra: positionals.length !== 1 }
}

/** `paddock data backup --connect HOST:ADMIN_PORT OUT_FILE`. */
export async function runBackup(args: string[], io: DataCommandIO, usageError: (why: string) => number): Promise<number> {
  const { address, file, connect, extra } = connectArg(args)
  if (connect === undefined || file === undefined || extra) return usageError('backup needs --connect HOST:ADMIN_PORT and one OUT_FILE')
  if (address === undefined) return usageError(`--connect ${JSON.stringify(connect)} is not HOST:ADMIN_PORT`)
  const started = Date.now()
  const res = await send(address, 'GET', '/commands/snapshot?streaming=true')
  if (res.statusCode !== 200) throw new Error(`the server refused the backup: ${await errorOf(res)}`)
  const size = Number(res.headers['snapshot_size'])
  const zxid = String(res.headers['last_zxid'] ?? '?')
  const target = resolve(file)
  const tmp = join(dirname(target), `.${basename(target)}.paddock-tmp-${process.pid}`)
  const progress = io.progressStream === undefined ? undefined : terminalProgress(io.progressStream)
  let bytes = 0
  try {
    const out = createWriteStream(tmp, { flags: 'wx' })
    const closed = new Promise<void>((resolveClose, reject) => {
      out.on('close', resolveClose)
      out.on('error', reject)
    })
    for await (const part of res) {
      bytes += (part as Buffer).length
      if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()))
      progress?.update({ phase: 'backup', file: undefined, znodes: 0, bytes, bytesTotal: size })
    }
    out.end()
    await closed
    if (!res.complete || bytes !== size) throw new Error(`the backup stream ended after ${bytes} of ${size} bytes`)
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  } finally {
    progress?.clear()
  }
  io.out(`paddock data: backed up zxid ${zxid}, ${bytes} bytes, to ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return 0
}

/** `paddock data restore --connect HOST:ADMIN_PORT IN_FILE`. */
export async function runRestore(args: string[], io: DataCommandIO, usageError: (why: string) => number): Promise<number> {
  const { address, file, connect, extra } = connectArg(args)
  if (connect === undefined || file === undefined || extra) return usageError('restore needs --connect HOST:ADMIN_PORT and one IN_FILE')
  if (address === undefined) return usageError(`--connect ${JSON.stringify(connect)} is not HOST:ADMIN_PORT`)
  const body = await readFile(file)
  const res = await send(address, 'POST', '/commands/restore', body)
  if (res.statusCode !== 200) throw new Error(`the server refused the restore: ${await errorOf(res)}`)
  const parts: Buffer[] = []
  for await (const part of res) parts.push(part as Buffer)
  const answer = JSON.parse(Buffer.concat(parts).toString('utf8')) as { last_zxid?: number; restored_zxid?: string; node_count?: number }
  io.out(`paddock data: restored ${answer.node_count ?? '?'} znodes from ${file} (snapshot zxid 0x${(answer.last_zxid ?? 0).toString(16)}); the server continues from zxid ${answer.restored_zxid ?? '?'}`)
  return 0
}
