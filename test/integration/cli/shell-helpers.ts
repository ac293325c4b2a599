// Drives runShell in-process with fake streams: stdin from a string, stdout and stderr collected.
import { PassThrough, Writable } from 'node:stream'
import { runShell } from '../../../lib/cli/shell/index.js'

/** What one shell run printed and returned. */
export interface ShellRun {
  code: number
  out: string
  err: string
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString())
      callback()
    },
  })
  return { stream, text: () => chunks.join('') }
}

/** Runs `paddock shell ...argv` with `input` (if any) as piped stdin. */
export async function shell(argv: string[], input = ''): Promise<ShellRun> {
  const stdin = new PassThrough()
  stdin.end(input)
  const stdout = collector()
  const stderr = collector()
  const code = await runShell(argv, { stdin, stdout: stdout.stream, stderr: stderr.stream, isTTY: false })
  return { code, out: stdout.text(), err: stderr.text() }
}

/** Replaces Java-style dates and hex zxids/session ids so outputs of different runs compare. */
export function normalise(text: string): string {
  return text
    .replace(/[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \S+ \d{4}/g, '<date>')
    .replace(/(Zxid|ephemeralOwner) = 0x[0-9a-f]+/g, '$1 = <hex>')
}
