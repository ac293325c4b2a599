// Method: `paddock ui` run with HTTPS options that cannot be served (one file without the other, a file that is not there), its exit code and message read; and the four-letter words its Commands view offers, compared with the words that change something.
import { describe, expect, it } from 'vitest'
import { runUiCommand, uiFourLetterWords } from '../../../lib/cli/ui-command.js'
import { fourLetterWords } from '../../../lib/wire/frames.js'

async function run(argv: string[]): Promise<{ code: number; err: string[] }> {
  const err: string[] = []
  const code = await runUiCommand(argv, { out: () => undefined, err: (line) => err.push(line) })
  return { code, err }
}

describe('paddock ui', () => {
  it('refuses a certificate without its key, and the other way round, before it listens', async () => {
    for (const argv of [['--tls-cert', 'chain.pem'], ['--tls-key', 'key.pem']]) {
      expect(await run(argv)).toEqual({ code: 2, err: ['paddock ui: HTTPS needs both --tls-cert (the certificate chain, PEM) and --tls-key (its private key, PEM)'] })
    }
  })

  it('names a certificate file it cannot read', async () => {
    const { code, err } = await run(['--tls-cert', '/nonexistent/chain.pem', '--tls-key', '/nonexistent/key.pem'])
    expect(code).toBe(2)
    expect(err[0]).toMatch(/^paddock ui: cannot read the certificate or key: .*ENOENT/)
  })

  it('offers every four-letter word but those that reset statistics or set the trace mask', () => {
    const offered = uiFourLetterWords.map((c) => c.name)
    expect(fourLetterWords.filter((w) => !offered.includes(w))).toEqual(['crst', 'srst', 'stmk'])
    expect(offered).toContain('srvr')
  })
})
