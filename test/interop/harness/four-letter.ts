/**
 * Four-letter words over a plain socket, as `echo ruok | nc` would send them.
 * @module
 */
import { connect } from 'node:net'
import { withTimeout } from './wait.js'

/** Sends `word` to host:port and resolves with everything the server writes before closing. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2_000): Promise<string> {
  const answer = new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port })
    const chunks: Buffer[] = []
    socket.on('connect', () => socket.end(word))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${word}`)))
  })
  return withTimeout(answer, timeoutMs + 500, `the answer to ${word} from ${host}:${port}`)
}
