import { defineConfig } from 'vitest/config'

// Most of the suite waits on sockets, child processes, emulators and timeouts, not on the CPU: on
// CI's two cores, four files at once take the wall time from the sum of the files to the longest.
export default defineConfig({
  test: {
    maxWorkers: 4,
    // Files share the cores: a test that runs the CLI and kubectl a few times needs more than 5 s then.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
