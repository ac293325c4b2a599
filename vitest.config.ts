import { defineConfig } from 'vitest/config'

// Test layers (see DESIGN.md "Testing layers"): unit and sim are pure and tick a virtual clock;
// integration and interop touch sockets and real time.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'sim', include: ['test/sim/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        // The web console in Debian's Chromium (playwright-core; skipped when /usr/bin/chromium is absent).
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'interop', include: ['test/interop/**/*.test.ts'], testTimeout: 60_000 },
      },
    ],
    typecheck: { enabled: false },
  },
})
