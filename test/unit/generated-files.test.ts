/**
 * oclif.manifest.json and the README command reference are generated from the commands and
 * committed; regenerate both in a scratch copy of the package and compare.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/run-cli.js'

const OCLIF = join(ROOT, 'node_modules', 'oclif', 'bin', 'run.js')
let scratch: string

function commandsSection(readme: string): string {
  const start = readme.indexOf('<!-- commands -->')
  const end = readme.indexOf('<!-- commandsstop -->')
  return readme.slice(start, end)
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'eksdoctor-generated-'))
  for (const file of ['package.json', 'README.md', 'tsconfig.json']) cpSync(join(ROOT, file), join(scratch, file))
  // relativePath in the manifest follows real paths, so dist must be a copy, not a link.
  cpSync(join(ROOT, 'dist'), join(scratch, 'dist'), { recursive: true })
  symlinkSync(join(ROOT, 'src'), join(scratch, 'src'))
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'))
})

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('generated files are current', () => {
  it('oclif.manifest.json matches the commands', () => {
    execFileSync(process.execPath, [OCLIF, 'manifest'], { cwd: scratch, timeout: 60_000, stdio: 'pipe' })
    const fresh = JSON.parse(readFileSync(join(scratch, 'oclif.manifest.json'), 'utf8'))
    const committed = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
    expect(committed, 'run `npm run manifest` and commit oclif.manifest.json').toEqual(fresh)
  }, 60_000)

  it('the README command reference matches `oclif readme`', () => {
    execFileSync(process.execPath, [OCLIF, 'readme', '--no-aliases'], { cwd: scratch, timeout: 60_000, stdio: 'pipe' })
    const fresh = commandsSection(readFileSync(join(scratch, 'README.md'), 'utf8'))
    const committed = commandsSection(readFileSync(join(ROOT, 'README.md'), 'utf8'))
    expect(fresh.length).toBeGreaterThan(100)
    expect(committed, 'run `npm run readme` and commit README.md').toBe(fresh)
  }, 60_000)
})

describe('README check ids', () => {
  it('list every probe of the registry', () => {
    const table = execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'probes', '--markdown'], { encoding: 'utf8', timeout: 30_000 })
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('<!-- checks -->') + '<!-- checks -->\n'.length, readme.indexOf('<!-- checksstop -->'))
    expect(section, 'run `npm run readme` and commit README.md').toBe(table)
  })
})

describe('README IAM permissions', () => {
  /**
   * Every action the AWS code sends on the wire: EC2's Query actions (`client.call('X'`, `pages(o, 'X'`)
   * and the SDK commands (`new XCommand(`), each under the service whose SDK package exports it.
   */
  async function actionsSent(dir: string): Promise<string[]> {
    const sdks = await Promise.all((['eks', 'iam', 'sts'] as const).map(async (service) => ({ service, exports: new Set(Object.keys(await import(`@aws-sdk/client-${service}`))) })))
    const found = new Set<string>()
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
      const text = readFileSync(join(dir, entry.name), 'utf8')
      for (const m of text.matchAll(/(?:client\.call|pages)\((?:o, )?'([A-Z][A-Za-z]+)'/g)) found.add(`ec2:${m[1]}`)
      for (const m of text.matchAll(/new (\w+)Command\(/g)) {
        const sdk = sdks.find((s) => s.exports.has(`${m[1]}Command`))
        if (!sdk) throw new Error(`${m[1]}Command is in no SDK client package`)
        found.add(`${sdk.service}:${m[1]}`)
      }
    }
    return [...found].sort()
  }

  it('the policy grants every action eksdoctor sends, and nothing else', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const open = readme.indexOf('```json', readme.indexOf('## IAM permissions')) + '```json'.length
    const policy = JSON.parse(readme.slice(open, readme.indexOf('```', open)))
    const granted: string[] = policy.Statement.flatMap((s: { Action: string[] }) => s.Action)
    // GetCallerIdentity needs no permission (the README says so under the policy).
    const sent = (await actionsSent(join(ROOT, 'src', 'aws'))).filter((a) => a !== 'sts:GetCallerIdentity')
    expect(sent.length).toBeGreaterThan(20)
    expect([...granted].sort()).toEqual(sent)
  })
})
