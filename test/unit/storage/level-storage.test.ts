// Method: the Storage contract on LevelDB in temp dirs, plus the directory lock between instances.
import { describe, expect, it } from 'vitest'
import { StorageError } from '../../../storage/index.js'
import { storageContract } from './contract.js'
import { levelBacking, RecordingLogger } from './harness.js'

storageContract(levelBacking)

describe('LevelStorage', () => {
  it('fails at once with DIR_IN_USE naming the dataDir when another instance holds it', async () => {
    const backing = await levelBacking.create()
    const first = backing.storage({ logger: new RecordingLogger() })
    const second = backing.storage({ logger: new RecordingLogger() })
    try {
      await first.open()
      const err = await second.open().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StorageError)
      expect(err).toMatchObject({ code: 'DIR_IN_USE', message: expect.stringMatching(/^dataDir .*paddock-storage-.* is in use/) })
      expect(second.state).toBe('closed')
      // The holder is unaffected, and once it lets go the other can open.
      await first.append([{ zxid: 1, data: new Uint8Array([1]) }])
      await first.close()
      await second.open()
      expect(second.lastLoggedZxid).toBe(1)
    } finally {
      await first.close()
      await second.close()
      await backing.cleanup()
    }
  })
})
