// Method: serverStartOf on process command lines as /proc shows them: the CLI's module and the
// bundled command are recognised with their configuration file, anything else is not.
import { describe, expect, it } from 'vitest'
import { serverStartOf } from '../../../lib/cli/pid-file.js'

const node = '/usr/bin/node'

describe('serverStartOf', () => {
  it('recognises start-foreground from the CLI module and from the bundled command', () => {
    for (const entry of ['/app/node_modules/paddock/dist/lib/cli/main.js', '/app/node_modules/paddock/dist/lib/bin/paddock.cjs']) {
      expect(serverStartOf([node, entry, 'server', 'start-foreground', 'conf/zoo.cfg'], '/srv')).toEqual({ configFile: '/srv/conf/zoo.cfg', cwd: '/srv' })
      expect(serverStartOf([node, entry, 'server', 'start-foreground'], '/srv')).toEqual({ configFile: undefined, cwd: '/srv' })
    }
  })

  it('refuses other programs, other commands and entries in the wrong folder', () => {
    expect(serverStartOf([node, '/app/dist/lib/bin/paddock.cjs', 'shell'], '/srv')).toBeUndefined()
    expect(serverStartOf([node, '/app/dist/lib/bin/paddock.cjs', 'server', 'start-foreground', 'a.cfg', 'b.cfg'], '/srv')).toBeUndefined()
    expect(serverStartOf([node, '/app/dist/lib/cli/paddock.cjs', 'server', 'start-foreground'], '/srv')).toBeUndefined()
    expect(serverStartOf([node, '/app/dist/lib/bin/main.js', 'server', 'start-foreground'], '/srv')).toBeUndefined()
    expect(serverStartOf(['/bin/sleep', '100'], '/srv')).toBeUndefined()
  })
})
