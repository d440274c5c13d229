/** The JSON contract (schema v1): the report with sensitive values resolved. */
import type { Report } from '../engine/types.js'
import { createRedactor, resolveForOutput } from './redact.js'

export function reportToJson(report: Report, o: { redact: boolean }): Report {
  return resolveForOutput(report, createRedactor(report, o.redact), o.redact)
}

export function renderJson(report: Report, o: { redact: boolean }): string {
  return `${JSON.stringify(reportToJson(report, o), null, 2)}\n`
}
