/**
 * Sends one four-letter word to a client port and returns the answer (what `paddock server
 * status` uses, as zkServer.sh uses `srvr`).
 * @module
 */
import { connect } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { fourLetterTimeoutMs } from '../limits.js'

/**
 * Sends `word` to host:port, over TLS when `tls` is given (a secureClientPort); rejects with the
 * socket error (ECONNREFUSED: nothing listens there).
 */
export function askFourLetterWord(host: string, port: number, word: string, timeoutMs = fourLetterTimeoutMs, tls?: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls === undefined ? connect({ host, port }) : tlsConnect({ ...tls, host, port })
    let answer = ''
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })))
    socket.on(tls === undefined ? 'connect' : 'secureConnect', () => socket.write(word))
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')))
    socket.on('error', reject)
    socket.on('close', (hadError) => {
      if (!hadError) resolve(answer)
    })
  })
}

/** The last zxid a `srvr` answer reports (`Zxid: 0x...`), or undefined when it has none (a member not serving). */
export function srvrZxidOf(answer: string): number | undefined {
  const hex = /^Zxid: 0x([0-9a-f]+)$/m.exec(answer)?.[1]
  return hex === undefined ? undefined : Number.parseInt(hex, 16)
}
