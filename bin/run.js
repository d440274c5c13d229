#!/usr/bin/env node
// kubectl runs `eksdoctor token` for every command: a cached token is printed before oclif loads.
let served = false
if (process.argv[2] === 'token') {
  const { printCachedToken } = await import('../dist/token/fast-path.js')
  served = await printCachedToken(process.argv.slice(3))
}
if (!served) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
