// Method: zoo.cfg files that name a dynamic configuration file (ZooKeeper 3.5+), written to a
// temporary directory: the ensemble comes from that file (never a silent standalone start), its
// version from the file name, and every misplaced or missing piece is an error naming file and line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadZooCfg } from '../../../lib/config/zoo-cfg.js'
import { loadLaunch } from '../../../lib/cli/settings.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function files(zooCfg: (dir: string) => string, dynamic: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-dyn-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(dynamic)) await writeFile(join(dir, name), text)
  await writeFile(join(dir, 'zoo.cfg'), zooCfg(dir))
  return join(dir, 'zoo.cfg')
}

const ensemble = 'server.1=127.0.0.1:2888:3888;2181\nserver.2=127.0.0.1:2889:3889;2182\nserver.3=127.0.0.1:2890:3890:observer;2183\n'

describe('dynamicConfigFile', () => {
  it('takes the ensemble from the dynamic file, relative to zoo.cfg, with the version its name carries', async () => {
    const file = await files((d) => `tickTime=2000\ndataDir=${d}\ndynamicConfigFile=zoo.cfg.dynamic.100000000\n`, { 'zoo.cfg.dynamic.100000000': ensemble })
    const config = await loadZooCfg(file)
    expect(config.servers.map((s) => [s.id, s.quorumPort, s.role, s.clientPort])).toEqual([[1, 2888, 'participant', 2181], [2, 2889, 'participant', 2182], [3, 2890, 'observer', 2183]])
    expect(config.configVersion).toBe(0x100000000)
    expect(config.dynamicConfigFile).toBe(join(file, '..', 'zoo.cfg.dynamic.100000000'))
    expect(config.warnings.join('\n')).not.toMatch(/dynamicConfigFile/)
  })

  it('starts a member of that ensemble, not a standalone server', async () => {
    const file = await files((d) => `dataDir=${d}\ndynamicConfigFile=${d}/zoo.cfg.dynamic\n`, { 'zoo.cfg.dynamic': ensemble, myid: '2\n' })
    const launch = await loadLaunch(file)
    expect(launch.myid).toBe(2)
    expect(launch.port).toBe(2182)
    expect(launch.config.configVersion).toBe(0)
  })

  it('refuses server.N lines in zoo.cfg beside a dynamic file, and anything but server.N in the dynamic file', async () => {
    const both = await files((d) => `dataDir=${d}\nserver.1=127.0.0.1:1:2\ndynamicConfigFile=dyn\n`, { dyn: ensemble })
    await expect(loadZooCfg(both)).rejects.toThrow(/zoo\.cfg:2: server\.1 must be in the dynamic configuration file, since dynamicConfigFile is set \(line 3\)/)
    for (const [line, message] of [
      ['version=100000000', /dyn:4: a dynamic configuration file holds no version/],
      ['clientPort=2181', /dyn:4: clientPort does not belong in a dynamic configuration file/],
      ['weight.9=1', /dyn:4: weight\.9 weighs server 9, but no server\.9 line declares it/],
      ['server.2=127.0.0.1:2999:3999', /dyn:4: server\.2 is set twice/],
    ] as const) {
      const bad = await files((d) => `dataDir=${d}\ndynamicConfigFile=dyn\n`, { dyn: `${ensemble}${line}\n` })
      await expect(loadZooCfg(bad), line).rejects.toThrow(message)
    }
  })

  it('names the key and the file when the dynamic file cannot be read, or declares no server', async () => {
    const missing = await files((d) => `dataDir=${d}\ndynamicConfigFile=absent.dynamic\n`, {})
    const error = await loadZooCfg(missing).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(String(error)).toMatch(/zoo\.cfg:2: cannot read dynamicConfigFile .*absent\.dynamic/)
    const empty = await files((d) => `dataDir=${d}\ndynamicConfigFile=dyn\n`, { dyn: '# nothing\n' })
    await expect(loadZooCfg(empty)).rejects.toThrow(/dyn: the dynamic configuration file declares no server\.N line/)
  })
})

describe('standaloneEnabled', () => {
  it('runs one participant as an ensemble of one when false, and refuses observers without a quorum', async () => {
    const alone = await files((d) => `dataDir=${d}\nstandaloneEnabled=false\nserver.1=127.0.0.1:2888:3888;2181\n`, { myid: '1' })
    const launch = await loadLaunch(alone)
    expect([launch.myid, launch.config.standaloneEnabled]).toEqual([1, false])
    const standalone = await files((d) => `dataDir=${d}\nserver.1=127.0.0.1:2888:3888;2181\n`, {})
    expect((await loadLaunch(standalone)).myid).toBeUndefined()
    const observers = await files((d) => `dataDir=${d}\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889:observer\n`, {})
    await expect(loadZooCfg(observers)).rejects.toThrow(/observers without a quorum/)
    const none = await files((d) => `dataDir=${d}\nstandaloneEnabled=false\nserver.2=127.0.0.1:2889:3889:observer\n`, {})
    await expect(loadZooCfg(none)).rejects.toThrow(/observers without participants/)
  })
})
