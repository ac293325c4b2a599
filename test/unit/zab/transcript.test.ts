// Method: golden transcripts — run each testdata/*.txt script and compare with its .golden file (UPDATE_GOLDEN=1 rewrites them for review).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TranscriptCluster } from './transcript.js'

const dir = join(import.meta.dirname, 'testdata')
const scripts = readdirSync(dir).filter((name) => name.endsWith('.txt'))

describe('golden transcripts (etcd raft interaction tests in spirit)', () => {
  for (const script of scripts) {
    it(`replays ${script} exactly as recorded`, () => {
      const output = new TranscriptCluster().run(readFileSync(join(dir, script), 'utf8'))
      const golden = join(dir, script.replace(/\.txt$/, '.golden'))
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, output)
      expect(output).toBe(readFileSync(golden, 'utf8'))
    })
  }
})
