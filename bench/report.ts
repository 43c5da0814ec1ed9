/**
 * The shape every benchmark reports in, and the text table. A suite returns named figures,
 * each next to a floor measured in the same run (the machine is noisy, so the ratio is the
 * number to watch); `info` holds the context (sample counts, setup times, network state).
 * Later suites add their own key next to "foundation" in the JSON; nothing here is per-suite.
 */

export interface Figure {
  /** what was measured, one line */
  what: string
  value: number
  unit: string
  /** the same thing done by raw libp2p / node:crypto with no Hearth, in the same run and unit */
  floor: number | null
  /** what the floor is, one line */
  floorWhat: string | null
  /** cost relative to the floor: value / floor, or floor / value when higher is better; >= 1 means slower than the floor */
  ratio: number | null
  /** DESIGN.md section 10; null when the design sets none for this figure */
  budget: number | null
  better: 'lower' | 'higher'
  /** value within budget; null when there is no budget */
  ok: boolean | null
  /** number of samples behind value */
  n: number
}

export interface SuiteResult {
  figures: Record<string, Figure>
  info: Record<string, unknown>
}

export interface FigureInit {
  what: string
  value: number
  unit: string
  n: number
  floor?: { value: number, what: string }
  budget?: number
  better?: 'lower' | 'higher'
}

export function figure (init: FigureInit): Figure {
  const better = init.better ?? 'lower'
  const floor = init.floor?.value ?? null
  const ratio = floor === null || floor === 0 || init.value === 0
    ? null
    : round(better === 'lower' ? init.value / floor : floor / init.value, 2)
  const budget = init.budget ?? null
  const ok = budget === null ? null : better === 'lower' ? init.value <= budget : init.value >= budget
  return {
    what: init.what,
    value: round(init.value, 3),
    unit: init.unit,
    floor: floor === null ? null : round(floor, 3),
    floorWhat: init.floor?.what ?? null,
    ratio,
    budget,
    better,
    ok,
    n: init.n
  }
}

export function round (x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function num (x: number, unit: string): string {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2
  return `${x.toFixed(digits)} ${unit}`
}

/** A plain-text table: one row per figure, then what each floor is. */
export function formatTable (suites: Record<string, SuiteResult>): string {
  const lines: string[] = []
  for (const [suite, result] of Object.entries(suites)) {
    const head = ['figure', 'value', 'floor', 'ratio', 'budget', 'ok', 'n']
    const rows = Object.entries(result.figures).map(([name, f]) => [
      name,
      num(f.value, f.unit),
      f.floor === null ? '-' : num(f.floor, f.unit),
      f.ratio === null ? '-' : `${f.ratio.toFixed(2)}x`,
      f.budget === null ? '-' : `${f.better === 'lower' ? '<=' : '>='} ${f.budget} ${f.unit}`,
      f.ok === null ? '-' : f.ok ? 'yes' : 'NO',
      String(f.n)
    ])
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
    const fmt = (r: string[]): string => r.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  ')
    lines.push(`== ${suite}`, fmt(head), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(fmt), '')
    for (const [name, f] of Object.entries(result.figures)) {
      lines.push(`  ${name}: ${f.what}`)
      if (f.floorWhat !== null) lines.push(`  ${' '.repeat(name.length)}  floor: ${f.floorWhat}`)
    }
    if (Object.keys(result.info).length > 0) {
      lines.push('', '  context:')
      for (const [k, v] of Object.entries(result.info)) lines.push(`    ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    }
    lines.push('')
  }
  return lines.join('\n')
}
