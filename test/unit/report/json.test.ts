import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject } from 'ajv'
import { describe, expect, it } from 'vitest'
import { renderJson, reportToJson } from '../../../src/report/json.js'
import { REPORT_FIXTURES, sgIntermittentReport } from '../../fixtures/reports/index.js'

const SCHEMA_URL = new URL('../../../src/report/report.v1.schema.json', import.meta.url)

/** A copy of the schema without `format` keywords (ajv-formats is not a dependency). */
function withoutFormats(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutFormats)
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'format').map(([k, v]) => [k, withoutFormats(v)]))
  }
  return node
}

// ajv-formats is not a dependency today: then the date-time format is dropped from the schema and
// startedAt is checked by hand below. Should it be installed, it checks the formats itself.
const HAS_AJV_FORMATS = existsSync(new URL('../../../node_modules/ajv-formats/package.json', import.meta.url))
const rawSchema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>
const schema = (HAS_AJV_FORMATS ? rawSchema : withoutFormats(rawSchema)) as Record<string, unknown>
const ajv = new Ajv({ allErrors: true, strict: false })
if (HAS_AJV_FORMATS) {
  const formats = createRequire(import.meta.url)('ajv-formats') as { default: (a: Ajv) => Ajv }
  formats.default(ajv)
}
const validate = ajv.compile(schema)

function check(value: unknown): { valid: boolean; errors: ErrorObject[] } {
  const valid = validate(value)
  return { valid, errors: validate.errors ?? [] }
}

const validReport = () => JSON.parse(renderJson(sgIntermittentReport, { redact: false })) as Record<string, any>

describe('report.v1.schema.json', () => {
  it('is a draft-07 schema with both branches: a report and an error', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(schema.oneOf).toEqual([{ $ref: '#/definitions/report' }, { $ref: '#/definitions/errorReport' }])
    if (!HAS_AJV_FORMATS) expect(JSON.stringify(schema)).not.toContain('"format"')
  })
})

describe('reportToJson output validates against the schema', () => {
  const cases = REPORT_FIXTURES.flatMap((f) => [false, true].map((redact) => ({ ...f, redact })))

  it.each(cases)('$name (redact: $redact)', ({ report, redact }) => {
    const out = reportToJson(report, { redact })
    expect(check(out)).toEqual({ valid: true, errors: [] })
    // What is printed on stdout parses back to the same object, still valid.
    const printed = renderJson(report, { redact })
    expect(printed.endsWith('}\n')).toBe(true)
    expect(JSON.parse(printed)).toEqual(out)
    expect(check(JSON.parse(printed)).valid).toBe(true)
    expect(new Date(out.startedAt).toISOString()).toBe(out.startedAt)
  })
})

describe('the error object of exits 1 and 2', () => {
  it('validates', () => {
    expect(check({ schemaVersion: 1, error: { code: 'USAGE', message: 'Unexpected argument: --clutser' } })).toEqual({ valid: true, errors: [] })
  })

  it('fails without a message or with another schema version', () => {
    expect(check({ schemaVersion: 1, error: { code: 'UNEXPECTED' } }).valid).toBe(false)
    expect(check({ schemaVersion: 2, error: { code: 'UNEXPECTED', message: 'boom' } }).valid).toBe(false)
  })
})

describe('invalid reports fail validation', () => {
  it('a report without a verdict', () => {
    const report = validReport()
    delete report.verdict
    const { valid, errors } = check(report)
    expect(valid).toBe(false)
    expect(errors).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'verdict' } }))
  })

  it('a verdict with an unknown category', () => {
    const report = validReport()
    report.verdict.category = 'firewall'
    const { valid, errors } = check(report)
    expect(valid).toBe(false)
    expect(errors.some((e) => e.instancePath === '/verdict/category')).toBe(true)
  })

  it('a fix with an unknown category', () => {
    const report = validReport()
    report.fixes[0].category = 'nacl'
    const { valid, errors } = check(report)
    expect(valid).toBe(false)
    expect(errors.some((e) => e.instancePath === '/fixes/0/category')).toBe(true)
  })

  it.each(['tcp-connect', 'network', 'firewall.tcp-connect', 'network.TCP_CONNECT', 'network.tcp.connect'])('a check id %s that is not layer.name', (id) => {
    const report = validReport()
    report.checks[10].id = id
    const { valid, errors } = check(report)
    expect(valid).toBe(false)
    expect(errors).toContainEqual(expect.objectContaining({ instancePath: '/checks/10/id', keyword: 'pattern' }))
  })

  it('a rootCause that is not layer.name', () => {
    const report = validReport()
    report.verdict.rootCause = 'tcp'
    const { valid, errors } = check(report)
    expect(valid).toBe(false)
    expect(errors.some((e) => e.instancePath === '/verdict/rootCause')).toBe(true)
  })
})
