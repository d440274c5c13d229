#!/usr/bin/env node
// Splice the output of `eksdoctor probes --markdown` into README.md between the checks markers.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const table = execFileSync(process.execPath, ['bin/run.js', 'probes', '--markdown'], { encoding: 'utf8', timeout: 30_000 })
const readme = readFileSync('README.md', 'utf8')
const start = readme.indexOf('<!-- checks -->')
const end = readme.indexOf('<!-- checksstop -->')
if (start < 0 || end < 0) throw new Error('README.md lacks the <!-- checks --> markers')
writeFileSync('README.md', `${readme.slice(0, start)}<!-- checks -->\n${table}${readme.slice(end)}`)
