#!/usr/bin/env node
// kubectl runs `eksdoctor token` for every command: it is served before oclif loads.
let served = false
if (process.argv[2] === 'token') {
  const { serveToken } = await import('../dist/token/fast-path.js')
  served = await serveToken(process.argv.slice(3))
}
if (!served) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
