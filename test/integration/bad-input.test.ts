/** Bad input gets one clear line and exit 2 (or its category), never a stack trace, and JSON stays JSON. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cleanEnv, runCli } from '../helpers/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'eksdoctor-bad-'))
const malformed = join(dir, 'malformed.yaml')
writeFileSync(malformed, 'apiVersion: v1\nclusters:\n  - name: a\n    cluster: {server: https://x\n  bad: [\n')
const oneContext = join(dir, 'one.yaml')
writeFileSync(
  oneContext,
  'apiVersion: v1\ncurrent-context: staging\ncontexts:\n- name: staging\n  context: {cluster: s, user: u}\nclusters:\n- name: s\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {}\n',
)

const CASES: { name: string; args: string[]; env?: Record<string, string>; code: string; message: RegExp }[] = [
  { name: 'no kubeconfig', args: ['check'], code: 'KUBECONFIG_NOT_FOUND', message: /no kubeconfig found .*--cluster NAME --region R/ },
  { name: 'missing --kubeconfig file', args: ['check', '--kubeconfig', join(dir, 'nope.yaml')], code: 'KUBECONFIG_NOT_FOUND', message: /nope\.yaml does not exist/ },
  { name: 'malformed kubeconfig', args: ['check', '--kubeconfig', malformed], code: 'KUBECONFIG_INVALID', message: /malformed\.yaml is not valid YAML/ },
  { name: 'unknown context', args: ['check', '--kubeconfig', oneContext, '--context', 'stagin'], code: 'CONTEXT_NOT_FOUND', message: /context "stagin" is not in .*did you mean staging\?/ },
  { name: 'invalid cluster name', args: ['check', '--cluster', '-bad name', '--region', 'us-east-1'], code: 'INVALID_CLUSTER_NAME', message: /not a valid EKS cluster name/ },
  { name: 'endpoint not https', args: ['check', '--endpoint', 'http://10.1.2.3'], code: 'INVALID_ENDPOINT', message: /must use https, not http/ },
  { name: 'unknown region', args: ['check', '--cluster', 'good', '--region', 'us-eats-1'], code: 'UNKNOWN_REGION', message: /unknown AWS region "us-eats-1"; did you mean us-east-1/ },
  { name: 'no region at all', args: ['check', '--cluster', 'good'], code: 'NO_REGION', message: /no region for cluster "good"/ },
  { name: 'conflicting flags', args: ['check', '--endpoint', 'https://127.0.0.1', '--context', 'x'], code: 'CONFLICTING_FLAGS', message: /cannot be combined/ },
  { name: 'unknown flag', args: ['check', '--bogus'], code: 'USAGE', message: /bogus/ },
  { name: 'bad --format', args: ['check', '--format', 'yaml'], code: 'USAGE', message: /yaml/ },
  { name: '--regions without --all', args: ['check', '--regions', 'eu-west-1'], code: 'USAGE', message: /All of the following must be provided when using --regions: --all$/ },
]

describe('bad input', () => {
  for (const c of CASES) {
    it(`${c.name}: one line, exit 2`, async () => {
      const run = await runCli(c.args, { env: c.env ? cleanEnv(c.env) : undefined })
      expect(run.exitCode).toBe(2)
      const lines = run.stderr.trim().split('\n')
      expect(lines[0]).toMatch(c.message)
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(lines.length).toBeLessThanOrEqual(2)
    })

    it(`${c.name}: --json prints the error object on stdout`, async () => {
      const run = await runCli([...c.args, '--json'], { env: c.env ? cleanEnv(c.env) : undefined })
      expect(run.exitCode).toBe(2)
      expect(run.json).toEqual({ schemaVersion: 1, error: { code: c.code, message: expect.stringMatching(c.message) } })
    })

    if (!c.args.includes('--format')) {
      it(`${c.name}: --format json is the same JSON mode, the error object on stdout`, async () => {
        const run = await runCli([...c.args, '--format', 'json'], { env: c.env ? cleanEnv(c.env) : undefined })
        expect(run.exitCode).toBe(2)
        expect(run.json).toEqual({ schemaVersion: 1, error: { code: c.code, message: expect.stringMatching(c.message) } })
        expect(run.stderr).toBe('')
      })
    }
  }

  it('leaves a malformed kubeconfig byte-identical', async () => {
    const { readFileSync } = await import('node:fs')
    const before = readFileSync(malformed)
    await runCli(['check', '--kubeconfig', malformed])
    expect(readFileSync(malformed).equals(before)).toBe(true)
  })
})
