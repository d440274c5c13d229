#!/usr/bin/env node
// Where start-up time goes: run a command under --cpu-prof and sum self time by package.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2).length ? process.argv.slice(2) : ['--version']
const dir = mkdtempSync(join(tmpdir(), 'eksdoctor-prof-'))
try {
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'bin/run.js', ...args], { stdio: 'ignore', timeout: 60_000 })
} catch {
  // A non-zero exit (a failing check) still leaves its profile.
}
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'))
rmSync(dir, { recursive: true, force: true })
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const interval = (profile.endTime - profile.startTime) / profile.samples.length
const selfMs = new Map()
for (const id of profile.samples) {
  const url = byId.get(id)?.callFrame.url ?? ''
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  const key = m ? m[1] : url.includes('/dist/') ? 'eksdoctor (dist)' : url.startsWith('node:') ? 'node internals' : url ? 'other' : '(idle/gc/native)'
  selfMs.set(key, (selfMs.get(key) ?? 0) + interval / 1000)
}
const total = (profile.endTime - profile.startTime) / 1000
console.log(`eksdoctor ${args.join(' ')}: ${total.toFixed(0)} ms profiled`)
for (const [key, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${ms.toFixed(0).padStart(5)} ms  ${key}`)
